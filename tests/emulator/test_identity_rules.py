"""Keys, permissions, /validate and /org, on the Backend directly (no HTTP)."""

from __future__ import annotations

import pytest

from datadog_crossorg.emulator import ApiError, Backend


@pytest.mark.parametrize(
    ("api_key", "app_key"),
    [
        ("emu-hub-api-key", "wrong"),
        ("wrong", "emu-hub-app-key"),
        (None, None),
        ("emu-hub-api-key", None),
        ("emu-payments-api-key", "emu-hub-app-key"),  # keys of two different orgs
    ],
)
def test_keys_that_are_not_one_seeded_pair_are_forbidden(backend: Backend, api_key, app_key):
    with pytest.raises(ApiError) as caught:
        backend.authenticate(api_key, app_key)
    assert (caught.value.status, caught.value.body()) == (403, {"errors": ["Forbidden"]})


def test_a_seeded_pair_identifies_its_org_user_and_permissions(backend: Backend):
    pair = backend.authenticate("emu-hub-api-key", "emu-hub-readonly-app-key")
    assert (pair.name, pair.org_name) == ("hub-readonly", "Acme Hub")
    assert pair.org_uuid == "ba11379d-38db-492a-a71e-7f33d3254a94"
    assert pair.permissions == frozenset(
        {"org_connections_read", "dashboards_read", "notebooks_read"}
    )
    assert "emu-hub" not in repr(pair)  # keys never show in reprs (logs, assertion messages)


def test_validate_needs_only_a_valid_api_key(backend: Backend):
    assert backend.validate("emu-edge-api-key") == {"valid": True}
    with pytest.raises(ApiError) as caught:
        backend.validate("emu-edge-app-key")
    assert caught.value.status == 403


def test_org_list_shows_the_orgs_of_the_key_account_with_plan_and_billing(backend: Backend):
    orgs = backend.list_orgs(backend.key_pairs["payments"])["orgs"]
    assert [o["name"] for o in orgs] == [
        "Acme Hub",
        "Acme Payments",
        "Acme Search",
        "Acme Edge",
        "Acme EU",
    ]
    assert orgs[0] == {
        "public_id": "ba11379d-38db-492a-a71e-7f33d3254a94",
        "name": "Acme Hub",
        "description": None,
        "created": "2025-03-04 09:12:00",
        "billing": {"type": "parent"},
        "subscription": {"type": "enterprise"},
        "settings": {},
    }
    assert orgs[3]["subscription"] == {"type": "pro"} and orgs[3]["billing"] == {"type": "child"}


def test_an_org_created_before_2025_keeps_its_short_legacy_public_id(backend: Backend):
    (globex,) = backend.list_orgs(backend.key_pairs["globex"])["orgs"]
    assert globex["public_id"] != backend.org_uuid("Globex")
    assert len(globex["public_id"]) == 16


def test_org_list_needs_org_management(backend: Backend):
    with pytest.raises(ApiError) as caught:
        backend.list_orgs(backend.key_pairs["hub-readonly"])
    assert caught.value.status == 403 and "org_management" in caught.value.message


def test_org_uuid_accepts_an_org_name_or_a_key_pair_name(backend: Backend):
    assert backend.org_uuid("Acme Search") == backend.org_uuid("search")
    with pytest.raises(KeyError):
        backend.org_uuid("Nobody")
