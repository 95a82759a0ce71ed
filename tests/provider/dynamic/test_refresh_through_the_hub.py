"""Refresh in the common topology: spokes share with a hub, each connection made with its spoke's
key pair, and the stack also holds the hub's (the default pair). The hub's one listing shows every
such connection, so a refresh of N of them costs ⌈N/1000⌉ list calls, not N."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed, spoke_name
from tests.support.world import World, dynamic_world

N = 20
SPOKES = tuple(spoke_name(i) for i in range(N))


@pytest.fixture
def hub_world(datadog_emulator_factory, tmp_path: Path):
    emu: Emulator = datadog_emulator_factory(seed=hub_and_spokes_seed(N))
    with dynamic_world(emu, tmp_path, SPOKES) as made:
        yield made


def _spokes_to_hub(world: World) -> list:
    return [world.goal(f"{s}-to-hub", "hub", ["metrics"], org=s) for s in SPOKES]


def test_n_spoke_connections_refresh_through_the_hubs_one_listing(hub_world: World) -> None:
    world = hub_world
    world.engine.up(_spokes_to_hub(world))
    start = len(world.emu.requests)
    with world.next_process() as fresh:  # each pulumi command is a new provider process
        result = fresh.engine.refresh()
        assert not result.changed
    made = world.emu.requests[start:]
    assert [(r.method, r.key_pair) for r in made] == [("GET", "hub")]  # ⌈20/1000⌉ = 1


def test_a_connection_deleted_out_of_band_is_seen_gone_through_the_hub(hub_world: World) -> None:
    world = hub_world
    world.engine.up(_spokes_to_hub(world))
    gone = world.engine.state["spoke-0003-to-hub"].id
    world.client("spoke-0003").delete_connection(gone)
    world.api_calls()
    with world.next_process() as fresh:
        fresh.engine.refresh()
        assert "spoke-0003-to-hub" not in fresh.engine.state
        assert len(fresh.engine.state) == N - 1
    assert world.api_calls() == Counter({"GET": 1})


def test_a_connection_the_hub_is_no_end_of_is_read_through_its_own_key_pair(
    hub_world: World,
) -> None:
    world = hub_world
    goals = [
        *_spokes_to_hub(world),
        world.goal("s1-to-s2", "spoke-0002", ["logs"], org="spoke-0001"),
    ]
    world.engine.up(goals)
    world.api_calls()
    with world.next_process() as fresh:
        result = fresh.engine.refresh()
        assert not result.changed and "s1-to-s2" in fresh.engine.state
    assert world.api_calls() == Counter({"GET": 2})  # the hub's listing, and spoke-0001's
