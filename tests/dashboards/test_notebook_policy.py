"""The policy pack on `CrossOrgNotebook` resources: the query rules per resource, the connection
rule for the stack (into the org of the notebook's key pair when the stack tells it), and the
OrgConnection props the pack reads, derived from the resource's declaration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import PolicyResource

import datadog_crossorg.native
from datadog_crossorg.dashboards import CIPipelinesQuery, CITestsQuery, LogsQuery, Timeseries
from datadog_crossorg.notebooks import Cell, Markdown, Notebook
from datadog_crossorg.policy.rules import CONNECTION_FIELDS, NOTEBOOK, key_pair_orgs, plain
from datadog_crossorg.resources.org_connection import ORG_CONNECTION as DECLARED_CONNECTION
from datadog_crossorg.resources.tokens import (
    CROSS_ORG_NOTEBOOK,
    NATIVE_ORG_CONNECTION,
    ORG_CONNECTION,
)
from datadog_crossorg.rules.values import UNKNOWN
from tests.dashboards.policy_support import (
    policy_resource,
    resource_violations,
    stack_violations,
    urn,
)
from tests.support.seed import EDGE, HUB, PAY

ASSUMED_NOTE = (
    "assumed: Datadog documents no connection type for CI Visibility; pipelines and tests events "
    "travel with logs"
)


def notebook_props(*queries: Any, org: Any = None) -> dict[str, Any]:
    """A CrossOrgNotebook's props: `notebook` is the attributes as JSON text, `org` a key pair."""
    book = Notebook("CI", [Markdown("# CI"), Cell(Timeseries("W", list(queries)))])
    return {"notebook": json.dumps(book.to_dict()), "org": org}


def raw_notebook_props(query: dict[str, Any], org: Any = None) -> dict[str, Any]:
    """Props whose query the builder would refuse (two UUIDs, a bad one): as a file may hold."""
    definition = {"type": "timeseries", "title": "W", "requests": [{"queries": [query]}]}
    cell = {"type": "notebook_cells", "attributes": {"definition": definition}}
    attributes = {"name": "CI", "cells": [cell], "time": {"live_span": "1h"}, "status": "published"}
    return {"notebook": json.dumps(attributes), "org": org}


def connection(
    name: str, source: Any, types: list[str], sink: str = HUB, org: Any = None
) -> PolicyResource:
    """A dynamic OrgConnection made with key pair `org` (so `source` is that key pair's org)."""
    props = {"source_org_id": source, "sink_org_id": sink, "connection_types": types, "org": org}
    return policy_resource(ORG_CONNECTION, name, props)


def native_connection(name: str, source: str, types: list[str]) -> PolicyResource:
    props = {"sourceOrgId": source, "sinkOrgId": HUB, "connectionTypes": types}
    return policy_resource(NATIVE_ORG_CONNECTION, name, props)


def notebook(props: dict[str, Any], name: str = "ci") -> PolicyResource:
    return policy_resource(CROSS_ORG_NOTEBOOK, name, props)


# -- the props the pack reads ----------------------------------------------------------------
def test_connection_fields_are_the_declarations_names_for_each_adapter() -> None:
    schema = json.loads((Path(datadog_crossorg.native.__file__).parent / "schema.json").read_text())
    native_props = set(schema["resources"][NATIVE_ORG_CONNECTION]["properties"])

    assert set(CONNECTION_FIELDS) == {ORG_CONNECTION, NATIVE_ORG_CONNECTION}
    assert CONNECTION_FIELDS[ORG_CONNECTION] == ("source_org_id", "sink_org_id", "connection_types")
    assert CONNECTION_FIELDS[NATIVE_ORG_CONNECTION] == (
        "sourceOrgId",
        "sinkOrgId",
        "connectionTypes",
    )
    assert set(CONNECTION_FIELDS[ORG_CONNECTION]) <= set(DECLARED_CONNECTION.output_names)
    assert set(CONNECTION_FIELDS[NATIVE_ORG_CONNECTION]) <= native_props  # what the plugin sends
    assert NOTEBOOK == CROSS_ORG_NOTEBOOK


# -- cross-org-query-uuids -------------------------------------------------------------------
def test_a_notebook_query_with_two_uuids_and_a_malformed_one_is_a_violation_naming_the_cell() -> (
    None
):
    props = raw_notebook_props(
        {"data_source": "ci_tests", "name": "t", "cross_org_uuids": [PAY, "edge"]}
    )

    violations = resource_violations(CROSS_ORG_NOTEBOOK, props, name="ci")

    assert violations == [
        'notebook ci: cells[0].requests[0].queries[0] (name "t") in widget "W": cross_org_uuids '
        "holds 2 UUIDs but a query reads at most one org: write one query per org and combine "
        "them in a formula",
        'notebook ci: cells[0].requests[0].queries[0] (name "t") in widget "W": cross_org_uuids '
        "'edge' is not an org UUID (8-4-4-4-12 hex digits, as in the org's settings)",
    ]


def test_a_notebook_reading_a_source_no_connection_shares_is_a_violation() -> None:
    props = raw_notebook_props({"data_source": "rum", "name": "r", "cross_org_uuids": [PAY]})

    violations = resource_violations(CROSS_ORG_NOTEBOOK, props, name="ci")

    assert len(violations) == 1
    assert "data_source 'rum' cannot read another org" in violations[0]
    assert violations[0].startswith("notebook ci: cells[0]")


def test_notebooks_unknown_in_preview_not_json_or_without_cross_org_queries_pass() -> None:
    own = notebook_props(LogsQuery("err", "status:error"))

    assert resource_violations(CROSS_ORG_NOTEBOOK, {"notebook": UNKNOWN, "org": None}) == []
    assert resource_violations(CROSS_ORG_NOTEBOOK, {"notebook": "{not json", "org": None}) == []
    assert resource_violations(CROSS_ORG_NOTEBOOK, {"notebook": "[1, 2]", "org": None}) == []
    assert resource_violations(CROSS_ORG_NOTEBOOK, own) == []
    assert (
        resource_violations(CROSS_ORG_NOTEBOOK, notebook_props(CITestsQuery("t", source=PAY))) == []
    )


# -- cross-org-source-connected --------------------------------------------------------------
def test_the_notebooks_org_is_its_key_pairs_when_a_connection_of_the_stack_tells_it() -> None:
    connections = [
        connection("pay-to-hub", PAY, ["logs"], org="payments"),
        connection("edge-to-hub", EDGE, ["metrics"], org="edge"),
        connection("hub-to-edge", HUB, ["metrics"], sink=EDGE),  # the default key pair's org
        connection("later", UNKNOWN, ["metrics"], org="search"),  # not known yet
    ]

    orgs = key_pair_orgs([(r, plain(r.props)) for r in connections])

    assert orgs == {"payments": PAY, "edge": EDGE, None: HUB}


def test_a_notebook_in_the_hub_reading_ci_over_a_metrics_only_connection_is_a_violation() -> None:
    book = notebook(notebook_props(CIPipelinesQuery("pipes", source=PAY)))  # default key pair

    violations = stack_violations(
        connection("pay-to-hub", PAY, ["metrics"], org="payments"),
        connection("hub-to-edge", HUB, ["metrics"], sink=EDGE),  # tells the default pair's org
        book,
    )

    assert violations == [
        (
            'notebook ci: cells[1].requests[0].queries[0] (name "pipes") in widget "W": reads '
            f"ci_pipelines of org {PAY} but connection pay-to-hub from that org to the notebook's "
            f"org {HUB} shares only metrics: add logs to its connection_types. ci_pipelines "
            f"queries need a connection sharing logs ({ASSUMED_NOTE})",
            book.urn,
        )
    ]


def test_a_notebook_of_another_org_cannot_read_through_the_hubs_connection() -> None:
    props = notebook_props(LogsQuery("err", "status:error", source=PAY), org="edge")
    pay_to_hub = connection("pay-to-hub", PAY, ["logs"], org="payments")

    known = stack_violations(
        pay_to_hub, connection("edge-to-hub", EDGE, ["metrics"], org="edge"), notebook(props)
    )
    unknown = stack_violations(pay_to_hub, notebook(props))  # no connection tells edge's org

    assert [message.split(": ", 2)[2] for message, _ in known] == [
        f"reads logs of org {PAY}, which is connected to {HUB} but not to the notebook's org "
        f"{EDGE}: create the notebook with that org's keys, or connect {PAY} to {EDGE}"
    ]
    assert unknown == []  # checked against connections into any org, as a dashboard without one


def test_a_notebook_reading_an_unconnected_org_is_a_violation_even_without_its_org() -> None:
    book = notebook(notebook_props(CITestsQuery("tests", source=EDGE)), name="tests")

    violations = stack_violations(connection("pay-to-hub", PAY, ["logs"], org="payments"), book)

    assert [(m.split(": ")[0], u) for m, u in violations] == [("notebook tests", book.urn)]
    assert f"reads ci_tests of org {EDGE} but no org connection from that org" in violations[0][0]
    assert "the notebook's org exists" in violations[0][0]


@pytest.mark.parametrize("org", [UNKNOWN, None])
def test_an_unknown_connection_waits_and_a_notebook_whose_org_is_not_told_reads_any_org(
    org: Any,
) -> None:
    book = notebook(notebook_props(CIPipelinesQuery("pipes", source=PAY), org=org))

    pending = stack_violations(connection("pay-to-hub", UNKNOWN, ["metrics"], org="payments"), book)
    any_org = stack_violations(
        connection("pay-to-edge", PAY, ["logs"], sink=EDGE, org="payments"), book
    )

    assert pending == [] and any_org == []


def test_a_native_org_connection_counts_for_notebooks_like_the_dynamic_one() -> None:
    book = notebook(notebook_props(CIPipelinesQuery("pipes", source=PAY)))

    connected = stack_violations(native_connection("pay", PAY, ["logs", "metrics"]), book)
    short = stack_violations(native_connection("pay", PAY, ["audit"]), book)

    assert connected == []
    assert [m.split("shares only ")[1].split(":")[0] for m, _ in short] == ["audit"]


def test_the_served_pack_reports_a_notebook_violation_to_the_cli(
    served_pack: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    properties = struct_pb2.Struct()
    properties.update(
        raw_notebook_props(
            {"data_source": "ci_pipelines", "name": "p", "cross_org_uuids": [PAY, EDGE]}
        )
    )

    answer = served_pack.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=CROSS_ORG_NOTEBOOK,
            properties=properties,
            urn=urn(CROSS_ORG_NOTEBOOK, "ci"),
            name="ci",
        ),
        timeout=10,
    )

    assert [(d.policyName, d.enforcementLevel) for d in answer.diagnostics] == [
        ("cross-org-query-uuids", analyzer_pb2.MANDATORY)
    ]
    assert answer.diagnostics[0].message.endswith(
        'notebook ci: cells[0].requests[0].queries[0] (name "p") in widget "W": cross_org_uuids '
        "holds 2 UUIDs but a query reads at most one org: write one query per org and combine "
        "them in a formula"
    )
