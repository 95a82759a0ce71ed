"""Every cross-org rule, each problem naming widget and query (Datadog JSON and typed shapes)."""

from __future__ import annotations

from typing import Any

from datadog_crossorg.dashboards.typed import typed_queries
from datadog_crossorg.rules.queries import (
    Link,
    check_connections,
    check_document,
    check_queries,
    json_queries,
)
from datadog_crossorg.rules.values import UNKNOWN
from tests.support.seed import EU, HUB, PAY, SEARCH


def query(name: str, data_source: str = "metrics", uuids: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"data_source": data_source, "name": name, "query": "avg:x{*}"}
    if uuids is not None:
        body["cross_org_uuids"] = uuids
    return body


def dashboard(*queries: dict[str, Any], grouped: bool = False) -> dict[str, Any]:
    widget = {
        "definition": {
            "type": "timeseries",
            "title": "Load",
            "requests": [{"response_format": "timeseries", "queries": list(queries)}],
        }
    }
    if grouped:
        widget = {
            "definition": {"type": "group", "layout_type": "ordered", "widgets": [widget]},
            "id": 1,
        }
    return {
        "title": "T",
        "layout_type": "ordered",
        "widgets": [{"definition": {"type": "note"}}, widget],
    }


def messages(problems: list) -> list[str]:
    return [str(p) for p in problems]


def test_two_uuids_in_one_query_name_the_widget_and_the_query() -> None:
    doc = dashboard(query("q1"), query("q2", uuids=[PAY, SEARCH]))

    problems = check_document(doc)

    assert [p.code for p in problems] == ["too-many-uuids"]
    assert messages(problems)[0].startswith(
        'widgets[1].requests[0].queries[1] (name "q2") in widget "Load": cross_org_uuids holds '
        "2 UUIDs but a query reads at most one org"
    )


def test_a_query_inside_a_group_is_named_by_its_path_through_the_group() -> None:
    doc = dashboard(query("q1", uuids=["payments"]), grouped=True)

    problems = check_document(doc)

    assert messages(problems) == [
        'widgets[1].widgets[0].requests[0].queries[0] (name "q1") in widget "Load": '
        "cross_org_uuids 'payments' is not an org UUID (8-4-4-4-12 hex digits, as in the org's "
        "settings)"
    ]


def test_cross_org_uuids_that_is_not_a_list_of_strings_is_reported() -> None:
    problems = check_document(dashboard(query("q1", uuids=PAY)))

    assert [p.code for p in problems] == ["not-a-list"]
    assert PAY in str(problems[0])


def test_a_data_source_no_connection_can_share_is_reported() -> None:
    doc = dashboard({"data_source": "spans", "name": "s", "cross_org_uuids": [PAY]})

    problems = check_document(doc)

    assert messages(problems) == [
        'widgets[1].requests[0].queries[0] (name "s") in widget "Load": data_source \'spans\' '
        "cannot read another org: org connections share only audit, logs, metrics, which data "
        "sources audit, ci_pipelines, ci_tests, logs, metrics read: use one of those, or drop "
        "cross_org_uuids to read the query's own org"
    ]


def test_queries_without_cross_org_uuids_or_with_an_empty_list_are_not_checked() -> None:
    doc = dashboard(query("own"), query("empty", uuids=[]), {"data_source": "spans", "name": "s"})

    assert json_queries(doc) == []
    assert check_document(doc, links=[]) == []


def test_source_without_any_connection_to_the_dashboard_org_is_reported() -> None:
    doc = dashboard(query("q1", "logs", [PAY]))

    problems = check_document(doc, links=[Link.of(SEARCH, HUB, ["logs"])], dashboard_org_id=HUB)

    assert [p.code for p in problems] == ["no-connection"]
    assert str(problems[0]) == (
        f'widgets[1].requests[0].queries[0] (name "q1") in widget "Load": reads logs of org {PAY} '
        f"but no org connection from that org to the dashboard's org {HUB} exists: add an "
        "OrgConnection from it with connection_types including logs"
    )


def test_connection_without_the_needed_type_is_reported_with_what_it_shares() -> None:
    doc = dashboard(query("q1", "metrics", [PAY]), query("q2", "logs", [PAY]))
    links = [Link.of(PAY, HUB, ["metrics"], name="payments-to-hub")]

    problems = check_document(doc, links=links, dashboard_org_id=HUB)

    assert messages(problems) == [
        f'widgets[1].requests[0].queries[1] (name "q2") in widget "Load": reads logs of org {PAY} '
        f"but connection payments-to-hub from that org to the dashboard's org {HUB} shares only "
        "metrics: add logs to its connection_types"
    ]


def test_each_data_source_needs_its_own_connection_type() -> None:
    doc = dashboard(
        query("m", "metrics", [SEARCH]), query("l", "logs", [SEARCH]), query("a", "audit", [SEARCH])
    )

    without_audit = check_document(doc, [Link.of(SEARCH, HUB, ["metrics", "logs"])], HUB)
    with_audit = check_document(doc, [Link.of(SEARCH, HUB, ["metrics", "logs", "audit"])], HUB)

    assert [(p.code, p.where) for p in without_audit] == [
        ("missing-type", 'widgets[1].requests[0].queries[2] (name "a") in widget "Load"')
    ]
    assert with_audit == []


def test_source_connected_to_another_org_only_is_reported_as_such() -> None:
    doc = dashboard(query("q1", "metrics", [PAY]))

    problems = check_document(doc, [Link.of(PAY, EU, ["metrics"])], dashboard_org_id=HUB)

    assert [p.code for p in problems] == ["other-sink"]
    assert f"connected to {EU} but not to the dashboard's org {HUB}" in str(problems[0])


def test_without_a_dashboard_org_any_connection_from_the_source_counts() -> None:
    doc = dashboard(query("q1", "metrics", [PAY.upper()]))

    assert check_document(doc, [Link.of(PAY, EU, ["metrics"])], dashboard_org_id=None) == []


def test_a_connection_not_created_yet_defers_the_check_instead_of_failing() -> None:
    doc = dashboard(query("q1", "logs", [PAY]))
    pending = Link.of(UNKNOWN, HUB, ["metrics"])

    assert pending.source_org_id is None
    assert check_document(doc, [pending], dashboard_org_id=HUB) == []


def test_an_unknown_uuid_in_preview_is_not_judged() -> None:
    doc = dashboard(query("q1", "logs", [UNKNOWN]))

    assert check_document(doc, links=[], dashboard_org_id=HUB) == []


def test_typed_queries_accept_wire_camel_case_and_split_comma_separated_orgs() -> None:
    widgets = [
        {
            "groupDefinition": {
                "layoutType": "ordered",
                "title": "G",
                "widgets": [
                    {
                        "timeseriesDefinition": {
                            "title": "Typed",
                            "requests": [
                                {
                                    "queries": [
                                        {
                                            "metricQuery": {
                                                "name": "m",
                                                "query": "avg:x{*}",
                                                "crossOrgUuids": PAY,
                                            }
                                        },
                                        {
                                            "eventQuery": {
                                                "name": "l",
                                                "dataSource": "logs",
                                                "crossOrgUuids": f"{PAY}, {SEARCH}",
                                            }
                                        },
                                        {"metricQuery": {"name": "own", "query": "avg:x{*}"}},
                                    ]
                                }
                            ],
                        }
                    }
                ],
            }
        }
    ]

    queries = typed_queries(widgets)
    problems = check_queries(queries) + check_connections(
        queries, [Link.of(PAY, HUB, ["logs"])], HUB
    )

    assert [(q.path, q.data_source, q.widget) for q in queries] == [
        ("widgets[0].widgets[0].requests[0].queries[0]", "metrics", "Typed"),
        ("widgets[0].widgets[0].requests[0].queries[1]", "logs", "Typed"),
    ]
    assert messages(problems) == [
        'widgets[0].widgets[0].requests[0].queries[1] (name "l") in widget "Typed": cross_org_uuids '
        "holds 2 UUIDs but a query reads at most one org: write one query per org and combine them "
        "in a formula",
        'widgets[0].widgets[0].requests[0].queries[0] (name "m") in widget "Typed": reads metrics '
        f"of org {PAY} but the connection from that org to the dashboard's org {HUB} shares only logs: "
        "add metrics to its connection_types",
    ]
