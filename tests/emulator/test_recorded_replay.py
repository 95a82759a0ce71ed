"""Replay every recorded Datadog interaction against the emulator.

Each file of tests/fixtures/datadog-api/recorded/ is one scenario, replayed on a fresh emulator seeded
with the recorded orgs and user. Ids the server generates differ from the recording: a recorded
id is mapped to the one the emulator returned, in later paths, bodies and expectations. Then the
status must be the same, and the body the same value for value, except timestamps (same format)
and widget ids (any 53-bit int); `is_read_only` (deprecated) may be absent. Key order must match
too, except in one 2022 recording whose client reordered keys (even inside the echoed request).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from datadog_crossorg.emulator import Emulator
from tests.support.paths import RECORDED_API

RECORDED = RECORDED_API / "recorded"
FILES = sorted(RECORDED.glob("*.json"))
assert FILES, f"no recorded traffic at {RECORDED}"

SOURCE = "4dee724d-00cc-11ea-a77b-570c9d03c6c5"
SINK = "83999dcd-7f97-11f0-8de1-1ecf66f1aa85"
USER = "03e6bc43-7ecc-11f0-b50b-f28f2be41840"
ALL_PERMISSIONS = [
    "org_connections_read",
    "org_connections_write",
    "dashboards_read",
    "dashboards_write",
    "org_management",
]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
OPTIONAL = frozenset({"is_read_only"})
KEYS_REORDERED_BY_RECORDER = frozenset({"get_a_dashboard_returns_author_name.json"})


def replay_seed(handle: str, name: str | None) -> dict[str, Any]:
    """The recorded world: the source org with the recording's user, and the sink org."""
    return {
        "accounts": [
            {
                "name": "datadog-integration-tests",
                "orgs": [
                    {
                        "name": "DD Integration Tests (321813)",
                        "uuid": SOURCE,
                        "created": "2019-11-06 13:58:40",
                        "users": [{"id": USER, "name": name, "handle": handle}],
                        "key_pairs": [
                            {
                                "name": "recorded",
                                "user": handle,
                                "api_key": "replay-api-key",
                                "app_key": "replay-app-key",
                                "permissions": ALL_PERMISSIONS,
                            }
                        ],
                    },
                    {
                        "name": "Cross-Org BDD Test Org",
                        "uuid": SINK,
                        "created": "2025-08-21 12:00:00",
                        "users": [],
                        "key_pairs": [],
                    },
                ],
            }
        ]
    }


def recorded_author(interactions: list[dict[str, Any]]) -> tuple[str, str | None]:
    """Dashboard recordings were made by different users: seed the one that made this one."""
    for interaction in interactions:
        body = interaction["response_body"]
        if isinstance(body, dict) and "author_handle" in body:
            return body["author_handle"], body["author_name"]
    return "user@example.com", "Example User"


def substitute(value: Any, mapping: dict[str, str]) -> Any:
    text = json.dumps(value)
    for recorded, actual in mapping.items():
        text = text.replace(recorded, actual)
    return json.loads(text)


def created_id(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return data["id"]
    return body["id"] if isinstance(body.get("id"), str) else None


def assert_same_shape(expected: Any, actual: Any, where: str, ordered: bool) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        keys = [k for k in expected if k not in OPTIONAL]
        if ordered:
            assert list(actual) == keys, f"{where}: keys"
        else:
            assert set(actual) == set(keys), f"{where}: keys"
        for key in keys:
            value, got = expected[key], actual[key]
            if key in ("created_at", "modified_at") and isinstance(value, str):
                assert TIMESTAMP.match(got), f"{where}.{key}: {got!r}"
            elif key == "id" and isinstance(value, int):
                assert isinstance(got, int) and 0 < got < 2**53, f"{where}.id: {got!r}"
            else:
                assert_same_shape(value, got, f"{where}.{key}", ordered)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for index, (value, got) in enumerate(zip(expected, actual, strict=True)):
            assert_same_shape(value, got, f"{where}[{index}]", ordered)
    else:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"


def replay(
    name: str, interactions: list[dict[str, Any]], seed: dict[str, Any], ordered: bool
) -> None:
    """Send each recorded request to a fresh emulator seeded with `seed`; each answer must have
    the recorded status and body (ids the server generates mapped, see the module doc)."""
    mapping: dict[str, str] = {}
    session = requests.Session()
    session.headers.update({"DD-API-KEY": "replay-api-key", "DD-APPLICATION-KEY": "replay-app-key"})
    with Emulator(seed=seed) as emu:
        for index, recorded in enumerate(interactions):
            where = f"{name}#{index} {recorded['method']} {recorded['path']}"
            interaction = substitute(recorded, mapping)
            answer = session.request(
                interaction["method"],
                emu.url + interaction["path"],
                params=interaction["query"],
                json=interaction["request_body"],
                timeout=10,
            )
            assert answer.status_code == recorded["status"], f"{where}: {answer.text}"
            body = answer.json()
            recorded_id, actual_id = created_id(recorded["response_body"]), created_id(body)
            if recorded["method"] == "POST" and recorded_id and actual_id:
                mapping[recorded_id] = actual_id
            expected = substitute(recorded["response_body"], mapping)
            assert_same_shape(expected, body, where, ordered)
    session.close()


@pytest.mark.parametrize("recording", FILES, ids=lambda p: p.stem)
def test_recorded_interaction_replays_with_the_same_status_and_shape(recording: Path):
    interactions = json.loads(recording.read_text())["interactions"]
    ordered = recording.name not in KEYS_REORDERED_BY_RECORDER
    replay(recording.name, interactions, replay_seed(*recorded_author(interactions)), ordered)


def test_the_replay_covers_every_recorded_status():
    statuses = {
        (i["method"], i["status"])
        for path in FILES
        for i in json.loads(path.read_text())["interactions"]
    }
    assert {
        ("POST", 400),
        ("POST", 404),
        ("POST", 409),
        ("PATCH", 404),
        ("DELETE", 404),
    } <= statuses
