"""The provider process: what one engine-started provider process holds, for either adapter.

A `ProviderProcess` is built from `ProviderSettings` when the engine configures the provider (or
from the environment when it never does) and lives in that process only: the key ring, and per key
pair one client and one shared listing (an `OrgView`), reused by every thread. The rules receive
a view and hold no client of their own. Nothing here is ever pickled.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from datadog_crossorg.config.credentials import CredentialsError
from datadog_crossorg.config.settings import ProviderSettings
from datadog_crossorg.process.org_view import OrgView, org_of_listing

if TYPE_CHECKING:
    from datadog_crossorg.client import Connection, DatadogClient

KeyName = str | None  # a key pair of the ring: None is the default pair

# Calls one provider process serves at once (both adapters). The engine's default parallelism is
# unbounded; past this, Datadog's per-org rate limit binds first, and pacing holds off the 429s.
CONCURRENT_CALLS = 32


class ProviderProcess:
    """The key ring, and per key pair one client and one shared listing, reused by every
    thread of the provider server."""

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings
        self._views: dict[str | None, OrgView] = {}
        self._lock = threading.Lock()
        # The org each key pair belongs to, as its own listing showed (all its connections share
        # it), and the key pairs whose listing cannot be had (no keys, no read permission).
        self._orgs: dict[KeyName, str] = {}
        self._unlistable: set[KeyName] = set()

    @property
    def known_orgs(self) -> frozenset[str]:
        return self.settings.key_ring.names

    def view(self, org: str | None) -> OrgView:
        with self._lock:
            view = self._views.get(org)
            if view is None:
                settings = self.settings
                creds = settings.key_ring.resolve(org, default_fix=settings.missing_keys_fix)
                from datadog_crossorg.client.api import DatadogClient

                client = DatadogClient(
                    creds.api_key, creds.app_key, creds.site, **settings.client_options
                )
                view = OrgView(client, settings.listing_ttl, self.invalidate_all)
                self._views[org] = view
            return view

    def client(self, org: str | None) -> DatadogClient:
        return self.view(org).client

    def read_from_shared_listings(
        self,
        key_pair: KeyName,
        connection_id: str,
        *,
        sink_org_id: str | None,
        source_org_id: str | None,
    ) -> tuple[bool, Connection | None]:
        """(decided, the connection or None when gone), read through the shared listing of any
        other key pair that sees it; not decided: only `key_pair`'s own view can tell.

        A listing shows both sides of every connection of its org, so a connection can be read
        through the key pair of either of its ends. Spokes sharing with a hub whose keys the stack
        also holds: the hub's one listing answers every spoke's Read (⌈N/1000⌉ calls for N
        connections) instead of one listing per spoke key pair. Tried in order: listings already
        fetched or in flight; the default key pair's, while its org is unknown (in that common
        topology it is the hub's). A connection missing from another key pair's listing counts
        as gone only when that listing showed its org to be one of the connection's ends. Without
        both ends known (`OrgConnection.get` by id) or without shared listings, nothing is decided.
        """
        if self.settings.listing_ttl > 0 and sink_org_id and source_org_id:
            ends = {sink_org_id.lower(), source_org_id.lower()}
            for other in self._other_listings(key_pair, ends):
                listing = self._listing(other)
                if listing is None:
                    continue
                found = next((c for c in listing if c.id == connection_id), None)
                if found is not None:
                    return True, found
                if self._orgs.get(other) in ends:
                    return True, None  # that org's complete listing does not show it: gone
        return False, None

    def _other_listings(self, key_pair: KeyName, ends: set[str]) -> list[KeyName]:
        with self._lock:
            warm = [
                name
                for name, view in self._views.items()
                if name != key_pair
                and name not in self._unlistable
                and view.listing is not None
                and view.listing.is_warm()
                and self._may_be_an_end(name, ends)
            ]
            speculative = (
                key_pair is not None
                and None not in warm
                and None not in self._unlistable
                and self._may_be_an_end(None, ends)
            )
        return warm + ([None] if speculative else [])

    def _may_be_an_end(self, key_pair: KeyName, ends: set[str]) -> bool:
        """`key_pair`'s org is one of `ends`, or not known yet (caller holds the lock)."""
        org = self._orgs.get(key_pair)
        return org is None or org in ends

    def _listing(self, key_pair: KeyName) -> list[Connection] | None:
        """`key_pair`'s whole shared listing, learning its org; None if it cannot be had."""
        from datadog_crossorg.client import DatadogError

        try:
            listing = self.view(key_pair).connections()
        except (CredentialsError, DatadogError):
            with self._lock:
                self._unlistable.add(key_pair)
            return None
        org = org_of_listing(listing)
        if org is not None:
            with self._lock:
                self._orgs[key_pair] = org.lower()
        return listing

    def invalidate_all(self) -> None:
        """A write through any key pair may change what every org's listing shows."""
        with self._lock:
            views = list(self._views.values())
        for view in views:
            view.invalidate()
