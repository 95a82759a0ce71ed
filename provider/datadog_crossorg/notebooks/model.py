"""Typed notebooks whose graph cells may read other orgs, rendered to the Notebooks API's JSON.

    from datadog_crossorg.dashboards import CIPipelinesQuery, Timeseries
    from datadog_crossorg.notebooks import Cell, Markdown, Notebook

    failed = Timeseries("Failed", [CIPipelinesQuery("pay", "@ci.status:error", source=PAY)])
    book = Notebook("CI health", [Markdown("# All pipelines"), Cell(failed, graph_size="l")])
    body = book.request_body()                      # what POST /api/v1/notebooks takes

A graph cell holds a widget definition exactly as a dashboard widget does (Datadog's notebook
cell attributes reuse TimeseriesWidgetDefinition, ToplistWidgetDefinition, ...), so the
dashboards' queries, formulas, renderer and cross-org rules serve both; four widget types may be
cells (`CELL_WIDGETS`). A bare widget in `cells` is a `Cell` with the defaults.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from datadog_crossorg.dashboards.model import (
    Chart,
    Distribution,
    HeatMap,
    Query,
    Timeseries,
    Toplist,
    UuidOf,
    check_live_span,
    plain_uuid,
)
from datadog_crossorg.rules.notebooks import NAME_MAX

CELL_WIDGETS: tuple[type[Chart], ...] = (Timeseries, Toplist, HeatMap, Distribution)
GRAPH_SIZES = ("xs", "s", "m", "l", "xl")
RESOURCE_TYPE, CELL_TYPE = "notebooks", "notebook_cells"


@dataclass(frozen=True)
class Markdown:
    """A text cell (Markdown); it reads nothing."""

    text: str
    type: ClassVar[str] = "markdown"

    def iter_queries(self) -> Iterator[Query]:
        return iter(())

    def attributes(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        return {"definition": {"text": self.text, "type": self.type}}


@dataclass(frozen=True)
class Cell:
    """A graph cell: one widget, `graph_size` high, over its own `live_span` (None: the
    notebook's). The time frame is the cell's: a notebook ignores a widget's own."""

    widget: Chart
    graph_size: str | None = None
    live_span: str | None = None

    def __post_init__(self) -> None:
        widget = self.widget
        if not isinstance(widget, CELL_WIDGETS):
            kinds = ", ".join(w.type for w in CELL_WIDGETS)
            raise TypeError(
                f"a notebook cell draws a {kinds} widget, not {type(widget).__name__}: put "
                "other widgets on a dashboard"
            )
        where = f"notebook cell {widget.type} {widget.title!r}"
        if widget.layout is not None or widget.live_span is not None:
            raise ValueError(
                f"{where}: a notebook places cells in order and times them per cell: drop the "
                "widget's layout and live_span (give the Cell a live_span instead)"
            )
        if self.graph_size is not None and self.graph_size not in GRAPH_SIZES:
            raise ValueError(
                f"{where}: graph_size {self.graph_size!r} is not one of {', '.join(GRAPH_SIZES)}"
            )
        check_live_span(where, self.live_span)

    def iter_queries(self) -> Iterator[Query]:
        return self.widget.iter_queries()

    def attributes(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        attributes: dict[str, Any] = {"definition": self.widget.definition(uuid_of)}
        if self.graph_size is not None:
            attributes["graph_size"] = self.graph_size
        if self.live_span is not None:
            attributes["time"] = {"live_span": self.live_span}
        return attributes


@dataclass(frozen=True)
class Notebook:
    """A notebook: cells in order over a live span (`time`, Datadog's relative time)."""

    name: str
    cells: Sequence[Cell | Markdown | Chart]
    time: str = "1h"

    def __post_init__(self) -> None:
        if isinstance(self.cells, str) or not isinstance(self.cells, Sequence):
            raise TypeError(f"Notebook.cells must be a list, not {self.cells!r}")
        cells = tuple(Cell(c) if isinstance(c, Chart) else c for c in self.cells)
        strays = sorted({type(c).__name__ for c in cells if not isinstance(c, Cell | Markdown)})
        if strays:
            raise TypeError(
                f"notebook {self.name!r}: cells are Cell, Markdown or a widget of "
                f"{', '.join(w.type for w in CELL_WIDGETS)}, not {', '.join(strays)}"
            )
        object.__setattr__(self, "cells", cells)
        if not self.name or len(self.name) > NAME_MAX:
            raise ValueError(
                f"notebook name {self.name!r} must have 1 to {NAME_MAX} characters (Datadog's "
                "limit)"
            )
        check_live_span(f"notebook {self.name!r}", self.time)

    def iter_queries(self) -> Iterator[Query]:
        for cell in self.cells:
            yield from cell.iter_queries()

    def to_dict(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        """The body's `data.attributes`: name, cells, time, status."""
        cells = [
            {"attributes": cell.attributes(uuid_of), "type": CELL_TYPE}
            for cell in self.cells
            if isinstance(cell, Cell | Markdown)  # always, after __post_init__
        ]
        return {
            "cells": cells,
            "name": self.name,
            "status": "published",
            "time": {"live_span": self.time},
        }

    def request_body(self, uuid_of: UuidOf = plain_uuid) -> dict[str, Any]:
        """What POST /api/v1/notebooks (and PUT of one) takes."""
        return {"data": {"attributes": self.to_dict(uuid_of), "type": RESOURCE_TYPE}}
