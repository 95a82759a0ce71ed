"""Notebooks from the dashboards' widgets: every graph cell type x every shareable data source is
valid by our rules, by Datadog's client models, and to the offline Datadog's Notebooks API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from datadog_api_client.v1.model.notebook_cell_create_request import NotebookCellCreateRequest
from datadog_api_client.v1.model.notebook_create_request import NotebookCreateRequest

from datadog_crossorg.dashboards import QueryValue, Timeseries, render
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.notebooks import (
    CELL_WIDGETS,
    Cell,
    Markdown,
    Notebook,
    check_notebook,
    notebook_queries,
)
from datadog_crossorg.rules.queries import Link
from tests.dashboards.dash_schema import (
    DATA_SOURCES,
    call,
    chart_of,
    datadog_model,
    query_of,
    without_ids,
)
from tests.support.seed import HUB, PAY, SEARCH

KINDS = {kind.type: kind for kind in CELL_WIDGETS}
NOTEBOOKS = "/api/v1/notebooks"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    emulator = Emulator().start()
    yield emulator
    emulator.stop()


def post_notebook(emu: Emulator, body: dict) -> dict:
    """POST the body; the test is skipped only while the emulator has no Notebooks API yet."""
    answer = call(emu, "hub", "POST", NOTEBOOKS, body)
    if answer.status_code == 404 and "Notebook" not in answer.text:
        pytest.skip(f"the emulator does not serve {NOTEBOOKS} yet: {answer.text[:80]}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_cell_types_are_those_of_datadogs_notebook_cell_models() -> None:
    from datadog_api_client.v1.model import notebook_cell_create_request as cells

    attributes = cells.NotebookCellCreateRequest.openapi_types["attributes"][0]
    graph_models = {
        m.__name__ for m in attributes._composed_schemas["oneOf"] if "Markdown" not in m.__name__
    }

    assert set(KINDS) == {"timeseries", "toplist", "heatmap", "distribution"}
    assert graph_models - {"NotebookLogStreamCellAttributes"} == {
        "NotebookTimeseriesCellAttributes",
        "NotebookToplistCellAttributes",
        "NotebookHeatMapCellAttributes",
        "NotebookDistributionCellAttributes",
    }


@pytest.mark.parametrize("data_source", DATA_SOURCES)
@pytest.mark.parametrize("kind", KINDS)
def test_cell_json_is_valid_for_us_for_datadogs_models_and_for_the_emulator(
    kind: str, data_source: str, emu: Emulator
) -> None:
    cell = Cell(chart_of(KINDS[kind], data_source), graph_size="m", live_span="1d")
    notebook = Notebook(f"{kind} x {data_source}", [Markdown("# Across orgs"), cell], time="1w")
    body = notebook.request_body()
    attributes = body["data"]["attributes"]

    # (a) our rules, on the body and on its attributes alike
    found = notebook_queries(body)
    assert [(q.path, q.data_source, q.uuids, q.widget) for q in found] == [
        ("cells[1].requests[0].queries[1]", data_source, [PAY], f"{kind} of {data_source}")
    ]
    assert notebook_queries(attributes) == found
    assert check_notebook(body) == []
    assert check_notebook(body, [Link.of(PAY, HUB, ["audit", "logs", "metrics"])], HUB) == []
    # (b) Datadog's models: the whole create request, and each cell on its own
    datadog_model(body, NotebookCreateRequest)
    for sent in attributes["cells"]:
        datadog_model(sent, NotebookCellCreateRequest)
    # (c) the offline Datadog's Notebooks API stores the cells as sent
    created = post_notebook(emu, body)
    assert without_ids(created["data"]["attributes"]["cells"]) == attributes["cells"]


def test_the_emulator_refuses_two_uuids_in_a_notebook_cell_query(emu: Emulator) -> None:
    body = Notebook("Two orgs", [chart_of(Timeseries, "ci_pipelines")]).request_body()
    query = body["data"]["attributes"]["cells"][0]["attributes"]["definition"]
    query["requests"][0]["queries"][1]["cross_org_uuids"] = [PAY, SEARCH]

    refused = call(emu, "hub", "POST", NOTEBOOKS, body)

    if refused.status_code == 404 and "Notebook" not in refused.text:
        pytest.skip(f"the emulator does not serve {NOTEBOOKS} yet")
    assert refused.status_code == 400
    assert "cells[0]" in refused.text
    assert [p.code for p in check_notebook(body)] == ["too-many-uuids"]


def test_a_notebook_renders_exact_deterministic_json() -> None:
    def build() -> Notebook:
        return Notebook(
            "CI health",
            [
                Markdown("# Pipelines"),
                Timeseries("Failed", [query_of("ci_pipelines", "p", PAY)], ["p"]),
            ],
            time="4h",
        )

    attributes = build().to_dict()

    assert render(attributes).encode() == render(build().to_dict()).encode()
    assert attributes == {
        "name": "CI health",
        "status": "published",
        "time": {"live_span": "4h"},
        "cells": [
            {
                "type": "notebook_cells",
                "attributes": {"definition": {"text": "# Pipelines", "type": "markdown"}},
            },
            {
                "type": "notebook_cells",
                "attributes": {
                    "definition": {
                        "type": "timeseries",
                        "title": "Failed",
                        "requests": [
                            {
                                "display_type": "line",
                                "response_format": "timeseries",
                                "queries": [
                                    {
                                        "data_source": "ci_pipelines",
                                        "name": "p",
                                        "search": {"query": "@ci.status:error"},
                                        "indexes": ["*"],
                                        "compute": {"aggregation": "count"},
                                        "group_by": [
                                            {
                                                "facet": "service",
                                                "limit": 10,
                                                "sort": {"aggregation": "count", "order": "desc"},
                                            }
                                        ],
                                        "cross_org_uuids": [PAY],
                                    }
                                ],
                                "formulas": [{"formula": "p"}],
                            }
                        ],
                    }
                },
            },
        ],
    }
    datadog_model(build().request_body(), NotebookCreateRequest)


def test_a_notebook_connection_problem_speaks_of_the_notebooks_org() -> None:
    body = Notebook("Tests", [chart_of(Timeseries, "ci_tests")]).request_body()

    problems = check_notebook(body, [Link.of(PAY, HUB, ["metrics"])], HUB)

    assert [str(p) for p in problems] == [
        'cells[0].requests[0].queries[1] (name "other") in widget "timeseries of ci_tests": '
        f"reads ci_tests of org {PAY} but the connection from that org to the notebook's org "
        f"{HUB} "
        "shares only metrics: add logs to its connection_types. ci_tests queries need a "
        "connection sharing logs (assumed: Datadog documents no connection type for CI "
        "Visibility; pipelines and tests events travel with logs)"
    ]


def test_a_cell_is_one_of_the_four_graph_widgets_without_a_layout_or_its_own_time() -> None:
    with pytest.raises(TypeError, match="timeseries, toplist, heatmap, distribution widget"):
        Notebook("N", [QueryValue("V", [query_of("metrics", "a")])])
    with pytest.raises(ValueError, match="drop the widget's layout and live_span"):
        Cell(Timeseries("T", [query_of("logs", "a")], live_span="1h"))
    with pytest.raises(ValueError, match="graph_size 'xxl' is not one of xs, s, m, l, xl"):
        Cell(Timeseries("T", [query_of("logs", "a")]), graph_size="xxl")
    with pytest.raises(ValueError, match="live_span '2h' is not one of"):
        Notebook("N", [], time="2h")
    with pytest.raises(ValueError, match="1 to 80 characters"):
        Notebook("x" * 81, [])
