"""Typed dashboards whose queries may read other orgs, rendered to Datadog's dashboard JSON.

    from datadog_crossorg.dashboards import Dashboard, Formula, LogsQuery, MetricsQuery, Timeseries

    cpu = Timeseries(
        "CPU, hub and payments",
        queries=[
            MetricsQuery("hub", "avg:system.cpu.user{*}"),
            MetricsQuery("pay", "avg:system.cpu.user{*}", source=payments_to_hub),
        ],
        formulas=[Formula("hub + pay", alias="all")],
    )
    doc = Dashboard("Fleet", [cpu]).to_dict()       # plain UUID sources only

A query's `source` is the org it reads: None (the dashboard's own org), an org UUID string, a
`pulumi.Output[str]`, or an `OrgConnection` (the UUID is then its `source_org_id`, and a
`CrossOrgDashboard` built from it depends on the connection). Names and JSON keys are Datadog's.
Nothing here imports Pulumi: Outputs and OrgConnections are recognised only if their modules are
already loaded, which they must be for a program to hold one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

UuidOf = Callable[[Any], Any]


class UnresolvedSource(TypeError):
    """A source is an Output or an OrgConnection: only `CrossOrgDashboard` can resolve it."""


def is_output(value: Any) -> bool:
    pulumi = sys.modules.get("pulumi")
    return pulumi is not None and isinstance(value, pulumi.Output)


def is_org_connection(value: Any) -> bool:
    module = sys.modules.get("datadog_crossorg.org_connection")
    return module is not None and isinstance(value, module.OrgConnection)


def plain_uuid(source: Any) -> str:
    """The UUID of a plain string source; anything else needs the component to resolve it."""
    if isinstance(source, str):
        return source
    kind = "an OrgConnection" if is_org_connection(source) else type(source).__name__
    raise UnresolvedSource(
        f"a query reads {kind}, known only while the program runs: build the dashboard with "
        "CrossOrgDashboard, or give the source org as a UUID string"
    )


def _tuple(owner: Any, name: str) -> None:
    value = getattr(owner, name)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{type(owner).__name__}.{name} must be a list, not {value!r}")
    object.__setattr__(owner, name, tuple(value))


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


# -- queries ---------------------------------------------------------------------------------
class _Query:
    """What every query has: a name for formulas, a data source, the org it reads."""

    data_source: ClassVar[str]
    name: str
    source: Any

    def _body(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        body = {"data_source": self.data_source, "name": self.name, **self._body()}
        if self.source is not None:
            body["cross_org_uuids"] = [uuid_of(self.source)]
        return body


@dataclass(frozen=True)
class MetricsQuery(_Query):
    """A metrics query (`avg:system.cpu.user{*}`); reading another org needs `metrics` shared."""

    name: str
    query: str
    source: Any = None
    aggregator: str | None = None
    semantic_mode: str | None = None
    data_source: ClassVar[str] = "metrics"

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.query}
        _set(body, "aggregator", self.aggregator)
        _set(body, "semantic_mode", self.semantic_mode)
        return body


@dataclass(frozen=True)
class Compute:
    """What an event-platform query computes: `count`, or an aggregation of a `metric`."""

    aggregation: str = "count"
    metric: str | None = None
    interval: int | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"aggregation": self.aggregation}
        _set(body, "metric", self.metric)
        _set(body, "interval", self.interval)
        return body


@dataclass(frozen=True)
class GroupBy:
    """Group an event-platform query by a facet, top `limit` groups by `aggregation`."""

    facet: str
    limit: int = 10
    order: str = "desc"
    aggregation: str = "count"
    metric: str | None = None

    def to_dict(self) -> dict[str, Any]:
        sort: dict[str, Any] = {"aggregation": self.aggregation, "order": self.order}
        _set(sort, "metric", self.metric)
        return {"facet": self.facet, "limit": self.limit, "sort": sort}


@dataclass(frozen=True)
class LogsQuery(_Query):
    """A logs search (`service:web status:error`); reading another org needs `logs` shared."""

    name: str
    search: str = ""
    source: Any = None
    indexes: Sequence[str] = ("*",)
    compute: Compute = field(default_factory=Compute)
    group_by: Sequence[GroupBy] = ()
    data_source: ClassVar[str] = "logs"

    def __post_init__(self) -> None:
        _tuple(self, "indexes")
        _tuple(self, "group_by")

    def _body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "compute": self.compute.to_dict(),
            "indexes": list(self.indexes),
            "search": {"query": self.search},
        }
        if self.group_by:
            body["group_by"] = [g.to_dict() for g in self.group_by]
        return body


@dataclass(frozen=True)
class AuditQuery(LogsQuery):
    """An Audit Trail search; reading another org needs `audit` shared."""

    data_source: ClassVar[str] = "audit"


Query = MetricsQuery | LogsQuery | AuditQuery


# -- formulas and widgets --------------------------------------------------------------------
@dataclass(frozen=True)
class Formula:
    """An expression over query names (`hub + pay`); may combine queries of several orgs."""

    formula: str
    alias: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"formula": self.formula}
        _set(body, "alias", self.alias)
        return body


@dataclass(frozen=True)
class Layout:
    """Position on a `free` dashboard (grid units)."""

    x: int
    y: int
    width: int
    height: int

    def to_dict(self) -> dict[str, Any]:
        return {"height": self.height, "width": self.width, "x": self.x, "y": self.y}


@dataclass(frozen=True)
class Timeseries:
    """A timeseries widget with one request: its queries and the formulas drawn from them."""

    title: str
    queries: Sequence[Query]
    formulas: Sequence[Formula | str] = ()
    display_type: str = "line"
    live_span: str | None = None
    show_legend: bool | None = None
    layout: Layout | None = None
    type: ClassVar[str] = "timeseries"

    def __post_init__(self) -> None:
        _tuple(self, "queries")
        _tuple(self, "formulas")
        object.__setattr__(
            self, "formulas", tuple(Formula(f) if isinstance(f, str) else f for f in self.formulas)
        )
        names = [q.name for q in self.queries]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(
                f"timeseries {self.title!r}: query name(s) {', '.join(doubled)} used twice; "
                "formulas need unique names"
            )

    def iter_queries(self) -> Iterator[Query]:
        yield from self.queries

    def to_dict(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        request: dict[str, Any] = {
            "display_type": self.display_type,
            "queries": [q.to_dict(uuid_of) for q in self.queries],
            "response_format": "timeseries",
        }
        if self.formulas:
            request["formulas"] = [f.to_dict() for f in self.formulas if isinstance(f, Formula)]
        definition: dict[str, Any] = {"requests": [request], "title": self.title, "type": self.type}
        _set(definition, "live_span", self.live_span)
        _set(definition, "show_legend", self.show_legend)
        return _widget(definition, self.layout)


@dataclass(frozen=True)
class Group:
    """A group widget: a titled block of widgets (groups do not nest in Datadog)."""

    title: str
    widgets: Sequence[Timeseries]
    background_color: str | None = None
    show_title: bool | None = None
    layout: Layout | None = None
    type: ClassVar[str] = "group"

    def __post_init__(self) -> None:
        _tuple(self, "widgets")
        if any(isinstance(w, Group) for w in self.widgets):
            raise TypeError(f"group {self.title!r}: a group cannot hold another group")

    def iter_queries(self) -> Iterator[Query]:
        for widget in self.widgets:
            yield from widget.iter_queries()

    def to_dict(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        definition: dict[str, Any] = {
            "layout_type": "ordered",
            "title": self.title,
            "type": self.type,
            "widgets": [w.to_dict(uuid_of) for w in self.widgets],
        }
        _set(definition, "background_color", self.background_color)
        _set(definition, "show_title", self.show_title)
        return _widget(definition, self.layout)


Widget = Timeseries | Group


def _widget(definition: dict[str, Any], layout: Layout | None) -> dict[str, Any]:
    widget: dict[str, Any] = {"definition": definition}
    if layout is not None:
        widget["layout"] = layout.to_dict()
    return widget


@dataclass(frozen=True)
class Dashboard:
    """A dashboard document: what `DashboardJson` takes, once rendered (see `render`)."""

    title: str
    widgets: Sequence[Widget]
    layout_type: str = "ordered"
    description: str | None = None
    notify_list: Sequence[str] = ()
    template_variables: Sequence[dict[str, Any]] = ()
    tags: Sequence[str] = ()

    def __post_init__(self) -> None:
        for name in ("widgets", "notify_list", "template_variables", "tags"):
            _tuple(self, name)
        if self.layout_type not in ("ordered", "free"):
            raise ValueError(f"layout_type must be 'ordered' or 'free', not {self.layout_type!r}")

    def iter_queries(self) -> Iterator[Query]:
        for widget in self.widgets:
            yield from widget.iter_queries()

    def sources(self) -> list[Any]:
        """The distinct non-None sources, in order (by identity: Outputs are not comparable)."""
        seen: dict[int, Any] = {}
        for query in self.iter_queries():
            if query.source is not None and not isinstance(query.source, str):
                seen.setdefault(id(query.source), query.source)
        return list(seen.values())

    def connections(self) -> list[Any]:
        """The OrgConnection resources the queries read (the component depends on them)."""
        return [s for s in self.sources() if is_org_connection(s)]

    def to_dict(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        document: dict[str, Any] = {
            "layout_type": self.layout_type,
            "title": self.title,
            "widgets": [w.to_dict(uuid_of) for w in self.widgets],
        }
        _set(document, "description", self.description)
        if self.notify_list:
            document["notify_list"] = sorted(self.notify_list)
        if self.template_variables:
            document["template_variables"] = [dict(t) for t in self.template_variables]
        if self.tags:
            document["tags"] = list(self.tags)
        return document
