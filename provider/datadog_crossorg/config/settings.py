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
        return cls(
            KeyRing.from_config(get),
            listing_ttl(get(keys.LISTING_CACHE_SECONDS), keys.LISTING_CACHE_SECONDS),
            client_options(
                get(keys.REQUEST_TIMEOUT),
                keys.REQUEST_TIMEOUT,
                get(keys.REQUEST_DEADLINE),
                keys.REQUEST_DEADLINE,
            ),
        )

    @classmethod
    def from_provider_config(cls, config: Mapping[str, Any]) -> ProviderSettings:
        """The native plugin's reading: its provider's configuration, under the schema's names."""

        def get(name: str) -> Any:
            return config.get(PROVIDER_CONFIG[name].wire_name)

        def where(name: str) -> str:
            return PROVIDER_CONFIG[name].wire_name

        return cls(
            KeyRing.from_values(
                api_key=get("api_key"), app_key=get("app_key"), api_url=get("api_url")
            ),
            listing_ttl(get("listing_cache_seconds"), where("listing_cache_seconds")),
            client_options(
                get("request_timeout"),
                where("request_timeout"),
                get("request_deadline"),
                where("request_deadline"),
            ),
            _NATIVE_NO_KEYS_FIX,
        )

    @classmethod
    def from_environment(cls, *, native: bool = False) -> ProviderSettings:
        """No configuration arrived (a host that never called Configure): the environment's keys."""
        return cls(
            KeyRing.from_environment(), missing_keys_fix=_NATIVE_NO_KEYS_FIX if native else None
        )


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


def client_options(
    timeout: Any, timeout_where: str, deadline: Any, deadline_where: str
) -> dict[str, float]:
    """DatadogClient's read_timeout and deadline from config, each a positive number of seconds."""
    options: dict[str, float] = {}
    for option, raw, where in (
        ("read_timeout", timeout, timeout_where),
        ("deadline", deadline, deadline_where),
    ):
        if raw in (None, ""):
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = -1.0
        if not value > 0:
            raise SettingsError(where, f"{raw!r} must be a positive number of seconds")
        options[option] = value
    return options
