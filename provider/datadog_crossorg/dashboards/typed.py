"""The same dashboards in the shape of pulumi_datadog's typed `Dashboard`, both ways.

pulumi-datadog 5.17 `Dashboard`/`DashboardV2` query classes take `cross_org_uuids` as ONE string
(Terraform's `datadog_dashboard` query blocks since v3.41.0), not the API's list of one.

- `typed_widgets` renders a model `Dashboard`'s widgets as `DashboardWidgetArgsDict`-shaped
  dicts (snake_case keys, which the SDK translates to the wire names), ready for
  `pulumi_datadog.Dashboard(widgets=...)`. Nothing here imports pulumi_datadog.
- `typed_queries` finds the cross-org queries in a typed dashboard's `widgets` input as the
  policy pack sees it (wire names: `timeseriesDefinition`, `metricQuery`, `crossOrgUuids`;
  snake_case is accepted too), as `QueryRef`s for the checks in `validate`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from datadog_crossorg.dashboards import model
from datadog_crossorg.dashboards.validate import QueryRef, is_unknown


# -- model -> typed args ---------------------------------------------------------------------
def typed_widgets(
    dashboard: model.Dashboard, uuid_of: model.UuidOf = model.plain_uuid
) -> list[dict[str, Any]]:
    return [_widget(w, uuid_of) for w in dashboard.widgets]


def _widget(widget: model.Widget, uuid_of: model.UuidOf) -> dict[str, Any]:
    result: dict[str, Any]
    if isinstance(widget, model.Group):
        group = {
            "background_color": widget.background_color,
            "layout_type": "ordered",
            "show_title": widget.show_title,
            "title": widget.title,
            "widgets": [_widget(w, uuid_of) for w in widget.widgets],
        }
        result = {"group_definition": _drop_none(group)}
    else:
        request: dict[str, Any] = {
            "display_type": widget.display_type,
            "queries": [_query(q, uuid_of) for q in widget.queries],
        }
        if widget.formulas:
            request["formulas"] = [
                _drop_none({"formula_expression": f.formula, "alias": f.alias})
                for f in widget.formulas
                if isinstance(f, model.Formula)
            ]
        timeseries = {
            "live_span": widget.live_span,
            "requests": [request],
            "show_legend": widget.show_legend,
            "title": widget.title,
        }
        result = {"timeseries_definition": _drop_none(timeseries)}
    if widget.layout is not None:
        result["widget_layout"] = widget.layout.to_dict()
    return result


def _query(query: model.Query, uuid_of: model.UuidOf) -> dict[str, Any]:
    body: dict[str, Any] = {"data_source": query.data_source, "name": query.name}
    if query.source is not None:
        body["cross_org_uuids"] = uuid_of(query.source)  # one string, not a list
    if isinstance(query, model.MetricsQuery):
        body.update(query=query.query, aggregator=query.aggregator)
        body["semantic_mode"] = query.semantic_mode
        return {"metric_query": _drop_none(body)}
    body["computes"] = [_drop_none(query.compute.to_dict())]
    body["indexes"] = list(query.indexes)
    body["search"] = {"query": query.search}
    if query.group_by:
        body["group_bies"] = [g.to_dict() for g in query.group_by]
    return {"event_query": body}


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# -- typed props -> QueryRefs ----------------------------------------------------------------
_UUIDS_KEYS = ("cross_org_uuids", "crossOrgUuids")
_METRIC_KINDS = ("metric_query", "metricQuery")
_HIDDEN = re.compile(r"(_definition|Definition|_query|Query)$")


def typed_queries(widgets: Any) -> list[QueryRef]:
    """Cross-org queries of a typed dashboard's `widgets` (pulumi_datadog Dashboard input)."""
    found: list[QueryRef] = []
    if _is_list(widgets):
        for index, widget in enumerate(widgets):
            _walk(widget, f"widgets[{index}]", None, None, found)
    return found


def _walk(value: Any, path: str, kind: str | None, widget: str | None, found: list) -> None:
    if isinstance(value, Mapping):
        if kind and kind.endswith(("Definition", "_definition")):
            title = value.get("title")
            widget = title if isinstance(title, str) and title else widget
        raw = next((value[k] for k in _UUIDS_KEYS if k in value), None)
        if raw not in (None, "", []) and not is_unknown(raw):
            data_source = value.get("data_source", value.get("dataSource"))
            if data_source is None and kind in _METRIC_KINDS:
                data_source = "metrics"  # the typed metric query's default
            name = value.get("name")
            found.append(
                QueryRef(
                    path=path,
                    name=name if isinstance(name, str) else None,
                    data_source=data_source if isinstance(data_source, str) else None,
                    uuids=_as_list(raw),
                    widget=widget,
                )
            )
        for key, item in value.items():
            if key in _UUIDS_KEYS:
                continue
            child = path if _HIDDEN.search(key) else f"{path}.{key}"
            _walk(item, child, key, widget, found)
    elif _is_list(value):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", kind, widget, found)


def _as_list(raw: Any) -> Any:
    """The typed field is one string; a comma-separated string names several orgs."""
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",")] if "," in raw else [raw]
    return list(raw) if _is_list(raw) else raw


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)
