"""Refresh at hub scale: Reads through one key pair share one listing; pacing avoids 429s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datadog_crossorg.emulator.worlds import hub_and_spokes_seed, spoke_name
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.resources.tokens import ORG_CONNECTION
from datadog_crossorg.testing.harness import Goal
from tests.support.world import World, dynamic_world

SPOKES = 40


def hub_world(factory, tmp_path: Path, ttl: str, rate_limits=None) -> Iterator[World]:
    emu = factory(seed=hub_and_spokes_seed(SPOKES, rate_limits))
    with dynamic_world(emu, tmp_path, (), {"datadog-crossorg:listingCacheSeconds": ttl}) as made:
        yield made


@pytest.fixture
def hub(datadog_emulator_factory, tmp_path: Path) -> Iterator[World]:
    """The hub shares its data with 40 spokes, all through the hub's (default) key pair."""
    yield from hub_world(datadog_emulator_factory, tmp_path, ttl="60")


def goals(world: World, types: list[str] | None = None, first_types: list[str] | None = None):
    return [
        Goal(
            f"hub-to-{spoke_name(i)}",
            ORG_CONNECTION,
            {
                "sink_org_id": world.emu.org_uuid(spoke_name(i)),
                "connection_types": (first_types if i == 0 and first_types else types)
                or ["metrics"],
            },
            OrgConnectionProvider(),
        )
        for i in range(SPOKES)
    ]


def list_calls(world: World) -> int:
    return world.api_calls()["GET"]


def test_sixteen_concurrent_reads_share_one_listing(hub: World) -> None:
    hub.engine.up(goals(hub))
    hub.api_calls()

    result = hub.engine.refresh()

    assert result.counts["same"] == SPOKES
    assert hub.api_calls() == {"GET": 1}
    assert len(hub.engine.state) == SPOKES


def test_a_write_in_between_forces_a_new_listing(hub: World) -> None:
    hub.engine.up(goals(hub))
    hub.api_calls()
    hub.engine.refresh()
    assert list_calls(hub) == 1

    hub.engine.refresh()  # no write since: the listing is reused
    assert hub.api_calls() == {}

    hub.engine.up(goals(hub, first_types=["metrics", "logs"]))
    assert hub.api_calls() == {"PATCH": 1}
    hub.engine.refresh()
    assert list_calls(hub) == 1
    first = hub.engine.state[f"hub-to-{spoke_name(0)}"]
    assert first.outputs["connection_types"] == ["logs", "metrics"]


def test_out_of_band_delete_after_the_listing_is_gone_in_the_next_refresh(hub: World) -> None:
    hub.engine.up(goals(hub))
    hub.engine.refresh()
    victim = hub.engine.state[f"hub-to-{spoke_name(7)}"].id
    hub.client(spoke_name(7)).delete_connection(victim)  # from the sink side, in the UI

    with hub.next_process() as next_run:  # the next `pulumi refresh` is a new provider process
        result = next_run.engine.refresh()

    assert result.counts["refresh-gone"] == 1
    assert f"hub-to-{spoke_name(7)}" not in next_run.engine.state
    assert len(next_run.engine.state) == SPOKES - 1


def test_zero_ttl_reads_each_connection_with_its_own_call(
    datadog_emulator_factory, tmp_path: Path
) -> None:
    for world in hub_world(datadog_emulator_factory, tmp_path, ttl="0"):
        world.engine.up(goals(world))
        world.api_calls()
        world.engine.refresh()
        assert world.api_calls() == {"GET": SPOKES}


def test_pacing_keeps_429s_at_zero_once_the_limit_is_known(
    datadog_emulator_factory, tmp_path: Path
) -> None:
    limits = {"org_connections": {"limit": 15, "period": 1}}
    for world in hub_world(datadog_emulator_factory, tmp_path, ttl="0", rate_limits=limits):
        world.engine.up(goals(world))  # learns the limit from the headers
        world.emu.clear_requests()

        world.engine.refresh()  # 40 calls against 15 per second

        statuses = [r.status for r in world.emu.requests]
        assert len(statuses) == SPOKES
        assert statuses.count(429) == 0
        assert len(world.engine.state) == SPOKES
