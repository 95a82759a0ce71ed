"""Each format of `crossorg connections graph` for the default seed after the demo's connections,
and for an account with no connections; merged from both sides; the same text on every run."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from datadog_crossorg.emulator import Emulator
from tests.support.seed import EDGE, HUB, SEARCH
from tests.support.seed import PAY as PAYMENTS

ALL_PAIRS = ("--org", "payments", "--org", "search", "--org", "edge")

DEMO_TREE = """\
Acme Hub (ba11379d) receives from 3 orgs:
├── Acme Edge (710ae7b4)      metrics
├── Acme Payments (7bd471e8)  logs, metrics
└── Acme Search (8e5fed0c)    audit, logs, metrics

3 connections between 4 orgs.
"""

DEMO_MERMAID = """\
flowchart LR
  o710ae7b4["Acme Edge (710ae7b4)"]
  oba11379d["Acme Hub (ba11379d)"]
  o7bd471e8["Acme Payments (7bd471e8)"]
  o8e5fed0c["Acme Search (8e5fed0c)"]
  o710ae7b4 -->|"metrics"| oba11379d
  o7bd471e8 -->|"logs, metrics"| oba11379d
  o8e5fed0c -->|"audit, logs, metrics"| oba11379d
"""

DEMO_DOT = f"""\
digraph org_connections {{
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  edge [fontname="Helvetica"];
  "{EDGE}" [label="Acme Edge (710ae7b4)"];
  "{HUB}" [label="Acme Hub (ba11379d)"];
  "{PAYMENTS}" [label="Acme Payments (7bd471e8)"];
  "{SEARCH}" [label="Acme Search (8e5fed0c)"];
  "{EDGE}" -> "{HUB}" [label="metrics"];
  "{PAYMENTS}" -> "{HUB}" [label="logs, metrics"];
  "{SEARCH}" -> "{HUB}" [label="audit, logs, metrics"];
}}
"""


def test_tree_is_the_default_and_lists_each_spoke_under_the_hub(
    demo_emulator: Emulator, graph_cli: Callable[..., Any]
) -> None:
    run = graph_cli(demo_emulator)

    assert (run.code, run.err) == (0, "")
    assert run.out == DEMO_TREE


def test_mermaid_is_a_flowchart_with_edges_labelled_by_types(
    demo_emulator: Emulator, graph_cli: Callable[..., Any]
) -> None:
    run = graph_cli(demo_emulator, "--format", "mermaid")

    assert run.code == 0
    assert run.out == DEMO_MERMAID


def test_dot_names_orgs_by_uuid_and_labels_them_with_name_and_short_uuid(
    demo_emulator: Emulator, graph_cli: Callable[..., Any]
) -> None:
    run = graph_cli(demo_emulator, "--format", "dot")

    assert run.code == 0
    assert run.out == DEMO_DOT


def test_json_has_nodes_and_edges_with_the_api_field_names(
    demo_emulator: Emulator, graph_cli: Callable[..., Any]
) -> None:
    run = graph_cli(demo_emulator, "--format", "json")

    doc = json.loads(run.out)
    remote = {c["id"] for c in demo_emulator.connections()}
    assert run.code == 0
    assert [n["id"] for n in doc["nodes"]] == [EDGE, HUB, PAYMENTS, SEARCH]
    assert doc["nodes"][1] == {
        "id": HUB,
        "name": "Acme Hub",
        "short_id": "ba11379d",
        "label": "Acme Hub (ba11379d)",
    }
    assert [(e["source_org_id"], e["sink_org_id"]) for e in doc["edges"]] == [
        (EDGE, HUB),
        (PAYMENTS, HUB),
        (SEARCH, HUB),
    ]
    assert doc["edges"][2]["connection_types"] == ["audit", "logs", "metrics"]
    assert {e["connection_id"] for e in doc["edges"]} == remote
    assert all(e["restricted"] is False and e["dashboards"] == [] for e in doc["edges"])


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("tree", "No org connections visible from these key pairs.\n"),
        ("mermaid", 'flowchart LR\n  empty["No org connections"]\n'),
        ("json", '{\n  "edges": [],\n  "nodes": []\n}\n'),
    ],
)
def test_an_account_without_connections_draws_an_empty_graph(
    datadog_emulator: Emulator, graph_cli: Callable[..., Any], fmt: str, expected: str
) -> None:
    run = graph_cli(datadog_emulator, "--format", fmt, *ALL_PAIRS)

    assert (run.code, run.err) == (0, "")
    assert run.out == expected


def test_dot_of_an_account_without_connections_is_a_valid_empty_digraph(
    datadog_emulator: Emulator, graph_cli: Callable[..., Any]
) -> None:
    run = graph_cli(datadog_emulator, "--format", "dot")

    assert run.code == 0
    assert run.out.startswith("digraph org_connections {\n") and run.out.endswith("}\n")
    assert "->" not in run.out and "label=" not in run.out


@pytest.mark.parametrize("fmt", ["tree", "mermaid", "dot", "json"])
def test_both_sides_listed_draw_each_connection_once(
    demo_emulator: Emulator, graph_cli: Callable[..., Any], fmt: str
) -> None:
    from_sink_only = graph_cli(demo_emulator, "--format", fmt)

    # The hub sees all three; each spoke sees its own again: six listings of three connections.
    from_both = graph_cli(demo_emulator, "--format", fmt, *ALL_PAIRS)

    assert from_both.code == 0
    assert from_both.out == from_sink_only.out


@pytest.mark.parametrize("fmt", ["tree", "mermaid", "dot"])
def test_output_is_the_same_whatever_the_creation_order_and_ids(
    demo_factory: Callable[..., Emulator], graph_cli: Callable[..., Any], fmt: str
) -> None:
    first = demo_factory(order=(0, 1, 2))
    second = demo_factory(order=(2, 0, 1))

    runs = [graph_cli(emu, "--format", fmt, *ALL_PAIRS) for emu in (first, second)]

    ids = {c["id"] for emu in (first, second) for c in emu.connections()}
    assert len(ids) == 6  # six different connection ids, one text
    assert runs[0].out == runs[1].out
    assert not any(i in runs[0].out for i in ids)


def test_json_is_stable_apart_from_connection_ids(
    demo_factory: Callable[..., Emulator], graph_cli: Callable[..., Any]
) -> None:
    first, second = demo_factory(order=(0, 1, 2)), demo_factory(order=(1, 2, 0))

    docs = [json.loads(graph_cli(emu, "--format", "json").out) for emu in (first, second)]

    for doc in docs:
        for edge in doc["edges"]:
            assert edge.pop("connection_id")
    assert docs[0] == docs[1]
