"""What every dynamic provider of this package shares: a stateless pickle and a run-time half.

The engine pickles the provider into every resource's state and calls it in a provider process
with several threads. `StatelessProvider` pickles to its class reference alone (bytes stable across
versions, never a key) and builds its `ProviderRuntime` in the provider process: the key ring from
the stack config (`configure`), or from the environment when no config arrives, plus one client
and one shared listing per key pair.
"""

from __future__ import annotations

import threading
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.connections import DiffDecision, OrgView, Problem
from datadog_crossorg.credentials import KeyRing

LISTING_TTL_KEY = "datadog-crossorg:listingCacheSeconds"
DEFAULT_LISTING_TTL = 5.0  # seconds a listing may serve Reads; 0 turns sharing off
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN on the wire
_RUNTIME_LOCK = threading.Lock()


def is_unknown(value: Any) -> bool:
    """A preview-time unknown, as the dynamic server hands it over (an `Unknown` object)."""
    if isinstance(value, str):
        return value == _UNKNOWN
    return isinstance(value, pulumi.output.Unknown)


def check_result(inputs: dict[str, Any], problems: list[Problem]) -> CheckResult:
    """A core check's answer as the engine wants it: one CheckFailure per problem."""
    return CheckResult(inputs, [CheckFailure(p.property, p.reason) for p in problems])


def diff_result(decision: DiffDecision) -> DiffResult:
    """A core diff decision with explicit `changes` (None would make the engine diff raw
    inputs, the pickled provider included, and report spurious updates)."""
    return DiffResult(
        changes=decision.has_changes,
        replaces=list(decision.replaces),
        delete_before_replace=decision.delete_before_replace,
    )


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

    def __init__(self, keys: KeyRing, listing_ttl: float = DEFAULT_LISTING_TTL) -> None:
        self.keys = keys
        self.listing_ttl = listing_ttl
        self._views: dict[str | None, OrgView] = {}
        self._lock = threading.Lock()

    @property
    def known_orgs(self) -> frozenset[str]:
        return self.keys.names

    def view(self, org: str | None) -> OrgView:
        with self._lock:
            view = self._views.get(org)
            if view is None:
                creds = self.keys.resolve(org)
                client = DatadogClient(creds.api_key, creds.app_key, creds.site)
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


class StatelessProvider(ResourceProvider):
    """A dynamic provider whose pickle is its class reference and nothing else."""

    serialize_as_secret_always = False  # nothing secret is captured; keeps preview diffs readable

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        pass

    def runtime(self) -> ProviderRuntime:
        """The run-time half, built on first use (from the environment if not configured)."""
        runtime = self.__dict__.get("_rt")
        if runtime is None:
            with _RUNTIME_LOCK:
                runtime = self.__dict__.get("_rt")
                if runtime is None:
                    runtime = ProviderRuntime(KeyRing.from_environment())
                    self.__dict__["_rt"] = runtime
        return runtime

    def configure(self, req: ConfigureRequest) -> None:
        """Engine: Configure, once per provider process with the whole decrypted stack config."""
        self.__dict__["_rt"] = ProviderRuntime(
            KeyRing.from_config(req.config.get), listing_ttl(req.config.get(LISTING_TTL_KEY))
        )
