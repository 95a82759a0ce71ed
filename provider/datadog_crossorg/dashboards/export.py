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

What export and lint do is the same for every kind of document: a `DocumentKind` says how one
kind is fetched, listed, normalized and checked (`DASHBOARDS` here, `notebooks.export.NOTEBOOKS`
for notebooks), and `export_one` / `export_cross_org_of` are the one export loop both use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.dashboards.render import render
from datadog_crossorg.rules.queries import (
    Link,
    Problem,
    QueryRef,
    check_document,
    json_queries,
)

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
    """Something kept in (or left out of) the export that the user should know about (printed
    on stderr)."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Exported:
    """One exported document (dashboard or notebook): its id in the source org, the normalized
    document, the notes."""

    id: str
    document: dict[str, Any]
    notes: tuple[ExportNote, ...] = ()

    @property
    def dashboard_id(self) -> str:
        """The id, under the name it had when only dashboards were exported."""
        return self.id

    @property
    def text(self) -> str:
        return render(self.document)

    @property
    def file_name(self) -> str:
        return f"{self.id}.json"


Normalize = Callable[[Mapping[str, Any]], tuple[dict[str, Any], list[ExportNote]]]
Check = Callable[[Mapping[str, Any], Iterable[Link] | None, str | None], list[Problem]]


@dataclass(frozen=True)
class DocumentKind:
    """What export and lint need to know of one kind of document, each as a function.

    `fetch(client, id)` is Datadog's answer for one document and `list_ids(client)` the ids of
    every one of the client's org; `normalize` makes an answer (or a file) the JSON kept in code,
    with notes; `queries` finds its cross-org queries and `check(document, links, org)` reports
    the rules they break (against `links`, connections into `org`, when given).
    """

    noun: str  # "dashboard": what messages call one
    fetch: Callable[[Any, str], Mapping[str, Any]]
    list_ids: Callable[[Any], list[str]]
    normalize: Normalize
    queries: Callable[[Mapping[str, Any]], list[QueryRef]]
    check: Check


def export_one(kind: DocumentKind, client: Any, object_id: str) -> Exported:
    """Fetch one document with `client` (a DatadogClient of its org) and normalize it."""
    document, notes = kind.normalize(kind.fetch(client, object_id))
    return Exported(str(object_id), document, tuple(notes))


def export_cross_org_of(kind: DocumentKind, client: Any, ids: Iterable[str]) -> Iterator[Exported]:
    """Of `ids`, the documents with at least one cross-org query, exported (one fetch each)."""
    for object_id in ids:
        raw = kind.fetch(client, object_id)
        if kind.queries(raw):
            document, notes = kind.normalize(raw)
            yield Exported(str(object_id), document, tuple(notes))


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
                note_org_bound(definition, f"{where}.definition", notes)
            copied["definition"] = definition
        cleaned.append(copied)
    return cleaned


def note_org_bound(value: Any, path: str, notes: list[ExportNote]) -> None:
    """Notes on the monitor and SLO ids under `value` (a widget definition at `path`)."""
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
                note_org_bound(item, f"{path}.{key}", notes)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            note_org_bound(item, f"{path}[{index}]", notes)


DASHBOARDS = DocumentKind(
    noun="dashboard",
    fetch=lambda client, dashboard_id: client.get_dashboard(dashboard_id),
    list_ids=lambda client: [summary["id"] for summary in client.list_dashboards()],
    normalize=normalize,
    queries=json_queries,
    check=check_document,
)


def export_dashboard(client: Any, dashboard_id: str) -> Exported:
    """Fetch one dashboard with `client` (a DatadogClient of its org) and normalize it."""
    return export_one(DASHBOARDS, client, dashboard_id)


def export_cross_org(client: Any, dashboard_ids: Iterable[str]) -> Iterator[Exported]:
    """Of `dashboard_ids`, the dashboards with at least one cross-org query, exported."""
    return export_cross_org_of(DASHBOARDS, client, dashboard_ids)
