"""What a provider process is configured with, read once from wherever its host gets it.

The dynamic provider gets the whole stack config (`keys.py`); the native plugin gets its
provider's configuration (the names of `PROVIDER_CONFIG`); both may fall back to the environment.
Either way the result is one `ProviderSettings`: the key ring, how long a listing may serve
reads, and the HTTP client's limits. Nothing here makes a call or holds a client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from datadog_crossorg.config import keys
from datadog_crossorg.config.credentials import KeyRing
from datadog_crossorg.resources.provider_config import PROVIDER_CONFIG

DEFAULT_LISTING_TTL = 5.0  # seconds a listing may serve Reads; 0 turns sharing off
_NATIVE_NO_KEYS_FIX = (
    "set apiKey and appKey on the datadog-crossorg provider (for the default provider "
    "`pulumi config set --secret datadog-crossorg:apiKey ...` and "
    "`... datadog-crossorg:appKey ...`), or DATADOG_API_KEY and DATADOG_APP_KEY in the environment"
)


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the key and the fix."""

    def __init__(self, key: str, problem: str) -> None:
        where = "stack config" if ":" in key else "provider config"
        super().__init__(f"{where} {key} {problem}")
        self.key = key  # as the user sets it: `datadog-crossorg:listingCacheSeconds`, `apiUrl`


@dataclass(frozen=True)
class ProviderSettings:
    """A provider process's configuration (keys live only in `key_ring`, never in a repr)."""

    key_ring: KeyRing
    listing_ttl: float = DEFAULT_LISTING_TTL
    # DatadogClient keyword arguments: read_timeout and deadline, in seconds.
    client_options: Mapping[str, float] = field(default_factory=dict)
    missing_keys_fix: str | None = None  # where this host's default keys are set, if not datadog:*

    @classmethod
    def from_stack_config(cls, get: Callable[[str], Any]) -> ProviderSettings:
        """The dynamic provider's reading: `get` looks up a stack-config key (`keys.py`)."""
        return cls(KeyRing.from_config(get), *_tuning(get, _STACK_KEYS.__getitem__))

    @classmethod
    def from_provider_config(cls, config: Mapping[str, Any]) -> ProviderSettings:
        """The native plugin's reading: its provider's configuration, under the schema's names."""

        def key_of(name: str) -> str:
            return PROVIDER_CONFIG[name].wire_name

        key_ring = KeyRing.from_values(
            api_key=config.get(key_of("api_key")),
            app_key=config.get(key_of("app_key")),
            api_url=config.get(key_of("api_url")),
        )
        return cls(key_ring, *_tuning(config.get, key_of), _NATIVE_NO_KEYS_FIX)

    @classmethod
    def from_environment(cls, *, native: bool = False) -> ProviderSettings:
        """No configuration arrived (a host that never called Configure): the environment's keys."""
        return cls(
            KeyRing.from_environment(), missing_keys_fix=_NATIVE_NO_KEYS_FIX if native else None
        )


# Where the dynamic provider's stack config holds each tuning setting (PROVIDER_CONFIG's names).
_STACK_KEYS = {
    "listing_cache_seconds": keys.LISTING_CACHE_SECONDS,
    "request_timeout": keys.REQUEST_TIMEOUT,
    "request_deadline": keys.REQUEST_DEADLINE,
}
# DatadogClient's keyword for each per-call limit.
_CLIENT_OPTIONS = {"request_timeout": "read_timeout", "request_deadline": "deadline"}


def _tuning(
    get: Callable[[str], Any], key_of: Callable[[str], str]
) -> tuple[float, dict[str, float]]:
    """The listing TTL and DatadogClient's limits, each read at `key_of(setting)` with `get`."""
    ttl_key = key_of("listing_cache_seconds")
    ttl = listing_ttl(get(ttl_key), ttl_key)
    options: dict[str, float] = {}
    for name, option in _CLIENT_OPTIONS.items():
        key = key_of(name)
        value = _positive_seconds(get(key), key)
        if value is not None:
            options[option] = value
    return ttl, options


def listing_ttl(raw: Any, where: str) -> float:
    """Seconds a shared listing may serve reads (a string from config), default 5."""
    if raw in (None, ""):
        return DEFAULT_LISTING_TTL
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise SettingsError(
            where, f"{raw!r} must be a number of seconds (0 turns off shared listings)"
        ) from None
    if value < 0:
        raise SettingsError(where, f"{raw!r} must not be negative")
    return value


def _positive_seconds(raw: Any, where: str) -> float | None:
    """A per-call limit from config: unset (None) or a positive number of seconds."""
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if not value > 0:
        raise SettingsError(where, f"{raw!r} must be a positive number of seconds")
    return value
