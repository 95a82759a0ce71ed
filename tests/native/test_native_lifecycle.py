"""OrgConnection through the native plugin's gRPC server, driven as the engine drives it, against
the offline Datadog: the lifecycle cases only the native plugin has (a provider instance per source
org, previews the provider supports). The cases both adapters share are in
tests/lifecycle/test_lifecycle_both_adapters.py."""

from __future__ import annotations

from native_world import NativeWorld


def test_provider_instance_not_an_input_picks_the_source_org(world: NativeWorld) -> None:
    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], "payments")])

    state = world.engine.state["payments-to-hub"]
    assert state.provider == "payments"
    assert "org" not in state.inputs
    assert "org" not in state.outputs  # the provider instance, not an input, picks the org


def test_preview_of_a_create_and_an_update_calls_the_provider_but_not_datadog(
    world: NativeWorld,
) -> None:
    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"])])
    world.api_calls()

    result = world.engine.preview(
        [
            world.goal("payments-to-hub", "hub", ["logs", "audit"]),
            world.goal("new", "edge", ["logs"]),
        ]
    )

    assert world.engine.providers["payments"].supports_preview
    assert result.counts == {"update": 1, "create": 1}
    assert world.api_calls() == {}


def test_adopt_alone_changed_updates_the_state_without_a_call(world: NativeWorld) -> None:
    world.engine.up([world.goal("p", "hub", ["logs"])])
    world.api_calls()

    result = world.engine.up([world.goal("p", "hub", ["logs"], adopt=True)])

    assert result.counts["update"] == 1
    assert world.api_calls() == {}
    assert world.engine.state["p"].outputs["adopt"] is True
