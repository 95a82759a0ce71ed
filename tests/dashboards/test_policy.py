"""The policy pack: its policies called directly, and the pack served over the analyzer protocol."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import PolicyResource

from datadog_crossorg.resources.tokens import (
    CROSS_ORG_DASHBOARD,
    DASHBOARD_JSON,
    NATIVE_ORG_CONNECTION,
    ORG_CONNECTION,
    TYPED_DASHBOARDS,
)
from datadog_crossorg.rules.values import UNKNOWN
from tests.dashboards.policy_support import (
    policy_resource,
    resource_violations,
    stack_violations,
    urn,
)
from tests.support.seed import EDGE, HUB, PAY

TYPED, TYPED_V2 = TYPED_DASHBOARDS


def json_props(*queries: dict[str, Any]) -> dict[str, Any]:
    request = {"response_format": "timeseries", "queries": list(queries)}
    widget = {"definition": {"type": "timeseries", "title": "W", "requests": [request]}}
    return {"dashboard": json.dumps({"title": "T", "layout_type": "ordered", "widgets": [widget]})}


def typed_props(cross_org_uuids: str, kind: str = "metricQuery") -> dict[str, Any]:
    query = {kind: {"name": "q1", "query": "avg:x{*}", "crossOrgUuids": cross_org_uuids}}
    if kind == "eventQuery":
        query[kind]["dataSource"] = "logs"
    return {
        "title": "T",
        "layoutType": "ordered",
        "widgets": [{"timeseriesDefinition": {"title": "W", "requests": [{"queries": [query]}]}}],
    }


def test_dashboard_json_with_two_uuids_and_a_malformed_one_is_a_violation_naming_the_query() -> (
    None
):
    props = json_props({"data_source": "metrics", "name": "q1", "cross_org_uuids": [PAY, "edge"]})

    violations = resource_violations(DASHBOARD_JSON, props)

    assert violations == [
        'dashboard fleet: widgets[0].requests[0].queries[0] (name "q1") in widget "W": '
        "cross_org_uuids holds 2 UUIDs but a query reads at most one org: write one query per org "
        "and combine them in a formula",
        'dashboard fleet: widgets[0].requests[0].queries[0] (name "q1") in widget "W": '
        "cross_org_uuids 'edge' is not an org UUID (8-4-4-4-12 hex digits, as in the org's settings)",
    ]


@pytest.mark.parametrize("type_", [TYPED, TYPED_V2])
def test_typed_dashboards_carry_one_string_and_a_list_of_two_is_a_violation(type_: str) -> None:
    assert resource_violations(type_, typed_props(PAY)) == []
    assert resource_violations(type_, typed_props(f"{PAY},{EDGE}"))[0].endswith(
        "cross_org_uuids holds 2 UUIDs but a query reads at most one org: write one query per org "
        "and combine them in a formula"
    )


def test_values_unknown_in_preview_are_not_judged() -> None:
    assert resource_violations(DASHBOARD_JSON, {"dashboard": UNKNOWN}) == []
    assert resource_violations(TYPED, typed_props(UNKNOWN)) == []


def test_other_resources_and_dashboards_without_cross_org_queries_pass() -> None:
    assert resource_violations("datadog:index/monitor:Monitor", {"query": "x"}) == []
    assert (
        resource_violations(DASHBOARD_JSON, json_props({"data_source": "metrics", "name": "a"}))
        == []
    )


def connection(name: str, source: str, types: list[str]) -> PolicyResource:
    props = {"source_org_id": source, "sink_org_id": HUB, "connection_types": types, "org": name}
    return policy_resource(ORG_CONNECTION, name, props)


def native_connection(name: str, source: str, types: list[str]) -> PolicyResource:
    """The native plugin's OrgConnection: camelCase properties, as its schema names them."""
    props = {"sourceOrgId": source, "sinkOrgId": HUB, "connectionTypes": types}
    return policy_resource(NATIVE_ORG_CONNECTION, name, props)


def hub_dashboard(*queries: dict[str, Any]) -> PolicyResource:
    parent = policy_resource(CROSS_ORG_DASHBOARD, "fleet", {"sink_org_id": HUB})
    return policy_resource(DASHBOARD_JSON, "fleet", json_props(*queries), parent)


def test_stack_reading_logs_over_a_metrics_only_connection_is_a_violation_on_the_dashboard() -> (
    None
):
    dashboard = hub_dashboard(
        {"data_source": "metrics", "name": "cpu", "cross_org_uuids": [EDGE]},
        {"data_source": "logs", "name": "err", "cross_org_uuids": [EDGE]},
    )

    violations = stack_violations(connection("edge-to-hub", EDGE, ["metrics"]), dashboard)

    assert violations == [
        (
            'dashboard fleet: widgets[0].requests[0].queries[1] (name "err") in widget "W": reads '
            f"logs of org {EDGE} but connection edge-to-hub from that org to the dashboard's org "
            f"{HUB} shares only metrics: add logs to its connection_types",
            dashboard.urn,
        )
    ]


def test_stack_without_a_connection_from_the_source_is_a_violation() -> None:
    typed = policy_resource(TYPED, "typed", typed_props(PAY, kind="eventQuery"))

    violations = stack_violations(connection("edge-to-hub", EDGE, ["metrics", "logs"]), typed)

    assert [(m.split(": ")[0], u) for m, u in violations] == [("dashboard typed", typed.urn)]
    assert f"reads logs of org {PAY} but no org connection from that org" in violations[0][0]


def test_stack_with_the_needed_connections_or_one_still_unknown_passes() -> None:
    query = {"data_source": "logs", "name": "err", "cross_org_uuids": [PAY]}

    connected = stack_violations(connection("pay", PAY, ["logs", "metrics"]), hub_dashboard(query))
    pending = stack_violations(connection("pay", UNKNOWN, ["metrics"]), hub_dashboard(query))

    assert connected == [] and pending == []


def test_a_native_org_connection_counts_like_the_dynamic_one() -> None:
    logs = {"data_source": "logs", "name": "err", "cross_org_uuids": [PAY]}

    connected = stack_violations(native_connection("pay", PAY, ["logs"]), hub_dashboard(logs))
    short = stack_violations(native_connection("pay", PAY, ["metrics"]), hub_dashboard(logs))

    assert connected == []
    assert [m.split("shares only ")[1] for m, _ in short] == [
        "metrics: add logs to its connection_types"
    ]


def test_pack_served_to_the_cli_reports_the_violation_a_user_sees(
    served_pack: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    properties = struct_pb2.Struct()
    properties.update(
        json_props({"data_source": "logs", "name": "err", "cross_org_uuids": [PAY, EDGE]})
    )

    info = served_pack.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    answer = served_pack.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=DASHBOARD_JSON,
            properties=properties,
            urn=urn(DASHBOARD_JSON, "fleet"),
            name="fleet",
        ),
        timeout=10,
    )

    assert info.name == "datadog-crossorg"
    assert [p.name for p in info.policies] == [
        "cross-org-query-uuids",
        "cross-org-source-connected",
        "cross-org-flow-still-read",  # opt-in: disabled unless the pack's config enables it
    ]
    assert [(d.policyName, d.enforcementLevel) for d in answer.diagnostics] == [
        ("cross-org-query-uuids", analyzer_pb2.MANDATORY)
    ]
    assert answer.diagnostics[0].message.endswith(
        'dashboard fleet: widgets[0].requests[0].queries[0] (name "err") in widget "W": '
        "cross_org_uuids holds 2 UUIDs but a query reads at most one org: write one query per org "
        "and combine them in a formula"
    )
