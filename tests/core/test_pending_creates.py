"""Matching an interrupted run's pending creates to the connections Datadog holds (no Pulumi)."""

from __future__ import annotations

import pytest

from datadog_crossorg.client import Connection
from datadog_crossorg.reports import pending_creates as pc
from datadog_crossorg.resources.tokens import NATIVE_ORG_CONNECTION, ORG_CONNECTION

STACK = "urn:pulumi:test::p::"
PAYMENTS, SEARCH, HUB = "pay", "sea", "hub"


def _op(kind: str, name: str, inputs: dict, provider: str = "") -> dict:
    resource = {"urn": f"{STACK}{kind}::{name}", "type": kind, "inputs": inputs}
    if provider:
        resource["provider"] = provider
    return {"type": "creating", "resource": resource}


def _conn(cid: str, source: str, sink: str, *types: str) -> Connection:
    return Connection(cid, source, sink, tuple(sorted(types)), "2026-01-01T00:00:00Z")


DEPLOYMENT = {
    "resources": [{"urn": f"{STACK}x::managed", "type": ORG_CONNECTION, "id": "c-managed"}],
    "pending_operations": [
        _op(
            ORG_CONNECTION,
            "payments-to-hub",
            {"sink_org_id": HUB, "connection_types": ["metrics"], "org": "payments"},
        ),
        _op(
            NATIVE_ORG_CONNECTION,
            "search-to-hub",
            {"sinkOrgId": HUB, "connectionTypes": ["logs"]},
            provider=f"{STACK}pulumi:providers:datadog-crossorg::search::p-1",
        ),
        _op(
            ORG_CONNECTION,
            "never-sent",
            {"sink_org_id": SEARCH, "connection_types": ["logs"], "org": "payments"},
        ),
        {"type": "updating", "resource": {"urn": f"{STACK}x::other", "type": ORG_CONNECTION}},
    ],
}
LISTINGS = {
    # payments' org takes part in these: the managed one, ours to the hub, one the hub shares
    "payments": [
        _conn("c-managed", PAYMENTS, SEARCH, "metrics"),
        _conn("c-pay-hub", PAYMENTS, HUB, "metrics"),
        _conn("c-hub-pay", HUB, PAYMENTS, "logs"),
    ],
    "search": [_conn("c-sea-hub", SEARCH, HUB, "logs", "metrics")],
}


def test_each_pending_create_is_matched_to_its_source_orgs_connection_to_its_sink() -> None:
    pending = pc.pending_creates(DEPLOYMENT, {"payments", "search"})
    assert [(p.name, p.key_pair) for p in pending] == [
        ("payments-to-hub", "payments"),
        ("search-to-hub", "search"),  # the provider instance's name names the key pair
        ("never-sent", "payments"),
    ]
    found = pc.match(pending, LISTINGS.__getitem__, pc.managed_ids(DEPLOYMENT))
    assert [r.connection.id if r.connection else None for r in found] == [
        "c-pay-hub",
        "c-sea-hub",
        None,  # payments' only connection to search is managed already: never taken twice
    ]
    assert [r.types_differ for r in found] == [False, True, False]


def test_the_recovered_state_holds_each_match_once_and_no_pending_create() -> None:
    pending = pc.pending_creates(DEPLOYMENT, {"payments", "search"})
    found = pc.match(pending, LISTINGS.__getitem__, pc.managed_ids(DEPLOYMENT))
    state = pc.recovered_deployment(DEPLOYMENT, found)
    assert [op["type"] for op in state["pending_operations"]] == ["updating"]
    recovered = {r["urn"].rsplit("::", 1)[1]: r for r in state["resources"]}
    assert set(recovered) == {"managed", "payments-to-hub", "search-to-hub"}
    assert recovered["payments-to-hub"]["id"] == "c-pay-hub"
    assert recovered["payments-to-hub"]["outputs"]["org"] == "payments"
    assert DEPLOYMENT["pending_operations"][0]["resource"].get("id") is None  # input untouched


def test_a_native_resource_of_an_unknown_instance_uses_the_default_pair() -> None:
    (_, native, _) = pc.pending_creates(DEPLOYMENT, {"payments"})
    assert native.key_pair is None


def test_two_candidates_are_refused_with_the_ids() -> None:
    pending = pc.pending_creates(DEPLOYMENT, {"payments", "search"})[:1]
    twice = {"payments": [_conn("a", PAYMENTS, HUB), _conn("b", PAYMENTS, HUB)]}
    with pytest.raises(pc.RecoveryError, match=r"several connections to its sink \(a, b\)"):
        pc.match(pending, twice.__getitem__, set())
