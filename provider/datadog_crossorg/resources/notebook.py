"""`CrossOrgNotebook`, declared once: a notebook whose cells may read other orgs' data.

pulumi-datadog has no notebook resource, and Terraform's `datadog_notebook` takes only legacy `q`
requests, which cannot carry `cross_org_uuids`: so this resource is ours, over
`/api/v1/notebooks`. Served by the dynamic provider only.
"""

from __future__ import annotations

from datadog_crossorg.resources import tokens
from datadog_crossorg.resources.declaration import DYNAMIC, Field, ResourceDeclaration

CROSS_ORG_NOTEBOOK = ResourceDeclaration(
    name=tokens.CROSS_ORG_NOTEBOOK_NAME,
    description="""A Datadog notebook in the org of the key pair in use, whose graph cells may read
    other orgs through org connections (`cross_org_uuids`).

    Preview makes no API call and checks every query (one org per query, a well-formed UUID, a
    data source a connection can share). A changed notebook is updated in place (one PUT);
    refresh finds a notebook changed or deleted in Datadog.""",
    id_field="notebook_id",
    native=False,
    fields=(
        Field(
            "notebook_id",
            str,
            "The notebook's id in Datadog (also the resource id).",
            input=False,
            required=True,
        ),
        Field(
            "notebook",
            str,
            """The notebook as JSON: the Notebooks API's `attributes` (name, cells, time,
            status), as `datadog_crossorg.notebooks.Notebook.to_dict()` makes it. Cell ids and
            what Datadog adds (author, created, modified) are left out.""",
            required=True,
        ),
        Field("name", str, "The notebook's name, as Datadog holds it.", input=False),
        Field("url", str, "Path of the notebook in Datadog's web app.", input=False),
        Field("author_handle", str, "Handle of the user who created it.", input=False),
        Field("created", str, "When the notebook was created (RFC 3339).", input=False),
        Field("modified", str, "When the notebook last changed (RFC 3339).", input=False),
        Field(
            "org",
            str,
            """Key pair of the org the notebook lives in: a name under stack config
            `datadog-crossorg:orgs`; unset, the default key pair. Changing it replaces the
            notebook.""",
            replaces=True,
            adapters=frozenset({DYNAMIC}),
        ),
    ),
)
