"""One listing of an org's connections shared by many Reads: single flight, briefly reused.

The engine sends every Read of a refresh to one provider process, up to 16 at once. Reading each
connection with its own list call costs N calls for N connections; an org's whole listing answers
them all in ⌈N/1000⌉ calls. `ListingCache` makes the first Read fetch it while the others wait for
that same fetch, and lets later Reads reuse it for `ttl` seconds.

Freshness rule: a Read never gets data older than a listing that began after the last write this
process made (any create, update or delete bumps a generation; a listing remembers the generation
it started in and only serves Reads that started in that generation or earlier). A failed fetch is
raised to every Read waiting on it and is not reused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Fetch(Generic[T]):
    generation: int
    started: float
    done: threading.Event = field(default_factory=threading.Event)
    value: T | None = None
    error: BaseException | None = None


class ListingCache(Generic[T]):
    """Single-flight cache of one listing (of one org through one key pair)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._generation = 0
        self._current: _Fetch[T] | None = None
        self.fetches = 0  # how many listings were actually fetched (for tests and benchmarks)

    def invalidate(self) -> None:
        """A write happened: listings that began before it may no longer serve a Read."""
        with self._lock:
            self._generation += 1
            self._current = None

    def _shareable(self, current: _Fetch[T] | None, now: float) -> bool:
        """Whether a Read starting `now` may share `current` (caller holds the lock)."""
        return (
            current is not None
            and current.generation == self._generation
            and current.error is None
            and (not current.done.is_set() or now - current.started < self.ttl)
        )

    def is_warm(self) -> bool:
        """A Read starting now would share a listing (in flight, or fetched within ttl)."""
        with self._lock:
            return self._shareable(self._current, self._clock())

    def get(self, fetch: Callable[[], T]) -> T:
        """The listing, fetched now by this caller or shared with a fetch in flight or recent."""
        with self._lock:
            current = self._current
            now = self._clock()
            if self._shareable(current, now):
                assert current is not None
                leader = False
            else:
                current = self._current = _Fetch(self._generation, now)
                self.fetches += 1
                leader = True
        if leader:
            try:
                current.value = fetch()
            except BaseException as exc:
                current.error = exc
                raise
            finally:
                current.done.set()
            return current.value
        current.done.wait()
        if current.error is not None:
            raise current.error
        return current.value  # type: ignore[return-value]
