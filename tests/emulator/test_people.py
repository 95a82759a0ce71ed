"""Users are people or service accounts, orgs carry plan, site, account and HIPAA: what a
listing's `included` entries say of them, and what deactivating a person does."""

from __future__ import annotations

from typing import Any

import requests

from datadog_crossorg.emulator import Backend, Emulator, load_seed
from datadog_crossorg.emulator.seed import build_world, dump_world

HEADERS = {"DD-API-KEY": "emu-payments-api-key", "DD-APPLICATION-KEY": "emu-payments-app-key"}


def included(emu: Emulator) -> dict[tuple[str, str], dict[str, Any]]:
    body = requests.get(f"{emu.url}/api/v2/org_connections", headers=HEADERS, timeout=10).json()
    return {(e["type"], e["attributes"].get("handle") or e["attributes"]["name"]): e
            for e in body.get("included", [])}  # fmt: skip


def seeded(*connections: dict[str, Any], inactive: str | None = None) -> dict[str, Any]:
    seed = load_seed()
    for account in seed["accounts"]:
        for org in account["orgs"]:
            for user in org.get("users") or []:
                if user["handle"] == inactive:
                    user["active"] = False
    seed["connections"] = list(connections)
    return seed


def test_a_service_account_and_a_disabled_person_read_as_such(datadog_emulator_factory):
    emu = datadog_emulator_factory(
        seed=seeded(
            {"source": "Acme Payments", "sink": "Acme Hub", "connection_types": ["metrics"],
             "created_by": "crossorg-sa@acme.example"},
            {"source": "Acme Payments", "sink": "Acme Search", "connection_types": ["metrics"],
             "created_by": "quinn@acme.example"},
            inactive="quinn@acme.example",
        )
    )  # fmt: skip
    entries = included(emu)
    robot = entries[("users", "crossorg-sa@acme.example")]["attributes"]
    quinn = entries[("users", "quinn@acme.example")]["attributes"]
    assert (robot["service_account"], robot["disabled"], robot["status"]) == (True, False, "Active")
    assert (quinn["service_account"], quinn["disabled"], quinn["status"]) == (
        False,
        True,
        "Disabled",
    )
    search = entries[("orgs", "Acme Search")]["attributes"]
    assert list(search) == ["public_id", "name", "description", "sharing", "url", "disabled",
                            "created_at", "modified_at"]  # fmt: skip


def test_deactivating_a_person_deletes_what_they_created_and_nothing_else(datadog_emulator):
    emu = datadog_emulator
    for pair, sink in (("payments", "hub"), ("payments-sa", "search")):
        keys = emu.keys(pair)
        headers = {"DD-API-KEY": keys.api_key, "DD-APPLICATION-KEY": keys.app_key}
        body = {"data": {"type": "org_connection", "attributes": {"connection_types": ["metrics"]},
                "relationships": {"sink_org": {"data": {"type": "orgs",
                                                        "id": emu.org_uuid(sink)}}}}}  # fmt: skip
        assert requests.post(f"{emu.url}/api/v2/org_connections", json=body, headers=headers,
                             timeout=10).status_code == 200  # fmt: skip
    gone = emu.deactivate_user("pat@acme.example")
    left = emu.connections()
    assert len(gone) == 1 and [c["relationships"]["created_by"]["data"]["name"] for c in left] == [
        "Crossorg Service Account"
    ]


def test_the_new_facts_survive_a_state_round_trip():
    world = Backend().snapshot()
    again = dump_world(build_world(world))
    assert again == world
    search = next(o for a in again["accounts"] for o in a["orgs"] if o["name"] == "Acme Search")
    assert search["hipaa"] is True
    users = {u["handle"]: u for a in again["accounts"] for o in a["orgs"] for u in o["users"]}
    assert users["crossorg-sa@acme.example"]["service_account"] is True
