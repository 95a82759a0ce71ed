"""What the dashboard and notebook tests share: every query class by data source, a widget of
each type built from them, Datadog's own client models as the judge of a document's shape, and
plain HTTP to the offline Datadog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import requests
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.model_utils import ModelComposed, ModelNormal, OpenApiModel

from datadog_crossorg.dashboards import (
    AuditQuery,
    CIPipelinesQuery,
    CITestsQuery,
    Formula,
    GroupBy,
    Limit,
    LogsQuery,
    MetricsQuery,
    Scatterplot,
    Timeseries,
)
from datadog_crossorg.dashboards.model import Chart, Query
from datadog_crossorg.dashboards.render import render
from datadog_crossorg.emulator import Emulator
from tests.support.seed import PAY

EVENT_QUERIES: dict[str, type[LogsQuery | AuditQuery | CIPipelinesQuery | CITestsQuery]] = {
    "logs": LogsQuery,
    "audit": AuditQuery,
    "ci_pipelines": CIPipelinesQuery,
    "ci_tests": CITestsQuery,
}
DATA_SOURCES = ("metrics", *EVENT_QUERIES)
SEARCHES = {
    "logs": "service:web status:error",
    "audit": "@evt.name:Dashboard",
    "ci_pipelines": "@ci.status:error",
    "ci_tests": "@test.status:fail",
}


def query_of(data_source: str, name: str, source: str | None = None) -> Query:
    """A query of `data_source` grouped by one facet (so every widget has groups to draw)."""
    if data_source == "metrics":
        return MetricsQuery(
            name, "avg:system.cpu.user{*} by {host}", source=source, aggregator="avg"
        )
    query_class = EVENT_QUERIES[data_source]
    return query_class(name, SEARCHES[data_source], source=source, group_by=[GroupBy("service")])


# Each widget's display options, all set, so Datadog's schema judges where each one is rendered.
OPTIONS: dict[str, dict[str, Any]] = {
    "timeseries": {"display_type": "bars", "show_legend": True},
    "query_value": {"autoscale": True, "precision": 2, "custom_unit": "ms", "text_align": "left"},
    "query_table": {"has_search_bar": "auto"},
    "change": {
        "compare_to": "day_before",
        "change_type": "relative",
        "increase_good": False,
        "order_by": "change",
        "order_dir": "desc",
        "show_present": True,
    },
    "distribution": {"show_legend": False},
    "heatmap": {"show_legend": True},
    "scatterplot": {"color_by_groups": ["service"]},
    "sunburst": {"hide_total": True},
    "geomap": {"palette": "hostmap_blues", "palette_flip": True, "focus": "US"},
    "heatgrid": {"sort_by": "value", "sort_order": "desc", "sort_aggregation": "max"},
}


def chart_of(kind: type[Chart], data_source: str, source: str = PAY, **extra: Any) -> Chart:
    """A widget of `kind` with every display option set, a query of the dashboard's own org and
    one of `source`, combined by a cross-org formula (scatterplot: one per axis)."""
    queries = [query_of(data_source, "own"), query_of(data_source, "other", source)]
    formulas: list[Formula]
    if kind is Scatterplot:
        formulas = [Formula("own", dimension="x"), Formula("other", dimension="y")]
    elif kind is Timeseries:
        formulas = [Formula("own + other", alias="both")]
    else:
        formulas = [Formula("own + other", alias="both", limit=Limit(10))]
    options = OPTIONS.get(kind.type, {}) | extra
    return kind(f"{kind.type} of {data_source}", queries, formulas, **options)


# -- Datadog's client models as the judge ----------------------------------------------------
def parse(document: dict[str, Any], model_class: type[OpenApiModel]) -> OpenApiModel:
    """`document` deserialized by datadog-api-client, type checking on, from its rendered text
    (what the client does with an API answer)."""
    model = ApiClient(Configuration()).deserialize(render(document), (model_class,), True)
    assert isinstance(model, model_class)
    return model


def datadog_model(document: dict[str, Any], model_class: type[OpenApiModel]) -> OpenApiModel:
    """`document` as Datadog's client models read it, asserted whole: nothing they could not
    parse (an unknown enum value, a shape no oneOf accepts, two `cross_org_uuids`), no key their
    schema does not declare, and nothing lost on the way back."""
    model = parse(document, model_class)
    assert list(unparsed(model)) == [], "parts Datadog's models cannot parse"
    assert list(_undeclared(model)) == [], "keys Datadog's schema does not declare"
    assert model.to_dict() == json.loads(render(document))
    return model


def unparsed(value: Any, path: str = "$") -> Iterator[str]:
    """Where the client gave up (it keeps an `UnparsedObject` rather than raising)."""
    if isinstance(value, OpenApiModel):
        if value.__dict__.get("_unparsed"):
            yield f"{path} ({type(value).__name__})"
        for key, item in value._data_store.items():
            yield from unparsed(item, f"{path}.{key}")
        if isinstance(value, ModelComposed):
            for inner in value._composed_instances:
                yield from unparsed(inner, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unparsed(item, f"{path}[{index}]")


def _undeclared(value: Any, path: str = "$") -> Iterator[str]:
    """Keys kept as additional properties: the client accepts them silently, Datadog would not
    draw them."""
    if isinstance(value, ModelComposed):
        declared = {k for inner in value._composed_instances for k in inner.openapi_types}
        for key in value._data_store:
            if key not in declared:
                yield f"{path}.{key}"
        for inner in value._composed_instances:
            yield from _undeclared(inner, path)
    elif isinstance(value, ModelNormal):
        for key, item in value._data_store.items():
            if key not in value.openapi_types:
                yield f"{path}.{key} ({type(value).__name__})"
            yield from _undeclared(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _undeclared(item, f"{path}[{index}]")


# -- the offline Datadog over plain HTTP -----------------------------------------------------
def call(emu: Emulator, pair: str, method: str, path: str, body: Any = None) -> requests.Response:
    keys = emu.keys(pair)
    headers = {"DD-API-KEY": keys.api_key, "DD-APPLICATION-KEY": keys.app_key}
    return requests.request(method, emu.url + path, json=body, headers=headers, timeout=10)


def without_ids(value: Any) -> Any:
    """A document as sent: the `id`s Datadog adds to widgets and cells left out."""
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value
