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

Queries: `MetricsQuery` and the event queries `LogsQuery`, `AuditQuery`, `CIPipelinesQuery`,
`CITestsQuery` (Datadog's FormulaAndFunctionEventQueryDefinition). Widgets: every widget whose
requests take such queries (`CHART_TYPES`), each one request of queries and formulas rendered by
`Chart`; a widget class states only its `type`, its response format and its display options.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, ClassVar

UuidOf = Callable[[Any], Any]

# Datadog's WidgetLiveSpan values: a widget's, a notebook's or a notebook cell's time frame.
LIVE_SPANS = (
    "1m",
    "5m",
    "10m",
    "15m",
    "30m",
    "1h",
    "4h",
    "1d",
    "2d",
    "1w",
    "1mo",
    "3mo",
    "6mo",
    "week_to_date",
    "month_to_date",
    "1y",
    "alert",
)
# OrgConnection's home, and where the class is defined (a program may import either).
_ORG_CONNECTION_MODULES = (
    "datadog_crossorg.org_connection",
    "datadog_crossorg.dynamic.org_connection",
)


class UnresolvedSource(TypeError):
    """A source is an Output or an OrgConnection: only `CrossOrgDashboard` can resolve it."""


def is_output(value: Any) -> bool:
    pulumi = sys.modules.get("pulumi")
    return pulumi is not None and isinstance(value, pulumi.Output)


def is_org_connection(value: Any) -> bool:
    modules = (sys.modules.get(name) for name in _ORG_CONNECTION_MODULES)
    return any(m is not None and isinstance(value, m.OrgConnection) for m in modules)


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


def _pick(owner: Any, names: Iterable[str]) -> dict[str, Any]:
    """The named attributes of `owner` that are set (not None), under their own names."""
    return {n: getattr(owner, n) for n in names if getattr(owner, n) is not None}


def check_live_span(what: str, live_span: str | None) -> None:
    """Datadog refuses a time frame it does not list; say so before anything is sent."""
    if live_span is not None and live_span not in LIVE_SPANS:
        raise ValueError(f"{what}: live_span {live_span!r} is not one of {', '.join(LIVE_SPANS)}")


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
class _EventQuery(_Query):
    """An event-platform search (Datadog's FormulaAndFunctionEventQueryDefinition): the same
    search, compute and group-by whatever the data source; subclasses name the source."""

    name: str
    search: str = ""
    source: Any = None
    indexes: Sequence[str] = ("*",)
    compute: Compute = field(default_factory=Compute)
    group_by: Sequence[GroupBy] = ()

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
class LogsQuery(_EventQuery):
    """A logs search (`service:web status:error`); reading another org needs `logs` shared."""

    data_source: ClassVar[str] = "logs"


@dataclass(frozen=True)
class AuditQuery(_EventQuery):
    """An Audit Trail search; reading another org needs `audit` shared."""

    data_source: ClassVar[str] = "audit"


@dataclass(frozen=True)
class CIPipelinesQuery(_EventQuery):
    """A CI Visibility pipelines search (`@ci.status:error`); reading another org needs `logs`
    shared (assumed: Datadog names no connection type for CI, see `validate.ASSUMED`)."""

    data_source: ClassVar[str] = "ci_pipelines"


@dataclass(frozen=True)
class CITestsQuery(_EventQuery):
    """A Test Optimization tests search (`@test.status:fail`); reading another org needs `logs`
    shared (assumed, as for `CIPipelinesQuery`)."""

    data_source: ClassVar[str] = "ci_tests"


Query = MetricsQuery | LogsQuery | AuditQuery | CIPipelinesQuery | CITestsQuery


# -- formulas --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """Keep the top (`desc`) or bottom (`asc`) `count` groups of a formula."""

    count: int
    order: str = "desc"

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "order": self.order}


@dataclass(frozen=True)
class Formula:
    """An expression over query names (`hub + pay`); may combine queries of several orgs.

    `limit` is for widgets that rank groups (toplist, table, ...); `dimension` is the axis of a
    scatterplot formula (x, y, radius, color). A widget refuses what its formulas do not take.
    """

    formula: str
    alias: str | None = None
    limit: Limit | None = None
    dimension: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"formula": self.formula}
        _set(body, "alias", self.alias)
        _set(body, "dimension", self.dimension)
        if self.limit is not None:
            body["limit"] = self.limit.to_dict()
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


# -- widgets ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chart:
    """A widget drawn from one request: queries (each may read another org) and formulas.

    The one renderer of every formula-and-function widget. A subclass states only what differs:
    `type`, `response_format`, the formula fields it takes, and its display options, named in
    `request_options` (fields of the request) and `definition_options` (fields of the widget
    definition); `_requests` shapes the request list where Datadog nests it differently.
    """

    title: str
    queries: Sequence[Query]
    formulas: Sequence[Formula | str] = ()
    _: KW_ONLY
    live_span: str | None = None
    layout: Layout | None = None

    type: ClassVar[str]
    response_format: ClassVar[str] = "scalar"
    formula_fields: ClassVar[frozenset[str]] = frozenset({"formula", "alias", "limit"})
    request_options: ClassVar[tuple[str, ...]] = ()
    definition_options: ClassVar[tuple[str, ...]] = ()

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
                f"{self.type} {self.title!r}: query name(s) {', '.join(doubled)} used twice; "
                "formulas need unique names"
            )
        for formula in self.formulas:
            extra = sorted(set(formula.to_dict()) - self.formula_fields)
            if extra:
                raise ValueError(
                    f"{self.type} {self.title!r}: formula {formula.formula!r} sets "
                    f"{', '.join(extra)}, which {self.type} formulas do not take "
                    f"(they take {', '.join(sorted(self.formula_fields))})"
                )
        check_live_span(f"{self.type} {self.title!r}", self.live_span)

    def iter_queries(self) -> Iterator[Query]:
        yield from self.queries

    def _requests(self, request: dict[str, Any]) -> Any:
        return [request]

    def _definition_extras(self) -> dict[str, Any]:
        """Definition fields that are not plain options (geomap's style, heatgrid's sort)."""
        return {}

    def definition(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        """The widget definition (what a dashboard widget and a notebook cell both hold)."""
        request: dict[str, Any] = {
            "queries": [q.to_dict(uuid_of) for q in self.queries],
            "response_format": self.response_format,
            **_pick(self, self.request_options),
        }
        if self.formulas:
            request["formulas"] = [f.to_dict() for f in self.formulas if isinstance(f, Formula)]
        definition: dict[str, Any] = {
            "requests": self._requests(request),
            "title": self.title,
            "type": self.type,
            **_pick(self, self.definition_options),
            **self._definition_extras(),
        }
        if self.live_span is not None:
            definition["time"] = {"live_span": self.live_span}
        return definition

    def to_dict(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        return _widget(self.definition(uuid_of), self.layout)


@dataclass(frozen=True, kw_only=True)
class Timeseries(Chart):
    """Values over time, one line (or bars, area) per formula and group."""

    display_type: str = "line"
    show_legend: bool | None = None
    type: ClassVar[str] = "timeseries"
    response_format: ClassVar[str] = "timeseries"
    request_options: ClassVar[tuple[str, ...]] = ("display_type",)
    definition_options: ClassVar[tuple[str, ...]] = ("show_legend",)


@dataclass(frozen=True, kw_only=True)
class QueryValue(Chart):
    """One number: the formula reduced over the time frame."""

    autoscale: bool | None = None
    precision: int | None = None
    custom_unit: str | None = None
    text_align: str | None = None
    type: ClassVar[str] = "query_value"
    definition_options: ClassVar[tuple[str, ...]] = (
        "autoscale",
        "custom_unit",
        "precision",
        "text_align",
    )


@dataclass(frozen=True, kw_only=True)
class Toplist(Chart):
    """Groups ranked by the formula's value (`Formula(..., limit=Limit(10))`)."""

    type: ClassVar[str] = "toplist"


@dataclass(frozen=True, kw_only=True)
class QueryTable(Chart):
    """A table: one row per group, one column per formula."""

    has_search_bar: str | None = None
    type: ClassVar[str] = "query_table"
    definition_options: ClassVar[tuple[str, ...]] = ("has_search_bar",)


@dataclass(frozen=True, kw_only=True)
class Change(Chart):
    """Each group's value against an earlier period (`compare_to`: day_before, ...)."""

    compare_to: str | None = None
    change_type: str | None = None
    increase_good: bool | None = None
    order_by: str | None = None
    order_dir: str | None = None
    show_present: bool | None = None
    type: ClassVar[str] = "change"
    request_options: ClassVar[tuple[str, ...]] = (
        "change_type",
        "compare_to",
        "increase_good",
        "order_by",
        "order_dir",
        "show_present",
    )


@dataclass(frozen=True, kw_only=True)
class Distribution(Chart):
    """How the groups' values spread: a histogram of one value per group."""

    show_legend: bool | None = None
    type: ClassVar[str] = "distribution"
    definition_options: ClassVar[tuple[str, ...]] = ("show_legend",)


@dataclass(frozen=True, kw_only=True)
class HeatMap(Chart):
    """The spread of the groups' values over time."""

    show_legend: bool | None = None
    type: ClassVar[str] = "heatmap"
    response_format: ClassVar[str] = "timeseries"
    definition_options: ClassVar[tuple[str, ...]] = ("show_legend",)


@dataclass(frozen=True, kw_only=True)
class Scatterplot(Chart):
    """Groups placed by two formulas (`dimension` x and y; radius and color optional).

    Datadog nests the request as `requests.table`, not a list."""

    color_by_groups: Sequence[str] = ()
    type: ClassVar[str] = "scatterplot"
    formula_fields: ClassVar[frozenset[str]] = frozenset({"formula", "alias", "dimension"})
    DIMENSIONS: ClassVar[tuple[str, ...]] = ("x", "y", "radius", "color")

    def __post_init__(self) -> None:
        super().__post_init__()
        _tuple(self, "color_by_groups")
        dimensions = [f.dimension for f in self.formulas if isinstance(f, Formula)]
        if any(d not in self.DIMENSIONS for d in dimensions) or not {"x", "y"} <= set(dimensions):
            raise ValueError(
                f"scatterplot {self.title!r}: each formula needs a dimension among "
                f"{', '.join(self.DIMENSIONS)}, and x and y are required, not {dimensions!r}"
            )

    def _requests(self, request: dict[str, Any]) -> Any:
        return {"table": request}

    def _definition_extras(self) -> dict[str, Any]:
        return {"color_by_groups": list(self.color_by_groups)} if self.color_by_groups else {}


@dataclass(frozen=True, kw_only=True)
class Sunburst(Chart):
    """Nested rings: each group's share of the total."""

    hide_total: bool | None = None
    type: ClassVar[str] = "sunburst"
    definition_options: ClassVar[tuple[str, ...]] = ("hide_total",)


@dataclass(frozen=True, kw_only=True)
class Treemap(Chart):
    """Rectangles sized by each group's value."""

    type: ClassVar[str] = "treemap"


@dataclass(frozen=True, kw_only=True)
class Geomap(Chart):
    """Countries coloured by the formula (group the queries by a country ISO code)."""

    palette: str = "hostmap_blues"
    palette_flip: bool = False
    focus: str = "WORLD"
    type: ClassVar[str] = "geomap"

    def _definition_extras(self) -> dict[str, Any]:
        return {
            "style": {"palette": self.palette, "palette_flip": self.palette_flip},
            "view": {"focus": self.focus},
        }


@dataclass(frozen=True, kw_only=True)
class BarChart(Chart):
    """Bars, one per group."""

    type: ClassVar[str] = "bar_chart"


@dataclass(frozen=True, kw_only=True)
class Heatgrid(Chart):
    """One row per group, time across, colour by value; rows ordered by label (or value)."""

    sort_by: str = "label"
    sort_order: str = "asc"
    sort_aggregation: str = "avg"
    type: ClassVar[str] = "heatgrid"
    response_format: ClassVar[str] = "timeseries"

    def _definition_extras(self) -> dict[str, Any]:
        sort_by: dict[str, Any] = {"order": self.sort_order, "property": self.sort_by}
        if self.sort_by == "value":
            sort_by["aggregation"] = self.sort_aggregation
        return {"sort": {"nesting_display": "flat", "sort_by": sort_by}}


CHART_TYPES: tuple[type[Chart], ...] = (
    Timeseries,
    QueryValue,
    Toplist,
    QueryTable,
    Change,
    Distribution,
    HeatMap,
    Scatterplot,
    Sunburst,
    Treemap,
    Geomap,
    BarChart,
    Heatgrid,
)


@dataclass(frozen=True)
class Group:
    """A group widget: a titled block of widgets (groups do not nest in Datadog)."""

    title: str
    widgets: Sequence[Chart]
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


Widget = Chart | Group


def _widget(definition: dict[str, Any], layout: Layout | None) -> dict[str, Any]:
    widget: dict[str, Any] = {"definition": definition}
    if layout is not None:
        widget["layout"] = layout.to_dict()
    return widget


def distinct_sources(queries: Iterable[Query]) -> list[Any]:
    """The distinct non-string sources, in order (by identity: Outputs are not comparable)."""
    seen: dict[int, Any] = {}
    for query in queries:
        if query.source is not None and not isinstance(query.source, str):
            seen.setdefault(id(query.source), query.source)
    return list(seen.values())


@dataclass(frozen=True)
class Dashboard:
    """A dashboard document: what `DashboardJson` takes, once rendered (see `render`)."""

    title: str
    widgets: Sequence[Widget]
    layout_type: str = "ordered"
    description: str | None = None
    notify_list: Sequence[str] = ()
    template_variables: Sequence[Mapping[str, Any]] = ()
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
        """The distinct non-None sources that are not UUID strings (Outputs, OrgConnections)."""
        return distinct_sources(self.iter_queries())

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
