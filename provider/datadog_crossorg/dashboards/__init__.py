"""Cross-org dashboards: build, validate, render, export, and deploy with Pulumi.

- `model`: typed queries (`MetricsQuery`, `LogsQuery`, `AuditQuery`) that may read another org,
  `Formula`, `Timeseries`, `Group`, `Dashboard` -> Datadog's dashboard JSON.
- `render`: deterministic JSON text (the bytes `DashboardJson` gets and files hold).
- `validate`: the cross-org rules, with problems naming widget and query.
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
    Compute,
    Dashboard,
    Formula,
    Group,
    GroupBy,
    Layout,
    LogsQuery,
    MetricsQuery,
    Timeseries,
)
from datadog_crossorg.dashboards.render import render
from datadog_crossorg.dashboards.validate import DashboardInvalid, Link, Problem, check_document

if TYPE_CHECKING:
    from datadog_crossorg.dashboards.component import CrossOrgDashboard, key_pair_provider

_LAZY = {"CrossOrgDashboard", "key_pair_provider"}

__all__ = [
    "AuditQuery",
    "Compute",
    "CrossOrgDashboard",
    "Dashboard",
    "DashboardInvalid",
    "Formula",
    "Group",
    "GroupBy",
    "Layout",
    "Link",
    "LogsQuery",
    "MetricsQuery",
    "Problem",
    "Timeseries",
    "check_document",
    "key_pair_provider",
    "render",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'datadog_crossorg.dashboards' has no attribute {name!r}")
    from datadog_crossorg.dashboards import component

    return getattr(component, name)
