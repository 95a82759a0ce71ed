"""Every formula-and-function widget x every shareable data source: the JSON the builder makes is
valid by our rules, by Datadog's own client models, and to the offline Datadog."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import datadog_api_client.v1.model
import pytest
from datadog_api_client.v1.model.dashboard import Dashboard as DatadogDashboard
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from datadog_crossorg.cli import main
from datadog_crossorg.client import DatadogClient
from datadog_crossorg.dashboards import (
    Dashboard,
    Formula,
    Group,
    Layout,
    Limit,
    Scatterplot,
    Timeseries,
    Toplist,
    check_document,
    render,
)
from datadog_crossorg.dashboards.export import normalize
from datadog_crossorg.dashboards.model import CHART_TYPES, Chart
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.policy.rules import validate_query_uuids
from datadog_crossorg.resources.tokens import DASHBOARD_JSON
from datadog_crossorg.rules.queries import (
    CONNECTION_TYPE_FOR,
    Link,
    json_queries,
    links_from_connections,
)
from tests.dashboards.dash_schema import (
    DATA_SOURCES,
    call,
    chart_of,
    datadog_model,
    parse,
    query_of,
    unparsed,
    without_ids,
)
from tests.support.seed import HUB, PAY, SEARCH

KINDS = {kind.type: kind for kind in CHART_TYPES}
# Where Datadog's schema puts each widget's request: a list, but scatterplot's `requests.table`.
REQUEST_PATH = {name: "requests[0]" for name in KINDS} | {"scatterplot": "requests.table"}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """One offline Datadog for the matrix, where payments shares all three types with hub."""
    emulator = Emulator().start()
    keys = emulator.keys("payments")
    with DatadogClient(keys.api_key, keys.app_key, emulator.url, deadline=10) as payments:
        payments.create_connection(HUB, ["audit", "logs", "metrics"])
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def live_links(emu: Emulator) -> list[Link]:
    """The connections Datadog lists for hub's keys (what `lint --live` checks against)."""
    keys = emu.keys("hub")
    with DatadogClient(keys.api_key, keys.app_key, emu.url, deadline=10) as hub:
        return links_from_connections(hub.list_connections())


def test_every_widget_whose_request_takes_queries_and_formulas_has_a_class() -> None:
    """Datadog's client models decide: each `*_widget_request` model with `queries` and
    `formulas` (and scatterplot's, `scatterplot_table_request`) is a widget we build."""
    package = datadog_api_client.v1.model
    takes_queries = set()
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.endswith("_widget_request"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        (request_model,) = [
            v for v in vars(module).values() if getattr(v, "__module__", None) == module.__name__
        ]
        if {"queries", "formulas"} <= set(request_model.attribute_map):
            takes_queries.add(info.name.removesuffix("_widget_request"))
    their_names = {"heat_map": "heatmap", "table": "query_table", "tree_map": "treemap"}

    assert {their_names.get(n, n) for n in takes_queries} | {"scatterplot"} == set(KINDS)


@pytest.mark.parametrize("data_source", DATA_SOURCES)
@pytest.mark.parametrize("kind", KINDS)
def test_widget_json_is_valid_for_us_for_datadogs_models_and_for_the_emulator(
    kind: str, data_source: str, emu: Emulator, live_links: list[Link]
) -> None:
    widget = chart_of(KINDS[kind], data_source, live_span="1w")
    document = Dashboard(f"{kind} x {data_source}", [widget]).to_dict()

    # (a) our rules: the one cross-org query found where Datadog's schema puts it, no problem
    # offline nor against the connections Datadog lists; without the needed type, one problem.
    found = json_queries(document)
    assert [(q.path, q.name, q.data_source, q.uuids) for q in found] == [
        (f"widgets[0].{REQUEST_PATH[kind]}.queries[1]", "other", data_source, [PAY])
    ]
    assert check_document(document) == []
    assert check_document(document, live_links, HUB) == []
    needed = CONNECTION_TYPE_FOR[data_source]
    others = sorted({"audit", "logs", "metrics"} - {needed})
    assert [p.code for p in check_document(document, [Link.of(PAY, HUB, others)], HUB)] == [
        "missing-type"
    ]
    # (b) Datadog's own models take every key and give the same document back
    datadog_model(document, DatadogDashboard)
    # (c) the offline Datadog accepts it and stores what was sent
    created = call(emu, "hub", "POST", "/api/v1/dashboard", document)
    assert created.status_code == 200, created.text
    assert without_ids(created.json()["widgets"]) == document["widgets"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_emulator_walks_each_widget_shape_refusing_two_uuids_where_the_query_is(
    kind: str, emu: Emulator
) -> None:
    document = Dashboard("Two orgs", [chart_of(KINDS[kind], "logs")]).to_dict()
    request = document["widgets"][0]["definition"]["requests"]
    request = request["table"] if kind == "scatterplot" else request[0]
    request["queries"][1]["cross_org_uuids"] = [PAY, SEARCH]

    refused = call(emu, "hub", "POST", "/api/v1/dashboard", document)

    assert refused.status_code == 400
    assert f"definition.{REQUEST_PATH[kind]}.queries[1]" in refused.text
    assert [p.code for p in check_document(document)] == ["too-many-uuids"]
    assert list(unparsed(parse(document, DatadogDashboard)))  # the client's schema: maxItems 1


def test_a_group_of_every_widget_renders_the_same_bytes_twice_and_passes_everything(
    emu: Emulator,
) -> None:
    def build() -> Dashboard:
        charts = [chart_of(kind, source) for kind in CHART_TYPES for source in DATA_SOURCES]
        return Dashboard("All widgets", [Group("Every org", charts)], layout_type="ordered")

    document = build().to_dict()

    assert render(document).encode() == render(build().to_dict()).encode()
    assert len(json_queries(document)) == len(CHART_TYPES) * len(DATA_SOURCES)
    assert check_document(document) == []
    datadog_model(document, DatadogDashboard)
    created = call(emu, "hub", "POST", "/api/v1/dashboard", document)
    assert created.status_code == 200, created.text
    assert without_ids(created.json()["widgets"]) == document["widgets"]


def test_a_widget_on_a_free_layout_renders_its_time_and_layout_as_datadog_declares_them() -> None:
    widget = Timeseries(
        "CPU", [query_of("metrics", "a", PAY)], live_span="4h", layout=Layout(0, 0, 4, 2)
    )
    document = Dashboard("Free", [widget], layout_type="free").to_dict()

    assert document["widgets"][0]["definition"]["time"] == {"live_span": "4h"}
    assert "live_span" not in document["widgets"][0]["definition"]
    datadog_model(document, DatadogDashboard)


def test_export_keeps_every_widget_and_its_cross_org_query_and_drops_the_ids(
    emu: Emulator,
) -> None:
    charts: list[Chart] = [chart_of(kind, "ci_tests") for kind in CHART_TYPES]
    document = Dashboard("Exported", [*charts, Group("Grouped", charts)]).to_dict()
    created = call(emu, "hub", "POST", "/api/v1/dashboard", document).json()

    exported, notes = normalize(created)

    assert notes == []
    assert exported["widgets"] == document["widgets"]
    assert json_queries(exported) == json_queries(document)


def test_lint_reads_every_widget_and_the_scatterplot_table_inside_a_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scatter = Scatterplot(
        "Pipelines against tests",
        [query_of("ci_pipelines", "p", PAY), query_of("ci_tests", "t", "not-a-uuid")],
        [Formula("p", dimension="x"), Formula("t", dimension="y")],
    )
    charts = [chart_of(kind, "ci_pipelines") for kind in CHART_TYPES]
    good = tmp_path / "good.json"
    good.write_text(render(Dashboard("Good", [*charts, Group("G", charts)]).to_dict()))
    bad = tmp_path / "bad.json"
    bad.write_text(render(Dashboard("Bad", [Group("CI", [scatter])]).to_dict()))

    status = main(["dashboards", "lint", str(good), str(bad)])

    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert out == [
        f"{good}: ok ({2 * len(CHART_TYPES)} cross-org queries checked)",
        f'{bad}: widgets[0].widgets[0].requests.table.queries[1] (name "t") in widget '
        "\"Pipelines against tests\": cross_org_uuids 'not-a-uuid' is not an org UUID "
        "(8-4-4-4-12 hex digits, as in the org's settings)",
    ]


def test_policy_pack_finds_a_bad_query_in_every_widget_of_a_dashboard_json() -> None:
    document = Dashboard(
        "Bad everywhere", [Group("G", [chart_of(kind, "audit") for kind in CHART_TYPES])]
    ).to_dict()
    for widget in document["widgets"][0]["definition"]["widgets"]:
        requests = widget["definition"]["requests"]
        request = requests["table"] if isinstance(requests, dict) else requests[0]
        request["queries"][1]["cross_org_uuids"] = [PAY, SEARCH]
    props = {"dashboard": render(document)}
    args = ResourceValidationArgs(
        DASHBOARD_JSON,
        unknown_checking_proxy(props),
        f"urn:pulumi:local::datadog-crossorg::{DASHBOARD_JSON}::bad",
        "bad",
        PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), []),
        None,
    )
    violations: list[str] = []

    validate_query_uuids(args, lambda message, _urn: violations.append(message))

    assert [v.split(": ")[1].split(" (name")[0] for v in violations] == [
        f"widgets[0].widgets[{i}].{REQUEST_PATH[kind.type]}.queries[1]"
        for i, kind in enumerate(CHART_TYPES)
    ]
    assert all("holds 2 UUIDs" in v for v in violations)


def test_a_host_map_enrichment_query_is_found_by_the_generic_walk() -> None:
    """Host maps are not built here (their main request is an infrastructure dataset), but a
    cross-org query in their `enrichments` is checked like any other."""
    enrichment = {
        "response_format": "scalar",
        "queries": [
            {
                "data_source": "metrics",
                "name": "cpu",
                "query": "avg:system.cpu.user{*} by {host}",
                "cross_org_uuids": [PAY],
            }
        ],
        "formulas": [{"formula": "cpu", "dimension": "fill"}],
    }
    widget = {
        "definition": {
            "type": "hostmap",
            "title": "Hosts",
            "requests": {"request_type": "infrastructure_hostmap", "enrichments": [enrichment]},
        }
    }
    document = {"title": "Hosts", "layout_type": "ordered", "widgets": [widget]}
    datadog_model(document, DatadogDashboard)
    enrichment["queries"][0]["cross_org_uuids"] = [PAY, SEARCH]

    problems = check_document(document)

    assert [(p.code, p.where) for p in problems] == [
        (
            "too-many-uuids",
            'widgets[0].requests.enrichments[0].queries[0] (name "cpu") in widget "Hosts"',
        )
    ]


def test_a_widget_refuses_what_datadog_would_not_draw_before_anything_is_sent() -> None:
    queries = [query_of("ci_tests", "a", PAY), query_of("ci_tests", "b")]
    with pytest.raises(ValueError, match="sets dimension, which toplist formulas do not take"):
        Toplist("Top", queries, [Formula("a", dimension="x")])
    with pytest.raises(ValueError, match="sets limit, which scatterplot formulas do not take"):
        Scatterplot("S", queries, [Formula("a", dimension="x", limit=Limit(3))])
    with pytest.raises(ValueError, match="x and y are required, not \\['x'\\]"):
        Scatterplot("S", queries, [Formula("a", dimension="x")])
    with pytest.raises(ValueError, match="live_span '2h' is not one of 1m, 5m"):
        Toplist("Top", queries, ["a"], live_span="2h")
    with pytest.raises(ValueError, match="query name\\(s\\) a used twice"):
        Toplist("Top", [queries[0], queries[0]], ["a"])
