"""`OrgConnection`, declared once: what the user declares, what Datadog reports, what replaces."""

from __future__ import annotations

from datadog_crossorg.resources import tokens
from datadog_crossorg.resources.declaration import DYNAMIC, Field, ResourceDeclaration

ORG_CONNECTION = ResourceDeclaration(
    name=tokens.ORG_CONNECTION_NAME,
    description="""A Datadog org connection: the source org (the key pair in use) shares
    `connectionTypes` with the sink org.

    Preview needs no keys and makes no API call. Types change in place; a new sink replaces the
    connection, creating the new one before deleting the old so sharing never stops. Refresh
    finds connections deleted or changed out of band. `pulumi import` takes the connection id.""",
    id_field="connection_id",
    fields=(
        Field(
            "connection_id",
            str,
            "The connection's id in Datadog (also the resource id).",
            input=False,
            required=True,
        ),
        Field(
            "source_org_id",
            str,
            "UUID of the org that shares its data (the org of the key pair in use).",
            input=False,
            required=True,
        ),
        Field("source_org_name", str, "Name of the source org.", input=False),
        Field(
            "sink_org_id",
            str,
            """UUID of the org that receives the data (the sink), in the same Datadog account
            and site as the source org. Changing it replaces the connection.""",
            required=True,
            replaces=True,
        ),
        Field("sink_org_name", str, "Name of the sink org.", input=False),
        Field(
            "connection_types",
            list[str],
            """What the source org shares: any of `audit`, `logs`, `metrics`, each once (order
            does not matter). Changed in place.""",
            required=True,
            output_description="The shared types, sorted.",
        ),
        Field(
            "created_at",
            str,
            "When the connection was created (RFC 3339).",
            input=False,
            required=True,
        ),
        Field("created_by", str, "UUID of the user who created the connection.", input=False),
        Field("created_by_name", str, "Name of the user who created the connection.", input=False),
        Field(
            "org",
            str,
            """Key pair of the SOURCE org: a name under stack config `datadog-crossorg:orgs`;
            unset, the default key pair (`datadog:apiKey`). Changing it replaces the
            connection.""",
            replaces=True,
            adapters=frozenset({DYNAMIC}),
        ),
        Field(
            "adopt",
            bool,
            """Take over a connection from this org to the sink that already exists in Datadog
            (its types are then set to `connectionTypes`). Without it such a connection fails the
            create, saying how to take it over. Default false.""",
            default=False,
        ),
    ),
)
