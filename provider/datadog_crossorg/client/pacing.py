"""Client-side pacing: wait for Datadog's rate-limit window instead of collecting 429s.

Datadog counts calls per org and per endpoint group (`X-RateLimit-Name`) in calendar-aligned
windows of `X-RateLimit-Period` seconds (a window starts at a multiple of the period, in UTC
seconds) and says on every response how many calls are left (`X-RateLimit-Remaining`). A
provider process runs many calls at once (the engine sends up to 16 Reads in parallel), so the
budget is shared by every thread and every client of the same org: one `OrgPacer` per (site, API
key), since an API key belongs to one org. Other orgs have their own pacer and are never slowed.

The pacer keeps to Datadog's own windows, not to the moments answers happen to arrive (on a busy
machine those drift, and a budget timed from them straddles two of Datadog's windows):
- a call takes one unit of its group's budget for the current calendar window before it is sent;
  once half the budget is spent, none is handed out within `MARGIN` of a window's edges (a call
  sent then may be counted on either side, and our clock may be a little off Datadog's);
- a call that is still unanswered when a window ends may be counted in the next one, so each new
  window's budget starts without the calls in flight from earlier windows, and without the ones
  answered after the boundary;
- an answer from within one window may only lower that window's budget (our other calls in
  flight may not have reached Datadog yet, so they are subtracted from what it says is left).
Without the period header the endpoint is not paced: Datadog's 429s, waited out by the
transport, decide.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Seconds at each end of a window in which no budget is handed out: a call sent just before a
# boundary may be counted after it, and our clock may be a little off Datadog's.
MARGIN = 0.05

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


@dataclass(frozen=True)
class Grant:
    """One call's unit of budget: `group` None when the call went out unpaced."""

    waited: float  # seconds the call waited for its window
    group: str | None = None
    window: int = 0  # the calendar window the unit belongs to


@dataclass
class _Budget:
    limit: int
    period: int  # seconds (X-RateLimit-Period)
    window: int  # index of the calendar window `remaining` belongs to
    remaining: int
    in_flight: Counter[int] = field(default_factory=Counter)  # window granted -> unanswered
    late: Counter[int] = field(default_factory=Counter)  # window -> earlier calls answered in it


def endpoint_family(path: str) -> str:
    """`/api/v2/org_connections/<id>` -> `/api/v2/org_connections`: calls of one collection share
    a rate-limit group, so the group learnt from one response applies to the next call."""
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    return "/".join(parts[:4])


class OrgPacer:
    """The rate-limit budget of one org, per endpoint group, shared by all threads.

    `clock` is the wall clock Datadog's calendar windows are read on (time.time).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._group_of: dict[str, str] = {}  # endpoint family -> X-RateLimit-Name
        self._windows: dict[str, _Budget] = {}

    def acquire(self, path: str, deadline_at: float) -> Grant:
        """Take one unit of the call's budget, waiting for the next window if this one is spent.

        Never waits past `deadline_at` (a time.monotonic() value): the call then goes out
        unpaced and Datadog's 429 (retried by the transport within the deadline) decides.
        """
        waited = 0.0
        with self._cond:
            while True:
                group = self._group_of.get(endpoint_family(path))
                if group is None:
                    return Grant(waited)
                budget = self._windows[group]
                now = self._clock()
                window = math.floor(now / budget.period)
                into = now - window * budget.period
                at_edge = not MARGIN <= into < budget.period - MARGIN
                if not at_edge or budget.remaining * 2 > budget.limit:  # edges matter if binding
                    if budget.window != window:
                        self._open(budget, window)
                    if budget.remaining > 0:
                        budget.remaining -= 1
                        budget.in_flight[window] += 1
                        return Grant(waited, group, window)
                    wake = (window + 1) * budget.period + MARGIN
                elif into < MARGIN:
                    wake = window * budget.period + MARGIN
                else:
                    wake = (window + 1) * budget.period + MARGIN
                pause = wake - now
                started = time.monotonic()
                if started + pause > deadline_at:
                    return Grant(waited)
                self._cond.wait(pause)
                waited += time.monotonic() - started

    def observe(self, path: str, headers: Mapping[str, str], grant: Grant | None = None) -> None:
        """Learn the group and budget from a response's X-RateLimit-* headers (`grant`: the
        call's own unit, if it took one)."""
        name = headers.get("X-RateLimit-Name")
        limit = _int(headers.get("X-RateLimit-Limit"))
        remaining = _int(headers.get("X-RateLimit-Remaining"))
        period = _int(headers.get("X-RateLimit-Period"))
        if not name or limit is None or remaining is None or not period or period < 1:
            # No budget announced (an unlimited endpoint): stop pacing this family, or calls
            # would wait for a window nobody counts.
            with self._cond:
                if self._group_of.pop(endpoint_family(path), None) is not None:
                    self._cond.notify_all()
            return
        with self._cond:
            now = self._clock()
            window = math.floor(now / period)
            self._group_of[endpoint_family(path)] = name
            budget = self._windows.get(name)
            # Our other calls in flight may not have reached Datadog yet: not in its count.
            others = sum(self._windows[name].in_flight.values()) if budget else 0
            mine = grant is not None and grant.group == name
            left = remaining - (others - 1 if mine else others)
            if budget is None or budget.period != period:
                self._windows[name] = _Budget(limit, period, window, max(left, 0))
            else:
                budget.limit = limit
                # The answer speaks of the window the call was sent and answered in; one sent
                # in an earlier window may have been counted in either, so it says nothing.
                sent_in = grant.window if mine and grant is not None else window
                if sent_in == window == budget.window:
                    budget.remaining = min(budget.remaining, max(left, 0))
            self._cond.notify_all()

    def done(self, grant: Grant) -> None:
        """The call of `grant` is over (answered, or failed): it no longer counts as in flight.
        Answered after its window ended, it may have been counted in the window it ended in."""
        if grant.group is None:
            return
        with self._cond:
            budget = self._windows.get(grant.group)
            if budget is None or budget.in_flight[grant.window] <= 0:
                return
            budget.in_flight[grant.window] -= 1
            if not budget.in_flight[grant.window]:
                del budget.in_flight[grant.window]
            window = math.floor(self._clock() / budget.period)
            if window > grant.window and budget.window < window:
                budget.late[window] += 1  # not yet opened: subtract it when it opens

    def _open(self, budget: _Budget, window: int) -> None:
        """A new window's budget: the limit, less the calls of earlier windows Datadog may
        count in it (still in flight, or answered after the boundary)."""
        earlier = sum(n for w, n in budget.in_flight.items() if w < window)
        budget.remaining = max(budget.limit - earlier - budget.late[window], 0)
        budget.window = window
        budget.late = Counter({w: n for w, n in budget.late.items() if w > window})


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
