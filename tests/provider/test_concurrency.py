"""Calls in flight, counted at the offline Datadog: neither adapter caps throughput at a handful
of threads of its own (pulumi.dynamic's server serves 4 at once; asyncio's default pool holds
cores + 4). Each create waits 0.3 s at the emulator, so calls overlap only if we let them."""

from __future__ import annotations

import logging
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from datadog_crossorg.dynamic import server_patches
from datadog_crossorg.emulator import Emulator, Fault
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed
from datadog_crossorg.native.schema import RESOURCE_TYPE
from datadog_crossorg.process.provider_process import CONCURRENT_CALLS
from tests.support.world import dynamic_world, native_world

SPOKES = 12
SLOW_POST = Fault("latency", method="POST", delay=0.3, times=None)


@pytest.fixture
def hub(datadog_emulator_factory) -> Emulator:
    emu = datadog_emulator_factory(seed=hub_and_spokes_seed(SPOKES))
    emu.add_fault(SLOW_POST)
    return emu


def test_the_dynamic_provider_serves_more_than_four_calls_at_once(hub: Emulator, tmp_path: Path):
    with dynamic_world(hub, tmp_path, (), parallel=16) as world:
        goals = [world.goal(f"c{i}", f"spoke-{i:04d}", ["metrics"]) for i in range(SPOKES)]
        hub.clear_requests()
        world.engine.up(goals)
    assert len(hub.connections()) == SPOKES
    assert 4 < hub.max_in_flight <= CONCURRENT_CALLS


def test_the_native_plugin_serves_more_than_cores_plus_four_calls_at_once(hub: Emulator):
    """Its own pool, not asyncio's default one (cores + 4 threads), serves the core's blocking
    calls."""
    with native_world(hub, ("hub",)) as world:
        plugin = world.engine.providers["hub"]
        hub.clear_requests()

        def create(i: int, plugin=plugin) -> str:
            props = {"sinkOrgId": hub.org_uuid(f"spoke-{i:04d}"), "connectionTypes": ["metrics"]}
            return plugin.create(f"urn:pulumi:test::native::{RESOURCE_TYPE}::c{i}", props)[0]

        with ThreadPoolExecutor(SPOKES) as callers:
            assert all(callers.map(create, range(SPOKES)))
    assert hub.max_in_flight >= 10  # cores + 4 would be 6 on our 2-core machines


def test_a_server_of_another_shape_keeps_its_pool_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = types.ModuleType("__main__")
    fake.DynamicResourceProviderServicer = object  # looks like the server, holds no gRPC server
    monkeypatch.setitem(sys.modules, "__main__", fake)
    monkeypatch.setattr(server_patches, "_WIDENED", [])
    monkeypatch.setattr(server_patches, "_grpc_server_state", lambda: None)
    with caplog.at_level(logging.WARNING):
        assert server_patches.widen_dynamic_server() is False
        assert server_patches.widen_dynamic_server() is False
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "keeps serving at most 4 calls" in caplog.records[0].getMessage()
