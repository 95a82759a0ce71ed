"""One table per resource: both adapters serve what `rules.served` lists, from the table alone."""

from __future__ import annotations

from datadog_crossorg.client import Connection
from datadog_crossorg.connection_access import ConnectionAccessProvider
from datadog_crossorg.dynamic.notebook import CrossOrgNotebookProvider
from datadog_crossorg.dynamic.provider_base import TableProvider
from datadog_crossorg.native import provider as native_provider
from datadog_crossorg.native import schema
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.rules import connections
from datadog_crossorg.rules.served import NATIVE, SERVED


def test_every_served_table_has_a_dynamic_provider_that_only_reads_it() -> None:
    providers = (OrgConnectionProvider, ConnectionAccessProvider, CrossOrgNotebookProvider)
    assert {p.rules.declaration.name for p in providers} == {t.declaration.name for t in SERVED}
    for provider in providers:
        assert issubclass(provider, TableProvider)
        own = {"check", "diff", "create", "read", "update", "delete"} & set(vars(provider))
        assert own == set(), f"{provider.__name__} restates {own}: the table says it"


def test_the_native_plugin_serves_and_describes_exactly_the_native_tables() -> None:
    tokens = {t.declaration.native_token for t in NATIVE}
    assert set(native_provider._RULES) == tokens
    assert {d.native_token for d in schema.RESOURCES} == tokens
    assert set(schema.build()["resources"]) == tokens


def test_outputs_and_inputs_carry_the_declarations_names() -> None:
    conn = Connection("c1", "src", "snk", ("metrics", "logs"), "2025-01-01T00:00:00+00:00")
    outs = connections.outputs(conn, "payments", False)
    assert tuple(outs) == ORG_CONNECTION.output_names
    assert outs["connection_id"] == "c1" and outs["connection_types"] == ["logs", "metrics"]
    assert connections.inputs(conn, None, False) == {
        "sink_org_id": "snk",
        "connection_types": ["logs", "metrics"],
        "adopt": False,
    }
