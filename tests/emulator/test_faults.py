"""Injected faults over real HTTP: each kind, matching, `times`, and the control endpoint."""

from __future__ import annotations

import time

import pytest
import requests

from datadog_crossorg.emulator import Emulator, Fault
from tests.emulator.plain_http import CONNECTIONS, connection_body

NO_RESPONSE = 0


def create(api, emu: Emulator) -> requests.Response:
    return api("payments").post(CONNECTIONS, json=connection_body(emu.org_uuid("hub")))


def test_a_status_fault_answers_without_applying_the_request(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("status", method="POST", path="/org_connections$", status=503))
    answer = create(api, datadog_emulator)
    assert (answer.status_code, answer.json()) == (503, {"errors": ["Internal Server Error"]})
    assert answer.headers["Content-Type"] == "application/json"
    assert datadog_emulator.connections() == []


def test_a_429_fault_carries_datadog_rate_limit_headers(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("status", status=429))
    answer = api("hub").get(CONNECTIONS)
    assert (answer.status_code, answer.json()) == (429, {"errors": ["Too many requests"]})
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert int(answer.headers["X-RateLimit-Reset"]) >= 1
    assert answer.headers["X-RateLimit-Name"] == "org_connections"


def test_a_status_fault_may_carry_its_own_body(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("status", status=502, body={"errors": ["Bad Gateway"]}))
    answer = api("hub").get(CONNECTIONS)
    assert (answer.status_code, answer.json()) == (502, {"errors": ["Bad Gateway"]})


def test_a_latency_fault_delays_then_answers_normally(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("latency", delay=0.3))
    started = time.monotonic()
    answer = create(api, datadog_emulator)
    assert time.monotonic() - started >= 0.3
    assert answer.status_code == 200 and len(datadog_emulator.connections()) == 1


def test_a_latency_fault_longer_than_the_read_timeout_times_the_client_out(
    datadog_emulator: Emulator, api
):
    datadog_emulator.add_fault(Fault("latency", delay=0.5))
    with pytest.raises(requests.ReadTimeout):
        api("hub").get(CONNECTIONS, timeout=(2, 0.1))


def test_a_drop_closes_the_connection_without_applying(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("drop", method="POST"))
    with pytest.raises(requests.ConnectionError):
        create(api, datadog_emulator)
    assert datadog_emulator.connections() == []
    assert datadog_emulator.requests[-1].status == NO_RESPONSE


def test_commit_then_status_applies_the_request_and_answers_an_error(
    datadog_emulator: Emulator, api
):
    datadog_emulator.add_fault(Fault("commit_then_status", method="POST", status=504))
    answer = create(api, datadog_emulator)
    assert (answer.status_code, answer.json()) == (504, {"errors": ["Internal Server Error"]})
    assert len(datadog_emulator.connections()) == 1


def test_commit_then_drop_applies_the_request_and_closes_the_connection(
    datadog_emulator: Emulator, api
):
    datadog_emulator.add_fault(Fault("commit_then_drop", method="POST"))
    with pytest.raises(requests.ConnectionError):
        create(api, datadog_emulator)
    assert len(datadog_emulator.connections()) == 1
    # the client's retry then meets the world it changed
    assert create(api, datadog_emulator).status_code == 409


def test_faults_are_consumed_in_order_times_counting_down(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("status", status=500, times=2))
    datadog_emulator.add_fault(Fault("status", status=503))
    hub = api("hub")
    statuses = [hub.get(CONNECTIONS).status_code for _ in range(4)]
    assert statuses == [500, 500, 503, 200]


def test_a_fault_with_times_none_lasts_until_cleared(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("status", status=500, times=None))
    hub = api("hub")
    assert [hub.get(CONNECTIONS).status_code for _ in range(5)] == [500] * 5
    datadog_emulator.clear_faults()
    assert hub.get(CONNECTIONS).status_code == 200


def test_a_fault_matches_only_its_method_path_and_key_pair(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(
        Fault("status", method="GET", path=r"^/api/v2/org_", key_pair="search", times=None)
    )
    assert api("hub").get(CONNECTIONS).status_code == 200
    assert api("search").get("/api/v1/dashboard").status_code == 200
    assert api("search").post(CONNECTIONS, json={}).status_code == 400
    assert api("search").get(CONNECTIONS).status_code == 500


def test_a_delay_combines_with_any_kind(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("status", status=503, delay=0.2))
    started = time.monotonic()
    assert api("hub").get(CONNECTIONS).status_code == 503
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "explode"},
        {"kind": "status", "status": 42},
        {"kind": "drop", "times": 0},
        {"kind": "latency", "delay": -1},
        {"kind": "status", "path": "("},
    ],
)
def test_a_malformed_fault_is_refused(kwargs: dict):
    with pytest.raises(ValueError):
        Fault(**kwargs)


def test_faults_can_be_armed_and_cleared_over_http(datadog_emulator: Emulator, api):
    control = f"{datadog_emulator.url}/_emulator/faults"
    armed = requests.post(
        control,
        json={"faults": [{"kind": "status", "status": 500, "path": "org_connections", "times": 3}]},
        timeout=5,
    )
    assert armed.status_code == 200 and armed.json()["faults"][0]["times_left"] == 3
    hub = api("hub")
    assert hub.get(CONNECTIONS).status_code == 500
    assert requests.delete(control, timeout=5).status_code == 200
    assert hub.get(CONNECTIONS).status_code == 200
    refused = requests.post(control, json={"faults": [{"kind": "explode"}]}, timeout=5)
    assert refused.status_code == 400 and "explode" in refused.json()["errors"][0]
    unknown_field = requests.post(control, json={"faults": [{"kind": "drop", "x": 1}]}, timeout=5)
    assert unknown_field.status_code == 400


def test_a_latency_fault_adds_its_delay_to_the_fault_after_it(datadog_emulator: Emulator, api):
    # given: a standing latency (as `crossorg emulator --latency`) and then a status fault
    datadog_emulator.add_fault(Fault("latency", delay=0.2, times=None))
    datadog_emulator.add_fault(Fault("status", status=503))
    hub = api("hub")
    # when / then: the status fault still applies, after the latency; the latency stays
    started = time.monotonic()
    assert hub.get(CONNECTIONS).status_code == 503
    assert time.monotonic() - started >= 0.2
    assert hub.get(CONNECTIONS).status_code == 200
    armed = requests.get(f"{datadog_emulator.url}/_emulator/faults", timeout=5).json()["faults"]
    assert [f["kind"] for f in armed] == ["latency"]


def test_a_fault_may_set_the_answers_headers_exactly(datadog_emulator: Emulator, api):
    datadog_emulator.add_fault(Fault("status", status=429, headers={"Retry-After": "3"}))
    datadog_emulator.add_fault(Fault("status", status=429, headers={}))
    hub = api("hub")
    first, second = hub.get(CONNECTIONS), hub.get(CONNECTIONS)
    assert first.headers["Retry-After"] == "3" and "X-RateLimit-Reset" not in first.headers
    assert "Retry-After" not in second.headers and "X-RateLimit-Reset" not in second.headers


def test_an_echoing_fault_repeats_the_requests_keys(datadog_emulator: Emulator, api):
    keys = datadog_emulator.keys("hub")
    datadog_emulator.add_fault(Fault("status", status=400, echo_keys=True))
    datadog_emulator.add_fault(Fault("drop", echo_keys=True))
    hub = api("hub")
    errors = hub.get(CONNECTIONS).json()["errors"]
    assert keys.api_key in errors[-1] and keys.app_key in errors[-1]
    with pytest.raises(requests.RequestException) as dropped:  # broken off mid-answer
        hub.get(CONNECTIONS)
    assert isinstance(dropped.value, requests.exceptions.ChunkedEncodingError)
    assert keys.api_key in str(dropped.value)  # what the raw error of a client would show
