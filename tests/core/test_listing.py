"""ListingCache: one fetch for concurrent readers, never older than the last write, errors not kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from datadog_crossorg.process.shared_listing import ListingCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_concurrent_readers_wait_for_the_single_fetch_in_flight() -> None:
    cache: ListingCache[list[int]] = ListingCache(ttl=30)
    release = threading.Event()
    started = threading.Event()

    def slow_fetch() -> list[int]:
        started.set()
        release.wait(5)
        return [1, 2, 3]

    with ThreadPoolExecutor(8) as pool:
        leader = pool.submit(cache.get, slow_fetch)
        started.wait(5)
        followers = [pool.submit(cache.get, lambda: pytest.fail("second fetch")) for _ in range(7)]
        release.set()
        results = [leader.result(), *(f.result() for f in followers)]
    assert results == [[1, 2, 3]] * 8
    assert cache.fetches == 1


def test_a_write_makes_the_next_read_fetch_again_even_within_the_ttl() -> None:
    cache: ListingCache[str] = ListingCache(ttl=30)
    assert cache.get(lambda: "before") == "before"
    assert cache.get(lambda: "unused") == "before"
    cache.invalidate()
    assert cache.get(lambda: "after") == "after"
    assert cache.fetches == 2


def test_a_listing_is_reused_only_within_its_ttl() -> None:
    clock = Clock()
    cache: ListingCache[str] = ListingCache(ttl=5, clock=clock)
    cache.get(lambda: "first")
    clock.now += 4.9
    assert cache.get(lambda: "second") == "first"
    clock.now += 0.2
    assert cache.get(lambda: "second") == "second"


def test_a_failed_fetch_reaches_its_waiters_and_is_not_reused() -> None:
    cache: ListingCache[str] = ListingCache(ttl=30)

    def boom() -> str:
        raise RuntimeError("Datadog said no")

    with pytest.raises(RuntimeError, match="said no"):
        cache.get(boom)
    assert cache.get(lambda: "recovered") == "recovered"
