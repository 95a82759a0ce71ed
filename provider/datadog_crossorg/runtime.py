"""The run-time half of a provider, whatever serves it (dynamic provider or native plugin).

A `ProviderRuntime` lives in the provider process only: the key ring, and per key pair one client
and one shared listing (see listing.py), reused by every thread. Nothing here is ever pickled.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from datadog_crossorg import connections
from datadog_crossorg.connections import OrgView
from datadog_crossorg.credentials import CredentialsError, KeyRing

if TYPE_CHECKING:
    from datadog_crossorg.client import Connection, DatadogClient

KeyName = str | None  # a key pair of the ring: None is the default pair

LISTING_TTL_KEY = "datadog-crossorg:listingCacheSeconds"
# Per-call limits of the provider's HTTP client, in seconds (DatadogClient's read_timeout and
# deadline): a slow network or a strict pipeline may want others than 30 and 60.
CLIENT_OPTION_KEYS = {
    "datadog-crossorg:requestTimeout": "read_timeout",
    "datadog-crossorg:requestDeadline": "deadline",
}
DEFAULT_LISTING_TTL = 5.0  # seconds a listing may serve Reads; 0 turns sharing off
# Calls one provider process serves at once (both adapters). The engine's default parallelism is
# unbounded; past this, Datadog's per-org rate limit binds first, and pacing holds off the 429s.
CONCURRENT_CALLS = 32
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN on the wire


def is_unknown(value: Any) -> bool:
    """A preview-time unknown: Pulumi's marker string on the wire, or the `Unknown` object the
    dynamic provider server hands over."""
    if isinstance(value, str):
        return value == _UNKNOWN
    if type(value).__name__ != "Unknown":
        return False
    import pulumi  # loaded already in any provider process

    return isinstance(value, pulumi.output.Unknown)


def client_options(get: Any) -> dict[str, float]:
    """DatadogClient keyword arguments from stack config (`get` is a config lookup)."""
    options: dict[str, float] = {}
    for key, option in CLIENT_OPTION_KEYS.items():
        raw = get(key)
        if raw in (None, ""):
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = -1.0
        if not value > 0:
            raise ValueError(f"stack config {key} {raw!r} must be a positive number of seconds")
        options[option] = value
    return options


def listing_ttl(raw: Any) -> float:
    """`datadog-crossorg:listingCacheSeconds` from stack config (a string), default 5."""
    if raw in (None, ""):
        return DEFAULT_LISTING_TTL
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(
            f"stack config {LISTING_TTL_KEY} {raw!r} must be a number of seconds (0 turns off "
            "shared listings)"
        ) from None
    if value < 0:
        raise ValueError(f"stack config {LISTING_TTL_KEY} {raw!r} must not be negative")
    return value


class ProviderRuntime:
    """What a provider process builds at run time: the key ring, and per key pair one client
    and one shared listing (see `listing.py`), reused by every thread of the server."""

    def __init__(
        self,
        keys: KeyRing,
        listing_ttl: float = DEFAULT_LISTING_TTL,
        client_options: dict[str, float] | None = None,
        missing_keys_fix: str | None = None,
    ) -> None:
        self.keys = keys
        self.missing_keys_fix = missing_keys_fix  # where this host's default keys are set
        self.listing_ttl = listing_ttl
        self.client_options = dict(client_options or {})
        self._views: dict[str | None, OrgView] = {}
        self._lock = threading.Lock()
        # The org each key pair belongs to, as its own listing showed (all its connections share
        # it), and the key pairs whose listing cannot be had (no keys, no read permission).
        self._orgs: dict[KeyName, str] = {}
        self._unlistable: set[KeyName] = set()

    @property
    def known_orgs(self) -> frozenset[str]:
        return self.keys.names

    def view(self, org: str | None) -> OrgView:
        with self._lock:
            view = self._views.get(org)
            if view is None:
                creds = self.keys.resolve(org, default_fix=self.missing_keys_fix)
                from datadog_crossorg.client.api import DatadogClient

                client = DatadogClient(
                    creds.api_key, creds.app_key, creds.site, **self.client_options
                )
                view = OrgView(client, self.listing_ttl, self.invalidate_all)
                self._views[org] = view
            return view

    def client(self, org: str | None) -> DatadogClient:
        return self.view(org).client

    def read_connection(
        self,
        key_pair: KeyName,
        connection_id: str,
        *,
        sink_org_id: str | None,
        source_org_id: str | None,
    ) -> Connection | None:
        """Read a connection through the shared listing of any key pair that sees it.

        A listing shows both sides of every connection of its org, so a connection can be read
        through the key pair of either of its ends. Spokes sharing with a hub whose keys the stack
        also holds: the hub's one listing answers every spoke's Read (⌈N/1000⌉ calls for N
        connections) instead of one listing per spoke key pair. Tried in order: listings already
        fetched or in flight; the default key pair's, while its org is unknown (in that common
        topology it is the hub's); this resource's own key pair, as before. A connection missing
        from another key pair's listing counts as gone only when that listing showed its org to
        be one of the connection's ends; otherwise the own key pair decides. Without both ends
        known (`OrgConnection.get` by id) or without shared listings, the own key pair reads it.
        """
        if self.listing_ttl > 0 and sink_org_id and source_org_id:
            ends = {sink_org_id.lower(), source_org_id.lower()}
            for other in self._other_listings(key_pair, ends):
                listing = self._listing(other)
                if listing is None:
                    continue
                found = next((c for c in listing if c.id == connection_id), None)
                if found is not None:
                    return found
                if self._orgs.get(other) in ends:
                    return None  # that org's complete listing does not show it: gone
        return connections.read(
            self.view(key_pair),
            connection_id,
            sink_org_id=sink_org_id,
            source_org_id=source_org_id,
            org=key_pair,
        )

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
        from datadog_crossorg.graph import org_of_listing

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
