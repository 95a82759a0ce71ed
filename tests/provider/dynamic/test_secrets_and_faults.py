"""Keys never leak; ambiguous failures never leave a duplicate or an unmanaged orphan."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import dill
import pytest

from datadog_crossorg.emulator import Emulator, Fault, default_seed_path
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.testing.harness import ProviderError
from tests.support.world import World, dynamic_world

CANARIES = {
    "hub": ("CANARY-hub-api-5f1e2d", "CANARY-hub-app-9a8b7c"),
    "payments": ("CANARY-pay-api-3c4d5e", "CANARY-pay-app-6f7a8b"),
}


def canary_seed() -> dict:
    seed = json.loads(Path(default_seed_path()).read_text())
    for account in seed["accounts"]:
        for org in account["orgs"]:
            for pair in org["key_pairs"]:
                if pair["name"] in CANARIES:
                    pair["api_key"], pair["app_key"] = CANARIES[pair["name"]]
    return seed


@pytest.fixture
def canary_world(datadog_emulator_factory, tmp_path: Path) -> Iterator[World]:
    emu = datadog_emulator_factory(seed=canary_seed())
    with dynamic_world(emu, tmp_path, ("payments",)) as made:
        yield made


def leaked(text: str) -> list[str]:
    return [c for pair in CANARIES.values() for c in pair if c in text]


def test_no_key_material_in_pickled_provider_state_output_or_errors(
    canary_world: World, tmp_path: Path
) -> None:
    world = canary_world
    goal = world.goal("payments-to-hub", "hub", ["logs"], org="payments")
    states = []  # the state after each step: created, updated, refreshed (before destroy)
    world.engine.up([goal])
    states.append((tmp_path / "state.json").read_text())
    world.engine.up([world.goal("payments-to-hub", "hub", ["logs", "metrics"], org="payments")])
    states.append((tmp_path / "state.json").read_text())
    world.engine.refresh()
    states.append((tmp_path / "state.json").read_text())
    populated = "\n".join(states)
    assert "payments-to-hub" in states[0] and '"connection_types"' in states[0]
    world.client("payments").create_connection(world.emu.org_uuid("search"), ["logs"])
    with pytest.raises(ProviderError) as failure:  # a failing create prints a traceback
        world.engine.up(
            [
                world.goal("payments-to-hub", "hub", ["logs", "metrics"], org="payments"),
                world.goal("payments-to-search", "search", ["logs"], org="payments"),
            ]
        )
    world.engine.destroy()

    pickled = OrgConnectionProvider().pickled()
    evidence = {
        "pickled provider": base64.b64decode(pickled).decode("latin-1"),
        "populated state": populated,
        "state after destroy": (tmp_path / "state.json").read_text(),
        "provider output": world.server.stderr_text(),
        "error": str(failure.value),
    }
    assert "adopt=True" in evidence["error"]
    assert {where: leaked(text) for where, text in evidence.items()} == {
        where: [] for where in evidence
    }


def test_a_provider_used_with_keys_in_its_environment_pickles_without_them(
    monkeypatch: pytest.MonkeyPatch, datadog_emulator_factory
) -> None:
    """As in the provider process: keys from the environment, a real call made, then pickled the
    way pulumi.dynamic serializes providers (dill)."""
    emu = datadog_emulator_factory(seed=canary_seed())
    api_key, app_key = CANARIES["hub"]
    monkeypatch.setenv("DATADOG_API_KEY", api_key)
    monkeypatch.setenv("DATADOG_APP_KEY", app_key)
    monkeypatch.setenv("DATADOG_HOST", emu.url)
    provider = OrgConnectionProvider()
    made = provider.create(
        {"sink_org_id": emu.org_uuid("payments"), "connection_types": ["metrics"], "adopt": False}
    )
    assert made.id and emu.requests[-1].key_pair == "hub"  # the environment's keys were used
    evidence = {
        "dill": dill.dumps(provider).decode("latin-1"),
        "pickled()": base64.b64decode(provider.pickled()).decode("latin-1"),
        "outputs": json.dumps(made.outs),
    }
    assert {where: leaked(text) for where, text in evidence.items()} == {
        where: [] for where in evidence
    }


def test_provider_pickles_to_the_same_few_bytes_whatever_it_did(world: World) -> None:
    provider = OrgConnectionProvider()
    before = provider.pickled()
    provider.process()  # builds the key ring and client cache, which must not be pickled
    assert provider.pickled() == before
    assert len(base64.b64decode(before)) < 200


@pytest.mark.parametrize("kind", ["commit_then_drop", "commit_then_status"])
def test_create_committed_then_failed_is_taken_not_duplicated(world: World, kind: str) -> None:
    world.emu.add_fault(Fault(kind, method="POST", path="/api/v2/org_connections", status=502))

    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], org="payments")])

    remote = world.emu.connections()
    assert len(remote) == 1
    assert world.engine.state["payments-to-hub"].id == remote[0]["id"]
    assert [r.method for r in world.emu.requests] == ["POST", "GET"]  # failed POST, then a look


@pytest.mark.parametrize("kind", ["drop", "status"])
def test_create_that_did_not_commit_is_retried_after_a_look(world: World, kind: str) -> None:
    world.emu.add_fault(Fault(kind, method="POST", path="/api/v2/org_connections", status=503))

    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], org="payments")])

    assert len(world.emu.connections()) == 1
    assert [r.method for r in world.emu.requests][-3:] == ["POST", "GET", "POST"]


def test_create_that_keeps_failing_leaves_nothing_behind_and_says_so(world: World) -> None:
    world.emu.add_fault(
        Fault("status", method="POST", path="/api/v2/org_connections", status=500, times=None)
    )

    with pytest.raises(ProviderError, match="nothing was left half-created"):
        world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], org="payments")])

    assert world.emu.connections() == []
    assert "payments-to-hub" not in world.engine.state


def test_update_survives_a_dropped_connection_by_retrying_the_patch(world: World) -> None:
    world.engine.up([world.goal("p", "hub", ["logs"], org="payments")])
    world.emu.add_fault(Fault("commit_then_drop", method="PATCH"))

    world.engine.up([world.goal("p", "hub", ["logs", "metrics"], org="payments")])

    assert world.remote() == {
        (world.emu.org_uuid("payments"), world.emu.org_uuid("hub")): ["logs", "metrics"]
    }
    assert world.engine.state["p"].outputs["connection_types"] == ["logs", "metrics"]


def test_refresh_with_a_key_pair_lacking_read_permission_names_it(
    world: World, datadog_emulator: Emulator
) -> None:
    # payments -> search: the default key pair (hub) is no end of it, so no listing but
    # payments' own can tell whether it still exists
    world.engine.up([world.goal("p", "search", ["logs"], org="payments")])
    world.emu.add_fault(
        Fault(
            "status",
            method="GET",
            status=403,
            body={"errors": ["Forbidden: missing permission org_connections_read"]},
            key_pair="payments",
        )
    )

    with pytest.raises(ProviderError, match="org_connections_read"):
        world.engine.refresh()
    assert "p" in world.engine.state  # nothing lost


# What every resource's state holds in `__provider`. If these bytes change (a renamed module or
# class, instance state, another pickling), every stack shows `~__provider` and an update after
# upgrading: the contract in design.md says they must not.
RELEASED_PICKLES = {
    "datadog_crossorg.org_connection.OrgConnectionProvider": (
        "gASVQwAAAAAAAACMH2RhdGFkb2dfY3Jvc3Nvcmcub3JnX2Nvbm5lY3Rpb26UjBVPcmdDb25uZWN0aW9uUHJvdmlkZXKUk5QpgZR9lGIu"
    ),
    "datadog_crossorg.connection_access.ConnectionAccessProvider": (
        "gASVSQAAAAAAAACMImRhdGFkb2dfY3Jvc3NvcmcuY29ubmVjdGlvbl9hY2Nlc3OUjBhDb25uZWN0aW9uQWNjZXNzUHJvdmlkZXKUk5QpgZR9lGIu"
    ),
}


@pytest.mark.parametrize("path", sorted(RELEASED_PICKLES))
def test_the_pickled_provider_is_byte_for_byte_the_released_one(path: str) -> None:
    import importlib

    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert cls().pickled() == RELEASED_PICKLES[path]
    loaded = dill.loads(base64.b64decode(RELEASED_PICKLES[path]))  # as pulumi.dynamic's server
    assert type(loaded) is cls
