"""Each problem names where the query is, the value at fault and the fix; problems about CI
Visibility queries also state what we assumed about their connection type."""

from __future__ import annotations

from typing import Any

import pytest

from datadog_crossorg.dashboards import Dashboard, Group, Scatterplot, Toplist
from datadog_crossorg.dashboards.model import CIPipelinesQuery, CITestsQuery, Formula, MetricsQuery
from datadog_crossorg.rules.queries import (
    ASSUMED,
    CONNECTION_TYPE_FOR,
    Link,
    check_document,
)
from tests.support.seed import EU, HUB, PAY, SEARCH

CI_ASSUMPTION = (
    "queries need a connection sharing logs (assumed: Datadog documents no connection type for "
    "CI Visibility; pipelines and tests events travel with logs)"
)
WHERE = 'widgets[0].widgets[0].requests.table.queries[1] (name "b") in widget "Spread"'


def scatter_reading(data_source: str, uuids: Any) -> dict[str, Any]:
    """A scatterplot inside a group (the deepest shape) whose query "b" has `uuids`."""
    query_class = {"ci_pipelines": CIPipelinesQuery, "ci_tests": CITestsQuery}.get(data_source)
    chart = Scatterplot(
        "Spread",
        [
            MetricsQuery("a", "avg:x{*} by {service}"),
            query_class("b", "@ci.status:error", source=PAY)
            if query_class
            else MetricsQuery("b", "avg:x{*} by {service}", source=PAY),
        ],
        [Formula("a", dimension="x"), Formula("b", dimension="y")],
    )
    document = Dashboard("D", [Group("G", [chart])]).to_dict()
    query = document["widgets"][0]["definition"]["widgets"][0]["definition"]["requests"]
    query["table"]["queries"][1]["cross_org_uuids"] = uuids
    if not query_class:
        query["table"]["queries"][1]["data_source"] = data_source
    return document


# code: (data source, cross_org_uuids, links, the value quoted, the fix)
CASES: dict[str, tuple[str, Any, list[Link] | None, str, str]] = {
    "not-a-list": ("metrics", PAY, None, repr(PAY), "must be a list holding one org UUID"),
    "too-many-uuids": (
        "metrics",
        [PAY, SEARCH],
        None,
        "2 UUIDs",
        "write one query per org and combine them in a formula",
    ),
    "malformed-uuid": ("metrics", ["pay"], None, "'pay'", "8-4-4-4-12 hex digits"),
    "unsupported-data-source": (
        "spans",
        [PAY],
        None,
        "'spans'",
        "use one of those, or drop cross_org_uuids",
    ),
    "missing-type": (
        "ci_pipelines",
        [PAY],
        [Link.of(PAY, HUB, ["metrics"], "pay-to-hub")],
        f"ci_pipelines of org {PAY}",
        "add logs to its connection_types",
    ),
    "other-sink": (
        "ci_tests",
        [PAY],
        [Link.of(PAY, EU, ["logs"])],
        f"ci_tests of org {PAY}",
        f"create the dashboard with that org's keys, or connect {PAY} to {HUB}",
    ),
    "no-connection": (
        "ci_pipelines",
        [PAY],
        [Link.of(SEARCH, HUB, ["logs"])],
        f"ci_pipelines of org {PAY}",
        "add an OrgConnection from it with connection_types including logs",
    ),
}


@pytest.mark.parametrize("code", CASES)
def test_each_problem_names_the_path_the_value_and_the_fix(code: str) -> None:
    data_source, uuids, links, value, fix = CASES[code]

    problems = check_document(scatter_reading(data_source, uuids), links, HUB)

    assert [p.code for p in problems] == [code]
    text = str(problems[0])
    assert text.startswith(f"{WHERE}: ")
    assert value in text and fix in text
    if data_source in ASSUMED:
        assert text.endswith(f". {data_source} {CI_ASSUMPTION}")
    else:
        assert "assumed" not in text


@pytest.mark.parametrize("data_source", ["ci_pipelines", "ci_tests"])
def test_ci_queries_are_served_by_a_logs_connection_and_by_no_other_type(data_source: str) -> None:
    document = scatter_reading(data_source, [PAY])

    assert CONNECTION_TYPE_FOR[data_source] == "logs"
    assert check_document(document, [Link.of(PAY, HUB, ["logs"])], HUB) == []
    refused = check_document(document, [Link.of(PAY, HUB, ["metrics", "audit"])], HUB)
    assert [str(p) for p in refused] == [
        f"{WHERE}: reads {data_source} of org {PAY} but the connection from that org to the "
        f"dashboard's org {HUB} shares only audit, metrics: add logs to its connection_types. "
        f"{data_source} {CI_ASSUMPTION}"
    ]


def test_a_query_of_another_type_states_no_assumption() -> None:
    document = Dashboard(
        "D", [Toplist("Top", [MetricsQuery("m", "avg:x{*} by {host}", source=PAY)], ["m"])]
    ).to_dict()

    problems = check_document(document, [Link.of(PAY, HUB, ["logs"])], HUB)

    assert [str(p) for p in problems] == [
        f'widgets[0].requests[0].queries[0] (name "m") in widget "Top": reads metrics of org {PAY} '
        f"but the connection from that org to the dashboard's org {HUB} shares only logs: add "
        "metrics to its connection_types"
    ]
