"""One key pair's view of Datadog inside a provider process: its client and its shared listing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from datadog_crossorg.process.shared_listing import ListingCache

if TYPE_CHECKING:
    from datadog_crossorg.client import Connection, DatadogClient


class OrgView:
    """One key pair's view of Datadog: its client, and (ttl > 0) one listing shared by Reads.

    Every write through any view calls `on_write`, which the provider process wires to
    invalidate every view's listing: a connection is visible from both its orgs.
    """

    def __init__(
        self,
        client: DatadogClient,
        ttl: float = 0.0,
        on_write: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.listing: ListingCache[list[Connection]] | None = ListingCache(ttl) if ttl > 0 else None
        self._on_write = on_write or self.invalidate
        # The key pair's user, once known. No endpoint tells it (`/api/v1/validate` says only
        # `valid`), so it is learned from the `created_by` of a connection this view created.
        self.user_id: str | None = None

    def invalidate(self) -> None:
        if self.listing is not None:
            self.listing.invalidate()

    def wrote(self) -> None:
        self._on_write()

    def connections(
        self, *, sink_org_id: str | None = None, source_org_id: str | None = None
    ) -> list[Connection]:
        """Connections of this org, narrowed: one shared listing, or one filtered call."""
        if self.listing is None:
            return self.client.list_connections(
                sink_org_id=sink_org_id, source_org_id=source_org_id
            )
        return [
            c
            for c in self.listing.get(self.client.list_connections)
            if sink_org_id in (None, c.sink_org_id) and source_org_id in (None, c.source_org_id)
        ]


def org_of_listing(connections: Iterable[Connection]) -> str | None:
    """The org a key pair belongs to, judged from its own listing: Datadog lists exactly the
    connections the caller's org takes part in, so that org is in all of them. None when the
    listing does not tell (no connection, or a single one, whose two orgs both qualify)."""
    common: set[str] | None = None
    for conn in connections:
        pair = {conn.source_org_id, conn.sink_org_id}
        common = pair if common is None else common & pair
    return next(iter(common)) if common is not None and len(common) == 1 else None
