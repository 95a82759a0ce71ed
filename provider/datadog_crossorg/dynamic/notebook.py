"""`CrossOrgNotebook`: a checked cross-org notebook as a Pulumi dynamic resource.

Its schema is `resources.notebook.CROSS_ORG_NOTEBOOK`; every rule is in `rules.notebooks`. The
program side resolves the notebook's sources and checks its queries against the stack's
connections before anything is sent (`dashboards.resolve`, as `CrossOrgDashboard` does); the
provider checks the queries again at preview (Check) and makes one API call per operation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from datadog_crossorg.dashboards.resolve import Document, resolve_checked
from datadog_crossorg.dynamic.provider_base import DeclaredResource, TableProvider
from datadog_crossorg.resources.notebook import CROSS_ORG_NOTEBOOK
from datadog_crossorg.rules import notebooks
from datadog_crossorg.rules.queries import NotebookInvalid, notebook_queries


class CrossOrgNotebookProvider(
    TableProvider, declaration=CROSS_ORG_NOTEBOOK, rules="datadog_crossorg.rules.notebooks"
):
    """CRUD for notebooks over `/api/v1/notebooks`, one API call per operation.

    The instance pickles to nothing; methods may run on several threads at once.
    """


class CrossOrgNotebook(DeclaredResource, provider=CrossOrgNotebookProvider):
    """A notebook in an org (the key pair `org`, or the default one) whose cells read others.

        CrossOrgNotebook("ci-health", Notebook("CI health", [Cell(failed_pipelines)]),
                         connections=[payments_to_hub], org="hub")

    `notebook`: a `Notebook`, its attributes (dict) or their JSON text. `connections`: the
    OrgConnection resources to check the queries against and depend on (those the queries
    read are added); `sink_org_id`: the notebook's org, for that check (default: the sink of the
    first connection a query reads). A query breaking a rule fails the program with
    `NotebookInvalid` naming the cell and the query, and nothing is sent.
    """

    def __init__(
        self,
        resource_name: str,
        notebook: Document | Mapping[str, Any] | str | None = None,
        org: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        connections: Sequence[Any] | None = None,
        sink_org_id: pulumi.Input[str] | None = None,
        args: Any = None,
    ) -> None:
        if args is not None:
            notebook, org = args.notebook, args.org
        if isinstance(notebook, str):
            notebook = notebooks.notebook_of(notebook)
        if notebook is None:
            raise TypeError(f"{resource_name}: CrossOrgNotebook needs a notebook")
        resolved = resolve_checked(
            resource_name,
            notebook,
            queries_of=notebook_queries,
            invalid=NotebookInvalid,
            connections=connections,
            org_id=sink_org_id,
        )
        text = resolved.document.apply(notebooks.state_text)
        merged = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=resolved.depends_on)
        )
        super().__init__(resource_name, notebook=text, org=org, opts=merged)


CrossOrgNotebookArgs = CrossOrgNotebook.Args
