"""run_program: a Pulumi program in-process, its dynamic resources through the real provider."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest

from datadog_crossorg.testing.harness import UNKNOWN, Engine, ProviderError, is_secret
from datadog_crossorg.testing.mocks import run_program
from tests.harness.toy_cloud import TOY_TYPE, Cloud, ToyThing
from tests.harness.toy_goals import TOY_CONFIG, TOY_SECRET_KEYS


def zones_program(cloud: Cloud, with_summary: bool = True) -> Callable[[], None]:
    """One thing per zone in stack config `toy:settings`, grouped in a component, and a summary
    that depends on all of them; exports ids and a secret config value."""

    def program() -> None:
        config = pulumi.Config("toy")
        zones = json.loads(config.require("settings"))["zones"]
        group = pulumi.ComponentResource("toy:index:Group", "group")
        things = [
            ToyThing(
                f"thing-{zone}",
                cloud.path,
                size=2,
                zone=zone,
                opts=pulumi.ResourceOptions(parent=group),
            )
            for zone in zones
        ]
        if with_summary:
            total = pulumi.Output.all(*[t.created_at for t in things]).apply(sum)
            ToyThing(
                "summary", cloud.path, size=total, opts=pulumi.ResourceOptions(depends_on=things)
            )
        pulumi.export("ids", {t._name: t.id for t in things})
        pulumi.export("sizes", [t.size for t in things])
        pulumi.export("greeting", pulumi.Config("toy").require("greeting"))
        pulumi.export("password", config.require_secret("password"))

    return program


def run(program: Callable[[], None], engine: Engine, **kwargs: object):
    return run_program(program, engine, config=TOY_CONFIG, secret_keys=TOY_SECRET_KEYS, **kwargs)


def test_program_deploys_through_the_provider_then_a_rerun_changes_nothing(
    engine: Engine, cloud: Cloud
) -> None:
    first = run(zones_program(cloud), engine)
    second = run(zones_program(cloud), engine)

    assert first.result.counts == {"create": 3}
    ids = first.outputs["ids"]
    assert set(ids) == {"thing-a", "thing-b"} and set(ids.values()) <= set(cloud.resources())
    assert first.outputs["greeting"] == "hello"
    assert is_secret(first.outputs["password"])
    assert cloud.resources()[engine.state["summary"].id]["size"] == 1 + 2  # things' created_at
    assert not second.result.changed and second.result.counts == {"same": 3}
    assert second.outputs == first.outputs


def test_registered_resources_show_types_parents_and_dependencies(
    engine: Engine, cloud: Cloud
) -> None:
    ran = run(zones_program(cloud), engine)

    summary = ran.resource("summary")
    assert summary.type == TOY_TYPE and summary.custom
    assert set(summary.dependency_names) == {"thing-a", "thing-b"}
    child = ran.resource("thing-a")
    assert child.parent.endswith("::toy:index:Group::group")
    assert child.urn.endswith("::toy:index:Group$pulumi-python:dynamic/toy:Thing::thing-a")
    assert engine.state["thing-a"].urn == child.urn  # the engine keeps the program's URN
    assert not ran.resource("group").custom
    assert set(engine.state["summary"].dependencies) == {"thing-a", "thing-b"}


def test_preview_program_creates_nothing_and_shows_unknowns(engine: Engine, cloud: Cloud) -> None:
    planned = run(zones_program(cloud), engine, preview=True)

    assert planned.result.counts == {"create": 3}
    assert planned.outputs["ids"] == {"thing-a": UNKNOWN, "thing-b": UNKNOWN}
    assert planned.outputs["sizes"] == [2.0, 2.0]  # outputs that are inputs are known
    assert cloud.resources() == {} and engine.state == {}
    assert not pulumi.runtime.is_dry_run()  # the caller's runtime settings are untouched
    # The summary's size comes from an output that is not an input: unknown during preview.
    summary_check = [c for c in cloud.calls("check") if c["unknown_types"]]
    assert summary_check[0]["unknown_types"] == {"size": "Unknown"}


def test_resource_the_program_no_longer_declares_is_deleted(engine: Engine, cloud: Cloud) -> None:
    run(zones_program(cloud), engine)

    slimmer = run(zones_program(cloud, with_summary=False), engine)

    assert slimmer.result.counts == {"same": 2, "delete": 1}
    assert "summary" not in engine.state and len(cloud.resources()) == 2


def test_get_by_id_reads_without_entering_the_state(
    engine: Engine, cloud: Cloud, tmp_path: Path
) -> None:
    run(zones_program(cloud, with_summary=False), engine)
    existing = engine.state["thing-a"].id
    other_stack = Engine(engine.server, stack="test", state_path=tmp_path / "other.json")

    def program() -> None:
        found = ToyThing("seen", cloud.path, size=0, opts=pulumi.ResourceOptions(id=existing))
        pulumi.export("created_at", found.created_at)

    ran = run(program, other_stack)

    assert ran.result.counts == {"read": 1}
    assert ran.outputs["created_at"] == cloud.resources()[existing]["created_at"]
    assert other_stack.state == {}
    # A get sends no stored outputs: the server finds __provider in the program's inputs.
    assert cloud.calls("read")[0]["props"] == ["__provider", "name", "size", "zone"]


def test_provider_failure_in_a_program_raises_it_and_keeps_state(
    engine: Engine, cloud: Cloud, tmp_path: Path
) -> None:
    def program() -> None:
        fine = ToyThing("fine", cloud.path, size=1)
        ToyThing("boom", cloud.path, size=1, opts=pulumi.ResourceOptions(depends_on=[fine]))

    with pytest.raises(ProviderError, match="toy refuses to create 'boom'"):
        run(program, engine)

    assert set(engine.state) == {"fine"}
    assert json.loads((tmp_path / "state.json").read_text())["resources"][0]["urn"].endswith(
        "::fine"
    )


def test_run_program_refuses_another_stack_config_for_a_configured_server(
    engine: Engine, cloud: Cloud
) -> None:
    with pytest.raises(RuntimeError, match="already configured"):
        run_program(zones_program(cloud), engine, config={"toy:settings": "{}"})
