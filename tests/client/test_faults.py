"""How the client meets each injected fault, per method: retried, given up, ambiguous or not.

MATRIX below is the table "fault x method -> client behaviour"; each cell is one test. Outcomes:
- "ok": the call returned normally after the client retried;
- "ambiguous": Unavailable(ambiguous=True) after ONE request (POST is never repeated on a 5xx or
  a read error); APPLIED says whether the connection exists afterwards;
- "gone": NotFound, because the retried DELETE finds its own first attempt already applied.
"""

from __future__ import annotations

import logging
import re
import time

import pytest
import requests

from datadog_crossorg.client import NotFound, RateLimited, Unavailable
from datadog_crossorg.emulator import Fault

CONNECTIONS = r"^/api/v2/org_connections"
READ_TIMEOUT = 0.3
LATENCY = 0.8  # longer than READ_TIMEOUT: the first attempt times out

MATRIX = {
    # (fault kind, method): (outcome, requests the emulator saw)
    ("status", "GET"): ("ok", 2),
    ("status", "POST"): ("ambiguous", 1),
    ("status", "PATCH"): ("ok", 2),
    ("status", "DELETE"): ("ok", 2),
    ("status429", "GET"): ("ok", 2),
    ("status429", "POST"): ("ok", 2),
    ("status429", "PATCH"): ("ok", 2),
    ("status429", "DELETE"): ("ok", 2),
    ("drop", "GET"): ("ok", 2),
    ("drop", "POST"): ("ambiguous", 1),
    ("drop", "PATCH"): ("ok", 2),
    ("drop", "DELETE"): ("ok", 2),
    ("commit_then_status", "GET"): ("ok", 2),
    ("commit_then_status", "POST"): ("ambiguous", 1),
    ("commit_then_status", "PATCH"): ("ok", 2),
    ("commit_then_status", "DELETE"): ("gone", 2),
    ("commit_then_drop", "GET"): ("ok", 2),
    ("commit_then_drop", "POST"): ("ambiguous", 1),
    ("commit_then_drop", "PATCH"): ("ok", 2),
    ("commit_then_drop", "DELETE"): ("gone", 2),
    ("latency", "GET"): ("ok", 2),
    ("latency", "POST"): ("ambiguous", 1),
    ("latency", "PATCH"): ("ok", 2),
    ("latency", "DELETE"): ("ok", 2),
}
APPLIED = {  # does a POST's connection exist once the server is done?
    "status": False,
    "drop": False,
    "commit_then_status": True,
    "commit_then_drop": True,
    "latency": True,  # the server commits after the client stopped waiting
}


def _fault(kind: str, method: str) -> Fault:
    if kind == "status429":
        body = {"errors": ["Too many requests"]}
        return Fault("status", method=method, path=CONNECTIONS, status=429, body=body)
    if kind == "latency":
        return Fault("latency", method=method, path=CONNECTIONS, delay=LATENCY)
    return Fault(kind, method=method, path=CONNECTIONS, status=500)


@pytest.mark.parametrize(("kind", "method"), list(MATRIX))
def test_fault_by_method(
    datadog_emulator, client_for, caplog, eventually, kind: str, method: str
) -> None:
    # given: a connection to update or delete, and one fault on the next call of `method`
    emu = datadog_emulator
    hub = client_for("hub", read_timeout=READ_TIMEOUT, deadline=5.0)
    payments = emu.org_uuid("payments")
    existing = hub.create_connection(emu.org_uuid("search"), ["logs"])
    emu.add_fault(_fault(kind, method))
    before = len(emu.requests)
    calls = {
        "GET": hub.list_connections,
        "POST": lambda: hub.create_connection(payments, ["logs"]),
        "PATCH": lambda: hub.update_connection(existing.id, ["logs", "metrics"]),
        "DELETE": lambda: hub.delete_connection(existing.id),
    }
    outcome, seen = MATRIX[(kind, method)]

    # when
    with caplog.at_level(logging.INFO, logger="datadog_crossorg.client"):
        if outcome == "ok":
            calls[method]()
        else:
            expected = Unavailable if outcome == "ambiguous" else NotFound
            with pytest.raises(expected) as caught:
                calls[method]()

    # then
    def sent() -> int:
        return sum(r.method == method for r in emu.requests[before:])

    assert eventually(lambda: sent() >= seen)
    assert sent() == seen
    if outcome == "ambiguous":
        assert caught.value.ambiguous is True
    if seen > 1:
        assert f"{method} /api/v2/org_connections" in caplog.text
        assert "retry" in caplog.text
    keys = emu.keys("hub")
    assert keys.api_key not in caplog.text and keys.app_key not in caplog.text
    if method == "POST" and outcome == "ambiguous":

        def exists() -> bool:
            return bool(hub.list_connections(sink_org_id=payments))

        # a fault that commits late (latency) is waited for; the others answered already
        assert (eventually(exists, timeout=LATENCY + 1) if APPLIED[kind] else exists()) is APPLIED[
            kind
        ]
    if method == "PATCH":
        assert hub.list_connections(sink_org_id=existing.sink_org_id)[0].connection_types == (
            "logs",
            "metrics",
        )
    if method == "DELETE":
        assert hub.list_connections(sink_org_id=existing.sink_org_id) == []


def test_pacing_waits_for_the_window_instead_of_collecting_429s(datadog_emulator, hub) -> None:
    # given: a 1-second window of 3 calls
    datadog_emulator.set_rate_limit("org_connections", limit=3, period=1)
    before = len(datadog_emulator.requests)
    # when: more calls than the window allows
    results = [hub.list_connections() for _ in range(5)]
    # then: every call succeeded without a single 429: the client waited for the reset
    assert results == [[]] * 5
    statuses = [r.status for r in datadog_emulator.requests[before:]]
    assert statuses == [200] * 5


def test_429_for_calls_the_client_did_not_make_is_waited_out(datadog_emulator, hub) -> None:
    # given: a 1-second window of 3 calls, used up by someone else with the same org's keys
    datadog_emulator.set_rate_limit("org_connections", limit=3, period=1)
    keys = datadog_emulator.keys("hub")
    headers = {"DD-API-KEY": keys.api_key, "DD-APPLICATION-KEY": keys.app_key}
    url = datadog_emulator.url + "/api/v2/org_connections"
    before = len(datadog_emulator.requests)
    while requests.get(url, headers=headers, timeout=5).status_code != 429:
        pass
    # when: our client calls
    result = hub.list_connections()
    # then: Datadog said 429 and the client retried after the reset
    assert result == []
    statuses = [r.status for r in datadog_emulator.requests[before:]]
    assert statuses[-2:] == [429, 200]


def test_rate_limit_wait_past_the_deadline_gives_up_at_once(datadog_emulator, client_for) -> None:
    # given: one call per hour, used up; a client with a 1-second deadline
    datadog_emulator.set_rate_limit("org_connections", limit=1, period=3600)
    hub = client_for("hub", deadline=1.0)
    hub.list_connections()
    # when
    start = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        hub.list_connections()
    elapsed = time.monotonic() - start
    # then: no wait was started, and the error says when the window resets
    assert elapsed < 0.5
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1
    assert caught.value.status == 429
    assert caught.value.errors


def test_server_errors_on_get_are_retried_until_the_deadline_then_unavailable(
    datadog_emulator, client_for
) -> None:
    deadline = 1.5
    hub = client_for("hub", deadline=deadline, backoff_factor=0.2)
    datadog_emulator.add_fault(Fault("status", method="GET", path=CONNECTIONS, times=999))
    start = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        hub.list_connections()
    elapsed = time.monotonic() - start
    assert elapsed <= deadline + 0.4
    assert len(datadog_emulator.requests) >= 3
    assert caught.value.status == 500
    assert "attempts" in str(caught.value)


def test_slow_server_on_get_gives_up_within_the_deadline(datadog_emulator, client_for) -> None:
    deadline = 1.0
    hub = client_for("hub", read_timeout=0.4, deadline=deadline, backoff_factor=0.05)
    datadog_emulator.add_fault(
        Fault("latency", method="GET", path=CONNECTIONS, delay=LATENCY * 3, times=999)
    )
    start = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        hub.list_connections()
    elapsed = time.monotonic() - start
    assert elapsed <= deadline + 0.4
    assert caught.value.ambiguous is True
    assert "read timeout" in str(caught.value)
    assert "2 attempt" in str(caught.value) or "3 attempt" in str(caught.value)


def test_read_timeout_is_capped_by_the_time_left_before_the_deadline(
    datadog_emulator, client_for
) -> None:
    deadline = 0.5
    hub = client_for("hub", read_timeout=30.0, deadline=deadline)
    datadog_emulator.add_fault(Fault("latency", method="POST", path=CONNECTIONS, delay=LATENCY))
    start = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        hub.create_connection(datadog_emulator.org_uuid("payments"), ["logs"])
    elapsed = time.monotonic() - start
    assert deadline - 0.05 <= elapsed <= deadline + 0.25
    assert caught.value.ambiguous is True


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_refused_is_unavailable_and_certainly_not_applied(
    closed_port: int, method: str
) -> None:
    from datadog_crossorg.client import DatadogClient

    deadline = 1.0
    client = DatadogClient(
        "api-key-123456",
        "app-key-123456",
        f"http://127.0.0.1:{closed_port}",
        deadline=deadline,
        backoff_factor=0.05,
    )
    start = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        if method == "GET":
            client.list_connections()
        else:
            client.create_connection("7bd471e8-b9fe-4ee7-9e36-d59b281bd96f", ["logs"])
    elapsed = time.monotonic() - start
    client.close()
    assert caught.value.ambiguous is False
    assert caught.value.status is None
    assert "not sent" in str(caught.value)
    assert re.search(r"after [2-9] attempt", str(caught.value))  # retried, even a POST
    assert elapsed <= deadline + 0.4


# -- how long a 429 is waited out, per header (recorded through the client's `pause`) ----------
JITTER = 0.25  # transport.RATE_LIMIT_JITTER: added at random to a header's wait


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"X-RateLimit-Reset": "3"}, 3.0, 3.0 + JITTER),
        ({"Retry-After": "2"}, 2.0, 2.0 + JITTER),
        ({"X-RateLimit-Reset": "4", "Retry-After": "1"}, 4.0, 4.0 + JITTER),  # Datadog's wins
        ({}, 0.5, 0.5),  # neither: one backoff step (backoff_factor), never at once
    ],
    ids=["reset", "retry-after", "both", "neither"],
)
def test_a_429_is_waited_out_for_the_time_its_headers_ask(
    datadog_emulator, client_for, headers: dict, low: float, high: float
) -> None:
    # given: one 429 carrying exactly these headers, and a client that records its waits
    datadog_emulator.add_fault(Fault("status", path=CONNECTIONS, status=429, headers=headers))
    waits: list[float] = []
    hub = client_for("hub", deadline=30, backoff_factor=0.5, pause=waits.append)
    # when
    assert hub.list_connections() == []
    # then: one wait, as long as the header asked (plus jitter), then the call went through
    assert len(waits) == 1 and low <= waits[0] <= high, waits
    assert [r.status for r in datadog_emulator.requests][-2:] == [429, 200]
