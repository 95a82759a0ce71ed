"""Client-side pacing: one budget per org shared by every thread; other orgs never slowed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.client.pacing import Grant, OrgPacer, endpoint_family, pacer_for

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
    assert pacer.acquire(CONNECTIONS, deadline_at=0.0).group is None  # spent: goes unpaced
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


WINDOW_HEADERS = {
    "X-RateLimit-Name": "org_connections",
    "X-RateLimit-Limit": "10",
    "X-RateLimit-Period": str(ONE_WINDOW),
    "X-RateLimit-Reset": "30",
}


def test_late_answers_from_an_older_window_do_not_refill_the_budget() -> None:
    pacer = OrgPacer()
    path = "/api/v2/org_connections"
    pacer.observe(path, {**WINDOW_HEADERS, "X-RateLimit-Remaining": "0"})
    pacer.observe(path, {**WINDOW_HEADERS, "X-RateLimit-Remaining": "7"})
    # the budget stays spent: acquiring with a deadline before the reset does not wait
    grant = pacer.acquire(path + "/some-id", deadline_at=0.0)
    assert (grant.waited, grant.group) == (0.0, None)
    assert pacer._windows["org_connections"].remaining == 0


def test_calls_of_one_collection_share_a_group() -> None:
    assert endpoint_family("/api/v2/org_connections/abc") == "/api/v2/org_connections"
    assert endpoint_family("/api/v1/dashboard/abc-def-ghi") == "/api/v1/dashboard"
    assert endpoint_family("/api/v2/org_connections?limit=1") == "/api/v2/org_connections"


def test_answers_without_rate_limit_headers_stop_pacing_that_endpoint() -> None:
    pacer = OrgPacer()
    path = "/api/v2/org_connections"
    # one call left in a window that lasts until 2038; the next call takes it
    pacer.observe(path, {**WINDOW_HEADERS, "X-RateLimit-Remaining": "1"})
    assert pacer.acquire(path, deadline_at=time.monotonic() + 2).group == "org_connections"
    # its answer carries no budget at all (the endpoint is not limited after all)
    pacer.observe(path, {"Content-Type": "application/json"})
    # so the next call goes at once instead of waiting for a window nobody counts
    assert pacer.acquire(path, deadline_at=time.monotonic() + 2) == Grant(0.0)


# -- Datadog's calendar windows, on a clock the test sets (no call waits: deadline_at=0) --------
class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def one_second_window(remaining: int) -> dict[str, str]:
    return {
        "X-RateLimit-Name": "org_connections",
        "X-RateLimit-Limit": "3",
        "X-RateLimit-Period": "1",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": "1",  # whole seconds: says nothing of where in the second we are
    }


def paced(pacer: OrgPacer) -> bool:
    """Whether a call now gets a unit of budget (rather than going out unpaced, at once)."""
    return pacer.acquire(CONNECTIONS, deadline_at=0.0).group is not None


def test_the_budget_renews_at_datadogs_window_boundary_not_a_period_after_an_answer() -> None:
    # given: the budget spent by an answer 0.9 s into Datadog's window
    clock = Clock(1000.9)
    pacer = OrgPacer(clock)
    pacer.observe(CONNECTIONS, one_second_window(0))
    assert not paced(pacer)
    # when: Datadog's next window has begun, 0.2 s later (not a whole period after the answer)
    clock.now = 1001.1
    # then: its budget is there
    assert [paced(pacer) for _ in range(4)] == [True, True, True, False]


def test_a_binding_budget_is_not_handed_out_at_a_windows_edges() -> None:
    # given: a window of three with one call left (binding)
    clock = Clock(1000.5)
    pacer = OrgPacer(clock)
    pacer.observe(CONNECTIONS, one_second_window(1))
    # then: a call sent at either edge may be counted in either window: it waits
    for edge in (1000.99, 1001.01):
        clock.now = edge
        assert not paced(pacer)
    clock.now = 1001.2
    assert paced(pacer)


def test_a_budget_far_from_spent_is_handed_out_at_the_edges_too() -> None:
    clock = Clock(1000.99)
    pacer = OrgPacer(clock)
    pacer.observe(CONNECTIONS, one_second_window(3))  # nothing spent: no call needs to wait
    assert paced(pacer)


def test_calls_in_flight_across_a_boundary_are_taken_from_the_next_windows_budget() -> None:
    # given: three calls sent early in a window of three
    clock = Clock(1000.2)
    pacer = OrgPacer(clock)
    pacer.observe(CONNECTIONS, one_second_window(3))
    grants = [pacer.acquire(CONNECTIONS, deadline_at=0.0) for _ in range(3)]
    assert all(g.group for g in grants)
    clock.now = 1000.4
    pacer.observe(CONNECTIONS, one_second_window(2), grants[0])
    pacer.done(grants[0])  # answered within its window
    # when: the second is answered just after the boundary, the third is still in flight
    clock.now = 1001.02
    pacer.observe(CONNECTIONS, one_second_window(2), grants[1])
    pacer.done(grants[1])
    clock.now = 1001.1
    # then: Datadog may count both in the new window: one unit of three is left
    assert [paced(pacer) for _ in range(2)] == [True, False]
