"""Org-connection rules, on the Backend directly (no HTTP)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from datadog_crossorg.emulator import ApiError, Backend, load_seed
from tests.emulator.plain_http import connection_body, update_body


def kp(backend: Backend, name: str):
    return backend.key_pairs[name]


def error_of(call, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def create(backend: Backend, source: str, sink: str, types: list[str] | None = None) -> dict:
    body = connection_body(backend.org_uuid(sink), types)
    return backend.create_connection(kp(backend, source), body)["data"]


# -- create ------------------------------------------------------------------------------------
def test_create_from_source_answers_the_connection_with_names_and_creator(backend: Backend):
    # given the payments key pair (user Pat Payments)
    # when payments shares logs and metrics with the hub
    conn = create(backend, "payments", "hub", ["logs", "metrics"])
    # then the answer names both orgs and the key pair's user
    assert conn["type"] == "org_connection"
    assert conn["attributes"]["connection_types"] == ["logs", "metrics"]
    assert conn["relationships"]["source_org"]["data"] == {
        "type": "orgs",
        "id": backend.org_uuid("Acme Payments"),
        "name": "Acme Payments",
    }
    assert conn["relationships"]["sink_org"]["data"]["name"] == "Acme Hub"
    assert conn["relationships"]["created_by"]["data"] == {
        "type": "users",
        "id": kp(backend, "payments").user_id,
        "name": "Pat Payments",
    }
    assert backend.connections() == [conn]


@pytest.mark.parametrize("sink", ["nonexistent-org-id", "00000000-0000-0000-0000-000000000000"])
def test_create_to_an_unknown_sink_is_not_found(backend: Backend, sink: str):
    error = error_of(backend.create_connection, kp(backend, "payments"), connection_body(sink))
    assert (error.status, error.body()) == (404, {"errors": ["Not found"]})


def test_create_to_an_org_of_another_account_is_not_found(backend: Backend):
    error = error_of(create, backend, "payments", "globex")
    assert (error.status, error.body()) == (404, {"errors": ["Not found"]})


@pytest.mark.parametrize(
    ("sink", "types"),
    [
        ("eu", ["logs"]),  # another site
        ("payments", ["logs"]),  # itself
        ("hub", ["logs", "logs"]),  # duplicate (recorded)
        ("hub", []),
        ("hub", ["traces"]),
    ],
)
def test_create_that_datadog_does_not_allow_is_a_bad_request(backend, sink, types):
    error = error_of(create, backend, "payments", sink, types)
    source, target = backend.org_uuid("payments"), backend.org_uuid(sink)
    assert error.status == 400
    assert error.body() == {
        "errors": [f"connection between orgs {source} and {target} is not allowed"]
    }
    assert backend.connections() == []


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.clear(),
        lambda b: b["data"].update(type="connection"),
        lambda b: b["data"]["attributes"].update(connection_types="logs"),
        lambda b: b["data"]["attributes"].update(connection_types=[1]),
        lambda b: b["data"].pop("relationships"),
        lambda b: b["data"]["relationships"]["sink_org"]["data"].update(id=7),
    ],
)
def test_create_with_a_malformed_body_fails_validation(backend: Backend, mutate):
    body = connection_body(backend.org_uuid("hub"))
    mutate(body)
    error = error_of(backend.create_connection, kp(backend, "payments"), body)
    assert (error.status, error.body()) == (400, {"errors": ["Validation failed for input."]})


def test_create_twice_conflicts_but_the_reverse_direction_is_a_new_connection(backend: Backend):
    create(backend, "payments", "hub")
    error = error_of(create, backend, "payments", "hub", ["metrics"])
    payments, hub = backend.org_uuid("payments"), backend.org_uuid("hub")
    assert error.status == 409
    assert error.body() == {
        "errors": [f"connection between orgs {payments} and {hub} already exists"]
    }
    reverse = create(backend, "hub", "payments")
    assert reverse["relationships"]["source_org"]["data"]["id"] == hub
    assert len(backend.connections()) == 2


def test_create_without_the_write_permission_is_forbidden_naming_it(backend: Backend):
    error = error_of(create, backend, "hub-readonly", "payments")
    assert error.status == 403
    assert "org_connections_write" in error.message


def _world_with_a_pro_org(partners: int) -> dict:
    seed = copy.deepcopy(load_seed())
    orgs = seed["accounts"][0]["orgs"]
    template = orgs[1]
    for index in range(partners):
        org = copy.deepcopy(template)
        org["name"] = f"Extra {index}"
        org["uuid"] = f"00000000-0000-4000-8000-{index:012d}"
        user = {"id": f"user-extra-{index}", "name": None, "handle": f"x{index}@acme.example"}
        org["users"] = [user]
        org["key_pairs"] = [
            {
                **template["key_pairs"][0],
                "name": f"extra{index}",
                "user": user["handle"],
                "api_key": f"api-{index}",
                "app_key": f"app-{index}",
            }
        ]
        orgs.append(org)
    return seed


def test_a_non_enterprise_org_may_connect_to_at_most_five_other_orgs():
    # given Acme Edge (plan pro) connected to five orgs, as source and as sink
    backend = Backend(_world_with_a_pro_org(partners=4))
    for sink in ("hub", "extra0", "extra1"):
        create(backend, "edge", sink)
    for source in ("extra2", "extra3"):
        create(backend, source, "edge")
    # when a sixth org is connected, in either direction
    as_source = error_of(create, backend, "edge", "payments")
    as_sink = error_of(create, backend, "payments", "edge")
    # then both are refused, and a second connection with an existing partner is still fine
    assert as_source.status == as_sink.status == 400
    assert "not on an Enterprise plan" in as_source.message
    create(backend, "hub", "edge")
    assert len(backend.connections()) == 6


# -- list --------------------------------------------------------------------------------------
def test_list_shows_every_connection_of_the_org_as_source_or_sink(backend: Backend):
    create(backend, "payments", "hub")
    create(backend, "hub", "search")
    create(backend, "search", "edge")
    listed = backend.list_connections(kp(backend, "hub"), {})
    assert [c["relationships"]["sink_org"]["data"]["name"] for c in listed["data"]] == [
        "Acme Hub",
        "Acme Search",
    ]
    assert listed["meta"] == {"page": {"total_count": 2, "total_filtered_count": 2}}


def test_list_filters_by_sink_and_source_and_counts_before_and_after(backend: Backend):
    create(backend, "payments", "hub")
    create(backend, "search", "hub")
    create(backend, "hub", "search")
    hub, search = backend.org_uuid("hub"), backend.org_uuid("search")
    listed = backend.list_connections(
        kp(backend, "hub"), {"sink_org_id": hub, "source_org_id": search}
    )
    assert [c["relationships"]["source_org"]["data"]["id"] for c in listed["data"]] == [search]
    assert listed["meta"]["page"] == {"total_count": 3, "total_filtered_count": 1}


def test_list_pages_with_limit_and_offset(backend: Backend):
    for source in ("payments", "search", "edge"):
        create(backend, source, "hub")
    hub = kp(backend, "hub")
    everything = [c["id"] for c in backend.list_connections(hub, {})["data"]]
    page = backend.list_connections(hub, {"limit": "1", "offset": "1"})
    assert [c["id"] for c in page["data"]] == everything[1:2]
    assert page["meta"]["page"]["total_filtered_count"] == 3


@pytest.mark.parametrize("query", [{"limit": "ten"}, {"offset": "-1"}, {"limit": ""}])
def test_list_with_malformed_paging_is_a_bad_request(backend: Backend, query: dict):
    assert error_of(backend.list_connections, kp(backend, "hub"), query).status == 400


def test_list_includes_referenced_orgs_and_users_only_when_not_empty(backend: Backend):
    hub = kp(backend, "hub")
    assert "included" not in backend.list_connections(hub, {})
    create(backend, "payments", "hub")
    included = backend.list_connections(hub, {})["included"]
    assert [(i["type"], i["attributes"]["name"]) for i in included] == [
        ("orgs", "Acme Payments"),
        ("orgs", "Acme Hub"),
        ("users", "Pat Payments"),
    ]


def test_list_needs_the_read_permission(backend: Backend):
    seed = load_seed()
    seed["accounts"][0]["orgs"][0]["key_pairs"][1]["permissions"] = ["dashboards_read"]
    restricted = Backend(seed)
    error = error_of(restricted.list_connections, kp(restricted, "hub-readonly"), {})
    assert error.status == 403 and "org_connections_read" in error.message


# -- update ------------------------------------------------------------------------------------
def test_update_changes_the_types_and_answers_without_names(backend: Backend):
    conn = create(backend, "payments", "hub")
    updated = backend.update_connection(
        kp(backend, "payments"), conn["id"], update_body(conn["id"], ["logs", "metrics"])
    )["data"]
    assert updated["attributes"] == {
        "created_at": conn["attributes"]["created_at"],
        "connection_types": ["logs", "metrics"],
    }
    assert updated["relationships"]["source_org"]["data"] == {
        "type": "orgs",
        "id": backend.org_uuid("payments"),
    }
    assert "name" not in updated["relationships"]["created_by"]["data"]
    assert backend.connections()[0]["attributes"]["connection_types"] == ["logs", "metrics"]


def test_update_errors(backend: Backend):
    conn = create(backend, "payments", "hub")
    payments, cid = kp(backend, "payments"), conn["id"]
    unknown = "00000000-0000-0000-0000-000000000000"
    cases = {
        "malformed id": (payments, "malformed_id", update_body("malformed_id", ["logs"])),
        "unknown id": (payments, unknown, update_body(unknown, ["logs"])),
        "not a party": (kp(backend, "search"), cid, update_body(cid, ["logs"])),
        "sink side": (kp(backend, "hub"), cid, update_body(cid, ["metrics"])),
        "duplicate types": (payments, cid, update_body(cid, ["logs", "logs"])),
        "empty types": (payments, cid, update_body(cid, [])),
        "unknown type": (payments, cid, update_body(cid, ["traces"])),
        "id mismatch": (payments, cid, update_body(unknown, ["metrics"])),
        "not json:api": (payments, cid, {"connection_types": ["logs"]}),
    }
    seen = {name: error_of(backend.update_connection, *args) for name, args in cases.items()}
    assert {name: e.status for name, e in seen.items()} == {
        "malformed id": 400,
        "unknown id": 404,
        "not a party": 404,
        "sink side": 403,
        "duplicate types": 400,
        "empty types": 400,
        "unknown type": 400,
        "id mismatch": 400,
        "not json:api": 400,
    }
    assert seen["malformed id"].message == "connection id must be a valid uuid"
    assert seen["unknown id"].message == f"Org connection with id:{unknown} not found not found"
    assert seen["not a party"].message == f"Org connection with id:{cid} not found not found"
    assert seen["duplicate types"].message == "Validation failed for input."
    assert backend.connections()[0]["attributes"]["connection_types"] == ["logs"]


# -- delete ------------------------------------------------------------------------------------
def test_delete_works_from_the_sink_side_and_answers_an_empty_object(backend: Backend):
    conn = create(backend, "payments", "hub")
    assert backend.delete_connection(kp(backend, "hub"), conn["id"]) == {}
    assert backend.connections() == []


def test_delete_errors_use_the_recorded_lowercase_text(backend: Backend):
    conn = create(backend, "payments", "hub")
    not_party = error_of(backend.delete_connection, kp(backend, "search"), conn["id"])
    malformed = error_of(backend.delete_connection, kp(backend, "hub"), "malformed_id")
    backend.delete_connection(kp(backend, "payments"), conn["id"])
    twice = error_of(backend.delete_connection, kp(backend, "payments"), conn["id"])
    assert (not_party.status, malformed.status, twice.status) == (404, 400, 404)
    assert twice.message == f"org connection with id:{conn['id']} not found not found"
    assert malformed.message == "connection id must be a valid uuid"


# -- users -------------------------------------------------------------------------------------
def test_deactivating_a_user_deletes_only_the_connections_that_user_created(backend: Backend):
    mine = create(backend, "payments", "hub")
    other = create(backend, "search", "hub")
    gone = backend.deactivate_user("pat@acme.example")
    assert gone == [mine["id"]]
    assert [c["id"] for c in backend.connections()] == [other["id"]]
    # the key pair keeps working unless Datadog's key revocation is asked for
    assert backend.authenticate("emu-payments-api-key", "emu-payments-app-key").name == "payments"


def test_deactivating_with_key_revocation_makes_the_users_keys_forbidden(backend: Backend):
    backend.deactivate_user(kp(backend, "search").user_id, revoke_keys=True)
    error = error_of(backend.authenticate, "emu-search-api-key", "emu-search-app-key")
    assert (error.status, error.body()) == (403, {"errors": ["Forbidden"]})


def test_deactivating_an_unknown_user_is_a_key_error(backend: Backend):
    with pytest.raises(KeyError):
        backend.deactivate_user("nobody@acme.example")
