"""Seeds (validation, pre-existing connections and dashboards) and the state file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.emulator import Backend, Emulator, SeedError, default_seed_path, load_seed
from tests.emulator.plain_http import CONNECTIONS, DASHBOARDS, Api, connection_body, dashboard_body


def test_the_default_seed_file_is_the_default_world():
    assert load_seed() == json.loads(default_seed_path().read_text())
    assert set(Backend().key_pairs) == {
        "hub",
        "hub-readonly",
        "payments",
        "payments-sa",
        "search",
        "edge",
        "eu",
        "globex",
    }


def test_load_seed_returns_a_copy_the_caller_may_change():
    seed = load_seed()
    seed["accounts"].clear()
    assert load_seed()["accounts"]


def _broken(change) -> dict[str, Any]:
    seed = load_seed()
    change(seed)
    return seed


HUB = 0


@pytest.mark.parametrize(
    ("seed", "complaint"),
    [
        (_broken(lambda s: s.update(accounts=[])), "accounts"),
        (_broken(lambda s: s["accounts"][0]["orgs"][HUB].update(uuid="nope")), "uuid"),
        (_broken(lambda s: s["accounts"][0]["orgs"][1].update(name="Acme Hub")), "twice"),
        (_broken(lambda s: s["accounts"][0]["orgs"][HUB].update(site="mars")), "site"),
        (
            _broken(lambda s: s["accounts"][0]["orgs"][HUB]["key_pairs"][0].update(user="x@y")),
            "no user",
        ),
        (
            _broken(
                lambda s: s["accounts"][0]["orgs"][HUB]["key_pairs"][0].update(permissions=["root"])
            ),
            "unknown permissions",
        ),
        (
            _broken(
                lambda s: s["accounts"][0]["orgs"][1]["key_pairs"][0].update(
                    api_key="emu-hub-api-key"
                )
            ),
            "another org",
        ),
        (
            _broken(
                lambda s: s.update(
                    connections=[
                        {"source": "Acme Hub", "sink": "Globex", "connection_types": ["logs"]}
                    ]
                )
            ),
            "not allowed",
        ),
        (
            _broken(
                lambda s: s.update(
                    connections=[
                        {"source": "Acme Hub", "sink": "Nowhere", "connection_types": ["logs"]}
                    ]
                )
            ),
            "unknown org",
        ),
        (
            _broken(lambda s: s.update(dashboards=[{"org": "Acme Hub", "title": "t"}])),
            "layout_type",
        ),
        (
            _broken(lambda s: s.update(rate_limits={"everything": {"limit": 1, "period": 1}})),
            "group",
        ),
    ],
)
def test_a_broken_seed_is_refused_naming_the_problem(seed: dict, complaint: str):
    with pytest.raises(SeedError, match=complaint):
        load_seed(seed)


def test_an_unreadable_seed_file_is_a_seed_error(tmp_path: Path):
    path = tmp_path / "seed.json"
    path.write_text("{not json")
    with pytest.raises(SeedError, match="cannot read seed"):
        load_seed(path)


def test_seeded_connections_and_dashboards_are_served():
    seed = load_seed()
    seed["connections"] = [
        {
            "id": "1d6e1a39-7a5f-4e7b-9d55-5f0b3c1b9c11",
            "source": "Acme Payments",
            "sink": "Acme Hub",
            "connection_types": ["logs", "metrics"],
            "created_by": "pat@acme.example",
        }
    ]
    seed["dashboards"] = [{"org": "Acme Hub", **dashboard_body("Seeded board")}]
    with Emulator(seed=seed) as emu:
        hub = Api.as_pair(emu, "hub")
        listed = hub.get(CONNECTIONS).json()["data"]
        boards = hub.get(DASHBOARDS).json()["dashboards"]
        hub.close()
    assert [c["id"] for c in listed] == ["1d6e1a39-7a5f-4e7b-9d55-5f0b3c1b9c11"]
    assert listed[0]["relationships"]["created_by"]["data"]["name"] == "Pat Payments"
    assert [b["title"] for b in boards] == ["Seeded board"]
    assert boards[0]["author_handle"] == "hana@acme.example"


def test_a_snapshot_rebuilds_the_same_world(backend: Backend):
    hub = backend.key_pairs["hub"]
    backend.create_connection(backend.key_pairs["payments"], connection_body(hub.org_uuid))
    backend.create_dashboard(hub, dashboard_body())
    backend.deactivate_user("eli@acme.example", revoke_keys=True)
    snapshot = backend.snapshot()
    assert Backend(snapshot).snapshot() == snapshot


def test_state_survives_a_restart(tmp_path: Path):
    # given an emulator with a state file, and a connection and a dashboard made over HTTP
    state = tmp_path / "state" / "emulator.json"
    with Emulator(state_file=state) as emu:
        payments = Api.as_pair(emu, "payments")
        made = payments.post(CONNECTIONS, json=connection_body(emu.org_uuid("hub"))).json()
        board = payments.post(DASHBOARDS, json=dashboard_body()).json()
        payments.close()
    # when a new emulator starts on the same state file
    with Emulator(state_file=state) as again:
        payments = Api.as_pair(again, "payments")
        listed = payments.get(CONNECTIONS).json()["data"]
        fetched = payments.get(f"{DASHBOARDS}/{board['id']}").json()
        payments.close()
    # then both are still there, unchanged
    assert listed == [made["data"]]
    assert fetched == board


def test_the_state_file_is_saved_after_each_change_without_temp_files(tmp_path: Path):
    state = tmp_path / "emulator.json"
    backend = Backend(state_file=state)
    assert json.loads(state.read_text())["connections"] == []
    payments = backend.key_pairs["payments"]
    made = backend.create_connection(payments, connection_body(backend.org_uuid("hub")))
    assert [c["id"] for c in json.loads(state.read_text())["connections"]] == [made["data"]["id"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emulator.json"]


def test_reset_returns_to_the_seed_and_rewrites_the_state_file(tmp_path: Path):
    state = tmp_path / "emulator.json"
    backend = Backend(state_file=state)
    backend.create_connection(
        backend.key_pairs["payments"], connection_body(backend.org_uuid("hub"))
    )
    backend.reset()
    assert backend.connections() == []
    assert json.loads(state.read_text())["connections"] == []


def test_a_corrupt_state_file_is_refused(tmp_path: Path):
    state = tmp_path / "emulator.json"
    state.write_text("{")
    with pytest.raises(SeedError, match="state file"):
        Backend(state_file=state)
