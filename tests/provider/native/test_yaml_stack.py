"""The Pulumi YAML example stack (stacks/native-yaml): every name in it matches the plugin's schema,
its local stack config points at the offline Datadog, and — evaluated as Pulumi YAML would (two
explicit provider instances, two connections, outputs) — it deploys through the native plugin
and a second run changes nothing. With the pulumi CLI on PATH, `pulumi up` runs it for real."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from datadog_crossorg.cli.emulator_cmd import DEFAULT_EMULATOR_PORT
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native import schema
from datadog_crossorg.native.archive import NATIVE_DIR
from datadog_crossorg.testing.harness import Goal
from tests.support.paths import YAML_STACK_DIR
from tests.support.world import World, native_world

REF = re.compile(r"^\$\{([\w-]+)(?:\.(\w+))?\}$")


@pytest.fixture
def program() -> dict[str, Any]:
    return yaml.safe_load((YAML_STACK_DIR / "Pulumi.yaml").read_text())


@pytest.fixture
def local_config(program: dict[str, Any]) -> dict[str, Any]:
    """Pulumi.local.yaml's values by their names in the program, defaults filled in."""
    stack = yaml.safe_load((YAML_STACK_DIR / "Pulumi.local.yaml").read_text())["config"]
    prefix = f"{program['name']}:"
    assert all(key.startswith(prefix) for key in stack)
    values = {name: spec.get("default") for name, spec in program["config"].items()}
    values.update({key.removeprefix(prefix): value for key, value in stack.items()})
    return values


def evaluate(value: Any, lookup: Callable[[str, str | None], Any]) -> Any:
    """`${name}` and `${resource.property}` as Pulumi YAML resolves them (whole-value refs)."""
    if isinstance(value, str) and (ref := REF.match(value)):
        return lookup(ref.group(1), ref.group(2))
    if isinstance(value, list):
        return [evaluate(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: evaluate(v, lookup) for k, v in value.items()}
    return value


def deploy(program: dict[str, Any], config: dict[str, Any], world: World) -> dict[str, Any]:
    """Register the providers, then the connections through the instance each names; outputs."""
    resources = program["resources"]
    for name, res in resources.items():
        if res["type"] == schema.PROVIDER_TYPE:
            world.add_provider(name, evaluate(res["properties"], lambda n, _p: config[n]))
    goals = [
        Goal(name, res["type"], evaluate(res["properties"], lambda n, _p: config[n]),
             provider_instance=REF.match(res["options"]["provider"]).group(1))  # type: ignore[union-attr]
        for name, res in resources.items()
        if res["type"] == schema.RESOURCE_TYPE
    ]  # fmt: skip
    world.engine.up(goals)
    return evaluate(program["outputs"], lambda n, p: world.engine.state[n].outputs[p])  # type: ignore[index]


@pytest.fixture
def world(datadog_emulator: Emulator) -> Iterator[World]:
    """The native plugin with no provider instance yet: the program declares its own."""
    with native_world(datadog_emulator, orgs=()) as made:
        yield made


def test_every_type_and_property_in_the_stack_is_in_the_schema(program: dict[str, Any]) -> None:
    doc = schema.build()
    specs = {schema.PROVIDER_TYPE: doc["provider"], **doc["resources"]}
    config_names = set(program["config"])

    assert program["runtime"] == "yaml"
    assert [p["path"] for p in program["plugins"]["providers"]] == [
        os.path.relpath(NATIVE_DIR, YAML_STACK_DIR)
    ]
    kinds = [res["type"] for res in program["resources"].values()]
    assert kinds.count(schema.PROVIDER_TYPE) == 2  # two source orgs, two provider instances
    for name, res in program["resources"].items():
        spec = specs[res["type"]]
        assert set(res["properties"]) <= set(spec["inputProperties"]), name
        assert set(spec.get("requiredInputs", [])) <= set(res["properties"]), name
        for value in res["properties"].values():
            ref = REF.match(value) if isinstance(value, str) else None
            assert ref is None or ref.group(1) in config_names, (name, value)
    for value in program["outputs"].values():
        resource, prop = REF.match(value).groups()  # type: ignore[union-attr]
        assert prop in specs[program["resources"][resource]["type"]]["properties"], value


def test_local_stack_config_names_the_offline_datadogs_orgs_and_keys(
    local_config: dict[str, Any],
) -> None:
    with Emulator() as emu:
        assert local_config["hubOrgId"] == emu.org_uuid("hub")
        for org in ("payments", "search"):
            assert local_config[f"{org}ApiKey"] == emu.keys(org).api_key
            assert local_config[f"{org}AppKey"] == emu.keys(org).app_key
    assert local_config["apiUrl"] == f"http://127.0.0.1:{DEFAULT_EMULATOR_PORT}"


def test_the_stack_deploys_two_source_orgs_through_two_provider_instances(
    program: dict[str, Any],
    local_config: dict[str, Any],
    world: World,
    datadog_emulator: Emulator,
) -> None:
    emu = datadog_emulator
    config = {**local_config, "apiUrl": emu.url}  # this test's emulator, not port 18126
    engine = world.engine

    outputs = deploy(program, config, world)

    hub = emu.org_uuid("hub")
    assert outputs["hubName"] == "Acme Hub"
    assert outputs["searchShares"] == ["audit", "logs", "metrics"]
    made = {c["id"]: c["relationships"]["source_org"]["data"]["id"] for c in emu.connections()}
    assert made == {
        outputs["paymentsToHub"]: emu.org_uuid("payments"),
        outputs["searchToHub"]: emu.org_uuid("search"),
    }
    assert {r.key_pair for r in emu.requests if r.method == "POST"} == {"payments", "search"}
    assert all(c["relationships"]["sink_org"]["data"]["id"] == hub for c in emu.connections())
    emu.clear_requests()
    again = engine.up(
        [Goal(n, r.type, r.inputs, provider_instance=r.provider_instance)
         for n, r in engine.state.items()]
    )  # the same program's second run  # fmt: skip
    assert not again.changed and emu.requests == []
