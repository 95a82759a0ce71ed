"""Client-side pacing: one budget per org shared by every thread; other orgs never slowed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.client.pacing import OrgPacer, endpoint_family, pacer_for

# The emulator's windows are calendar-aligned (`floor(now / period)`): with this period the next
# boundary is in 2038, so every call of a test lands in one window, whatever the machine's load.
ONE_WINDOW = 2**31
CONNECTIONS = "/api/v2/org_connections"


def test_sixteen_threads_share_one_budget_and_get_no_429(datadog_emulator, client_for) -> None:
    # given: 11 calls in the window, the budget learnt from a first answer
    datadog_emulator.set_rate_limit("org_connections", limit=11, period=ONE_WINDOW)
    hub = client_for("hub")
    hub.list_connections()
    # when: 16 threads make the 10 calls left through one client and a second client of the org
    other = client_for("hub-readonly")  # same org (same API key), other application key
    clients = [hub, other] * 5
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(DatadogClient.list_connections, clients))
    # then: all succeed, none was refused, and both clients drew on one budget, now spent
    assert results == [[]] * 10
    assert [r.status for r in datadog_emulator.requests] == [200] * 11
    pacer = pacer_for(hub.base_url, datadog_emulator.keys("hub").api_key)
    assert pacer is pacer_for(other.base_url, datadog_emulator.keys("hub-readonly").api_key)
    assert pacer.acquire(CONNECTIONS, deadline_at=0.0) == 0.0  # spent: no wait within no time
    assert pacer._windows["org_connections"].remaining == 0


def test_a_spent_org_does_not_slow_another_org(datadog_emulator, client_for) -> None:
    # given: the hub's budget is spent for a 2-second window; payments has its own
    datadog_emulator.set_rate_limit("org_connections", limit=1, period=2)
    hub, payments = client_for("hub"), client_for("payments")
    hub.list_connections()
    waiting = threading.Thread(target=hub.list_connections)
    waiting.start()
    # when: payments calls while the hub's call waits for its window
    payments.list_connections()
    # then: payments was answered while the hub call was still waiting
    hub_still_waiting = waiting.is_alive()
    waiting.join()
    assert hub_still_waiting
    assert [r.status for r in datadog_emulator.requests] == [200, 200, 200]
    assert [r.key_pair for r in datadog_emulator.requests] == ["hub", "payments", "hub"]


def test_late_answers_from_an_older_window_do_not_refill_the_budget() -> None:
    pacer = OrgPacer()
    path = "/api/v2/org_connections"
    headers = {"X-RateLimit-Name": "org_connections", "X-RateLimit-Limit": "10"}
    pacer.observe(path, {**headers, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"})
    pacer.observe(path, {**headers, "X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "30"})
    # the budget stays spent: acquiring with a deadline before the reset does not wait
    assert pacer.acquire(path + "/some-id", deadline_at=0.0) == 0.0
    assert pacer._windows["org_connections"].remaining == 0


def test_calls_of_one_collection_share_a_group() -> None:
    assert endpoint_family("/api/v2/org_connections/abc") == "/api/v2/org_connections"
    assert endpoint_family("/api/v1/dashboard/abc-def-ghi") == "/api/v1/dashboard"
    assert endpoint_family("/api/v2/org_connections?limit=1") == "/api/v2/org_connections"


def test_answers_without_rate_limit_headers_stop_pacing_that_endpoint() -> None:
    pacer = OrgPacer()
    path = "/api/v2/org_connections"
    headers = {"X-RateLimit-Name": "org_connections", "X-RateLimit-Limit": "1"}
    # a 1-call window that has just ended; the next call takes the fresh window's only unit
    pacer.observe(path, {**headers, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"})
    assert pacer.acquire(path, deadline_at=time.monotonic() + 2) == 0.0
    # its answer carries no budget at all (the endpoint is not limited after all)
    pacer.observe(path, {"Content-Type": "application/json"})
    # so the next call goes at once instead of waiting for headers until its deadline
    assert pacer.acquire(path, deadline_at=time.monotonic() + 2) == 0.0
