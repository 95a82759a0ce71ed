"""Built dashboards render to exact, deterministic Datadog JSON (and typed pulumi_datadog args)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datadog_crossorg.dashboards import (
    AuditQuery,
    Dashboard,
    Formula,
    Group,
    GroupBy,
    Layout,
    LogsQuery,
    MetricsQuery,
    Timeseries,
    Toplist,
    render,
)
from datadog_crossorg.dashboards.model import UnresolvedSource
from datadog_crossorg.dashboards.typed import typed_queries, typed_widgets
from datadog_crossorg.rules.queries import json_queries
from tests.support.paths import RECORDED_API
from tests.support.seed import PAY, SEARCH

RECORDED = RECORDED_API / "recorded"


def fleet() -> Dashboard:
    return Dashboard(
        "Fleet",
        [
            Timeseries(
                "CPU",
                queries=[
                    MetricsQuery("hub", "avg:system.cpu.user{*}"),
                    MetricsQuery("pay", "avg:system.cpu.user{*}", source=PAY),
                ],
                formulas=[Formula("hub + pay", alias="both")],
            ),
            Group(
                "Errors",
                [
                    Timeseries(
                        "Error logs",
                        queries=[
                            LogsQuery(
                                "pay", "status:error", source=PAY, group_by=[GroupBy("service")]
                            ),
                            AuditQuery("audit", source=SEARCH),
                        ],
                        formulas=["pay", "audit"],
                        display_type="bars",
                    )
                ],
            ),
        ],
        notify_list=["zoe@acme.example", "al@acme.example"],
    )


def test_dashboard_with_queries_of_three_orgs_renders_exact_json() -> None:
    document = fleet().to_dict()

    assert document == {
        "layout_type": "ordered",
        "title": "Fleet",
        "notify_list": ["al@acme.example", "zoe@acme.example"],
        "widgets": [
            {
                "definition": {
                    "type": "timeseries",
                    "title": "CPU",
                    "requests": [
                        {
                            "display_type": "line",
                            "response_format": "timeseries",
                            "queries": [
                                {
                                    "data_source": "metrics",
                                    "name": "hub",
                                    "query": "avg:system.cpu.user{*}",
                                },
                                {
                                    "data_source": "metrics",
                                    "name": "pay",
                                    "query": "avg:system.cpu.user{*}",
                                    "cross_org_uuids": [PAY],
                                },
                            ],
                            "formulas": [{"formula": "hub + pay", "alias": "both"}],
                        }
                    ],
                }
            },
            {
                "definition": {
                    "type": "group",
                    "layout_type": "ordered",
                    "title": "Errors",
                    "widgets": [
                        {
                            "definition": {
                                "type": "timeseries",
                                "title": "Error logs",
                                "requests": [
                                    {
                                        "display_type": "bars",
                                        "response_format": "timeseries",
                                        "queries": [
                                            {
                                                "data_source": "logs",
                                                "name": "pay",
                                                "search": {"query": "status:error"},
                                                "indexes": ["*"],
                                                "compute": {"aggregation": "count"},
                                                "group_by": [
                                                    {
                                                        "facet": "service",
                                                        "limit": 10,
                                                        "sort": {
                                                            "aggregation": "count",
                                                            "order": "desc",
                                                        },
                                                    }
                                                ],
                                                "cross_org_uuids": [PAY],
                                            },
                                            {
                                                "data_source": "audit",
                                                "name": "audit",
                                                "search": {"query": ""},
                                                "indexes": ["*"],
                                                "compute": {"aggregation": "count"},
                                                "cross_org_uuids": [SEARCH],
                                            },
                                        ],
                                        "formulas": [{"formula": "pay"}, {"formula": "audit"}],
                                    }
                                ],
                            }
                        }
                    ],
                }
            },
        ],
    }


def test_render_gives_sorted_keys_two_space_indent_and_one_newline() -> None:
    small = Dashboard("T", [Timeseries("W", [MetricsQuery("a", "avg:x{*}", source=PAY)])])

    text = render(small.to_dict())

    assert text == (
        "{\n"
        '  "layout_type": "ordered",\n'
        '  "title": "T",\n'
        '  "widgets": [\n'
        "    {\n"
        '      "definition": {\n'
        '        "requests": [\n'
        "          {\n"
        '            "display_type": "line",\n'
        '            "queries": [\n'
        "              {\n"
        '                "cross_org_uuids": [\n'
        f'                  "{PAY}"\n'
        "                ],\n"
        '                "data_source": "metrics",\n'
        '                "name": "a",\n'
        '                "query": "avg:x{*}"\n'
        "              }\n"
        "            ],\n"
        '            "response_format": "timeseries"\n'
        "          }\n"
        "        ],\n"
        '        "title": "W",\n'
        '        "type": "timeseries"\n'
        "      }\n"
        "    }\n"
        "  ]\n"
        "}\n"
    )


def test_building_the_same_dashboard_twice_gives_the_same_bytes() -> None:
    assert render(fleet().to_dict()).encode() == render(fleet().to_dict()).encode()


@given(st.permutations(["title", "layout_type", "widgets", "description", "notify_list"]))
def test_render_does_not_depend_on_key_insertion_order(order: list[str]) -> None:
    document = fleet().to_dict() | {"description": "ünïcode ✓"}
    reordered = {key: document[key] for key in order if key in document}

    assert render(reordered) == render(document)
    assert "ünïcode ✓" in render(reordered)


def test_audit_and_metrics_queries_match_recorded_datadog_requests() -> None:
    audit_case = json.loads(
        (RECORDED / "create_a_new_dashboard_with_an_audit_logs_query.json").read_text()
    )
    recorded_audit = audit_case["interactions"][0]["request_body"]["widgets"][0]
    metrics_case = json.loads(
        (
            RECORDED
            / "create_a_new_dashboard_with_a_timeseries_widget_using_formulas_and_functions_"
            "metrics_query_with_native_semantic_mode.json"
        ).read_text()
    )
    recorded_metrics = metrics_case["interactions"][0]["request_body"]["widgets"][0]

    audit = Timeseries("", [AuditQuery("query1")], layout=Layout(x=2, y=0, width=4, height=2))
    metrics = Timeseries(
        "", [MetricsQuery("query1", "avg:system.cpu.user{*}", semantic_mode="native")], ["query1"]
    )

    built_audit = audit.to_dict()["definition"]["requests"][0]
    built_audit.pop("display_type")
    assert built_audit == recorded_audit["definition"]["requests"][0]
    assert audit.to_dict()["layout"] == recorded_audit["layout"]
    assert metrics.to_dict()["definition"]["requests"] == recorded_metrics["definition"]["requests"]


def test_typed_widgets_carry_cross_org_uuids_as_one_string() -> None:
    widgets = typed_widgets(fleet())

    cpu = widgets[0]["timeseries_definition"]["requests"][0]
    assert cpu["queries"][1] == {
        "metric_query": {
            "data_source": "metrics",
            "name": "pay",
            "query": "avg:system.cpu.user{*}",
            "cross_org_uuids": PAY,
        }
    }
    assert cpu["formulas"] == [{"formula_expression": "hub + pay", "alias": "both"}]
    logs = widgets[1]["group_definition"]["widgets"][0]["timeseries_definition"]["requests"][0]
    assert logs["queries"][0] == {
        "event_query": {
            "data_source": "logs",
            "name": "pay",
            "computes": [{"aggregation": "count"}],
            "indexes": ["*"],
            "search": {"query": "status:error"},
            "group_bies": [
                {"facet": "service", "limit": 10, "sort": {"aggregation": "count", "order": "desc"}}
            ],
            "cross_org_uuids": PAY,
        }
    }


def test_typed_queries_read_back_what_typed_widgets_render() -> None:
    found = typed_queries(typed_widgets(fleet()))

    assert [(q.path, q.name, q.data_source, q.uuids) for q in found] == [
        ("widgets[0].requests[0].queries[1]", "pay", "metrics", [PAY]),
        ("widgets[1].widgets[0].requests[0].queries[0]", "pay", "logs", [PAY]),
        ("widgets[1].widgets[0].requests[0].queries[1]", "audit", "audit", [SEARCH]),
    ]


def test_one_walker_finds_the_same_queries_in_the_json_and_in_the_typed_args() -> None:
    def seen(queries: list) -> list[tuple]:
        return [(q.path, q.name, q.data_source, q.uuids, q.widget) for q in queries]

    assert seen(typed_queries(typed_widgets(fleet()))) == seen(json_queries(fleet().to_dict()))


def test_typed_args_refuse_widgets_they_cannot_carry_and_name_them() -> None:
    toplist = Toplist("Top", [MetricsQuery("a", "avg:x{*} by {host}", source=PAY)], ["a"])
    board = Dashboard("T", [Group("G", [toplist]), fleet().widgets[0]])

    with pytest.raises(TypeError, match="timeseries and group widgets only, not toplist"):
        typed_widgets(board)


def test_a_source_known_only_at_run_time_needs_the_component() -> None:
    class Pending:  # stands for a pulumi Output or an OrgConnection
        pass

    dashboard = Dashboard("T", [Timeseries("W", [MetricsQuery("a", "avg:x{*}", source=Pending())])])

    with pytest.raises(UnresolvedSource, match="CrossOrgDashboard"):
        dashboard.to_dict()


def test_query_names_must_be_unique_within_a_widget() -> None:
    with pytest.raises(ValueError, match="query name\\(s\\) a used twice"):
        Timeseries("W", [MetricsQuery("a", "avg:x{*}"), LogsQuery("a", "status:error")])


def test_groups_do_not_nest() -> None:
    inner = Group("inner", [Timeseries("W", [MetricsQuery("a", "avg:x{*}")])])

    with pytest.raises(TypeError, match="cannot hold another group"):
        Group("outer", [inner])  # type: ignore[list-item]


def test_importing_the_package_dashboards_and_org_connection_leaves_pulumi_datadog_unloaded() -> (
    None
):
    code = (
        "import sys, datadog_crossorg, datadog_crossorg.dashboards, datadog_crossorg.org_connection\n"
        "import datadog_crossorg.dashboards.component, datadog_crossorg.policy.rules\n"
        "print('pulumi_datadog' in sys.modules)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert done.stdout.strip() == "False"
