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

from collections.abc import Sequence
from typing import Any

from datadog_crossorg.dashboards import model
from datadog_crossorg.rules.queries import QueryRef, find_queries

# -- model -> typed args ---------------------------------------------------------------------
TYPED_WIDGETS = (model.Timeseries, model.Group)  # what `typed_widgets` renders


def require_typed(name: str, dashboard: Any) -> None:
    """Refuse, before anything is built, a dashboard the typed form cannot carry: only a model
    `Dashboard` of timeseries and group widgets, without template_variables (the JSON form,
    `DashboardJson`, carries every widget)."""
    if not isinstance(dashboard, model.Dashboard) or dashboard.template_variables:
        raise TypeError(
            f"{name}: typed=True needs a model Dashboard without template_variables (use the "
            "JSON form for those)"
        )
    leaves = [
        w for g in dashboard.widgets for w in (g.widgets if isinstance(g, model.Group) else [g])
    ]
    others = sorted({w.type for w in leaves if not isinstance(w, TYPED_WIDGETS)})
    if others:
        raise TypeError(
            f"{name}: typed=True renders timeseries and group widgets only, not "
            f"{', '.join(others)}: use the JSON form (typed=False), which carries every widget"
        )


def typed_widgets(
    dashboard: model.Dashboard, uuid_of: model.UuidOf = model.plain_uuid
) -> list[dict[str, Any]]:
    require_typed(f"dashboard {dashboard.title!r}", dashboard)
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
        assert isinstance(widget, model.Timeseries)  # require_typed refused the others
        request: dict[str, Any] = {
            "display_type": widget.display_type,
            "queries": [_query(q, uuid_of) for q in widget.queries],
        }
        if widget.formulas:
            request["formulas"] = [
                _drop_none(
                    {
                        "formula_expression": f.formula,
                        "alias": f.alias,
                        "limit": f.limit.to_dict() if f.limit else None,
                    }
                )
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
def typed_queries(widgets: Any) -> list[QueryRef]:
    """Cross-org queries of a typed dashboard's `widgets` (pulumi_datadog Dashboard input), found
    by the one walker with `cross_org_uuids` spelled as one string."""
    if not isinstance(widgets, Sequence) or isinstance(widgets, str | bytes):
        return []
    return find_queries(widgets, "widgets", one_string=True)
