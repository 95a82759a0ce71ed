"""The harness's plugin side, on the native plugin: provider instances are CheckConfig'd before they
serve anything, goals are routed by the instance they name, and the state remembers it."""

from __future__ import annotations

from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.archive import NATIVE_DIR
from datadog_crossorg.resources.tokens import NATIVE_ORG_CONNECTION, PACKAGE
from datadog_crossorg.testing.harness import CheckFailed, Engine, Goal, ProviderServer
from tests.support.paths import YAML_STACK_DIR
from tests.support.world import native_world, plugin_server, provider_config


def connection(emu: Emulator, name: str, instance: str | None, **more: object) -> Goal:
    inputs = {"sinkOrgId": emu.org_uuid("hub"), "connectionTypes": ["logs"], **more}
    return Goal(name, NATIVE_ORG_CONNECTION, inputs, provider_instance=instance)


def test_a_plugins_package_is_the_name_its_schema_serves() -> None:
    with ProviderServer(YAML_STACK_DIR, plugin=NATIVE_DIR) as server:
        assert server.package == PACKAGE
        assert not server.dynamic


def test_a_provider_instance_refused_by_check_config_serves_nothing(
    datadog_emulator: Emulator,
) -> None:
    engine = Engine(stack="test")
    bad = {**provider_config(datadog_emulator, "payments"), "listingCacheSeconds": -1}
    with plugin_server() as server:
        with pytest.raises(CheckFailed, match="listingCacheSeconds") as info:
            engine.add_provider("payments", server, bad)

        assert info.value.urn.endswith(f"::pulumi:providers:{PACKAGE}::payments")
        assert engine.providers == {} and not server.configured


def test_goals_must_name_a_known_instance_and_carry_no_pickled_provider(
    datadog_emulator: Emulator,
) -> None:
    emu = datadog_emulator
    with native_world(emu, ("payments",)) as world:
        for goal, problem in [
            (connection(emu, "a", None), "no default provider"),
            (connection(emu, "b", "search"), "no provider instance 'search'"),
            (connection(emu, "c", "payments", __provider="pickled"), "takes no __provider"),
        ]:
            with pytest.raises(ValueError, match=problem):
                world.engine.up([goal])

        assert emu.requests == [] and world.engine.state == {}


def test_the_state_file_keeps_each_resources_instance_for_the_next_engine(
    datadog_emulator: Emulator, tmp_path: Path
) -> None:
    emu = datadog_emulator
    with native_world(emu, ("payments", "search"), tmp_path) as world:
        world.engine.up([world.goal("p", "hub", ["logs"], "payments")])
        world.engine.up([world.goal("s", "hub", ["logs"], "search")])  # p left out: deleted
        next_engine = Engine(stack="test", state_path=tmp_path / "state.json")
        for org in ("payments", "search"):  # the same instances (configuring again is a no-op)
            next_engine.add_provider(org, world.engine.providers[org], provider_config(emu, org))

        result = next_engine.destroy()

    assert world.engine.state["s"].provider_instance == "search"
    assert [(r.method, r.key_pair) for r in emu.requests if r.method == "DELETE"] == [
        ("DELETE", "payments"),
        ("DELETE", "search"),
    ]
    assert result.counts == {"delete": 1} and emu.connections() == []
