"""Records built from Datadog's JSON as recorded: names from relationships or from `included`."""

from __future__ import annotations

import json

from datadog_crossorg.client import Connection, Org
from tests.support.paths import RECORDED_API

RECORDED = RECORDED_API / "recorded"
SRC, SINK, USER = "4dee724d-src", "83999dcd-sink", "03e6bc43-user"


def _recorded(name: str, index: int) -> dict:
    interactions = json.loads((RECORDED / f"{name}.json").read_text())["interactions"]
    return interactions[index]["response_body"]


def _bare(conn_id: str = "c1", types: list[str] | None = None) -> dict:
    """A connection object whose relationships carry ids only (as a PATCH answer does)."""
    rel = {
        "source_org": {"data": {"type": "orgs", "id": SRC}},
        "sink_org": {"data": {"type": "orgs", "id": SINK}},
        "created_by": {"data": {"type": "users", "id": USER}},
    }
    return {
        "id": conn_id,
        "type": "org_connection",
        "attributes": {"created_at": "2025-08-26T20:19:36+00:00", "connection_types": types or []},
        "relationships": rel,
    }


def test_create_answer_gives_names_from_relationships_and_sorted_types() -> None:
    body = _recorded("create_org_connection_returns_ok_response", 0)
    body["data"]["attributes"]["connection_types"] = ["metrics", "logs"]
    conn = Connection.from_api(body["data"])
    assert conn.id == "40bbb1c2-32b2-4aa3-8a1a-5d93b5382e3d"
    assert conn.connection_types == ("logs", "metrics")
    assert conn.source_org_name == "DD Integration Tests (321813)"
    assert conn.sink_org_name == "Cross-Org BDD Test Org"
    assert conn.created_by_name == "Example User"
    assert conn.created_at == "2025-08-26T20:19:36.177236+00:00"


def test_patch_answer_without_names_gives_none_names() -> None:
    body = _recorded("update_org_connection_returns_ok_response", 1)
    conn = Connection.from_api(body["data"])
    assert conn.connection_types == ("logs", "metrics")
    assert (conn.source_org_name, conn.sink_org_name, conn.created_by_name) == (None, None, None)
    assert conn.created_by_id == "03e6bc43-7ecc-11f0-b50b-f28f2be41840"


def test_list_included_array_fills_names_missing_from_relationships() -> None:
    included = [
        {"type": "orgs", "id": SRC, "attributes": {"name": "Source Org"}},
        {"type": "orgs", "id": SINK, "attributes": {"name": "Sink Org"}},
        {"type": "users", "id": USER, "attributes": {"name": "Uma User"}},
    ]
    conn = Connection.from_api(_bare(types=["audit"]), included)
    assert (conn.source_org_name, conn.sink_org_name, conn.created_by_name) == (
        "Source Org",
        "Sink Org",
        "Uma User",
    )


def test_included_lookup_matches_type_as_well_as_id() -> None:
    included = [{"type": "users", "id": SRC, "attributes": {"name": "not an org"}}]
    assert Connection.from_api(_bare(), included).source_org_name is None


def test_org_from_api_keeps_public_id_name_description_created() -> None:
    org = Org.from_api(
        {"public_id": "abc", "name": "Acme", "description": None, "created": "2019-08-13 19:50:19"}
    )
    assert org == Org("abc", "Acme", None, "2019-08-13 19:50:19")
