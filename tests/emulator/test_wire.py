"""The wire: every status the emulator answers, through real HTTP, and the transport itself."""

from __future__ import annotations

import http.client
import json
import socket

import pytest
import requests

from datadog_crossorg.emulator import Emulator
from tests.emulator.plain_http import (
    CONNECTIONS,
    DASHBOARDS,
    Api,
    connection_body,
    dashboard_body,
    update_body,
)

FORBIDDEN = {"errors": ["Forbidden"]}


def test_connection_lifecycle_statuses_and_bodies(datadog_emulator: Emulator, api):
    payments, hub = api("payments"), api("hub")
    hub_uuid = datadog_emulator.org_uuid("hub")
    created = payments.post(CONNECTIONS, json=connection_body(hub_uuid))
    assert created.status_code == 200  # not 201
    cid = created.json()["data"]["id"]
    conflict = payments.post(CONNECTIONS, json=connection_body(hub_uuid))
    listed = hub.get(CONNECTIONS, params={"sink_org_id": hub_uuid})
    updated = payments.patch(f"{CONNECTIONS}/{cid}", json=update_body(cid, ["logs", "metrics"]))
    sink_update = hub.patch(f"{CONNECTIONS}/{cid}", json=update_body(cid, ["logs"]))
    deleted = hub.delete(f"{CONNECTIONS}/{cid}")
    gone = hub.delete(f"{CONNECTIONS}/{cid}")
    assert [r.status_code for r in (conflict, listed, updated, sink_update, deleted, gone)] == [
        409,
        200,
        200,
        403,
        200,
        404,
    ]
    assert listed.json()["data"] == [created.json()["data"]]
    assert "name" not in updated.json()["data"]["relationships"]["sink_org"]["data"]
    assert deleted.json() == {}
    assert gone.json() == {"errors": [f"org connection with id:{cid} not found not found"]}


def test_connection_error_statuses(datadog_emulator: Emulator, api):
    payments = api("payments")
    unknown = "00000000-0000-0000-0000-000000000000"
    answers = {
        "unknown sink": payments.post(CONNECTIONS, json=connection_body("nonexistent-org-id")),
        "not allowed": payments.post(
            CONNECTIONS, json=connection_body(datadog_emulator.org_uuid("eu"))
        ),
        "invalid json": payments.post(
            CONNECTIONS, data=b"{", headers={"Content-Type": "application/json"}
        ),
        "bad paging": payments.get(CONNECTIONS, params={"limit": "x"}),
        "update unknown": payments.patch(
            f"{CONNECTIONS}/{unknown}", json=update_body(unknown, ["logs"])
        ),
        "update malformed": payments.patch(
            f"{CONNECTIONS}/malformed_id", json=update_body("malformed_id", ["logs"])
        ),
        "delete malformed": payments.delete(f"{CONNECTIONS}/malformed_id"),
        "no permission": api("hub-readonly").post(
            CONNECTIONS, json=connection_body(datadog_emulator.org_uuid("payments"))
        ),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "unknown sink": 404,
        "not allowed": 400,
        "invalid json": 400,
        "bad paging": 400,
        "update unknown": 404,
        "update malformed": 400,
        "delete malformed": 400,
        "no permission": 403,
    }
    assert answers["unknown sink"].json() == {"errors": ["Not found"]}
    assert answers["invalid json"].json() == {"errors": ["Validation failed for input."]}
    assert answers["update unknown"].json() == {
        "errors": [f"Org connection with id:{unknown} not found not found"]
    }
    assert answers["delete malformed"].json() == {"errors": ["connection id must be a valid uuid"]}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"DD-API-KEY": "emu-hub-api-key"},
        {"DD-API-KEY": "emu-hub-api-key", "DD-APPLICATION-KEY": "wrong"},
    ],
)
def test_missing_or_bad_keys_are_forbidden(datadog_emulator: Emulator, headers: dict):
    stranger = Api(datadog_emulator, headers)
    answers = [stranger.get(CONNECTIONS), stranger.get(DASHBOARDS), stranger.get("/api/v1/org")]
    stranger.close()
    assert [(r.status_code, r.json()) for r in answers] == [(403, FORBIDDEN)] * 3


def test_validate_needs_only_the_api_key(datadog_emulator: Emulator):
    url = f"{datadog_emulator.url}/api/v1/validate"
    good = requests.get(url, headers={"DD-API-KEY": "emu-edge-api-key"}, timeout=5)
    bad = requests.get(url, headers={"DD-API-KEY": "nope"}, timeout=5)
    assert (good.status_code, good.json()) == (200, {"valid": True})
    assert (bad.status_code, bad.json()) == (403, FORBIDDEN)


def test_org_list_statuses(api):
    orgs = api("globex").get("/api/v1/org")
    assert orgs.status_code == 200 and [o["name"] for o in orgs.json()["orgs"]] == ["Globex"]
    refused = api("hub-readonly").get("/api/v1/org")
    assert refused.status_code == 403 and "org_management" in refused.json()["errors"][0]


def test_dashboard_statuses_and_bodies(api):
    hub = api("hub")
    created = hub.post(DASHBOARDS, json=dashboard_body())
    board = created.json()
    path = f"{DASHBOARDS}/{board['id']}"
    answers = {
        "get": hub.get(path),
        "put": hub.put(path, json=dashboard_body("Renamed")),
        "list": hub.get(DASHBOARDS, params={"count": "10", "start": "0"}),
        "missing title": hub.post(DASHBOARDS, json={"layout_type": "ordered", "widgets": []}),
        "other org": api("payments").get(path),
        "readonly write": api("hub-readonly").post(DASHBOARDS, json=dashboard_body()),
        "delete": hub.delete(path),
        "deleted": hub.get(path),
    }
    assert created.status_code == 200
    assert {name: r.status_code for name, r in answers.items()} == {
        "get": 200,
        "put": 200,
        "list": 200,
        "missing title": 400,
        "other org": 404,
        "readonly write": 403,
        "delete": 200,
        "deleted": 404,
    }
    assert answers["get"].json() == board
    assert answers["put"].json()["url"].endswith("/renamed")
    assert [d["id"] for d in answers["list"].json()["dashboards"]] == [board["id"]]
    assert "title" in answers["missing title"].json()["errors"][0]
    assert answers["delete"].json() == {"deleted_dashboard_id": board["id"]}
    assert answers["deleted"].json() == {"errors": [f"Dashboard with ID {board['id']} not found"]}


def test_a_dashboard_with_two_orgs_in_one_query_is_a_bad_request(datadog_emulator, api):
    from tests.emulator.plain_http import timeseries_widget

    two = [datadog_emulator.org_uuid("payments"), datadog_emulator.org_uuid("search")]
    answer = api("hub").post(DASHBOARDS, json=dashboard_body(widgets=[timeseries_widget(two)]))
    assert answer.status_code == 400 and "cross_org_uuids" in answer.json()["errors"][0]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v2/nothing"), ("GET", f"{CONNECTIONS}/x/y"), ("PUT", CONNECTIONS)],
)
def test_unknown_routes_are_not_found(api, method: str, path: str):
    answer = api("hub").request(method, path)
    assert (answer.status_code, answer.json()) == (404, {"errors": ["Not found"]})


def test_connections_are_kept_alive_and_every_response_has_a_length(datadog_emulator: Emulator):
    # given one HTTP/1.1 connection
    host, port = datadog_emulator.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {"DD-API-KEY": "emu-hub-api-key", "DD-APPLICATION-KEY": "emu-hub-app-key"}
    # when several requests, successful or not, travel over it
    answers = []
    for method, path in (("GET", CONNECTIONS), ("DELETE", f"{CONNECTIONS}/x"), ("GET", "/nope")):
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        answers.append((response.status, response.getheader("Content-Length"), response.read()))
        sock = conn.sock
    # then the same socket served all of them, each with a Content-Length and JSON
    assert conn.sock is sock is not None
    assert [status for status, _, _ in answers] == [200, 400, 404]
    assert all(int(length) == len(body) and json.loads(body) for _, length, body in answers)
    conn.close()


def test_the_request_log_records_api_requests_but_not_control_ones(datadog_emulator, api):
    hub = api("hub")
    hub.get(CONNECTIONS, params={"limit": "5"})
    requests.get(f"{datadog_emulator.url}/_emulator/state", timeout=5)
    Api(datadog_emulator, {}).get(DASHBOARDS)
    records = datadog_emulator.requests
    assert [(r.method, r.path, r.query, r.status, r.key_pair) for r in records] == [
        ("GET", CONNECTIONS, {"limit": "5"}, 200, "hub"),
        ("GET", DASHBOARDS, {}, 403, None),
    ]
    assert records[0].org_uuid == datadog_emulator.org_uuid("hub")
    datadog_emulator.clear_requests()
    assert datadog_emulator.requests == []


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_only_loopback_hosts_are_accepted(host: str):
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host=host)


def test_localhost_binds_the_ipv4_loopback():
    with Emulator(host="localhost") as emu:
        assert emu.url.startswith("http://127.0.0.1:")
        assert requests.get(f"{emu.url}/api/v1/validate", timeout=5).status_code == 403


def test_the_ipv6_loopback_works_where_the_machine_has_it():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        emu = Emulator(host="::1").start()
    except OSError as error:
        pytest.skip(f"cannot bind ::1 here: {error}")
    try:
        assert emu.url.startswith("http://[::1]:")
        answer = requests.get(f"{emu.url}/api/v1/validate", timeout=5)
        assert answer.status_code == 403
    finally:
        emu.stop()


def test_stop_closes_kept_alive_connections_and_the_port(datadog_emulator_factory):
    emu = datadog_emulator_factory()
    hub = Api.as_pair(emu, "hub")
    assert hub.get(CONNECTIONS).status_code == 200  # a pooled keep-alive connection now
    url = emu.url
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/v1/validate", timeout=2)
    hub.close()


def test_keys_in_the_query_string_authenticate_as_datadog_documents(datadog_emulator: Emulator):
    # given the key pair of payments in the query string only, as Datadog's API pages show it
    keys = datadog_emulator.keys("payments")
    auth = {"api_key": keys.api_key, "application_key": keys.app_key}
    anonymous = Api(datadog_emulator, {})
    hub_uuid = datadog_emulator.org_uuid("hub")
    # when it creates, lists and deletes a connection, and validates its API key
    created = anonymous.post(CONNECTIONS, params=auth, json=connection_body(hub_uuid))
    listed = anonymous.get(CONNECTIONS, params=auth | {"sink_org_id": hub_uuid})
    cid = created.json()["data"]["id"]
    deleted = anonymous.delete(f"{CONNECTIONS}/{cid}", params=auth)
    valid = anonymous.get("/api/v1/validate", params={"api_key": keys.api_key})
    wrong = anonymous.get(CONNECTIONS, params={"api_key": keys.api_key, "application_key": "x"})
    anonymous.close()
    # then each is answered as with headers, and the keys never reach the request log
    assert [r.status_code for r in (created, listed, deleted, valid, wrong)] == [
        200,
        200,
        200,
        200,
        403,
    ]
    assert [c["id"] for c in listed.json()["data"]] == [cid]
    records = datadog_emulator.requests
    assert [r.key_pair for r in records] == ["payments"] * 3 + [None, None]  # validate: no pair
    assert records[3].org_uuid == datadog_emulator.org_uuid("payments")
    assert all("api_key" not in r.query and "application_key" not in r.query for r in records)
    assert records[1].query == {"sink_org_id": hub_uuid}
