"""Every dashboard and notebook of one org as the flow index reads them (`rules.queries.Document`):
what the review's live search and the fleet audit both read. Read-only: listings and GETs.

The notebooks listing carries each notebook's cells, so notebooks cost their listing alone; a
dashboard summary carries no widgets, so each dashboard not ruled out costs one GET. The GETs run
`MAX_IN_FLIGHT` at once (the client is thread-safe and paces itself on Datadog's rate-limit
headers); the documents keep the listing's order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from datadog_crossorg.rules.queries import Document

MAX_IN_FLIGHT = 8  # GETs at once per org; the client's pacing keeps within Datadog's limits


def org_notebooks(
    client: Any,
    org_id: str,
    skip: Collection[str] = frozenset(),
    names: Mapping[str, str | None] | None = None,
) -> list[Document]:
    """The org's notebooks but those in `skip`, from their listing; `names` gives a notebook's
    stack resource, when one declares it."""
    names = names or {}
    return [
        Document.of("notebook", notebook, org_id, key, names.get(key))
        for notebook in client.list_notebooks()
        if (key := str(notebook.get("id"))) not in skip
    ]


def org_dashboards(
    client: Any,
    org_id: str,
    skip: Collection[str] = frozenset(),
    names: Mapping[str, str | None] | None = None,
    workers: int = MAX_IN_FLIGHT,
) -> list[Document]:
    """The org's dashboards but those in `skip`: their listing, then one GET each, `workers` at
    once; `names` gives a dashboard's stack resource, when one declares it."""
    names = names or {}
    ids = [key for d in client.list_dashboards() if (key := str(d.get("id"))) not in skip]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(ids) or 1))) as pool:
        bodies = list(pool.map(client.get_dashboard, ids))
    return [
        Document.of("dashboard", body, org_id, key, names.get(key))
        for key, body in zip(ids, bodies, strict=True)
    ]
