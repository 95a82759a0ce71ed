"""Client-side pacing: wait for Datadog's rate-limit window instead of collecting 429s.

Datadog counts calls per org and per endpoint group (`X-RateLimit-Name`) in calendar-aligned
windows and says, on every response, how many calls are left (`X-RateLimit-Remaining`) and when the
window resets (`X-RateLimit-Reset`, seconds). A provider process runs many calls at once (the
engine sends up to 16 Reads in parallel), so the budget is shared by every thread and every client
of the same org: one `OrgPacer` per (site, API key), since an API key belongs to one org. Other
orgs have their own pacer and are never slowed.

Each call takes one unit of its group's budget before it is sent; when none is left it waits until
the window resets. Headers only ever lower the local count within a window (calls in flight are
already counted locally), and a response from an older window never overrides a newer one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

_REGISTRY: dict[tuple[str, str], OrgPacer] = {}
_REGISTRY_LOCK = threading.Lock()


def pacer_for(base_url: str, api_key: str) -> OrgPacer:
    """The process-wide pacer of the org behind this API key on this site."""
    key = (base_url, hashlib.sha256(api_key.encode()).hexdigest())
    with _REGISTRY_LOCK:
        pacer = _REGISTRY.get(key)
        if pacer is None:
            pacer = _REGISTRY[key] = OrgPacer()
        return pacer


@dataclass
class _Window:
    limit: int
    remaining: int
    reset_at: float  # time.monotonic() when the current window ends


def endpoint_family(path: str) -> str:
    """`/api/v2/org_connections/<id>` -> `/api/v2/org_connections`: calls of one collection share
    a rate-limit group, so the group learnt from one response applies to the next call."""
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    return "/".join(parts[:4])


class OrgPacer:
    """The rate-limit budget of one org, per endpoint group, shared by all threads."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._group_of: dict[str, str] = {}  # endpoint family -> X-RateLimit-Name
        self._windows: dict[str, _Window] = {}

    def acquire(self, path: str, deadline_at: float) -> float:
        """Take one call's budget, waiting for the window to reset if it is spent.

        Returns the seconds waited. Never waits past `deadline_at`: the call then goes out and
        Datadog's 429 (retried by the transport within the deadline) decides.
        """
        waited = 0.0
        with self._cond:
            group = self._group_of.get(endpoint_family(path))
            while group is not None:
                window = self._windows[group]
                now = time.monotonic()
                if now >= window.reset_at:
                    # A new window began: the budget is whole again until a header says otherwise.
                    window.remaining = window.limit
                    window.reset_at = float("inf")
                if window.remaining > 0:
                    window.remaining -= 1
                    break
                if window.reset_at == float("inf"):
                    # Spent before the new window's first answer: wait for its headers.
                    pause = min(1.0, deadline_at - now)
                else:
                    pause = window.reset_at - now
                if pause <= 0 or now + pause > deadline_at:
                    break
                self._cond.wait(pause)
                waited += time.monotonic() - now
        return waited

    def observe(self, path: str, headers: Mapping[str, str]) -> None:
        """Learn the group and budget from a response's X-RateLimit-* headers."""
        name = headers.get("X-RateLimit-Name")
        limit = _int(headers.get("X-RateLimit-Limit"))
        remaining = _int(headers.get("X-RateLimit-Remaining"))
        reset = _int(headers.get("X-RateLimit-Reset"))
        if not name or limit is None or remaining is None or reset is None:
            # No budget announced (an unlimited endpoint): stop pacing this family, or calls
            # would wait for headers that never come.
            with self._cond:
                if self._group_of.pop(endpoint_family(path), None) is not None:
                    self._cond.notify_all()
            return
        reset_at = time.monotonic() + reset
        with self._cond:
            self._group_of[endpoint_family(path)] = name
            window = self._windows.get(name)
            if window is None:
                self._windows[name] = _Window(limit, min(remaining, limit), reset_at)
            elif window.reset_at == float("inf"):
                # The first answer of a window we entered locally: calls sent since are in flight.
                window.limit, window.reset_at = limit, reset_at
                window.remaining = min(window.remaining, remaining)
            elif reset_at >= window.reset_at + 1.0:
                # Datadog is already in a later window than we thought.
                window.limit, window.remaining, window.reset_at = limit, remaining, reset_at
            elif reset_at > window.reset_at - 1.0:
                # Same window: in-flight calls are counted locally; headers may only lower it.
                window.remaining = min(window.remaining, remaining)
                window.limit = limit
            # else: a late answer from an older window; ignore it.
            self._cond.notify_all()


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
