"""Rate limits per org and per endpoint group, with Datadog's X-RateLimit-* headers.

Windows are calendar aligned (a window starts at floor(now / period) * period), as Datadog's
`X-RateLimit-Period` describes. Datadog limits every API endpoint and sends the headers on every
answer of a limited group, so every group here has a limit: the configured one, else its
default in DEFAULT_LIMITS. Datadog publishes no figure for these groups and the recordings in
shared/datadog-api carry none, so the defaults are generous stand-ins: one-second windows
(an injected 429 then says "retry in a second", as the fault tests expect) with ten times the
calls a second the emulator can serve on a laptop, so a client that paces on the headers is
never slowed. A test that wants a binding limit configures one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

GROUPS = (
    "org_connections",
    "dashboards",
    "notebooks",
    "org",
    "validate",
    "restriction_policy",
    "query_timeseries",
)


@dataclass(frozen=True)
class RateLimit:
    limit: int
    period: int  # seconds

    def __post_init__(self) -> None:
        if not isinstance(self.limit, int) or self.limit < 0:
            raise ValueError("limit must be a non-negative integer")
        if not isinstance(self.period, int) or self.period < 1:
            raise ValueError("period must be a positive integer (seconds)")


DEFAULT_LIMIT = RateLimit(10_000, 1)
DEFAULT_LIMITS: dict[str, RateLimit] = dict.fromkeys(GROUPS, DEFAULT_LIMIT)


def parse_limits(spec: Mapping[str, Any]) -> dict[str, RateLimit]:
    """{group: {"limit": N, "period": S} | (N, S) | RateLimit} -> {group: RateLimit}."""
    limits = {}
    for name, value in spec.items():
        if name not in GROUPS:
            raise ValueError(f"unknown rate-limit group {name!r} (known: {', '.join(GROUPS)})")
        if isinstance(value, RateLimit):
            limits[name] = value
        elif isinstance(value, Mapping):
            limit, period = value.get("limit"), value.get("period")
            limits[name] = RateLimit(limit, period)  # type: ignore[arg-type]
        elif isinstance(value, tuple | list) and len(value) == 2:
            limits[name] = RateLimit(*value)
        else:
            raise ValueError(f"rate limit {name!r}: expected {{'limit': N, 'period': S}}")
    return limits


def parse_limit_option(text: str) -> tuple[str, RateLimit]:
    """`NAME=LIMIT/PERIOD` (the CLI's --rate-limit) -> (name, RateLimit)."""
    name, _, rest = text.partition("=")
    limit, _, period = rest.partition("/")
    form = "NAME=LIMIT/PERIOD, such as org_connections=100/10 (calls per period of seconds)"
    if not (limit.strip().isdigit() and period.strip().isdigit()):
        raise ValueError(f"{text!r} is not {form}")
    try:
        parsed = parse_limits({name.strip(): (int(limit), int(period))})
    except ValueError as error:
        raise ValueError(f"{text!r}: {error}; expected {form}") from None
    return next(iter(parsed.items()))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """Counts requests per (org, group) in the current window; thread-safe."""

    def __init__(
        self,
        limits: Mapping[str, RateLimit] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._initial: dict[str, RateLimit] = dict(limits or {})
        self._limits = dict(self._initial)
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # -> (window start, count)

    @property
    def limits(self) -> dict[str, RateLimit]:
        """The configured limits (groups not listed run on their DEFAULT_LIMITS)."""
        with self._lock:
            return dict(self._limits)

    def configure(self, name: str, limit: RateLimit) -> None:
        """Set one group's limit; its counters start over."""
        parse_limits({name: limit})
        with self._lock:
            self._limits[name] = limit
            self._windows = {k: v for k, v in self._windows.items() if k[1] != name}

    def reset(self) -> None:
        """Back to the limits given at construction; every counter starts over."""
        with self._lock:
            self._limits = dict(self._initial)
            self._windows.clear()

    def hit(self, org_uuid: str, group: str) -> Verdict:
        """Count one request; refuse it once the window's limit is reached."""
        with self._lock:
            rule = self._rule(group)
            now = self._clock()
            start = math.floor(now / rule.period) * rule.period
            window, count = self._windows.get((org_uuid, group), (start, 0))
            if window != start:
                count = 0
            allowed = count < rule.limit
            if allowed:
                count += 1
            self._windows[(org_uuid, group)] = (start, count)
            return Verdict(allowed, _headers(group, rule, rule.limit - count, start, now))

    def exhausted_headers(self, group: str) -> dict[str, str]:
        """Headers for an injected 429: the group's window (configured or default), spent."""
        with self._lock:
            rule = self._rule(group)
            now = self._clock()
            start = math.floor(now / rule.period) * rule.period
            return _headers(group, rule, 0, start, now)

    def _rule(self, group: str) -> RateLimit:
        return self._limits.get(group) or DEFAULT_LIMITS.get(group, DEFAULT_LIMIT)


def _headers(group: str, rule: RateLimit, remaining: int, start: int, now: float) -> dict[str, str]:
    reset = max(1, math.ceil(start + rule.period - now))
    return {
        "X-RateLimit-Limit": str(rule.limit),
        "X-RateLimit-Period": str(rule.period),
        "X-RateLimit-Remaining": str(max(0, remaining)),
        "X-RateLimit-Reset": str(reset),
        "X-RateLimit-Name": group,
    }
