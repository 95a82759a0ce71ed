"""The Emulator's Python surface and its loopback control endpoints (/_emulator/...)."""

from __future__ import annotations

import pytest
import requests

from datadog_crossorg.emulator import Emulator, Fault
from datadog_crossorg.emulator.ratelimit import DEFAULT_LIMITS
from tests.emulator.plain_http import CONNECTIONS, connection_body


def control(emu: Emulator, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{emu.url}/_emulator/{path}", timeout=5, **kwargs)


def connect(api, emu: Emulator, source: str = "payments", sink: str = "hub") -> str:
    answer = api(source).post(CONNECTIONS, json=connection_body(emu.org_uuid(sink)))
    assert answer.status_code == 200
    return answer.json()["data"]["id"]


def test_keys_and_org_uuids_of_the_default_seed(datadog_emulator: Emulator):
    hub = datadog_emulator.keys("hub")
    assert (hub.api_key, hub.app_key, hub.org_name) == (
        "emu-hub-api-key",
        "emu-hub-app-key",
        "Acme Hub",
    )
    assert hub.user_id == "e79aa31e-a505-42e0-ab87-6b901b6e6f5e"
    assert datadog_emulator.org_uuid("Acme Hub") == datadog_emulator.org_uuid("hub") == hub.org_uuid
    assert set(datadog_emulator.key_pairs) >= {"hub", "payments", "search", "edge"}
    with pytest.raises(KeyError):
        datadog_emulator.keys("nobody")


def test_an_emulator_has_no_url_until_started_and_stops_twice_safely():
    emu = Emulator()
    with pytest.raises(RuntimeError):
        _ = emu.url
    emu.start()
    with pytest.raises(RuntimeError):
        emu.start()
    emu.stop()
    emu.stop()
    assert not emu.running


def test_reset_returns_to_the_seed_and_clears_faults_requests_and_counters(
    datadog_emulator: Emulator, api
):
    connect(api, datadog_emulator)
    datadog_emulator.add_fault(Fault("status", path="/api/v1/org", times=None))
    datadog_emulator.set_rate_limit("org_connections", limit=1, period=60)
    datadog_emulator.reset()
    assert datadog_emulator.connections() == []
    assert datadog_emulator.requests == []
    assert api("hub").get("/api/v1/org").status_code == 200
    # a limit set at run time goes too: the constructor's configuration is the reset point
    after = api("hub").get(CONNECTIONS)
    assert after.status_code == 200
    assert after.headers["X-RateLimit-Limit"] == str(DEFAULT_LIMITS["org_connections"].limit)


def test_reset_over_http(datadog_emulator: Emulator, api):
    connect(api, datadog_emulator)
    assert control(datadog_emulator, "POST", "reset").status_code == 200
    assert datadog_emulator.connections() == []


def test_the_request_log_over_http(datadog_emulator: Emulator, api):
    api("hub").get(CONNECTIONS)
    logged = control(datadog_emulator, "GET", "requests").json()["requests"]
    assert logged == [
        {
            "method": "GET",
            "path": CONNECTIONS,
            "query": {},
            "status": 200,
            "key_pair": "hub",
            "org_uuid": datadog_emulator.org_uuid("hub"),
        }
    ]
    assert control(datadog_emulator, "DELETE", "requests").status_code == 200
    assert control(datadog_emulator, "GET", "requests").json() == {"requests": []}


def test_deactivating_a_user_over_http_deletes_their_connections(datadog_emulator: Emulator, api):
    mine = connect(api, datadog_emulator, "search")
    kept = connect(api, datadog_emulator, "payments")
    answer = control(datadog_emulator, "POST", "users/sam@acme.example/deactivate")
    assert answer.json() == {"deleted_connections": [mine]}
    assert [c["id"] for c in datadog_emulator.connections()] == [kept]
    missing = control(datadog_emulator, "POST", "users/nobody/deactivate")
    assert missing.status_code == 404


def test_deactivating_with_revoked_keys_over_http(datadog_emulator: Emulator, api):
    control(
        datadog_emulator, "POST", "users/eli@acme.example/deactivate", json={"revoke_keys": True}
    )
    assert api("edge").get(CONNECTIONS).status_code == 403


def test_deactivate_user_in_python_answers_the_deleted_ids(datadog_emulator: Emulator, api):
    mine = connect(api, datadog_emulator)
    assert datadog_emulator.deactivate_user("pat@acme.example") == [mine]


def test_the_state_over_http_is_the_whole_world(datadog_emulator: Emulator, api):
    cid = connect(api, datadog_emulator)
    state = control(datadog_emulator, "GET", "state").json()
    assert [c["id"] for c in state["connections"]] == [cid]
    assert state["connections"][0]["source"] == "Acme Payments"
    assert [a["name"] for a in state["accounts"]] == ["acme", "globex"]


def test_connections_for_tests_are_sorted_by_id_and_carry_names(datadog_emulator: Emulator, api):
    ids = [connect(api, datadog_emulator, source) for source in ("payments", "search", "edge")]
    listed = datadog_emulator.connections()
    assert [c["id"] for c in listed] == sorted(ids)
    assert all(c["relationships"]["sink_org"]["data"]["name"] == "Acme Hub" for c in listed)


def test_unknown_control_endpoints_and_bad_bodies(datadog_emulator: Emulator):
    assert control(datadog_emulator, "GET", "nothing").status_code == 404
    assert control(datadog_emulator, "PUT", "rate_limits", json={"x": {}}).status_code == 400
    assert control(datadog_emulator, "POST", "faults", json={"faults": "drop"}).status_code == 400
