"""Export notebooks from Datadog as the JSON a `CrossOrgNotebook` takes, that round-trips.

Datadog's notebook (the `data` of `GET /api/v1/notebooks/<id>`) carries what it computes: the
id, each cell's `id`, `author`, `created`, `modified`, and the `metadata` defaults it fills in.
`normalize` keeps the notebook's declared form, the resource's own (`declared_form` of
`datadog_crossorg.rules.notebooks`: name, cells, time, status, metadata; per cell its type and
its definition, graph_size, split_by and time), and drops `metadata` that only repeats Datadog's
defaults. It notes what it leaves out that the notebook had (template variables: the resource
cannot declare them) and the org-bound ids it keeps (monitors by `alert_id`, SLOs by `slo_id`).

Export -> create -> export gives the same bytes (`render` is deterministic), so the file can be
a `CrossOrgNotebook`'s `notebook` input and the next preview shows no diff. The loops that fetch
one notebook or every cross-org one are the dashboards' (`dashboards.export.export_one`,
`export_cross_org_of`), over `NOTEBOOKS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from datadog_crossorg.dashboards.export import (
    DocumentKind,
    Exported,
    ExportNote,
    export_cross_org_of,
    export_one,
    note_org_bound,
)
from datadog_crossorg.rules.notebooks import DECLARED_KEYS, declared_form
from datadog_crossorg.rules.queries import (
    check_notebook,
    notebook_attributes,
    notebook_queries,
)

SERVER_FIELDS = frozenset({"author", "created", "modified"})  # besides the id and cell ids
METADATA_DEFAULTS: Mapping[str, Any] = {"is_template": False, "take_snapshots": False, "type": None}


def normalize(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[ExportNote]]:
    """The notebook's declared form (from any JSON form of it: API body, `data`, attributes),
    and notes on what it leaves out or keeps that the user should know about."""
    attributes = notebook_attributes(document)
    if not isinstance(attributes, Mapping):
        attributes = {}
    form = declared_form(attributes)
    metadata = form.get("metadata")
    if isinstance(metadata, Mapping) and all(
        key in METADATA_DEFAULTS and value == METADATA_DEFAULTS[key]
        for key, value in metadata.items()
    ):
        del form["metadata"]  # Datadog's defaults, echoed: not something the user declared
    notes = [
        ExportNote(
            key,
            f"left out: a CrossOrgNotebook declares only {', '.join(DECLARED_KEYS)}; add it "
            "again in Datadog after creating this notebook elsewhere",
        )
        for key, value in attributes.items()
        if key not in form
        and key not in DECLARED_KEYS
        and key not in SERVER_FIELDS
        and value not in (None, [], {})
    ]
    cells = form.get("cells")
    for index, cell in enumerate(cells if isinstance(cells, list) else ()):
        inner = cell.get("attributes") if isinstance(cell, Mapping) else None
        if isinstance(inner, Mapping):
            note_org_bound(inner.get("definition"), f"cells[{index}].attributes.definition", notes)
    return form, notes


def _list_ids(client: Any) -> list[str]:
    return [str(summary["id"]) for summary in client.list_notebooks(include_cells=False)]


NOTEBOOKS = DocumentKind(
    noun="notebook",
    fetch=lambda client, notebook_id: client.get_notebook(int(notebook_id)),
    list_ids=_list_ids,
    normalize=normalize,
    queries=notebook_queries,
    check=check_notebook,
)


def export_notebook(client: Any, notebook_id: int | str) -> Exported:
    """Fetch one notebook with `client` (a DatadogClient of its org) and normalize it."""
    return export_one(NOTEBOOKS, client, str(notebook_id))


def export_cross_org(client: Any, notebook_ids: Iterable[int | str]) -> Iterator[Exported]:
    """Of `notebook_ids`, the notebooks with at least one cross-org query, exported."""
    return export_cross_org_of(NOTEBOOKS, client, (str(i) for i in notebook_ids))
