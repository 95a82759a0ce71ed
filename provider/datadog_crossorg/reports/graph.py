"""The org graph: which org shares which data with which, for a terminal, a README or a script.

One model, four renderers. The model is built from connection records (`build_graph`, what
`crossorg connections graph` lists) or from a stack's `OrgConnection` resources
(`mermaid_from_resources`, a stack output for `pulumi preview` in a pull request), so both paths
draw the same text for the same connections.

- Nodes are orgs, labelled `name (short UUID)`; edges are connections, source -> sink, keyed by
  the pair: Datadog allows one connection per source and sink, so the same connection listed from
  both sides (or from several key pairs) is one edge.
- Marks: `restricted` (a restriction policy narrows who may use the connection; the caller passes
  the restricted connection ids) and `dashboard` (a dashboard in the sink org reads the source
  through `cross_org_uuids`).
- Every renderer sorts by org name then UUID, so the output is stable across runs; only `json`
  carries connection ids (they change whenever a connection is re-created).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datadog_crossorg.data_sources import ConnectionTypes
from datadog_crossorg.rules.queries import json_queries

if TYPE_CHECKING:
    import pulumi

    from datadog_crossorg.client import Connection

FORMATS = ("tree", "mermaid", "dot", "json")
TREE_WIDTH = 80
SHORT_ID_LENGTH = 8

RESTRICTED = "restricted"
DASHBOARD = "dashboard"
_LEGEND = {
    RESTRICTED: "a restriction policy limits who may use the connection",
    DASHBOARD: "a dashboard in the sink org reads the source (cross_org_uuids)",
}


# -- model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgNode:
    """An org; `name` is None when no listing named it."""

    uuid: str
    name: str | None = None

    @property
    def short_id(self) -> str:
        return self.uuid[:SHORT_ID_LENGTH]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short_id})" if self.name else self.short_id

    @property
    def sort_key(self) -> tuple[str, str]:
        return ((self.name or "").casefold(), self.uuid)


@dataclass(frozen=True)
class Edge:
    """One connection: `source` shares `connection_types` with `sink` (org UUIDs)."""

    source: str
    sink: str
    connection_types: ConnectionTypes
    connection_id: str | None = None
    restricted: bool = False
    dashboards: tuple[str, ...] = ()  # titles of the dashboards that read this connection

    @property
    def marks(self) -> tuple[str, ...]:
        return ((RESTRICTED,) if self.restricted else ()) + (
            (DASHBOARD,) if self.dashboards else ()
        )


@dataclass(frozen=True)
class OrgGraph:
    """Orgs and connections in render order: nodes by name, edges by sink then source."""

    nodes: tuple[OrgNode, ...] = ()
    edges: tuple[Edge, ...] = ()

    def node(self, uuid: str) -> OrgNode:
        return self._by_uuid[uuid]

    def by_sink(self) -> list[tuple[OrgNode, list[Edge]]]:
        """Each sink with the edges into it, in render order."""
        groups: dict[str, list[Edge]] = {}
        for edge in self.edges:
            groups.setdefault(edge.sink, []).append(edge)
        return [(self.node(sink), edges) for sink, edges in groups.items()]

    @cached_property
    def _by_uuid(self) -> dict[str, OrgNode]:
        return {n.uuid: n for n in self.nodes}


@dataclass(frozen=True)
class DashboardReads:
    """What one dashboard reads from other orgs: it lives in `org_id` and reads `source_org_ids`."""

    title: str
    org_id: str
    source_org_ids: frozenset[str]


@dataclass
class _Builder:
    """Merges connections seen several times (both sides, several key pairs) into one graph."""

    names: dict[str, str | None] = field(default_factory=dict)
    types: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    ids: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(
        self,
        source: tuple[str, str | None],
        sink: tuple[str, str | None],
        connection_types: Iterable[str],
        connection_id: str | None = None,
    ) -> None:
        for uuid, name in (source, sink):
            if not self.names.get(uuid):
                self.names[uuid] = name or None
        pair = (source[0], sink[0])
        self.types.setdefault(pair, set()).update(connection_types)
        ids = self.ids.setdefault(pair, set())
        if connection_id:
            ids.add(connection_id)

    def build(self, restricted: Collection[str], dashboards: Iterable[DashboardReads]) -> OrgGraph:
        nodes = sorted((OrgNode(u, n) for u, n in self.names.items()), key=lambda n: n.sort_key)
        rank = {node.uuid: i for i, node in enumerate(nodes)}
        readers: dict[tuple[str, str], set[str]] = {}
        for board in dashboards:
            for source in board.source_org_ids:
                readers.setdefault((source, board.org_id), set()).add(board.title)
        edges = [
            Edge(
                source=source,
                sink=sink,
                connection_types=ConnectionTypes(types),
                connection_id=min(self.ids[(source, sink)], default=None),
                restricted=not self.ids[(source, sink)].isdisjoint(restricted),
                dashboards=tuple(sorted(readers.get((source, sink), ()))),
            )
            for (source, sink), types in self.types.items()
        ]
        edges.sort(key=lambda e: (rank[e.sink], rank[e.source]))
        return OrgGraph(tuple(nodes), tuple(edges))


def build_graph(
    connections: Iterable[Connection],
    *,
    restricted: Collection[str] = frozenset(),
    dashboards: Iterable[DashboardReads] = (),
) -> OrgGraph:
    """The graph of `connections`, each source/sink pair once however often it was listed.

    `restricted`: ids of connections a restriction policy narrows (granular access), marked
    `restricted`. `dashboards`: what dashboards read; an edge source -> dashboard org is marked
    `dashboard`. A dashboard reading a source that shares nothing with its org marks no edge.
    """
    builder = _Builder()
    for conn in connections:
        builder.add(
            (conn.source_org_id, conn.source_org_name),
            (conn.sink_org_id, conn.sink_org_name),
            conn.connection_types,
            conn.id,
        )
    return builder.build(frozenset(restricted), dashboards)


# -- dashboards -----------------------------------------------------------------------------


def cross_org_uuids_in(doc: Any) -> frozenset[str]:
    """Every org UUID a dashboard document's queries read through `cross_org_uuids`, group
    widgets included (the queries are found by `rules.queries.json_queries`, as the linter
    finds them); takes the API's list and the single string of the typed pulumi_datadog classes."""
    found: set[str] = set()
    for query in json_queries(doc if isinstance(doc, Mapping) else {}):
        values = [query.uuids] if isinstance(query.uuids, str) else query.uuids
        if isinstance(values, Iterable):
            found.update(v.lower() for v in values if isinstance(v, str) and v)
    return frozenset(found)


def read_dashboard(path: str | Path, org_id: str) -> DashboardReads:
    """Read a dashboard JSON file (as exported or as Datadog returns it) living in `org_id`.

    Raises OSError when the file cannot be read and ValueError when it is not JSON.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not a dashboard JSON file ({error})") from None
    title = doc.get("title") if isinstance(doc, Mapping) else None
    return DashboardReads(title or path.stem, org_id.lower(), cross_org_uuids_in(doc))


# -- renderers ------------------------------------------------------------------------------


def render(graph: OrgGraph, fmt: str = "tree") -> str:
    """The graph in one of FORMATS, ending with a newline."""
    renderers = {"tree": render_tree, "mermaid": render_mermaid, "dot": render_dot}
    if fmt == "json":
        return render_json(graph)
    if fmt not in renderers:
        raise ValueError(f"unknown graph format {fmt!r}; use one of {', '.join(FORMATS)}")
    return renderers[fmt](graph)


def render_tree(graph: OrgGraph, width: int = TREE_WIDTH) -> str:
    """Sinks, each with its sources and the data types, in aligned columns within `width`."""
    if not graph.edges:
        return "No org connections visible from these key pairs.\n"
    types_width = max(len(_types_text(e)) for e in graph.edges)
    marks_width = max(len(", ".join(e.marks)) for e in graph.edges)
    fixed = len("├── ") + 2 + types_width + (2 + marks_width if marks_width else 0)
    labels = {node.uuid: _fit(node, width - fixed) for node in graph.nodes}
    label_width = max(len(labels[e.source]) for e in graph.edges)
    lines: list[str] = []
    for sink, edges in graph.by_sink():
        count = len(edges)
        if lines:
            lines.append("")
        lines.append(f"{_fit(sink, width - 25)} receives from {count} org{'s' * (count != 1)}:")
        for i, edge in enumerate(edges):
            branch = "└── " if i == len(edges) - 1 else "├── "
            row = (
                f"{branch}{labels[edge.source]:<{label_width}}  {_types_text(edge):<{types_width}}"
            )
            if edge.marks:
                row += "  " + ", ".join(edge.marks)
            lines.append(row.rstrip())
    count = len(graph.edges)
    lines += ["", f"{count} connection{'s' * (count != 1)} between {len(graph.nodes)} orgs."]
    used = sorted({m for e in graph.edges for m in e.marks})
    lines += [f"{mark}: {_LEGEND[mark]}" for mark in used]
    return "\n".join(lines) + "\n"


def render_mermaid(graph: OrgGraph) -> str:
    """A flowchart GitHub renders: orgs as boxes, connections as arrows labelled with types."""
    lines = ["flowchart LR"]
    if not graph.nodes:
        lines.append('  empty["No org connections"]')
    ids = _mermaid_ids(graph.nodes)
    lines += [f'  {ids[n.uuid]}["{_mermaid_text(n.label)}"]' for n in graph.nodes]
    lines += [
        f'  {ids[e.source]} -->|"{_mermaid_text(_edge_text(e))}"| {ids[e.sink]}'
        for e in graph.edges
    ]
    return "\n".join(lines) + "\n"


def render_dot(graph: OrgGraph) -> str:
    """Graphviz: `dot -Tsvg` draws it; restricted edges dashed, dashboard-read edges bold."""
    lines = [
        "digraph org_connections {",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica"];',
        '  edge [fontname="Helvetica"];',
    ]
    lines += [f"  {_dot_text(n.uuid)} [label={_dot_text(n.label)}];" for n in graph.nodes]
    for edge in graph.edges:
        attrs = [f"label={_dot_text(_edge_text(edge))}"]
        styles = [s for s, on in (("dashed", edge.restricted), ("bold", edge.dashboards)) if on]
        if styles:
            attrs.append(f"style={_dot_text(','.join(styles))}")
        lines.append(f"  {_dot_text(edge.source)} -> {_dot_text(edge.sink)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_json(graph: OrgGraph) -> str:
    """Nodes and edges for scripts, in render order, keys sorted."""
    doc = {
        "nodes": [
            {"id": n.uuid, "name": n.name, "short_id": n.short_id, "label": n.label}
            for n in graph.nodes
        ],
        "edges": [
            {
                "source_org_id": e.source,
                "sink_org_id": e.sink,
                "connection_types": list(e.connection_types),
                "connection_id": e.connection_id,
                "restricted": e.restricted,
                "dashboards": list(e.dashboards),
            }
            for e in graph.edges
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _types_text(edge: Edge) -> str:
    return ", ".join(edge.connection_types)


def _edge_text(edge: Edge) -> str:
    marks = f" ({', '.join(edge.marks)})" if edge.marks else ""
    return _types_text(edge) + marks


def _fit(node: OrgNode, width: int) -> str:
    """The node's label within `width` characters: the name is shortened, never the short UUID."""
    label = node.label
    if len(label) <= width or not node.name:
        return label
    room = max(width - len(node.short_id) - 3, 1)  # " (" + ")" around the UUID
    return f"{node.name[: room - 1].rstrip()}… ({node.short_id})"


def _mermaid_ids(nodes: Sequence[OrgNode]) -> dict[str, str]:
    """Short node ids (`o` + short UUID), the full UUID where two orgs share a prefix."""
    prefixes = [n.short_id for n in nodes]
    ids = {}
    for node in nodes:
        raw = node.short_id if prefixes.count(node.short_id) == 1 else node.uuid
        ids[node.uuid] = "o" + re.sub(r"[^A-Za-z0-9]", "_", raw)
    return ids


def _mermaid_text(text: str) -> str:
    """Text inside a quoted mermaid label: quotes and angle brackets as mermaid entity codes."""
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- from a stack ---------------------------------------------------------------------------


def mermaid_from_resources(resources: Iterable[Any] | Mapping[str, Any]) -> pulumi.Output[str]:
    """The mermaid graph of a stack's `OrgConnection` resources, for `pulumi.export`.

    Known once every resource's outputs are: at `up`, and at `preview` when no connection is
    being created (a new connection's source and names are unknown until Datadog answers).
    """
    import pulumi

    items = list(resources.values() if isinstance(resources, Mapping) else resources)
    rows = [
        pulumi.Output.all(
            r.source_org_id, r.source_org_name, r.sink_org_id, r.sink_org_name, r.connection_types
        )
        for r in items
    ]
    return pulumi.Output.all(*rows).apply(lambda values: render_mermaid(_graph_of_rows(values)))


def _graph_of_rows(rows: Iterable[Sequence[Any]]) -> OrgGraph:
    builder = _Builder()
    for source_id, source_name, sink_id, sink_name, types in rows:
        builder.add((source_id, source_name), (sink_id, sink_name), types or ())
    return builder.build(frozenset(), ())
