"""OrgConnection through the native plugin's gRPC server, driven as the engine drives it, against
the offline Datadog: the lifecycle cases of tests/provider/test_lifecycle.py (the dynamic
provider), each step's effect on Datadog and its cost in API calls."""

from __future__ import annotations

import pytest
from native_world import CheckFailed, Goal, NativeWorld

from datadog_crossorg.testing.harness import UNKNOWN, ProviderError


def hub_and_spoke(world: NativeWorld, payments_types: list[str] | None = None) -> list[Goal]:
    return [
        world.goal("payments-to-hub", "hub", payments_types or ["metrics", "logs"], "payments"),
        world.goal("search-to-hub", "hub", ["metrics"], "search"),
    ]


def test_up_creates_each_connection_from_its_own_provider_instance_with_one_call(
    world: NativeWorld,
) -> None:
    world.api_calls()

    result = world.engine.up(hub_and_spoke(world))

    assert result.counts["create"] == 2
    assert world.api_calls() == {"POST": 2}
    posts = {r.key_pair for r in world.emu.requests if r.method == "POST"}
    assert posts == {"payments", "search"}  # each plugin process used its own key pair
    hub = world.emu.org_uuid("hub")
    assert world.remote() == {
        (world.emu.org_uuid("payments"), hub): ["logs", "metrics"],
        (world.emu.org_uuid("search"), hub): ["metrics"],
    }
    state = world.engine.state["payments-to-hub"]
    assert state.outputs["sourceOrgName"] == "Acme Payments"
    assert state.outputs["sinkOrgName"] == "Acme Hub"
    assert state.outputs["connectionTypes"] == ["logs", "metrics"]
    assert state.outputs["createdByName"] == "Pat Payments"
    assert state.outputs["connectionId"] == state.id
    assert "org" not in state.outputs  # the provider instance, not an input, picks the org


def test_noop_up_and_preview_make_no_api_call(world: NativeWorld) -> None:
    world.engine.up(hub_and_spoke(world))
    world.api_calls()

    preview = world.engine.preview(hub_and_spoke(world))
    again = world.engine.up(hub_and_spoke(world))

    assert world.api_calls() == {}
    assert not preview.changed and not again.changed


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


def test_types_reordered_make_no_diff(world: NativeWorld) -> None:
    world.engine.up(hub_and_spoke(world, ["metrics", "logs"]))
    assert not world.engine.up(hub_and_spoke(world, ["logs", "metrics"])).changed


def test_types_changed_update_in_place_with_one_patch_and_complete_outputs(
    world: NativeWorld,
) -> None:
    world.engine.up(hub_and_spoke(world))
    before = world.engine.state["payments-to-hub"]
    world.api_calls()

    result = world.engine.up(hub_and_spoke(world, ["metrics", "logs", "audit"]))

    assert result.counts["update"] == 1
    assert world.api_calls() == {"PATCH": 1}
    after = world.engine.state["payments-to-hub"]
    assert after.id == before.id
    assert after.outputs["connectionTypes"] == ["audit", "logs", "metrics"]
    assert after.outputs["sourceOrgName"] == "Acme Payments"  # the PATCH response has no names
    assert after.outputs["sinkOrgName"] == "Acme Hub"
    assert after.outputs["createdByName"] == "Pat Payments"


def test_adopt_alone_changed_updates_the_state_without_a_call(world: NativeWorld) -> None:
    world.engine.up([world.goal("p", "hub", ["logs"])])
    world.api_calls()

    result = world.engine.up([world.goal("p", "hub", ["logs"], adopt=True)])

    assert result.counts["update"] == 1
    assert world.api_calls() == {}
    assert world.engine.state["p"].outputs["adopt"] is True


def test_sink_changed_replaces_creating_the_new_connection_before_deleting_the_old(
    world: NativeWorld,
) -> None:
    world.engine.up([world.goal("payments-out", "hub", ["logs"])])
    old_id = world.engine.state["payments-out"].id
    world.emu.clear_requests()

    result = world.engine.up([world.goal("payments-out", "search", ["logs"])])

    assert result.counts["replace"] == 1
    assert [r.method for r in world.emu.requests] == ["POST", "DELETE"]
    assert world.emu.requests[1].path.endswith(old_id)
    assert world.remote() == {
        (world.emu.org_uuid("payments"), world.emu.org_uuid("search")): ["logs"]
    }


def test_deleted_out_of_band_refresh_marks_gone_and_up_recreates(world: NativeWorld) -> None:
    world.engine.up(hub_and_spoke(world))
    gone_id = world.engine.state["search-to-hub"].id
    world.client("hub").delete_connection(gone_id)  # from the sink side, as in the UI
    world.api_calls()

    refreshed = world.engine.refresh()

    assert world.api_calls() == {"GET": 2}  # one listing per provider instance
    assert "search-to-hub" not in world.engine.state
    assert refreshed.counts["refresh-gone"] == 1
    recreated = world.engine.up(hub_and_spoke(world))
    assert recreated.counts["create"] == 1
    assert world.engine.state["search-to-hub"].id != gone_id
    assert len(world.remote()) == 2


def test_creator_deactivated_refresh_marks_gone(world: NativeWorld) -> None:
    world.engine.up(hub_and_spoke(world))
    world.emu.deactivate_user("sam@acme.example")

    world.engine.refresh()

    assert set(world.engine.state) == {"payments-to-hub"}


def test_types_changed_out_of_band_refresh_reports_and_up_restores(world: NativeWorld) -> None:
    world.engine.up(hub_and_spoke(world))
    conn_id = world.engine.state["payments-to-hub"].id
    world.client("payments").update_connection(conn_id, ["logs"])

    refreshed = world.engine.refresh()

    assert refreshed.counts["refresh-changed"] == 1
    state = world.engine.state["payments-to-hub"]
    assert state.outputs["connectionTypes"] == ["logs"]
    assert state.inputs["connectionTypes"] == ["logs"]
    world.api_calls()
    repaired = world.engine.up(hub_and_spoke(world))
    assert repaired.counts["update"] == 1
    assert world.api_calls() == {"PATCH": 1}
    assert world.remote()[(world.emu.org_uuid("payments"), world.emu.org_uuid("hub"))] == [
        "logs",
        "metrics",
    ]


def test_existing_connection_without_adopt_fails_saying_how_to_adopt(world: NativeWorld) -> None:
    existing = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["logs"]).id

    with pytest.raises(ProviderError) as info:
        world.engine.up([world.goal("payments-to-hub", "hub", ["logs"])])

    assert "adopt=True" in info.value.message
    assert existing in info.value.message
    assert "payments-to-hub" not in world.engine.state
    assert len(world.emu.connections()) == 1


def test_adopt_takes_over_the_existing_connection_and_sets_its_types(world: NativeWorld) -> None:
    existing = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["logs"]).id
    world.api_calls()

    world.engine.up([world.goal("payments-to-hub", "hub", ["logs", "metrics"], adopt=True)])

    assert world.engine.state["payments-to-hub"].id == existing
    assert world.api_calls() == {"POST": 1, "GET": 1, "PATCH": 1}
    assert [c["id"] for c in world.emu.connections()] == [existing]
    outs = world.engine.state["payments-to-hub"].outputs
    assert outs["connectionTypes"] == ["logs", "metrics"]
    assert outs["sourceOrgName"] == "Acme Payments"


def test_destroy_deletes_each_connection_with_one_call(world: NativeWorld) -> None:
    world.engine.up(hub_and_spoke(world))
    world.api_calls()

    result = world.engine.destroy()

    assert result.counts["delete"] == 2
    assert world.api_calls() == {"DELETE": 2}
    assert world.emu.connections() == []
    assert world.engine.state == {}


def test_delete_of_a_connection_already_gone_succeeds(world: NativeWorld) -> None:
    world.engine.up(hub_and_spoke(world))
    world.client("search").delete_connection(world.engine.state["search-to-hub"].id)

    world.engine.destroy()

    assert world.engine.state == {} and world.emu.connections() == []


def test_bad_input_fails_check_naming_the_property_before_any_call(world: NativeWorld) -> None:
    world.api_calls()
    bad = world.goal("bad", "hub", ["logs", "traces"])

    with pytest.raises(CheckFailed) as info:
        world.engine.preview([bad])

    assert [prop for prop, _ in info.value.failures] == ["connectionTypes"]
    assert "'traces'" in str(info.value) and "use only audit, logs, metrics" in str(info.value)
    assert world.api_calls() == {}


def test_preview_with_inputs_not_known_yet_passes_check_and_plans_a_replace(
    world: NativeWorld,
) -> None:
    world.engine.up([world.goal("p", "hub", ["logs"])])
    pending = world.goal("p", "hub", ["logs"])
    pending = Goal(pending.name, {**pending.inputs, "sinkOrgId": UNKNOWN}, pending.provider)
    world.api_calls()

    result = world.engine.preview([pending])

    assert result.counts["replace"] == 1
    assert world.api_calls() == {}
