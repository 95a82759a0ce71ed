"""ConnectionAccess through the real dynamic provider server, as the engine drives it, against the
offline Datadog: grant, revoke, self-lockout refused, drift on refresh, removal restores access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.client import Forbidden
from datadog_crossorg.client.records import Binding, TimeseriesQuery
from datadog_crossorg.connection_access import ConnectionAccessProvider
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.harness import CheckFailed, Goal, ProviderError
from tests.support.access import (
    FINANCE,
    HUB_ADMIN,
    OBSERVABILITY,
    PAT,
    PAYMENTS_ADMIN,
    PAYMENTS_STANDARD,
    PAYMENTS_TEAM,
    QUINN,
    access_world,
)
from tests.support.world import World

CPU = "avg:system.cpu.user{*}"


@pytest.fixture
def world(datadog_emulator_factory: Callable[..., Emulator], tmp_path: Path) -> Iterator[World]:
    """The access world (tests/support/access.py), instead of the folder's plain one."""
    with access_world(datadog_emulator_factory, tmp_path) as made:
        yield made


def deployed(world: World, *accesses: Goal) -> Any:
    """`up` of the payments -> hub connection and the given accesses on it."""
    return world.engine.up(
        [world.goal("payments-to-hub", "hub", ["metrics"], org="payments"), *accesses]
    )


def previewed(world: World, *accesses: Goal) -> Any:
    return world.engine.preview(
        [world.goal("payments-to-hub", "hub", ["metrics"], org="payments"), *accesses]
    )


def source_access(world: World, editors: list[str], **more: Any) -> Goal:
    """The source side's policy, deployed with Pat's key pair (Admin role)."""
    more.setdefault("deployer", [PAYMENTS_ADMIN])
    more.setdefault("org", "payments")
    return world.access("payments-access", "payments-to-hub", editors=editors, **more)


def can_update(world: World, key_pair: str) -> bool:
    with world.client(key_pair) as client:
        try:
            client.update_connection(world.engine.state["payments-to-hub"].id, ["metrics"])
        except Forbidden:
            return False
    return True


@pytest.fixture
def connected(world: World) -> World:
    deployed(world)
    world.api_calls()
    return world


# -- grant and revoke ------------------------------------------------------------------------
def test_grant_makes_only_the_named_principals_editors_with_one_post(connected: World) -> None:
    world = connected

    result = deployed(world, source_access(world, [PAYMENTS_ADMIN, PAYMENTS_STANDARD]))

    assert result.counts["create"] == 1
    assert world.api_calls() == {"POST": 1}
    assert world.policy("payments", "payments-to-hub") == [
        Binding("editor", tuple(sorted([PAYMENTS_ADMIN, PAYMENTS_STANDARD])))
    ]
    outs = world.engine.state["payments-access"].outputs
    assert outs["resource_id"] == f"cross-org-connection:{world.engine.state['payments-to-hub'].id}"
    assert outs["editors"] == sorted([PAYMENTS_ADMIN, PAYMENTS_STANDARD])
    assert can_update(world, "payments-dev")  # Quinn holds the Standard role


def test_revoke_takes_edit_access_away_with_one_post(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_ADMIN, PAYMENTS_STANDARD]))
    world.api_calls()

    result = deployed(world, source_access(world, [PAYMENTS_ADMIN]))

    assert result.counts["update"] == 1
    assert world.api_calls() == {"POST": 1}
    assert not can_update(world, "payments-dev")
    assert can_update(world, "payments")


def test_a_sink_side_viewer_grant_lets_that_team_read_the_data_and_revoke_stops_it(
    connected: World,
) -> None:
    world = connected
    source = world.emu.org_uuid("payments")
    hub_access = dict(editors=[HUB_ADMIN], deployer=[HUB_ADMIN])  # the default pair: Hana's

    def vic_reads() -> bool:
        with world.client("hub-viewer") as vic:
            try:
                vic.query_timeseries(
                    [TimeseriesQuery("a", "metrics", CPU, source)], start_ms=0, end_ms=600_000
                )
            except Forbidden:
                return False
        return True

    deployed(world, world.access("hub-access", "payments-to-hub", viewers=[FINANCE], **hub_access))
    granted = vic_reads()
    deployed(
        world, world.access("hub-access", "payments-to-hub", viewers=[OBSERVABILITY], **hub_access)
    )

    assert granted and not vic_reads()
    assert world.policy("payments", "payments-to-hub") == []  # the source side is untouched


# -- self-lockout ------------------------------------------------------------------------------
def test_a_policy_locking_out_the_deployer_is_refused_at_preview_without_any_call(
    connected: World,
) -> None:
    world = connected
    locked = source_access(world, [QUINN], viewers=[PAT], deployer=[PAT, PAYMENTS_ADMIN])

    with pytest.raises(CheckFailed) as info:
        previewed(world, locked)

    assert info.value.failures[0][0] == "editors"
    assert "allow_self_lockout" in info.value.failures[0][1]
    assert world.api_calls() == {}


def test_without_a_declared_deployer_preview_asks_for_one(connected: World) -> None:
    world = connected
    with pytest.raises(CheckFailed, match="declare deployer"):
        previewed(world, source_access(world, [PAYMENTS_TEAM], deployer=[]))
    assert world.api_calls() == {}


def test_allow_self_lockout_deploys_and_then_the_deployer_cannot_edit(connected: World) -> None:
    world = connected

    deployed(world, source_access(world, [QUINN], allow_self_lockout=True))

    assert world.policy("payments", "payments-to-hub") == [Binding("editor", (QUINN,))]
    assert not can_update(world, "payments")
    with pytest.raises(ProviderError, match="allow_self_lockout may have locked"):
        deployed(world)  # removing the access needs an editor: Pat no longer is one
    assert can_update(world, "payments-dev")


def test_a_wrong_deployer_is_caught_by_datadog_before_anything_changes(connected: World) -> None:
    world = connected
    # Pat's key pair deploys, but the stack claims Quinn's identity.
    wrong = source_access(world, [QUINN], deployer=[QUINN])

    with pytest.raises(ProviderError, match=r"deployer .* names principals its user does not hold"):
        deployed(world, wrong)

    assert world.policy("payments", "payments-to-hub") == []
    assert "payments-access" not in world.engine.state


# -- drift ---------------------------------------------------------------------------------------
def test_principals_changed_out_of_band_refresh_reports_and_up_restores(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_ADMIN]))
    with world.client("payments") as pat:  # someone widens the policy in the UI
        rid = world.engine.state["payments-access"].id
        pat.set_restriction_policy(rid, [Binding("editor", (PAYMENTS_ADMIN, PAYMENTS_TEAM))])
    world.api_calls()

    refreshed = world.engine.refresh()

    assert refreshed.counts["refresh-changed"] == 1
    state = world.engine.state["payments-access"]
    assert state.outputs["editors"] == sorted([PAYMENTS_ADMIN, PAYMENTS_TEAM])
    assert state.inputs["editors"] == sorted([PAYMENTS_ADMIN, PAYMENTS_TEAM])
    assert world.api_calls() == {"GET": 2}  # one listing for the connection, one policy read
    repaired = deployed(world, source_access(world, [PAYMENTS_ADMIN]))
    assert repaired.counts["update"] == 1
    assert world.policy("payments", "payments-to-hub") == [Binding("editor", (PAYMENTS_ADMIN,))]


def test_policy_removed_out_of_band_refresh_marks_gone_and_up_recreates(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_ADMIN]))
    with world.client("payments") as pat:
        pat.delete_restriction_policy(world.engine.state["payments-access"].id)

    refreshed = world.engine.refresh()
    recreated = deployed(world, source_access(world, [PAYMENTS_ADMIN]))

    assert refreshed.counts["refresh-gone"] == 1
    assert recreated.counts["create"] == 1
    assert world.policy("payments", "payments-to-hub") == [Binding("editor", (PAYMENTS_ADMIN,))]


def test_connection_deleted_out_of_band_takes_the_access_along(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_ADMIN]))
    with world.client("hub") as hana:  # the sink's policy is empty: Hana may delete
        hana.delete_connection(world.engine.state["payments-to-hub"].id)

    world.engine.refresh()

    assert world.engine.state == {}


# -- removal and no-ops --------------------------------------------------------------------------
def test_removing_the_access_restores_full_access_with_one_delete(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_ADMIN]))
    assert not can_update(world, "payments-dev")
    world.api_calls()

    result = deployed(world)

    assert result.counts["delete"] == 1
    assert world.api_calls() == {"DELETE": 1}
    assert world.policy("payments", "payments-to-hub") == []
    assert can_update(world, "payments-dev")


def test_noop_up_and_preview_make_no_api_call(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_ADMIN], viewers=[PAYMENTS_TEAM]))
    world.api_calls()

    # the same principals in capitals, the viewers listed twice: the same policy
    same = source_access(world, [PAYMENTS_ADMIN.upper()], viewers=[PAYMENTS_TEAM] * 2)
    preview = previewed(world, same)
    again = deployed(world, same)

    assert world.api_calls() == {}
    assert not preview.changed and not again.changed


def test_a_deployer_only_change_updates_the_state_without_any_call(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_ADMIN, PAYMENTS_TEAM]))
    world.api_calls()

    result = deployed(
        world, source_access(world, [PAYMENTS_ADMIN, PAYMENTS_TEAM], deployer=[PAYMENTS_TEAM])
    )

    assert result.counts["update"] == 1
    assert world.api_calls() == {}
    assert world.engine.state["payments-access"].outputs["deployer"] == [PAYMENTS_TEAM]


def test_another_key_pair_of_the_same_org_replaces_deleting_first(connected: World) -> None:
    world = connected
    deployed(world, source_access(world, [PAYMENTS_TEAM], deployer=[PAYMENTS_TEAM]))
    world.emu.clear_requests()

    result = deployed(
        world, source_access(world, [PAYMENTS_TEAM], deployer=[PAYMENTS_TEAM], org="payments-dev")
    )

    assert result.counts["replace"] == 1
    assert [r.method for r in world.emu.requests] == ["DELETE", "POST"]
    assert world.policy("payments", "payments-to-hub") == [Binding("editor", (PAYMENTS_TEAM,))]


def test_a_read_by_id_alone_finds_the_policy(connected: World) -> None:
    world = connected
    rid = f"cross-org-connection:{world.engine.state['payments-to-hub'].id}"
    with world.client("payments") as pat:
        pat.set_restriction_policy(rid, [Binding("editor", (PAYMENTS_ADMIN,))])
    props = {"__provider": ConnectionAccessProvider().pickled(), "org": "payments"}

    found, outs, _ = world.server.read(rid, "urn:test::get", props)

    assert found == rid
    assert outs["editors"] == [PAYMENTS_ADMIN] and outs["resource_id"] == rid
