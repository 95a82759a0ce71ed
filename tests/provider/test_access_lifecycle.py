"""The ConnectionAccess lifecycle through both adapters of the one set of rules (ids [dynamic]
and [native]), as the engine drives them against the offline Datadog: the payments org's policy
on its connection to the hub, granted, changed, refused at check, removed. Import is the native
plugin's alone (tests/provider/native/test_connection_access.py)."""

from __future__ import annotations

import pytest

from datadog_crossorg.testing.harness import CheckFailed, Goal, ProviderError
from tests.support.access import PAYMENTS_ADMIN, PAYMENTS_STANDARD, PAYMENTS_TEAM
from tests.support.world import World


def stack(
    world: World,
    editors: list[str],
    viewers: list[str] | None = None,
    deployer: list[str] | None = None,
) -> list[Goal]:
    connection = world.goal("payments-to-hub", "hub", ["metrics"], org="payments")
    if "payments-to-hub" not in world.engine.state:
        world.engine.up([connection])
    access = world.access(
        "payments-access",
        "payments-to-hub",
        org="payments",
        editors=editors,
        viewers=viewers or [],
        deployer=deployer or [PAYMENTS_ADMIN],
    )
    return [connection, access]


def bindings(world: World) -> dict[str, tuple[str, ...]]:
    return {b.relation: tuple(b.principals) for b in world.policy("payments", "payments-to-hub")}


def test_grant_change_and_remove_cost_one_call_each(adapter_world: World) -> None:
    world = adapter_world
    goals = stack(world, [PAYMENTS_ADMIN])
    world.api_calls()

    assert world.engine.preview(goals).counts["create"] == 1
    assert world.api_calls() == {}
    world.engine.up(goals)
    assert world.api_calls() == {"POST": 1}
    state = world.engine.state["payments-access"]
    assert state.id == f"cross-org-connection:{world.engine.state['payments-to-hub'].id}"
    assert world.out(state, "editors") == [PAYMENTS_ADMIN]
    assert bindings(world) == {"editor": (PAYMENTS_ADMIN,)}
    world.api_calls()  # the test's own look

    assert not world.engine.up(goals).changed
    assert world.api_calls() == {}

    world.engine.up(stack(world, [PAYMENTS_ADMIN], [PAYMENTS_TEAM]))
    assert world.api_calls() == {"POST": 1}
    assert bindings(world) == {"editor": (PAYMENTS_ADMIN,), "viewer": (PAYMENTS_TEAM,)}
    world.api_calls()

    world.engine.up(stack(world, [PAYMENTS_ADMIN])[:1])  # the access removed from the program
    assert world.api_calls() == {"DELETE": 1}
    assert bindings(world) == {}


def test_a_self_lockout_fails_check_naming_editors_before_any_call(adapter_world: World) -> None:
    world = adapter_world
    goals = stack(world, [PAYMENTS_TEAM])  # the deployer's admin role is not among editors
    world.api_calls()

    with pytest.raises(CheckFailed, match=r"editors.*include none of deployer"):
        world.engine.preview(goals)
    assert world.api_calls() == {}


def test_a_wrong_deployer_on_update_is_refused_by_datadog_and_the_policy_stays(
    adapter_world: World,
) -> None:
    """Check trusts `deployer`; Datadog does not: the write goes without allow_self_lockout, so
    a policy that would take the real caller's (Pat's) edit access is refused, not applied."""
    world = adapter_world
    world.engine.up(stack(world, [PAYMENTS_ADMIN]))
    # the stack claims Quinn's role as the deployer's, and keeps only it among editors
    wrong = stack(world, [PAYMENTS_STANDARD], deployer=[PAYMENTS_STANDARD])

    with pytest.raises(ProviderError, match=r"deployer .* names principals its user does not hold"):
        world.engine.up(wrong)

    assert bindings(world) == {"editor": (PAYMENTS_ADMIN,)}  # Pat keeps edit access
    assert not world.engine.up(stack(world, [PAYMENTS_ADMIN])).changed
