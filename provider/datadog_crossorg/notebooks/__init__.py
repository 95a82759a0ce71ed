"""Cross-org notebooks: the dashboards' widgets and queries as notebook cells.

- `model`: `Notebook(name, cells, time=...)` of `Cell`s (a timeseries, toplist, heatmap or
  distribution widget from `datadog_crossorg.dashboards`) and `Markdown` cells -> the attributes
  of Datadog's Notebooks API body (`to_dict`), or the whole body (`request_body`).
- `check_notebook`, `notebook_queries`: the cross-org rules over notebook JSON (`rules.queries`).
- `CrossOrgNotebook` (loaded on first use, it imports pulumi): the resource that creates one,
  defined with the other dynamic resources in `datadog_crossorg.dynamic.notebook`.

This package is the notebooks' public home, above the adapters (as `org_connection.py` is): the
adapter takes any `dashboards.resolve.Document` and never imports it.
"""

from __future__ import annotations

from typing import Any

from datadog_crossorg.notebooks.model import CELL_WIDGETS, Cell, Markdown, Notebook
from datadog_crossorg.rules.queries import check_notebook, notebook_queries

__all__ = [
    "CELL_WIDGETS",
    "Cell",
    "CrossOrgNotebook",
    "Markdown",
    "Notebook",
    "check_notebook",
    "notebook_queries",
]


def __getattr__(name: str) -> Any:
    if name != "CrossOrgNotebook":
        raise AttributeError(f"module 'datadog_crossorg.notebooks' has no attribute {name!r}")
    from datadog_crossorg.dynamic.notebook import CrossOrgNotebook

    return CrossOrgNotebook
