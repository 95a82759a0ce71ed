"""Restriction policies on the Backend (rules) and on the wire: principals, relations, self-lockout,
and enforcement on connection update and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from datadog_crossorg.emulator import ApiError, Backend, Emulator
from datadog_crossorg.emulator.seed import with_key_pair

HUB_ADMIN_ROLE = "role:a10c3683-402d-402c-b804-709dcdf51ea2"
PAYMENTS_ADMIN_ROLE = "role:e5a00c43-d0d5-4dd5-bea0-1462ee8b9015"
PAYMENTS_TEAM = "team:3f449b62-4295-4209-998e-140e73fa1229"
PAT = "user:b85c9345-baea-4b87-847e-58d1278c5fc5"
QUINN = "user:d4b9855d-75b0-43f9-ac45-b2606db91d58"
GLOBEX_ADMIN_ROLE = "role:205f48c1-7b84-44d7-b00e-c0b79de66c75"


def policy_body(resource_id: str, editors: list[str], viewers: list[str] = ()) -> dict[str, Any]:
    bindings = [{"relation": "editor", "principals": editors}] if editors else []
    if viewers:
        bindings.append({"relation": "viewer", "principals": list(viewers)})
    return {
        "data": {
            "type": "restriction_policy",
            "id": resource_id,
            "attributes": {"bindings": bindings},
        }
    }


def types_body(connection_id: str, types: list[str]) -> dict[str, Any]:
    return {
        "data": {
            "type": "org_connection",
            "id": connection_id,
            "attributes": {"connection_types": types},
        }
    }


def error_of(call: Callable[..., Any], *args: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        call(*args)
    return info.value


@pytest.fixture
def backend() -> Backend:
    """The default world, plus a key pair for Quinn (Payments, Standard role, team
    payments-platform), a second person of the source org."""
    return Backend(with_key_pair(None, "payments-dev", "quinn@acme.example"))


def connect(backend: Backend, source: str = "payments", sink: str = "hub") -> str:
    body = {
        "data": {
            "type": "org_connection",
            "attributes": {"connection_types": ["metrics", "logs"]},
            "relationships": {"sink_org": {"data": {"type": "orgs", "id": backend.org_uuid(sink)}}},
        }
    }
    return backend.create_connection(backend.key_pairs[source], body)["data"]["id"]


def resource(connection_id: str) -> str:
    return f"cross-org-connection:{connection_id}"


# -- get / replace / delete ------------------------------------------------------------------
def test_a_connection_without_policy_reads_as_empty_bindings(backend: Backend) -> None:
    conn = connect(backend)
    got = backend.get_restriction_policy(backend.key_pairs["payments"], resource(conn))
    assert got == {
        "data": {"type": "restriction_policy", "id": resource(conn), "attributes": {"bindings": []}}
    }


def test_replace_stores_every_principal_kind_and_get_returns_it(backend: Backend) -> None:
    conn = connect(backend)
    pat = backend.key_pairs["payments"]
    org = f"org:{backend.org_uuid('payments')}"
    body = policy_body(resource(conn), [PAYMENTS_ADMIN_ROLE, PAT], [PAYMENTS_TEAM, org])

    answer = backend.replace_restriction_policy(pat, resource(conn), body, {})

    assert answer == body
    assert backend.get_restriction_policy(pat, resource(conn)) == body


def test_each_org_keeps_its_own_policy_on_a_connection(backend: Backend) -> None:
    conn = connect(backend)
    pat, hana = backend.key_pairs["payments"], backend.key_pairs["hub"]
    backend.replace_restriction_policy(pat, resource(conn), policy_body(resource(conn), [PAT]), {})
    sink_view = backend.get_restriction_policy(hana, resource(conn))
    assert sink_view["data"]["attributes"]["bindings"] == []


def test_delete_restores_full_access(backend: Backend) -> None:
    conn = connect(backend)
    pat, quinn = backend.key_pairs["payments"], backend.key_pairs["payments-dev"]
    backend.replace_restriction_policy(pat, resource(conn), policy_body(resource(conn), [PAT]), {})
    assert (
        error_of(backend.update_connection, quinn, conn, types_body(conn, ["logs"])).status == 403
    )

    backend.delete_restriction_policy(pat, resource(conn))

    assert backend.update_connection(quinn, conn, types_body(conn, ["logs"]))["data"]["id"] == conn


def test_empty_bindings_mean_no_policy(backend: Backend) -> None:
    conn = connect(backend)
    pat, quinn = backend.key_pairs["payments"], backend.key_pairs["payments-dev"]
    backend.replace_restriction_policy(pat, resource(conn), policy_body(resource(conn), [PAT]), {})
    backend.replace_restriction_policy(pat, resource(conn), policy_body(resource(conn), []), {})
    assert backend.update_connection(quinn, conn, types_body(conn, ["logs"]))["data"]["id"] == conn


# -- refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "resource_id",
    ["malformed", "cross-org-connection:", "cross-org-connection:not-a-uuid", "notebook:123"],
)
def test_a_malformed_or_unserved_resource_id_is_the_recorded_400(
    backend: Backend, resource_id: str
) -> None:
    error = error_of(backend.get_restriction_policy, backend.key_pairs["hub"], resource_id)
    assert (error.status, error.message) == (
        400,
        f"Invalid resource: '{resource_id}' is not in a valid format",
    )


def test_a_connection_of_other_orgs_or_none_at_all_is_404(backend: Backend) -> None:
    conn = connect(backend, "payments", "hub")
    missing = "cross-org-connection:00000000-0000-4000-8000-000000000000"
    for pair, rid in (("search", resource(conn)), ("hub", missing)):
        error = error_of(backend.get_restriction_policy, backend.key_pairs[pair], rid)
        assert error.status == 404


@pytest.mark.parametrize(
    "principal",
    [
        "role:admin",  # a name, not an id
        GLOBEX_ADMIN_ROLE,  # another org's role
        "org:e8513f7e-3c0a-454d-bba4-8029bfa1c7cd",  # another org
        "group:3f449b62-4295-4209-998e-140e73fa1229",  # no such principal kind
    ],
)
def test_a_principal_outside_the_callers_org_is_400(backend: Backend, principal: str) -> None:
    conn = connect(backend)
    body = policy_body(resource(conn), [PAT, principal])
    error = error_of(
        backend.replace_restriction_policy, backend.key_pairs["payments"], resource(conn), body, {}
    )
    assert error.status == 400
    assert principal in error.message


def test_an_unknown_relation_is_400(backend: Backend) -> None:
    conn = connect(backend)
    body = policy_body(resource(conn), [PAT])
    body["data"]["attributes"]["bindings"][0]["relation"] = "owner"
    error = error_of(
        backend.replace_restriction_policy, backend.key_pairs["payments"], resource(conn), body, {}
    )
    assert error.status == 400 and "'owner'" in error.message


def test_policies_need_the_resources_own_permissions(backend: Backend) -> None:
    conn = connect(backend, "search", "hub")
    readonly = backend.key_pairs["hub-readonly"]  # org_connections_read only
    assert backend.get_restriction_policy(readonly, resource(conn))["data"]["id"] == resource(conn)
    body = policy_body(resource(conn), [HUB_ADMIN_ROLE])
    error = error_of(backend.replace_restriction_policy, readonly, resource(conn), body, {})
    assert error.status == 403 and "org_connections_write" in error.message


# -- self-lockout ----------------------------------------------------------------------------
def test_a_policy_that_drops_the_callers_edit_access_is_refused(backend: Backend) -> None:
    conn = connect(backend)
    pat = backend.key_pairs["payments"]
    body = policy_body(resource(conn), [QUINN], [PAT])  # Pat only views

    error = error_of(backend.replace_restriction_policy, pat, resource(conn), body, {})

    assert error.status == 400 and "allow_self_lockout" in error.message
    assert backend.get_restriction_policy(pat, resource(conn))["data"]["attributes"] == {
        "bindings": []
    }


def test_allow_self_lockout_saves_it_and_then_the_caller_may_not_edit(backend: Backend) -> None:
    conn = connect(backend)
    pat = backend.key_pairs["payments"]
    body = policy_body(resource(conn), [QUINN])

    backend.replace_restriction_policy(pat, resource(conn), body, {"allow_self_lockout": "true"})

    assert error_of(backend.update_connection, pat, conn, types_body(conn, ["logs"])).status == 403
    assert error_of(backend.delete_restriction_policy, pat, resource(conn)).status == 403


def test_membership_by_role_or_team_counts_as_the_callers_access(backend: Backend) -> None:
    conn = connect(backend)
    quinn = backend.key_pairs["payments-dev"]  # Standard role, team payments-platform
    body = policy_body(resource(conn), [PAYMENTS_TEAM])
    backend.replace_restriction_policy(quinn, resource(conn), body, {})
    assert backend.update_connection(quinn, conn, types_body(conn, ["logs"]))["data"]["id"] == conn


# -- enforcement on the connection -----------------------------------------------------------
def test_a_non_editor_may_neither_update_nor_delete_a_restricted_connection(
    backend: Backend,
) -> None:
    conn = connect(backend)
    pat, quinn = backend.key_pairs["payments"], backend.key_pairs["payments-dev"]
    backend.replace_restriction_policy(
        pat, resource(conn), policy_body(resource(conn), [PAYMENTS_ADMIN_ROLE], [QUINN]), {}
    )

    update = error_of(backend.update_connection, quinn, conn, types_body(conn, ["logs"]))
    delete = error_of(backend.delete_connection, quinn, conn)

    assert update.status == delete.status == 403
    assert resource(conn) in update.message
    assert backend.update_connection(pat, conn, types_body(conn, ["logs"]))["data"]["id"] == conn


def test_the_sink_side_policy_governs_deletes_from_the_sink(backend: Backend) -> None:
    conn = connect(backend)
    hana = backend.key_pairs["hub"]
    backend.replace_restriction_policy(
        hana,
        resource(conn),
        policy_body(resource(conn), ["team:c64c2d7e-93a5-4d66-8dd8-bf0698876c8d"]),  # finance
        {"allow_self_lockout": "true"},
    )
    assert error_of(backend.delete_connection, hana, conn).status == 403
    backend.delete_connection(backend.key_pairs["payments"], conn)  # the source's policy is empty
    assert backend.connections() == []


def test_a_deleted_connection_takes_its_policies_along(backend: Backend) -> None:
    conn = connect(backend)
    pat = backend.key_pairs["payments"]
    backend.replace_restriction_policy(pat, resource(conn), policy_body(resource(conn), [PAT]), {})
    backend.delete_connection(pat, conn)
    assert backend.snapshot()["restriction_policies"] == []


def test_policies_survive_the_state_file(tmp_path: Any) -> None:
    seed = with_key_pair(None, "payments-dev", "quinn@acme.example")
    state = tmp_path / "state.json"
    first = Backend(seed, state)
    conn = connect(first)
    pat = first.key_pairs["payments"]
    first.replace_restriction_policy(pat, resource(conn), policy_body(resource(conn), [PAT]), {})

    again = Backend(seed, state)

    quinn = again.key_pairs["payments-dev"]
    assert error_of(again.delete_connection, quinn, conn).status == 403
    assert again.snapshot() == first.snapshot()


# -- wire ------------------------------------------------------------------------------------
def test_on_the_wire_delete_is_204_without_a_body_and_errors_are_datadogs_shape(
    datadog_emulator_factory: Callable[..., Emulator],
) -> None:
    import requests

    emu = datadog_emulator_factory()
    hub, payments = emu.keys("hub"), emu.keys("payments")
    created = requests.post(
        emu.url + "/api/v2/org_connections",
        json={
            "data": {
                "type": "org_connection",
                "attributes": {"connection_types": ["metrics"]},
                "relationships": {"sink_org": {"data": {"type": "orgs", "id": hub.org_uuid}}},
            }
        },
        headers={"DD-API-KEY": payments.api_key, "DD-APPLICATION-KEY": payments.app_key},
        timeout=10,
    )
    rid = resource(created.json()["data"]["id"])
    path = f"{emu.url}/api/v2/restriction_policy/{rid}"
    headers = {"DD-API-KEY": hub.api_key, "DD-APPLICATION-KEY": hub.app_key}

    posted = requests.post(
        path,
        json=policy_body(rid, ["role:00000000-0000-4000-8000-000000000000"]),
        headers=headers,
        timeout=10,
    )
    deleted = requests.delete(path, headers=headers, timeout=10)

    assert posted.status_code == 400
    assert posted.json() == {"errors": [posted.json()["errors"][0]]}
    assert "Invalid principal" in posted.json()["errors"][0]
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert "Content-Type" not in deleted.headers
