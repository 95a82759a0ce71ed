"""A review rendered three ways: a terminal table (rich), markdown for a pull-request comment
(one summary line, tables, a mermaid graph of the change), and JSON for scripts (`SCHEMA_VERSION`,
documented in README "Review cross-org changes in pull requests").

Every renderer sorts as the review does (flows that stop first), so the same preview gives the
same text. Orgs are labelled `name (short UUID)`; a value not known at preview is written
"not known until up", never filled in.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from datadog_crossorg.reports.review.analysis import (
    STARTS,
    STAYS,
    STOPS,
    UNKNOWN,
    AccessChange,
    Break,
    Review,
)
from datadog_crossorg.rules.queries import Flow, Link

SCHEMA_VERSION = 1
FORMATS = ("table", "markdown", "json")
NOT_KNOWN = "not known until up"
_MARK = {STOPS: "stops", STARTS: "starts", STAYS: "stays", UNKNOWN: "may stop"}


class Labels:
    """How orgs are called: `Acme Hub (ba11379d)`, the UUID alone when no name is known."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names

    def org(self, org_id: str | None) -> str:
        if org_id is None:
            return NOT_KNOWN
        name = self.names.get(org_id)
        return f"{name} ({org_id[:8]})" if name else org_id


# -- the summary -----------------------------------------------------------------------------
def counts(review: Review) -> dict[str, int]:
    flows = {status: 0 for status in (STOPS, UNKNOWN, STARTS, STAYS)}
    for change in review.flows:
        flows[change.status] += 1
    return flows


def summary_line(review: Review) -> str:
    """One line a reviewer reads first: what stops, and whether anything reading it breaks."""
    flows = counts(review)
    certain = [b for b in (*review.breaks, *review.live_breaks) if b.certain]
    possible = [b for b in (*review.breaks, *review.live_breaks) if not b.certain]
    parts = [
        f"{flows[STOPS]} flow(s) stop",
        f"{flows[STARTS]} start",
        f"{flows[STAYS]} stay",
    ]
    if flows[UNKNOWN]:
        parts.append(f"{flows[UNKNOWN]} may stop (not known until up)")
    head = ", ".join(parts)
    principals = len(review.access)
    access = f"; {principals} access change(s)" if principals else "; no access change"
    if certain:
        documents = {(b.reader.document.kind, b.reader.document.label) for b in certain}
        verdict = (
            f"BREAKS: {len(certain)} quer{'y' if len(certain) == 1 else 'ies'} in "
            f"{len(documents)} dashboard(s)/notebook(s) read a flow that stops"
        )
    elif possible:
        queries = "query" if len(possible) == 1 else "queries"
        verdict = (
            f"may break: {len(possible)} {queries} may read a flow that stops (an org or value "
            "not known at preview decides)"
        )
    else:
        verdict = "nothing that reads data breaks"
    return f"{verdict}. {head}{access}."


# -- rows every format shares ----------------------------------------------------------------
def flow_rows(review: Review, labels: Labels) -> list[list[str]]:
    return [
        [
            _MARK[f.status],
            f.flow.connection_type or NOT_KNOWN,
            labels.org(f.flow.source_org_id),
            labels.org(f.flow.sink_org_id),
            ", ".join(f.connections),
            f.note,
        ]
        for f in review.flows
        if f.status != STAYS
    ]


def access_rows(review: Review, labels: Labels) -> list[list[str]]:
    return [
        [
            a.connection,
            f"{labels.org(a.org_id)}{f' ({a.side})' if a.side else ''}"
            if a.org_id
            else f"org of key pair {a.key_pair} (not known at preview)",
            a.relation,
            ", ".join(a.gained) or "-",
            ", ".join(a.lost) or "-",
            "not known at preview" if a.after is None else a.resource,
        ]
        for a in review.access
    ]


def break_rows(breaks: Iterable[Break], labels: Labels) -> list[list[str]]:
    rows = []
    for b in breaks:
        document, query = b.reader.document, b.reader.query
        rows.append(
            [
                "breaks" if b.certain else "may break",
                f"{b.flow.connection_type} {labels.org(b.flow.source_org_id)} -> "
                f"{labels.org(b.flow.sink_org_id)}",
                document.label + (f" [{document.resource}]" if document.resource else ""),
                query.path,
                query.name or "-",
                query.widget or "-",
                "; ".join(
                    n
                    for n in ("its org is not known" if document.org_id is None else "", b.note)
                    if n
                ),
            ]
        )
    return rows


def dead_rows(review: Review, labels: Labels) -> list[list[str]]:
    return [
        [
            reader.document.label,
            labels.org(reader.document.org_id),
            reader.query.path,
            reader.query.name or "-",
            problem.code,
            problem.message,
        ]
        for reader, problem in review.live_dead
    ]


FLOW_HEAD = ["", "data", "from", "to", "through", "note"]
ACCESS_HEAD = ["connection", "whose policy", "relation", "gains", "loses", "resource"]
BREAK_HEAD = ["", "flow", "document", "path", "query", "widget", "note"]
DEAD_HEAD = ["document", "org", "path", "query", "problem", "why"]


# -- markdown --------------------------------------------------------------------------------
def markdown(review: Review) -> str:
    labels = Labels(review.org_names)
    out = [f"**Cross-org review:** {summary_line(review)}", ""]
    sections = [
        ("Flows that change", FLOW_HEAD, flow_rows(review, labels)),
        ("Who gains or loses access", ACCESS_HEAD, access_rows(review, labels)),
        ("What breaks in the stack", BREAK_HEAD, break_rows(review.breaks, labels)),
    ]
    if review.live:
        searched = ", ".join(labels.org(o) for o in review.live_orgs) or "no org"
        sections.append(
            (
                f"What breaks in Datadog (searched {searched})",
                BREAK_HEAD,
                break_rows(review.live_breaks, labels),
            )
        )
        sections.append(
            ("Cross-org queries that read nothing today", DEAD_HEAD, dead_rows(review, labels))
        )
    for title, head, rows in sections:
        out.append(f"### {title}")
        out.append("")
        out.extend(_md_table(head, rows) if rows else ["None."])
        out.append("")
    if review.notes:
        out.append("### What this preview cannot show")
        out.append("")
        out.extend(f"- {note}" for note in review.notes)
        out.append("")
    out.append("### The change")
    out.append("")
    out.append("```mermaid")
    out.append(mermaid(review).rstrip("\n"))
    out.append("```")
    return "\n".join(out) + "\n"


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ") or " "

    lines = ["| " + " | ".join(cell(h) for h in head) + " |"]
    lines.append("|" + "---|" * len(head))
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


# -- the graph -------------------------------------------------------------------------------
EDGE_STYLES = {
    "new": ("==>", "stroke:#2da44e,stroke-width:3px"),
    "removed": ("-.->", "stroke:#cf222e,stroke-dasharray:5 5"),
    "narrowed": ("-->", "stroke:#bf8700,stroke-width:2px"),
    "widened": ("-->", "stroke:#2da44e,stroke-width:2px"),
    "unknown": ("-.->", "stroke:#8c959f,stroke-dasharray:2 4"),
    "same": ("-->", None),
}


def edges(review: Review) -> list[tuple[str | None, str | None, str, str]]:
    """Per (source, sink): its kind (new, removed, narrowed, widened, same, unknown) and label."""
    pairs: dict[tuple[str | None, str | None], dict[str, list[str]]] = {}
    for change in review.flows:
        key = (change.flow.source_org_id, change.flow.sink_org_id)
        pairs.setdefault(key, {}).setdefault(change.status, []).append(
            change.flow.connection_type or "?"
        )
    found = []
    for (source, sink), by in pairs.items():
        stays, starts, stops, unknown = (
            sorted(by.get(s, [])) for s in (STAYS, STARTS, STOPS, UNKNOWN)
        )
        if unknown:
            kind = "unknown"
        elif not stays and not stops:
            kind = "new"
        elif not stays and not starts:
            kind = "removed"
        elif stops:
            kind = "narrowed"
        elif starts:
            kind = "widened"
        else:
            kind = "same"
        label = ", ".join(stays)
        for sign, types in (("+", starts), ("-", stops), ("?", unknown)):
            if types:
                label = (
                    f"{label}; {sign} {', '.join(types)}" if label else f"{sign} {', '.join(types)}"
                )
        found.append((source, sink, kind, label))
    return sorted(found, key=lambda e: (e[0] or "~", e[1] or "~"))


def mermaid(review: Review) -> str:
    labels = Labels(review.org_names)
    drawn = edges(review)
    orgs = sorted(
        {o for s, t, _, _ in drawn for o in (s, t)}, key=lambda o: (labels.org(o), o or "")
    )
    ids = {org: f"o{org[:8]}" if org else f"unknown{n}" for n, org in enumerate(orgs)}
    lines = ["flowchart LR"]
    for org in orgs:
        lines.append(f'  {ids[org]}["{labels.org(org)}"]')
    styles = []
    for number, (source, sink, kind, label) in enumerate(drawn):
        arrow, style = EDGE_STYLES[kind]
        lines.append(f'  {ids[source]} {arrow}|"{kind}: {label}"| {ids[sink]}')
        if style:
            styles.append(f"  linkStyle {number} {style}")
    return "\n".join([*lines, *styles]) + "\n"


# -- the terminal ----------------------------------------------------------------------------
def table(review: Review, width: int | None = None) -> str:
    from rich.console import Console
    from rich.table import Table

    labels = Labels(review.org_names)
    buffer = io.StringIO()
    if width is None and sys.stdout.isatty():
        width = shutil.get_terminal_size().columns
    console = Console(file=buffer, width=width or 160, force_terminal=False, color_system=None)
    console.print(f"Cross-org review: {summary_line(review)}")
    sections = [
        ("Flows that change", FLOW_HEAD, flow_rows(review, labels)),
        ("Who gains or loses access", ACCESS_HEAD, access_rows(review, labels)),
        ("What breaks in the stack", BREAK_HEAD, break_rows(review.breaks, labels)),
    ]
    if review.live:
        sections.append(
            ("What breaks in Datadog", BREAK_HEAD, break_rows(review.live_breaks, labels))
        )
        sections.append(
            ("Cross-org queries that read nothing today", DEAD_HEAD, dead_rows(review, labels))
        )
    for title, head, rows in sections:
        if not rows:
            console.print(f"{title}: none")
            continue
        grid = Table(title=title, title_justify="left")
        for column in head:
            grid.add_column(column or " ")
        for row in rows:
            grid.add_row(*row)
        console.print(grid)
    for note in review.notes:
        console.print(f"note: {note}")
    return buffer.getvalue()


# -- JSON ------------------------------------------------------------------------------------
def to_json(review: Review) -> str:
    flows = counts(review)
    document = {
        "version": SCHEMA_VERSION,
        "summary": {
            "line": summary_line(review),
            "flows": flows,
            "breaks": sum(1 for b in review.breaks if b.certain),
            "possible_breaks": sum(1 for b in review.breaks if not b.certain),
            "live_breaks": sum(1 for b in review.live_breaks if b.certain),
            "access_changes": len(review.access),
            "broken": review.broken,
        },
        "connections": [
            {
                "name": c.name,
                "adapter": c.adapter,
                "op": c.op,
                "before": _link_json(c.before),
                "after": _link_json(c.after),
                "replace_order": c.order,
            }
            for c in review.connections
        ],
        "flows": [
            {
                **_flow_json(f.flow),
                "status": f.status,
                "connections": list(f.connections),
                "note": f.note,
            }
            for f in review.flows
        ],
        "access": [_access_json(a) for a in review.access],
        "breaks": [_break_json(b, "stack") for b in review.breaks]
        + [_break_json(b, "live") for b in review.live_breaks],
        "reads_nothing_today": [
            {
                "document": _document_json(reader.document),
                "query": _query_json(reader.query),
                "problem": {"code": problem.code, "message": problem.message},
            }
            for reader, problem in review.live_dead
        ],
        "notes": list(review.notes),
        "live": {"searched_orgs": list(review.live_orgs)} if review.live else None,
        "org_names": dict(sorted(review.org_names.items())),
    }
    return json.dumps(document, indent=2) + "\n"


def _link_json(link: Link | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "source_org_id": link.source_org_id,
        "sink_org_id": link.sink_org_id,
        "connection_types": sorted(link.connection_types)
        if link.connection_types is not None
        else None,
    }


def _flow_json(flow: Flow) -> dict[str, Any]:
    return {
        "source_org_id": flow.source_org_id,
        "sink_org_id": flow.sink_org_id,
        "connection_type": flow.connection_type,
    }


def _access_json(a: AccessChange) -> dict[str, Any]:
    return {
        "resource": a.resource,
        "connection": a.connection,
        "org_id": a.org_id,
        "side": a.side,
        "relation": a.relation,
        "key_pair": a.key_pair,
        "before": list(a.before),
        "after": list(a.after) if a.after is not None else None,
        "gained": list(a.gained),
        "lost": list(a.lost),
    }


def _document_json(document: Any) -> dict[str, Any]:
    return {
        "kind": document.kind,
        "id": document.id,
        "title": document.title,
        "org_id": document.org_id,
        "resource": document.resource,
    }


def _query_json(query: Any) -> dict[str, Any]:
    return {
        "path": query.path,
        "name": query.name,
        "widget": query.widget,
        "data_source": query.data_source,
    }


def _break_json(b: Break, where: str) -> dict[str, Any]:
    return {
        "where": where,
        "certain": b.certain,
        "flow": _flow_json(b.flow),
        "document": _document_json(b.reader.document),
        "query": _query_json(b.reader.query),
        "note": b.note,
    }


def render(review: Review, format: str) -> str:
    if format == "markdown":
        return markdown(review)
    if format == "json":
        return to_json(review)
    return table(review)
