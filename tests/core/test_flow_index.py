"""The one index of which query reads which flow (rules.queries), shared by the review of a
preview and the fleet audit."""

from __future__ import annotations

from datadog_crossorg.rules.queries import Document, Flow, FlowIndex, Link, flows_of

HUB = "ba11379d-38db-492a-a71e-7f33d3254a94"
PAYMENTS = "7bd471e8-7ca6-4e67-9f39-f8fb6ff3a1ae"
SEARCH = "8e5fed0c-0000-4000-8000-000000000001"


def _dashboard(*queries: tuple[str, str, str]) -> dict:
    """A dashboard with one timeseries whose queries are (name, data_source, source org)."""
    return {
        "title": "Fleet",
        "widgets": [
            {
                "definition": {
                    "type": "timeseries",
                    "title": "CPU",
                    "requests": [
                        {
                            "queries": [
                                {"name": n, "data_source": d, "cross_org_uuids": [o]}
                                for n, d, o in queries
                            ]
                        }
                    ],
                }
            }
        ],
    }


def _notebook(name: str, data_source: str, org: str) -> dict:
    widget = _dashboard((name, data_source, org))["widgets"][0]["definition"]
    return {"name": "CI health", "cells": [{"type": "markdown"}, {"definition": widget}]}


def test_flows_of_a_connection_one_per_type_unknowns_as_none():
    assert flows_of(PAYMENTS, HUB, ["metrics", "logs"]) == [
        Flow(PAYMENTS, HUB, "logs"),
        Flow(PAYMENTS, HUB, "metrics"),
    ]
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert flows_of(PAYMENTS, unknown, ["metrics"]) == [Flow(PAYMENTS, None, "metrics")]
    assert flows_of(PAYMENTS, HUB, unknown) == [Flow(PAYMENTS, HUB, None)]


def test_index_finds_each_reader_of_a_flow_in_dashboards_and_notebooks():
    fleet = Document.of(
        "dashboard",
        _dashboard(("p", "metrics", PAYMENTS), ("l", "logs", PAYMENTS), ("s", "metrics", SEARCH)),
        HUB,
        id="abc-def-ghi",
    )
    ci = Document.of("notebook", _notebook("ci", "ci_pipelines", PAYMENTS), HUB, id="100001")
    index = FlowIndex([fleet, ci])

    logs = index.reading([Flow(PAYMENTS, HUB, "logs")])

    assert [(r.document.label, r.query.where) for r in logs] == [
        (
            'dashboard "Fleet" (abc-def-ghi)',
            'widgets[0].requests[0].queries[1] (name "l") in widget "CPU"',
        ),
        (
            'notebook "CI health" (100001)',
            'cells[1].requests[0].queries[0] (name "ci") in widget "CPU"',
        ),
    ]
    assert index.reading([Flow(PAYMENTS, "0" * 8 + HUB[8:], "logs")]) == []
    # an unknown sink may be any org: every logs reader of payments matches
    assert len(index.reading([Flow(PAYMENTS, None, "logs")])) == 2


def test_dead_readers_are_those_no_connection_carries_with_the_reason():
    fleet = Document.of(
        "dashboard",
        _dashboard(("p", "metrics", PAYMENTS), ("l", "logs", PAYMENTS), ("s", "metrics", SEARCH)),
        HUB,
    )
    index = FlowIndex([fleet])

    dead = index.dead([Link.of(PAYMENTS, HUB, ["metrics"], "payments-to-hub")])

    assert [(r.query.name, p.code) for r, p in dead] == [
        ("l", "missing-type"),
        ("s", "no-connection"),
    ]
    assert "add logs to its connection_types" in dead[0][1].message
