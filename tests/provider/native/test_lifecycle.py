"""OrgConnection through the native plugin's gRPC server, driven as the engine drives it, against
the offline Datadog: the lifecycle cases only the native plugin has (a provider instance per source
org, previews the provider supports). The cases both adapters share are in
tests/provider/test_lifecycle.py."""

from __future__ import annotations

from tests.support.world import World


def test_provider_instance_not_an_input_picks_the_source_org(world: World) -> None:
    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], "payments")])

    state = world.engine.state["payments-to-hub"]
    assert state.provider_instance == "payments"
    assert "org" not in state.inputs
    assert "org" not in state.outputs  # the provider instance, not an input, picks the org


def test_preview_of_a_create_and_an_update_calls_the_provider_but_not_datadog(
    world: World,
) -> None:
    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], "payments")])
    world.api_calls()

    result = world.engine.preview(
        [
            world.goal("payments-to-hub", "hub", ["logs", "audit"], "payments"),
            world.goal("new", "edge", ["logs"], "payments"),
        ]
    )

    assert world.engine.providers["payments"].supports_preview
    assert result.counts == {"update": 1, "create": 1}
    assert world.api_calls() == {}


def test_adopt_alone_changed_is_no_change_and_no_call(world: World) -> None:
    """adopt acts at create only: set or cleared later, nothing is shown and nothing is sent."""
    world.engine.up([world.goal("p", "hub", ["logs"], "payments")])
    world.api_calls()

    result = world.engine.up([world.goal("p", "hub", ["logs"], "payments", adopt=True)])

    assert "update" not in result.counts
    assert world.api_calls() == {}
