"""Replay the cassettes Terraform's provider recorded against real Datadog on the emulator.

tests/fixtures/datadog-api/recorded-terraform/ holds go-vcr cassettes (create, filtered lists,
update, delete) of `DataDog/terraform-provider-datadog`. The emulator is seeded with the recorded
orgs and user, facts and all (public_id, timestamps, the user's handle and email); each request is
sent as recorded and the answer must match the recording field for field and in key order,
the listing's `included` org and user entries included. Ids the server generates are mapped as in
test_recorded_replay.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import yaml

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.emulator import Emulator
from tests.emulator.test_recorded_replay import SINK, replay, replay_seed
from tests.support.paths import RECORDED_API

CASSETTES = sorted((RECORDED_API / "recorded-terraform").glob("*.yaml"))
assert CASSETTES, "no Terraform cassettes in tests/fixtures/datadog-api/recorded-terraform"
FROG = "3ad549bf-eba0-11e9-a77a-0705486660d0"


def terraform_seed() -> dict[str, Any]:
    """The recorded world: the replay's orgs, with the recordings' `included` entries as facts."""
    seed = replay_seed("frog@datadoghq.com", "frog")
    source, sink = seed["accounts"][0]["orgs"]
    source.update(
        public_id="fasjyydbcgwwc2uc",
        created="2019-08-13 19:50:19",
        created_at="2019-08-13T19:50:19.001015+00:00",
        modified_at="2022-03-21T13:04:08.711734+00:00",
    )
    source["users"][0].update(
        id=FROG,
        email="frog@datadoghq.com",
        created_at="2019-10-02T08:15:39.795051+00:00",
        modified_at="2025-08-29T13:19:45.978541+00:00",
    )
    sink.update(created="2025-08-22 20:35:17", created_at="2025-08-22T20:35:17.315307+00:00")
    return seed


def interactions(cassette: Path) -> list[dict[str, Any]]:
    """(method, path, query, body, status, answer) of each recorded interaction."""
    recorded = yaml.safe_load(cassette.read_text())["interactions"]
    out = []
    for item in recorded:
        url = urlsplit(item["request"]["url"])
        body = item["request"]["body"]
        answer = item["response"]["body"]
        out.append(
            {
                "method": item["request"]["method"],
                "path": url.path,
                "query": dict(parse_qsl(url.query, keep_blank_values=True)),
                "request_body": json.loads(body) if body else None,
                "status": item["response"]["code"],
                "response_body": json.loads(answer) if answer.strip() else None,
            }
        )
    return out


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.stem)
def test_terraform_cassette_replays_field_for_field(cassette: Path):
    replay(cassette.name, interactions(cassette), terraform_seed(), ordered=True)


def test_the_cassettes_hold_a_non_empty_filtered_list_with_included_users():
    lists = [
        i
        for c in CASSETTES
        for i in interactions(c)
        if i["method"] == "GET" and i["query"].get("sink_org_id") and i["response_body"]["data"]
    ]
    assert lists
    users = [e for i in lists for e in i["response_body"]["included"] if e["type"] == "users"]
    assert {"service_account", "disabled", "status", "handle"} <= set(users[0]["attributes"])


@pytest.mark.parametrize("sink_filter", ["", "not-a-uuid"])
def test_an_empty_or_non_uuid_sink_filter_matches_nothing(sink_filter: str):
    """What the API notes say: 200, no data, no `included`, the unfiltered total kept."""
    with Emulator(seed=terraform_seed()) as emu:
        with DatadogClient("replay-api-key", "replay-app-key", emu.url) as client:
            client.create_connection(SINK, ["logs"])
        answer = requests.get(
            f"{emu.url}/api/v2/org_connections",
            params={"sink_org_id": sink_filter},
            headers={"DD-API-KEY": "replay-api-key", "DD-APPLICATION-KEY": "replay-app-key"},
            timeout=10,
        )
    assert answer.status_code == 200
    assert answer.json() == {
        "data": [],
        "meta": {"page": {"total_count": 1, "total_filtered_count": 0}},
    }
