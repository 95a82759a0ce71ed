"""Which query reads which flow: the rules every cross-org query must pass, Pulumi-free.

A query in a document (dashboard or notebook) of org S that names org X in `cross_org_uuids`
and reads data source D reads the *flow* (X, S, type carrying D): it shows data only while a
connection from X to S shares that type. Every feature that cares about that asks here, below
all of them: `CrossOrgDashboard` and `CrossOrgNotebook` (against the stack's OrgConnection
resources), the policy pack (the whole stack's), `crossorg dashboards|notebooks lint --live`
(the connections Datadog lists), the review of a preview (which documents read a flow that
stops) and the fleet audit (which read a flow that does not exist).

Datadog refuses more than one UUID per query (400) but accepts a query that reads an org which
shares nothing with the document's org: the widget then stays empty. So the checks below find
both.

Queries are found by one walker, `find_queries`, in two spellings: Datadog's JSON
(`cross_org_uuids` a list: dashboards, see `json_queries`, and notebooks, see
`notebook_queries`) and pulumi_datadog's typed Dashboard (`cross_org_uuids` one string, see
`datadog_crossorg.dashboards.typed`). Both become `QueryRef`s; the checks below only ever see
those. Each problem names the query by its path, with wrappers (`definition`, typed
`timeseries_definition`, `metric_query`) left out: `widgets[0].requests[0].queries[1] (name
"q2")`; a notebook's as `cells[2].requests[0].queries[0] (name "p")`.

`Flow`, `Reader` and `FlowIndex` (at the end) turn documents into the index of who reads what.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.data_sources import (
    ASSUMED,
    CONNECTION_TYPE_FOR,
    CONNECTION_TYPES,
    ConnectionTypes,
)
from datadog_crossorg.rules.values import is_unknown, is_uuid

# What a connection must share for a query of each data source, and the note on the CI data
# sources (carried by `logs`: our assumption, see `datadog_crossorg.data_sources`).
SHAREABLE = CONNECTION_TYPES  # the connection types themselves


@dataclass(frozen=True)
class QueryRef:
    """One query that names another org: where it is and what it reads.

    `uuids` is what the document holds, as a list (a typed string becomes a list of one; a value
    that is not a list of strings stays as it is, for the problem to quote). `widget` is the
    title of the innermost widget around the query, when it has one.
    """

    path: str
    name: str | None
    data_source: str | None
    uuids: Any
    widget: str | None = None

    @property
    def where(self) -> str:
        label = f'{self.path} (name "{self.name}")' if self.name else self.path
        return f'{label} in widget "{self.widget}"' if self.widget else label

    @property
    def source_org_id(self) -> str | None:
        """The one org this query reads, if its UUIDs are well formed (else None)."""
        if isinstance(self.uuids, list) and len(self.uuids) == 1 and is_uuid(self.uuids[0]):
            return self.uuids[0].lower()
        return None


@dataclass(frozen=True)
class Problem:
    """A rule a query breaks. `code`: too-many-uuids, not-a-list, malformed-uuid,
    unsupported-data-source, no-connection, missing-type, other-sink."""

    code: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Link:
    """An org connection as the checks see it; None for what is not known yet (preview)."""

    source_org_id: str | None
    sink_org_id: str | None
    connection_types: ConnectionTypes | None
    name: str | None = None

    @classmethod
    def of(
        cls,
        source_org_id: Any,
        sink_org_id: Any,
        connection_types: Any,
        name: str | None = None,
    ) -> Link:
        """Build from raw values (outputs, policy props, API records), unknowns as None."""
        types = None
        if isinstance(connection_types, Iterable) and not isinstance(connection_types, str):
            listed = list(connection_types)
            if not any(t is None or is_unknown(t) for t in listed):  # None: not known either
                types = ConnectionTypes(listed)
        return cls(_org(source_org_id), _org(sink_org_id), types, name)

    @property
    def label(self) -> str:
        return f"connection {self.name}" if self.name else "the connection"


class CrossOrgInvalid(Exception):
    """A dashboard or notebook breaks cross-org rules; nothing was sent. `problems` lists
    every one. (Not a ValueError: Pulumi wraps those raised while it serializes inputs.)"""

    kind = "document"

    def __init__(self, name: str, problems: Sequence[Problem]) -> None:
        self.name = name
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{self.kind} {name} has {len(self.problems)} cross-org problem(s):\n{lines}"
        )


class DashboardInvalid(CrossOrgInvalid):
    """A dashboard breaks cross-org rules (`dashboard` is its quoted name)."""

    kind = "dashboard"

    @property
    def dashboard(self) -> str:
        return self.name


class NotebookInvalid(CrossOrgInvalid):
    """A notebook breaks cross-org rules (`name` is its quoted resource name)."""

    kind = "notebook"


def _org(value: Any) -> str | None:
    return None if is_unknown(value) or not isinstance(value, str) else value.lower()


# -- finding queries -------------------------------------------------------------------------
_UUIDS_KEYS = ("cross_org_uuids", "crossOrgUuids")
_DATA_SOURCE_KEYS = ("data_source", "dataSource")
_METRIC_KINDS = ("metric_query", "metricQuery")  # a typed metric query's data source defaults
# Keys left out of paths: the JSON `definition` and the typed wrappers (`timeseries_definition`,
# `groupDefinition`, `metric_query`, `eventQuery`). A definition's `title` names the widget.
_DEFINITION = re.compile(r"^definition$|(_definition|Definition)$")
_WRAPPER = re.compile(r"^definition$|(_definition|Definition|_query|Query)$")


def find_queries(value: Any, path: str, *, one_string: bool = False) -> list[QueryRef]:
    """Every query under `value` (found at `path`) that names another org, in document order.

    The one walker of every shape: it looks for `cross_org_uuids` at any depth, so any widget,
    request layout (`requests[]`, scatterplot's `requests.table`, host map `enrichments`) and
    group nesting is covered. `one_string`: `cross_org_uuids` is spelled as pulumi_datadog's
    typed classes take it, one string (comma-separated when it names several orgs), instead of
    the API's list. A value not known yet (preview) is left for the next run.
    """
    found: list[QueryRef] = []
    _walk(value, path, None, None, one_string, found)
    return found


def _walk(
    value: Any,
    path: str,
    kind: str | None,
    widget: str | None,
    one_string: bool,
    found: list[QueryRef],
) -> None:
    if isinstance(value, Mapping):
        if kind is not None and _DEFINITION.search(kind):
            title = value.get("title")
            widget = title if isinstance(title, str) and title else widget
        query = _query_ref(value, path, kind, widget, one_string)
        if query is not None:
            found.append(query)
        for key, item in value.items():
            if key in _UUIDS_KEYS:
                continue
            hidden = isinstance(key, str) and _WRAPPER.search(key)
            _walk(item, path if hidden else f"{path}.{key}", key, widget, one_string, found)
    elif _is_list(value):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", kind, widget, one_string, found)


def _query_ref(
    value: Mapping[str, Any], path: str, kind: str | None, widget: str | None, one_string: bool
) -> QueryRef | None:
    raw = next((value[k] for k in _UUIDS_KEYS if k in value), None)
    empty = raw is None or raw == [] or (one_string and raw == "")
    if empty or is_unknown(raw):
        return None
    data_source = next((value[k] for k in _DATA_SOURCE_KEYS if k in value), None)
    if data_source is None and kind in _METRIC_KINDS:
        data_source = "metrics"
    name = value.get("name")
    return QueryRef(
        path=path,
        name=name if isinstance(name, str) else None,
        data_source=data_source if isinstance(data_source, str) else None,
        uuids=_uuid_list(raw, one_string),
        widget=widget,
    )


def _uuid_list(raw: Any, one_string: bool) -> Any:
    """The UUIDs as a list; what is not a list (in the list spelling) stays, to be quoted."""
    if one_string and isinstance(raw, str):
        return [part.strip() for part in raw.split(",")] if "," in raw else [raw]
    return list(raw) if _is_list(raw) else raw


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def json_queries(document: Mapping[str, Any]) -> list[QueryRef]:
    """The cross-org queries of a Datadog dashboard document, group widgets included."""
    widgets = document.get("widgets") if isinstance(document, Mapping) else None
    return find_queries(widgets, "widgets") if _is_list(widgets) else []


def has_cross_org_queries(document: Mapping[str, Any]) -> bool:
    return bool(json_queries(document))


# -- notebooks: a graph cell's definition is a widget's ------------------------------------
def notebook_attributes(document: Any) -> Any:
    """A notebook's attributes (name, cells, time, ...) from any of its JSON forms: the Notebooks
    API body (`{"data": {"attributes": ...}}`), its `data` object (`{"id", "type",
    "attributes"}`: what `DatadogClient.get_notebook` returns), or the attributes themselves
    (what `Notebook.to_dict` gives and `CrossOrgNotebook` takes). Anything else is returned as
    it is."""
    if not isinstance(document, Mapping):
        return document
    data = document.get("data")
    if isinstance(data, Mapping):
        return data.get("attributes")
    inner = document.get("attributes")
    if isinstance(inner, Mapping) and "cells" not in document:
        return inner
    return document


def notebook_queries(document: Mapping[str, Any]) -> list[QueryRef]:
    """The cross-org queries of a notebook, in any form `notebook_attributes` reads."""
    attributes = notebook_attributes(document)
    cells = attributes.get("cells") if isinstance(attributes, Mapping) else None
    if not isinstance(cells, Sequence) or isinstance(cells, str | bytes):
        return []
    found: list[QueryRef] = []
    for index, cell in enumerate(cells):
        inner = cell.get("attributes", cell) if isinstance(cell, Mapping) else cell
        found += find_queries(inner, f"cells[{index}]")
    return found


# -- the rules -------------------------------------------------------------------------------
def check_queries(queries: Iterable[QueryRef]) -> list[Problem]:
    """Rules that need nothing but the query: one UUID, a well-formed one, a shareable source."""
    problems: list[Problem] = []
    for query in queries:
        uuids = query.uuids
        if not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
            problems.append(
                Problem(
                    "not-a-list",
                    query.where,
                    f"cross_org_uuids must be a list holding one org UUID, not {uuids!r}",
                )
            )
            continue
        if len(uuids) > 1:
            problems.append(
                Problem(
                    "too-many-uuids",
                    query.where,
                    f"cross_org_uuids holds {len(uuids)} UUIDs but a query reads at most one "
                    "org: write one query per org and combine them in a formula",
                )
            )
        for uuid in uuids:
            if not is_unknown(uuid) and not is_uuid(uuid):
                problems.append(
                    Problem(
                        "malformed-uuid",
                        query.where,
                        f"cross_org_uuids {uuid!r} is not an org UUID "
                        "(8-4-4-4-12 hex digits, as in the org's settings)",
                    )
                )
        if query.data_source not in CONNECTION_TYPE_FOR:
            problems.append(
                Problem(
                    "unsupported-data-source",
                    query.where,
                    f"data_source {query.data_source!r} cannot read another org: org "
                    f"connections share only {', '.join(SHAREABLE)}, which data sources "
                    f"{', '.join(sorted(CONNECTION_TYPE_FOR))} read: use one of those, or "
                    "drop cross_org_uuids to read the query's own org",
                )
            )
    return problems


def check_connections(
    queries: Iterable[QueryRef],
    links: Iterable[Link],
    dashboard_org_id: str | None = None,
    owner: str = "dashboard",
) -> list[Problem]:
    """Each query's source org must share the query's data type with the dashboard's org.

    `links` are the connections known to the caller (a stack's, or those Datadog lists for the
    dashboard org's keys). `dashboard_org_id` is the org whose keys create the dashboard (the
    sink); None matches connections into any org, which is exact when `links` are the ones the
    dashboard org takes part in. A link with an unknown field (preview) may match anything, so
    a query it could satisfy is left for the next run rather than reported. `owner` is what
    messages call the document ("notebook" for notebooks).
    """
    links = list(links)
    sink = _org(dashboard_org_id)
    problems: list[Problem] = []
    for query in queries:
        source = query.source_org_id
        needed = CONNECTION_TYPE_FOR.get(query.data_source or "")
        if source is None or needed is None:
            continue  # check_queries reports it
        problem = _connection_problem(query, source, needed, links, sink, owner)
        if problem is not None:
            problems.append(problem)
    return problems


def _connection_problem(
    query: QueryRef, source: str, needed: str, links: list[Link], sink: str | None, owner: str
) -> Problem | None:
    def into_sink(link: Link) -> bool:
        return sink is None or link.sink_org_id is None or link.sink_org_id == sink

    candidates = [link for link in links if into_sink(link)]
    if any(
        link.source_org_id == source
        and (link.connection_types is None or needed in link.connection_types)
        for link in candidates
    ):
        return None
    if any(link.source_org_id is None for link in candidates):
        return None  # a connection not created yet may be this one
    target = f"the {owner}'s org {sink}" if sink else f"the {owner}'s org"
    reads = f"reads {query.data_source or needed} of org {source}"
    sharing = [link for link in candidates if link.source_org_id == source]
    elsewhere = [link for link in links if link.source_org_id == source and link not in candidates]
    if sharing:
        link = sharing[0]
        shared = ", ".join(link.connection_types or ()) or "nothing"
        code, message = (
            "missing-type",
            f"{reads} but {link.label} from that org to {target} shares only {shared}: add "
            f"{needed} to its connection_types",
        )
    elif elsewhere:
        others = ", ".join(sorted({str(link.sink_org_id) for link in elsewhere}))
        code, message = (
            "other-sink",
            f"{reads}, which is connected to {others} but not to {target}: create the {owner} "
            f"with that org's keys, or connect {source} to {sink}",
        )
    else:
        code, message = (
            "no-connection",
            f"{reads} but no org connection from that org to {target} exists: add an "
            f"OrgConnection from it with connection_types including {needed}",
        )
    assumed = ASSUMED.get(query.data_source or "")
    if assumed:
        message += f". {query.data_source} queries need a connection sharing {needed} ({assumed})"
    return Problem(code, query.where, message)


def check_all(
    queries: Sequence[QueryRef],
    links: Iterable[Link] | None = None,
    dashboard_org_id: str | None = None,
    owner: str = "dashboard",
) -> list[Problem]:
    """The query rules, then (when `links` is given) the connection rule: what every entry point
    runs on the queries it found. `owner` ("dashboard", "notebook") is what messages call the
    document whose org (`dashboard_org_id`, the sink) reads the others."""
    problems = check_queries(queries)
    if links is not None:
        problems += check_connections(queries, links, dashboard_org_id, owner)
    return problems


def check_document(
    document: Mapping[str, Any],
    links: Iterable[Link] | None = None,
    dashboard_org_id: str | None = None,
) -> list[Problem]:
    """Every problem of a dashboard document (see `check_all`)."""
    return check_all(json_queries(document), links, dashboard_org_id)


def check_notebook(
    document: Mapping[str, Any],
    links: Iterable[Link] | None = None,
    notebook_org_id: str | None = None,
) -> list[Problem]:
    """Every cross-org problem of a notebook; with `links`, against those connections into
    `notebook_org_id` (the org whose keys create the notebook)."""
    return check_all(notebook_queries(document), links, notebook_org_id, owner="notebook")


def links_from_connections(connections: Iterable[Any]) -> list[Link]:
    """Links from `datadog_crossorg.client.Connection` records (what Datadog lists)."""
    return [
        Link.of(c.source_org_id, c.sink_org_id, c.connection_types, getattr(c, "id", None))
        for c in connections
    ]


# -- the index of who reads what -------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Flow:
    """Data of one connection type from one org to another: what a connection carries, per
    type, and what a cross-org query reads. A field is None where it is not known (an org UUID
    that is another resource's output at preview): such a flow is shown as unknown, never
    guessed, and `matches` treats it as possibly any value."""

    source_org_id: str | None
    sink_org_id: str | None
    connection_type: str | None

    def matches(self, other: Flow) -> bool:
        """The two may be the same flow (an unknown field matches any value)."""
        return all(
            a is None or b is None or a == b
            for a, b in (
                (self.source_org_id, other.source_org_id),
                (self.sink_org_id, other.sink_org_id),
                (self.connection_type, other.connection_type),
            )
        )


def may_carry(link: Link, flow: Flow) -> bool:
    """The connection may carry the flow: every field known on both sides agrees (an unknown
    source, sink or type list may be anything, but known types without the flow's rule it out)."""
    return Flow(link.source_org_id, link.sink_org_id, None).matches(flow) and (
        link.connection_types is None
        or flow.connection_type is None
        or flow.connection_type in link.connection_types
    )


def flows_of(source_org_id: Any, sink_org_id: Any, connection_types: Any) -> list[Flow]:
    """The flows a connection carries, one per type, sorted; unknown values become None (types
    not known at all give one flow of unknown type)."""
    link = Link.of(source_org_id, sink_org_id, connection_types)
    types = list(link.connection_types) if link.connection_types is not None else [None]
    return [Flow(link.source_org_id, link.sink_org_id, t) for t in types]


@dataclass(frozen=True)
class Document:
    """A dashboard or notebook as the index sees it: the org it lives in (whose keys made it:
    the sink its queries read into; None when not known), and its cross-org queries.
    `resource` names the stack resource that declares it, when one does."""

    kind: str  # "dashboard" or "notebook"
    id: str | None
    title: str | None
    org_id: str | None
    queries: tuple[QueryRef, ...]
    resource: str | None = None

    @classmethod
    def of(
        cls,
        kind: str,
        document: Mapping[str, Any],
        org_id: Any,
        id: str | None = None,
        resource: str | None = None,
    ) -> Document:
        """From a document's JSON (any form Datadog or our builder gives)."""
        if kind == "notebook":
            queries, attributes = notebook_queries(document), notebook_attributes(document)
            title = attributes.get("name") if isinstance(attributes, Mapping) else None
        else:
            queries = json_queries(document)
            title = document.get("title") if isinstance(document, Mapping) else None
        title = title if isinstance(title, str) else None
        return cls(kind, id, title, _org(org_id), tuple(queries), resource)

    @property
    def label(self) -> str:
        """`dashboard "Fleet" (abc-def-ghi)`: what a report calls it."""
        named = f'{self.kind} "{self.title}"' if self.title else self.kind
        return f"{named} ({self.id})" if self.id else named


@dataclass(frozen=True)
class Reader:
    """One cross-org query of a document and the flow it reads (None: the query itself is
    malformed or reads a data source no connection shares; `check_queries` says why)."""

    document: Document
    query: QueryRef
    flow: Flow | None


def flow_read_by(query: QueryRef, org_id: str | None) -> Flow | None:
    """The flow a query of a document in `org_id` reads, or None if it reads none."""
    source = query.source_org_id
    needed = CONNECTION_TYPE_FOR.get(query.data_source or "")
    if source is None or needed is None:
        return None
    return Flow(source, _org(org_id), needed)


class FlowIndex:
    """Which query reads which flow, over a set of documents; built once, asked many times."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.documents = list(documents)
        self.readers = [
            Reader(document, query, flow_read_by(query, document.org_id))
            for document in self.documents
            for query in document.queries
        ]

    def reading(self, flows: Iterable[Flow]) -> list[Reader]:
        """The readers of any of `flows` (a flow or reader org not known matches any), in
        document order."""
        wanted = list(flows)
        return [
            reader
            for reader in self.readers
            if reader.flow is not None and any(reader.flow.matches(flow) for flow in wanted)
        ]

    def dead(self, links: Iterable[Link]) -> list[tuple[Reader, Problem]]:
        """The readers whose flow no connection in `links` carries, each with the problem that
        says why (no connection, a missing type, connected elsewhere): these queries show no
        data today. A document whose org is not known is judged against links into any org."""
        links = list(links)
        dead: list[tuple[Reader, Problem]] = []
        for reader in self.readers:
            flow = reader.flow
            if flow is None or flow.source_org_id is None or flow.connection_type is None:
                continue
            problem = _connection_problem(
                reader.query,
                flow.source_org_id,
                flow.connection_type,
                links,
                flow.sink_org_id,
                reader.document.kind,
            )
            if problem is not None:
                dead.append((reader, problem))
        return dead
