"""The dashboards' cross-org rules over notebook JSON: a graph cell's definition is a widget's.

Queries are found by the dashboards' one walker (`dashboards.validate.find_queries`) in each
cell's attributes, so a problem names the cell as `cells[2].requests[0].queries[0] (name "p")`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from datadog_crossorg.dashboards.validate import Link, Problem, QueryRef, check_all, find_queries


def notebook_attributes(document: Any) -> Any:
    """A notebook's attributes (name, cells, time, ...) from any of its JSON forms: the Notebooks
    API body (`{"data": {"attributes": ...}}`), its `data` object (`{"id", "type",
    "attributes"}`: what `DatadogClient.get_notebook` returns), or the attributes themselves
    (what `Notebook.to_dict` gives and `CrossOrgNotebook` takes). Anything else is returned as
    it is."""
    if not isinstance(document, Mapping):
        return document
    data = document.get("data")
    if isinstance(data, Mapping):
        return data.get("attributes")
    inner = document.get("attributes")
    if isinstance(inner, Mapping) and "cells" not in document:
        return inner
    return document


def notebook_queries(document: Mapping[str, Any]) -> list[QueryRef]:
    """The cross-org queries of a notebook, in any form `notebook_attributes` reads."""
    attributes = notebook_attributes(document)
    cells = attributes.get("cells") if isinstance(attributes, Mapping) else None
    if not isinstance(cells, Sequence) or isinstance(cells, str | bytes):
        return []
    found: list[QueryRef] = []
    for index, cell in enumerate(cells):
        inner = cell.get("attributes", cell) if isinstance(cell, Mapping) else cell
        found += find_queries(inner, f"cells[{index}]")
    return found


def check_notebook(
    document: Mapping[str, Any],
    links: Iterable[Link] | None = None,
    notebook_org_id: str | None = None,
) -> list[Problem]:
    """Every cross-org problem of a notebook; with `links`, against those connections into
    `notebook_org_id` (the org whose keys create the notebook)."""
    return check_all(notebook_queries(document), links, notebook_org_id, owner="notebook")
