"""One client, one Session, many threads (the provider server calls from a thread pool)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

THREADS = 16
CALLS_PER_THREAD = 10


def test_sixteen_threads_listing_through_one_client_all_see_the_same_connections(
    datadog_emulator, client_for
) -> None:
    # given: a few connections and one shared client
    hub = client_for("hub")
    made = {
        hub.create_connection(datadog_emulator.org_uuid(s), ["logs"]).id
        for s in ("payments", "search", "edge")
    }
    start = threading.Barrier(THREADS)

    def worker(_: int) -> list[set[str]]:
        start.wait()
        return [{c.id for c in hub.list_connections(page_size=2)} for _ in range(CALLS_PER_THREAD)]

    # when: all threads list at once
    with ThreadPoolExecutor(THREADS) as pool:
        seen = [ids for result in pool.map(worker, range(THREADS)) for ids in result]

    # then: every listing (two pages each) saw exactly the three connections
    assert len(seen) == THREADS * CALLS_PER_THREAD
    assert all(ids == made for ids in seen)
    gets = [r for r in datadog_emulator.requests if r.method == "GET"]
    assert len(gets) == THREADS * CALLS_PER_THREAD * 2
