"""The graph model and renderers on connection records: merging, marks, 80 columns, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datadog_crossorg.client import Connection
from datadog_crossorg.process.org_view import org_of_listing
from datadog_crossorg.reports.graph import (
    DashboardReads,
    build_graph,
    cross_org_uuids_in,
    read_dashboard,
    render,
    render_dot,
    render_mermaid,
    render_tree,
)

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
C = "cccccccc-0000-4000-8000-000000000003"


def conn(
    source: str, sink: str, types: tuple[str, ...], cid: str, names: tuple[str | None, ...]
) -> Connection:
    return Connection(
        id=cid,
        source_org_id=source,
        sink_org_id=sink,
        connection_types=types,
        created_at="2026-01-01T00:00:00+00:00",
        source_org_name=names[0],
        sink_org_name=names[1],
    )


def test_a_connection_seen_with_and_without_names_keeps_the_names() -> None:
    from_patch = conn(A, B, ("logs",), "id-1", (None, None))  # PATCH answers carry no names
    from_list = conn(A, B, ("logs",), "id-1", ("Alpha", "Beta"))

    graph = build_graph([from_patch, from_list, from_patch])

    assert [n.label for n in graph.nodes] == ["Alpha (aaaaaaaa)", "Beta (bbbbbbbb)"]
    assert len(graph.edges) == 1 and graph.edges[0].connection_id == "id-1"


def test_restricted_connection_ids_mark_their_edges_in_every_format() -> None:
    conns = [
        conn(A, C, ("metrics",), "id-1", ("Alpha", "Gamma")),
        conn(B, C, ("logs",), "id-2", ("Beta", "Gamma")),
    ]

    graph = build_graph(conns, restricted={"id-2"})

    assert [e.restricted for e in graph.edges] == [False, True]
    assert "└── Beta (bbbbbbbb)   logs     restricted\n" in render_tree(graph)
    assert '-->|"logs (restricted)"|' in render_mermaid(graph)
    assert 'style="dashed"' in render_dot(graph)
    assert json.loads(render(graph, "json"))["edges"][1]["restricted"] is True
    assert "restricted: a restriction policy" in render_tree(graph)


def test_dashboard_reads_mark_only_the_edge_into_the_dashboards_org() -> None:
    conns = [
        conn(A, B, ("metrics",), "id-1", ("Alpha", "Beta")),
        conn(A, C, ("metrics",), "id-2", ("Alpha", "Gamma")),
    ]
    board = DashboardReads("Fleet", org_id=C, source_org_ids=frozenset({A, B}))

    graph = build_graph(conns, dashboards=[board])

    marked = {(e.source, e.sink): e.dashboards for e in graph.edges}
    assert marked == {(A, B): (), (A, C): ("Fleet",)}
    assert '-->|"metrics (dashboard)"| occcccccc' in render_mermaid(graph)
    assert 'style="bold"' in render_dot(graph)


def test_tree_stays_within_80_columns_with_long_names_and_every_mark() -> None:
    long_name = "Acme Worldwide Payments Processing and Settlement Platform (Production)"
    conns = [
        conn(A, B, ("audit", "logs", "metrics"), "id-1", (long_name, long_name + " Hub")),
        conn(C, B, ("metrics",), "id-2", ("Search", long_name + " Hub")),
    ]
    board = DashboardReads("d", B, frozenset({A}))

    tree = render_tree(build_graph(conns, restricted={"id-1"}, dashboards=[board]))

    lines = tree.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "(aaaaaaaa)" in tree and "(bbbbbbbb)" in tree  # the short UUID is never cut
    assert "…" in tree
    rows = [line for line in lines if line.startswith(("├── ", "└── "))]
    assert (
        len({row.index("audit") if "audit" in row else row.index("metrics") for row in rows}) == 1
    )


def test_mermaid_and_dot_escape_quotes_and_brackets_in_org_names() -> None:
    conns = [conn(A, B, ("logs",), "id-1", ('The "A" <team>', "B\\C"))]

    graph = build_graph(conns)

    assert '["The #quot;A#quot; #lt;team#gt; (aaaaaaaa)"]' in render_mermaid(graph)
    assert 'label="B\\\\C (bbbbbbbb)"' in render_dot(graph)


def test_orgs_sharing_a_uuid_prefix_get_distinct_mermaid_ids() -> None:
    twin = "aaaaaaaa-9999-4000-8000-000000000009"
    graph = build_graph(
        [conn(A, B, ("logs",), "1", ("X", "Y")), conn(twin, B, ("logs",), "2", ("Z", "Y"))]
    )

    text = render_mermaid(graph)

    assert "oaaaaaaaa_0000_4000_8000_000000000001" in text
    assert "oaaaaaaaa_9999_4000_8000_000000000009" in text


def test_the_org_of_a_listing_is_the_one_in_every_connection() -> None:
    hub_view = [conn(A, C, ("logs",), "1", ("", "")), conn(B, C, ("logs",), "2", ("", ""))]

    assert org_of_listing(hub_view) == C
    assert org_of_listing(hub_view[:1]) is None  # A or C: cannot tell
    assert org_of_listing([]) is None


def test_cross_org_uuids_are_found_in_group_widgets_and_every_query_kind() -> None:
    doc = {
        "title": "Fleet",
        "widgets": [
            {
                "definition": {
                    "type": "timeseries",
                    "requests": [{"queries": [{"cross_org_uuids": [A]}]}],
                }
            },
            {
                "definition": {
                    "type": "group",
                    "widgets": [
                        {
                            "definition": {
                                "requests": [
                                    {"queries": [{"data_source": "logs", "cross_org_uuids": [B]}]}
                                ]
                            }
                        },
                        {"definition": {"requests": [{"queries": [{"cross_org_uuids": C}]}]}},
                    ],
                }
            },
            {"definition": {"requests": [{"queries": [{"cross_org_uuids": []}, {"query": "x"}]}]}},
        ],
    }

    assert cross_org_uuids_in(doc) == {A, B, C}


def test_a_dashboard_file_is_named_by_its_title_or_file_name(tmp_path: Path) -> None:
    titled = tmp_path / "a.json"
    titled.write_text(
        json.dumps(
            {
                "title": "Payments",
                "widgets": [
                    {"definition": {"requests": [{"queries": [{"cross_org_uuids": [A]}]}]}}
                ],
            }
        )
    )
    untitled = tmp_path / "fleet.json"
    untitled.write_text(json.dumps({"widgets": []}))
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")

    assert read_dashboard(titled, B) == DashboardReads("Payments", B, frozenset({A}))
    assert read_dashboard(untitled, B).title == "fleet"
    with pytest.raises(ValueError, match=r"broken\.json: not a dashboard JSON file"):
        read_dashboard(broken, B)


def test_an_unknown_format_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="tree, mermaid, dot, json"):
        render(build_graph([]), "svg")
