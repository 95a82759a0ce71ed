"""A connection that existed before our first POST is never taken without `adopt`, whatever
fault that POST meets (issue 16, item 1): the refusal is the one a plain 409 gets, and a later
destroy can never delete a connection the stack did not make."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator, Fault, default_seed_path
from datadog_crossorg.testing.harness import ProviderError
from tests.support.world import World, dynamic_world

LONG_AGO = "2024-01-02T03:04:05.000000+00:00"
CONNECTIONS = "/api/v2/org_connections"
# Faults after which the POST did not commit: the look then finds only the old connection.
UNCOMMITTED = {
    "503": {"kind": "status", "status": 503},
    "500": {"kind": "status", "status": 500},
    "reset": {"kind": "drop"},
}


def seed_with_old_connection(types: list[str]) -> dict:
    """The default seed plus payments -> hub, made long ago (out of band)."""
    seed = json.loads(Path(default_seed_path()).read_text())
    seed["connections"] = [
        {
            "source": "Acme Payments",
            "sink": "Acme Hub",
            "connection_types": types,
            "created_at": LONG_AGO,
        }
    ]
    return seed


@pytest.fixture
def old_world(datadog_emulator_factory, tmp_path: Path) -> Iterator[World]:
    emu: Emulator = datadog_emulator_factory(seed=seed_with_old_connection(["logs"]))
    with dynamic_world(emu, tmp_path, ("payments",)) as made:
        yield made


@pytest.fixture
def recent_world(datadog_emulator_factory, tmp_path: Path) -> Iterator[World]:
    """payments -> hub made by quinn just now (the emulator's start: within the clock-skew
    margin before any POST of the test)."""
    seed = seed_with_old_connection(["logs"])
    del seed["connections"][0]["created_at"]
    seed["connections"][0]["created_by"] = "quinn@acme.example"
    with dynamic_world(datadog_emulator_factory(seed=seed), tmp_path, ("payments",)) as made:
        yield made


@pytest.mark.parametrize("kind", sorted(UNCOMMITTED))
def test_an_old_connection_met_after_a_failed_post_is_refused_as_without_the_fault(
    old_world: World, kind: str
) -> None:
    # given: payments -> hub exists since long ago; our first POST fails without committing
    world = old_world
    (old,) = world.emu.connections()
    world.emu.add_fault(Fault(method="POST", path=CONNECTIONS, **UNCOMMITTED[kind]))

    # when: a resource without adopt declares the same pair and types
    with pytest.raises(ProviderError) as failure:
        world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], org="payments")])

    # then: the adopt message, nothing taken; destroy cannot touch the old connection
    assert "set adopt=True" in failure.value.message
    assert old["id"] in failure.value.message
    assert world.engine.state == {}
    world.engine.destroy()
    assert world.emu.connections() == [old]
    assert [r.method for r in world.emu.requests] == ["POST", "GET"]  # failed POST, one look


def test_the_same_fault_without_an_old_connection_still_takes_its_own_commit(
    world: World,
) -> None:
    world.emu.add_fault(Fault("commit_then_status", method="POST", path=CONNECTIONS, status=503))

    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], org="payments")])

    (made,) = world.emu.connections()
    assert world.engine.state["payments-to-hub"].id == made["id"]


def test_a_connection_made_moments_before_by_another_user_is_refused_once_ours_is_known(
    recent_world: World,
) -> None:
    # given: payments -> hub made by quinn moments ago, and a provider that learned its key
    # pair's user from a connection it created
    world = recent_world
    world.engine.up([world.goal("payments-to-search", "search", ["logs"], org="payments")])
    world.emu.add_fault(Fault("status", method="POST", path=CONNECTIONS, status=503))

    # when
    with pytest.raises(ProviderError) as failure:
        world.engine.up(
            [
                world.goal("payments-to-search", "search", ["logs"], org="payments"),
                world.goal("payments-to-hub", "hub", ["logs"], org="payments"),
            ]
        )

    # then: created_by says it is not ours
    assert "set adopt=True" in failure.value.message
    assert set(world.engine.state) == {"payments-to-search"}
