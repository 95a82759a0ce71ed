"""Replay every recorded restriction-policy and timeseries interaction against the emulator.

Each file of tests/fixtures/datadog-api/recorded-access/ is one scenario, replayed on a fresh emulator
seeded with the recording's org (whose UUID the recorded `org:` principal names) and with the
recorded metric points, so every body must come back byte for byte: same values, same key
order. A 204 must carry no body at all, and a recorded `response_headers` entry must match.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from datadog_crossorg.emulator import Emulator
from tests.support.paths import RECORDED_API

RECORDED = RECORDED_API / "recorded-access"
FILES = sorted(RECORDED.glob("*.json"))
assert FILES, f"no recorded traffic at {RECORDED}"

ORG = "4dee724d-00cc-11ea-a77b-570c9d03c6c5"  # the recording's org, named by `org:` principals
USER = "03e6bc43-7ecc-11f0-b50b-f28f2be41840"
PERMISSIONS = [
    "org_connections_read",
    "org_connections_write",
    "dashboards_read",
    "dashboards_write",
    "org_management",
    "timeseries_query",
]


def recorded_points(interactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The metric points a timeseries recording answered, as seed series of the org."""
    series = []
    for interaction in interactions:
        if interaction["path"] != "/api/v2/query/timeseries" or interaction["status"] != 200:
            continue
        request = interaction["request_body"]["data"]["attributes"]
        answer = interaction["response_body"]["data"]["attributes"]
        for query, values in zip(request["queries"], answer["values"], strict=True):
            metric = query["query"].split(":", 1)[1].split("{", 1)[0]
            points = [list(p) for p in zip(answer["times"], values, strict=True)]
            series.append({"org": ORG, "name": metric, "points": points})
    return series


def replay_seed(interactions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "accounts": [
            {
                "name": "datadog-integration-tests",
                "orgs": [
                    {
                        "name": "DD Integration Tests (321813)",
                        "uuid": ORG,
                        "users": [{"id": USER, "name": "Example User", "handle": "u@example.com"}],
                        "key_pairs": [
                            {
                                "name": "recorded",
                                "user": "u@example.com",
                                "api_key": "replay-api-key",
                                "app_key": "replay-app-key",
                                "permissions": PERMISSIONS,
                            }
                        ],
                    }
                ],
            }
        ],
        "series": recorded_points(interactions),
    }


@pytest.mark.parametrize("recording", FILES, ids=lambda p: p.stem)
def test_recorded_access_interaction_replays_byte_for_byte(recording: Path) -> None:
    interactions = json.loads(recording.read_text())["interactions"]
    session = requests.Session()
    session.headers.update({"DD-API-KEY": "replay-api-key", "DD-APPLICATION-KEY": "replay-app-key"})
    with Emulator(seed=replay_seed(interactions)) as emu:
        for index, recorded in enumerate(interactions):
            where = f"{recording.name}#{index} {recorded['method']} {recorded['path']}"
            # when the recorded request is sent
            answer = session.request(
                recorded["method"],
                emu.url + recorded["path"],
                params=recorded["query"],
                json=recorded["request_body"],
                timeout=10,
            )
            # then status, headers and body are what Datadog sent
            assert answer.status_code == recorded["status"], f"{where}: {answer.text}"
            for name, value in (recorded.get("response_headers") or {}).items():
                assert answer.headers.get(name) == value, f"{where}: header {name}"
            if recorded["response_body"] is None:
                assert answer.content == b"", where
            else:
                assert json.dumps(answer.json()) == json.dumps(recorded["response_body"]), where
    session.close()


def test_the_access_replay_covers_get_post_delete_and_the_query() -> None:
    calls = {
        (i["method"], i["path"].split("/")[3], i["status"])
        for path in FILES
        for i in json.loads(path.read_text())["interactions"]
    }
    assert {
        ("GET", "restriction_policy", 200),
        ("POST", "restriction_policy", 200),
        ("POST", "restriction_policy", 400),
        ("DELETE", "restriction_policy", 204),
        ("POST", "query", 200),
    } <= calls
