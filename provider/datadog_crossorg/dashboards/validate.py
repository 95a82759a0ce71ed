"""The rules a cross-org query must pass before a dashboard is sent, Pulumi-free.

Datadog refuses more than one UUID per query (400) but accepts a query that reads an org which
shares nothing with the dashboard's org: the widget then stays empty. So every entry point checks
both here: `CrossOrgDashboard` (against the stack's OrgConnection resources), the policy pack
(against the OrgConnection resources of the whole stack), and `crossorg dashboards lint --live`
(against the connections Datadog lists for the dashboard org's keys).

Queries are found in two shapes: Datadog's dashboard JSON (`cross_org_uuids` a list, see
`json_queries`) and pulumi_datadog's typed Dashboard (`cross_org_uuids` one string, see
`datadog_crossorg.dashboards.typed.typed_queries`). Both become `QueryRef`s; the checks below
only ever see those. Each problem names the query by its path, with `definition` left out:
`widgets[0].requests[0].queries[1] (name "q2")`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# What a connection must share for a query of each data source (the API's own names).
CONNECTION_TYPE_FOR = {"metrics": "metrics", "logs": "logs", "audit": "audit"}
SHAREABLE = ("audit", "logs", "metrics")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# Values Pulumi sends for what is not known yet (preview); the same strings as pulumi.runtime.rpc
# and pulumi_policy.proxy. Such a value is never judged: it is checked on the next run.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_VALUES = frozenset(
    {
        UNKNOWN,
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)


def is_unknown(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value in UNKNOWN_VALUES)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value)) and value not in UNKNOWN_VALUES


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
    connection_types: frozenset[str] | None
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
            if not any(is_unknown(t) for t in listed):
                types = frozenset(str(t) for t in listed)
        return cls(_org(source_org_id), _org(sink_org_id), types, name)

    @property
    def label(self) -> str:
        return f"connection {self.name}" if self.name else "the connection"


class DashboardInvalid(ValueError):
    """The dashboard breaks cross-org rules; nothing was sent. `problems` lists every one."""

    def __init__(self, dashboard: str, problems: Sequence[Problem]) -> None:
        self.dashboard = dashboard
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"dashboard {dashboard} has {len(self.problems)} cross-org problem(s):\n{lines}"
        )


def _org(value: Any) -> str | None:
    return None if is_unknown(value) or not isinstance(value, str) else value.lower()


# -- finding queries -------------------------------------------------------------------------
def json_queries(document: Mapping[str, Any]) -> list[QueryRef]:
    """Every query of a Datadog dashboard document that has a non-empty `cross_org_uuids`,
    group widgets included, in document order."""
    found: list[QueryRef] = []
    widgets = document.get("widgets") if isinstance(document, Mapping) else None
    if isinstance(widgets, Sequence) and not isinstance(widgets, str):
        for index, widget in enumerate(widgets):
            _walk(widget, f"widgets[{index}]", None, found)
    return found


def _walk(value: Any, path: str, widget: str | None, found: list[QueryRef]) -> None:
    if isinstance(value, Mapping):
        definition = value.get("definition")
        if isinstance(definition, Mapping) and isinstance(definition.get("title"), str):
            widget = definition["title"] or widget
        uuids = value.get("cross_org_uuids")
        if "cross_org_uuids" in value and uuids not in (None, []):
            name = value.get("name")
            data_source = value.get("data_source")
            found.append(
                QueryRef(
                    path=path,
                    name=name if isinstance(name, str) else None,
                    data_source=data_source if isinstance(data_source, str) else None,
                    uuids=list(uuids) if _is_list(uuids) else uuids,
                    widget=widget,
                )
            )
        for key, item in value.items():
            if key != "cross_org_uuids":
                _walk(item, path if key == "definition" else f"{path}.{key}", widget, found)
    elif _is_list(value):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", widget, found)


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def has_cross_org_queries(document: Mapping[str, Any]) -> bool:
    return bool(json_queries(document))


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
                    f"connections share only {', '.join(SHAREABLE)}",
                )
            )
    return problems


def check_connections(
    queries: Iterable[QueryRef],
    links: Iterable[Link],
    dashboard_org_id: str | None = None,
) -> list[Problem]:
    """Each query's source org must share the query's data type with the dashboard's org.

    `links` are the connections known to the caller (a stack's, or those Datadog lists for the
    dashboard org's keys). `dashboard_org_id` is the org whose keys create the dashboard (the
    sink); None matches connections into any org, which is exact when `links` are the ones the
    dashboard org takes part in. A link with an unknown field (preview) may match anything, so
    a query it could satisfy is left for the next run rather than reported.
    """
    links = list(links)
    sink = _org(dashboard_org_id)
    problems: list[Problem] = []
    for query in queries:
        source = query.source_org_id
        needed = CONNECTION_TYPE_FOR.get(query.data_source or "")
        if source is None or needed is None:
            continue  # check_queries reports it
        problem = _connection_problem(query, source, needed, links, sink)
        if problem is not None:
            problems.append(problem)
    return problems


def _connection_problem(
    query: QueryRef, source: str, needed: str, links: list[Link], sink: str | None
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
    target = f"the dashboard's org {sink}" if sink else "the dashboard's org"
    sharing = [link for link in candidates if link.source_org_id == source]
    if sharing:
        link = sharing[0]
        shared = ", ".join(sorted(link.connection_types or ())) or "nothing"
        return Problem(
            "missing-type",
            query.where,
            f"reads {needed} of org {source} but {link.label} from that org to {target} "
            f"shares only {shared}: add {needed} to its connection_types",
        )
    elsewhere = [link for link in links if link.source_org_id == source and link not in candidates]
    if elsewhere:
        others = ", ".join(sorted({str(link.sink_org_id) for link in elsewhere}))
        return Problem(
            "other-sink",
            query.where,
            f"reads {needed} of org {source}, which is connected to {others} but not to "
            f"{target}: create the dashboard with that org's keys, or connect {source} to {sink}",
        )
    return Problem(
        "no-connection",
        query.where,
        f"reads {needed} of org {source} but no org connection from that org to {target} "
        f"exists: add an OrgConnection from it with connection_types including {needed}",
    )


def check_document(
    document: Mapping[str, Any],
    links: Iterable[Link] | None = None,
    dashboard_org_id: str | None = None,
) -> list[Problem]:
    """Every problem of a dashboard document: the query rules, then (when `links` is given)
    the connection rule."""
    queries = json_queries(document)
    problems = check_queries(queries)
    if links is not None:
        problems += check_connections(queries, links, dashboard_org_id)
    return problems


def links_from_connections(connections: Iterable[Any]) -> list[Link]:
    """Links from `datadog_crossorg.client.Connection` records (what Datadog lists)."""
    return [
        Link.of(c.source_org_id, c.sink_org_id, c.connection_types, getattr(c, "id", None))
        for c in connections
    ]
