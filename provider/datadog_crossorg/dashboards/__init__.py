"""Cross-org dashboards: build, validate, render, export, and deploy with Pulumi.

- `model`: typed queries (`MetricsQuery`, `LogsQuery`, `AuditQuery`, `CIPipelinesQuery`,
  `CITestsQuery`) that may read another org, `Formula`, every formula-and-function widget
  (`Timeseries`, `QueryValue`, `Toplist`, `QueryTable`, `Change`, `Distribution`, `HeatMap`,
  `Scatterplot`, `Sunburst`, `Treemap`, `Geomap`, `BarChart`, `Heatgrid`), `Group`, `Dashboard`
  -> Datadog's dashboard JSON. Notebooks built from the same widgets: `datadog_crossorg.notebooks`.
- `render`: deterministic JSON text (the bytes `DashboardJson` gets and files hold).
- `validate`: the cross-org rules, with problems naming widget and query; the one query walker.
- `export`: fetch and normalize for code (`crossorg dashboards export`).
- `typed`: the same queries as pulumi_datadog typed `Dashboard` args, and back.
- `config`: the stack program's `datadog-crossorg:dashboards`.
- `component`: `CrossOrgDashboard`, the only module that imports pulumi_datadog; it is loaded on
  first use of its names, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datadog_crossorg.dashboards.model import (
    AuditQuery,
    BarChart,
    Change,
    Chart,
    CIPipelinesQuery,
    CITestsQuery,
    Compute,
    Dashboard,
    Distribution,
    Formula,
    Geomap,
    Group,
    GroupBy,
    Heatgrid,
    HeatMap,
    Layout,
    Limit,
    LogsQuery,
    MetricsQuery,
    QueryTable,
    QueryValue,
    Scatterplot,
    Sunburst,
    Timeseries,
    Toplist,
    Treemap,
)
from datadog_crossorg.dashboards.render import render
from datadog_crossorg.rules.queries import DashboardInvalid, Link, Problem, check_document

if TYPE_CHECKING:
    from datadog_crossorg.dashboards.component import CrossOrgDashboard, key_pair_provider

_LAZY = {"CrossOrgDashboard", "key_pair_provider"}

__all__ = [
    "AuditQuery",
    "BarChart",
    "CIPipelinesQuery",
    "CITestsQuery",
    "Change",
    "Chart",
    "Compute",
    "CrossOrgDashboard",
    "Dashboard",
    "DashboardInvalid",
    "Distribution",
    "Formula",
    "Geomap",
    "Group",
    "GroupBy",
    "HeatMap",
    "Heatgrid",
    "Layout",
    "Limit",
    "Link",
    "LogsQuery",
    "MetricsQuery",
    "Problem",
    "QueryTable",
    "QueryValue",
    "Scatterplot",
    "Sunburst",
    "Timeseries",
    "Toplist",
    "Treemap",
    "check_document",
    "key_pair_provider",
    "render",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'datadog_crossorg.dashboards' has no attribute {name!r}")
    from datadog_crossorg.dashboards import component

    return getattr(component, name)
