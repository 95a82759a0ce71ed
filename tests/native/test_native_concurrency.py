"""Calls in flight through the native plugin, counted at the offline Datadog: its own pool, not
asyncio's default one (cores + 4 threads), serves the core's blocking calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from native_world import make_world as native_world

from datadog_crossorg.emulator import Emulator, Fault
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed
from datadog_crossorg.native.schema import RESOURCE_TYPE

SPOKES = 12


@pytest.fixture
def hub(datadog_emulator_factory) -> Emulator:
    emu = datadog_emulator_factory(seed=hub_and_spokes_seed(SPOKES))
    emu.add_fault(Fault("latency", method="POST", delay=0.3, times=None))
    return emu


def test_the_native_plugin_serves_more_than_cores_plus_four_calls_at_once(hub: Emulator):
    for world in native_world(hub, ("hub",)):
        plugin = world.engine.providers["hub"]
        hub.clear_requests()

        def create(i: int, plugin=plugin) -> str:
            props = {"sinkOrgId": hub.org_uuid(f"spoke-{i:04d}"), "connectionTypes": ["metrics"]}
            return plugin.create(f"urn:pulumi:test::native::{RESOURCE_TYPE}::c{i}", props)[0]

        with ThreadPoolExecutor(SPOKES) as callers:
            assert all(callers.map(create, range(SPOKES)))
    assert hub.max_in_flight >= 10  # cores + 4 would be 6 on our 2-core machines
