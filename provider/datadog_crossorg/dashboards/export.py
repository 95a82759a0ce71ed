"""Export dashboards from Datadog as normalized JSON for code, that round-trips.

Datadog's answer carries fields it computes itself; kept in a file they would show as a diff on
every preview (and `id`/`url` would point at the old dashboard). `normalize` drops them, as
datadog-sync-cli and Terraform's `datadog_dashboard_json` do: `id`, `url`, `author_handle`,
`author_name`, `created_at`, `modified_at`, the deprecated `is_read_only`, widget `id`s (inside
groups too), echoed nulls (`description`, `template_variables`, `notify_list`: null) and the echoed
default `restricted_roles: []`; it sorts `notify_list`. What points at objects of the source org
(monitors by `alert_id`, SLOs by `slo_id`, roles in `restricted_roles`) is kept, with a note: it
will not resolve in another org.

Export -> create -> export gives the same bytes (`render` is deterministic), so the file can feed
`DashboardJson` and the next preview shows no diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.dashboards.render import render
from datadog_crossorg.dashboards.validate import has_cross_org_queries

SERVER_FIELDS = frozenset(
    {
        "id",
        "url",
        "author_handle",
        "author_name",
        "created_at",
        "modified_at",
        "is_read_only",
        "deleted_at",
    }
)
ORG_BOUND_WIDGET_FIELDS = ("alert_id", "slo_id")


@dataclass(frozen=True)
class ExportNote:
    """Something kept in the export that the user should know about (printed on stderr)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Exported:
    """One exported dashboard: its id in the source org, the normalized document, the notes."""

    dashboard_id: str
    document: dict[str, Any]
    notes: tuple[ExportNote, ...] = ()

    @property
    def text(self) -> str:
        return render(self.document)

    @property
    def file_name(self) -> str:
        return f"{self.dashboard_id}.json"


def normalize(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[ExportNote]]:
    """The document without server-computed fields, and notes on org-bound fields it keeps."""
    notes: list[ExportNote] = []
    result: dict[str, Any] = {}
    for key, value in document.items():
        if key in SERVER_FIELDS or value is None:
            continue
        if key == "restricted_roles" and value == []:
            continue
        if key == "widgets" and isinstance(value, list):
            value = _widgets(value, "widgets", notes)
        elif key == "notify_list" and isinstance(value, list):
            value = sorted(value, key=str)
        elif key == "restricted_roles":
            notes.append(
                ExportNote(
                    key,
                    f"kept {len(value)} role UUID(s); roles belong to one org: replace them "
                    "before creating this dashboard in another org",
                )
            )
        result[key] = value
    return result, notes


def _widgets(widgets: list[Any], path: str, notes: list[ExportNote]) -> list[Any]:
    cleaned = []
    for index, widget in enumerate(widgets):
        where = f"{path}[{index}]"
        if not isinstance(widget, Mapping):
            cleaned.append(widget)
            continue
        copied = {k: v for k, v in widget.items() if k != "id"}
        definition = copied.get("definition")
        if isinstance(definition, Mapping):
            definition = dict(definition)
            if definition.get("type") == "group" and isinstance(definition.get("widgets"), list):
                definition["widgets"] = _widgets(
                    definition["widgets"], f"{where}.definition.widgets", notes
                )
            else:
                _note_org_bound(definition, f"{where}.definition", notes)
            copied["definition"] = definition
        cleaned.append(copied)
    return cleaned


def _note_org_bound(value: Any, path: str, notes: list[ExportNote]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in ORG_BOUND_WIDGET_FIELDS and item is not None:
                what = "a monitor" if key == "alert_id" else "an SLO"
                notes.append(
                    ExportNote(
                        f"{path}.{key}",
                        f"kept {item!r}, which names {what} of this org: it does not exist in "
                        "another org",
                    )
                )
            else:
                _note_org_bound(item, f"{path}.{key}", notes)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _note_org_bound(item, f"{path}[{index}]", notes)


def export_dashboard(client: Any, dashboard_id: str) -> Exported:
    """Fetch one dashboard with `client` (a DatadogClient of its org) and normalize it."""
    document, notes = normalize(client.get_dashboard(dashboard_id))
    return Exported(dashboard_id, document, tuple(notes))


def export_cross_org(client: Any, dashboard_ids: Iterable[str]) -> Iterator[Exported]:
    """Of `dashboard_ids`, the dashboards with at least one cross-org query, exported."""
    for dashboard_id in dashboard_ids:
        raw = client.get_dashboard(dashboard_id)
        if has_cross_org_queries(raw):
            document, notes = normalize(raw)
            yield Exported(dashboard_id, document, tuple(notes))
