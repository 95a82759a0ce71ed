"""The run-time half of a provider, whatever serves it (dynamic provider or native plugin).

A `ProviderRuntime` lives in the provider process only: the key ring, and per key pair one client
and one shared listing (see listing.py), reused by every thread. Nothing here is ever pickled.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from datadog_crossorg.connections import OrgView
from datadog_crossorg.credentials import KeyRing

if TYPE_CHECKING:
    from datadog_crossorg.client import DatadogClient

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

    def invalidate_all(self) -> None:
        """A write through any key pair may change what every org's listing shows."""
        with self._lock:
            views = list(self._views.values())
        for view in views:
            view.invalidate()
