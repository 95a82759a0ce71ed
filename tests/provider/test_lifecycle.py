"""The OrgConnection lifecycle through both adapters of the one core, as the engine drives them,
against the offline Datadog: the dynamic provider's server and the native plugin's gRPC server
(ids [dynamic] and [native]). Each step's effect on Datadog and the number of API calls it costs;
cases only one adapter has stay in tests/provider/dynamic/test_lifecycle.py and
tests/provider/native/test_lifecycle.py."""

from __future__ import annotations

import pytest

from datadog_crossorg.client import NotFound
from datadog_crossorg.emulator import Fault
from datadog_crossorg.rules.connections import ConnectionSpec, explain_failure
from datadog_crossorg.testing.harness import UNKNOWN, ProviderError
from tests.support.world import World


def hub_and_spoke(world: World, payments_types: list[str] | None = None) -> list:
    return [
        world.goal("payments-to-hub", "hub", payments_types or ["metrics", "logs"], org="payments"),
        world.goal("search-to-hub", "hub", ["metrics"], org="search"),
    ]


def test_up_creates_each_connection_from_its_own_source_org_with_one_call(
    adapter_world: World,
) -> None:
    world = adapter_world
    world.api_calls()

    result = world.engine.up(hub_and_spoke(world))

    assert result.counts["create"] == 2
    assert world.api_calls() == {"POST": 2}
    posts = {r.key_pair for r in world.emu.requests if r.method == "POST"}
    assert posts == {"payments", "search"}  # each source org's own key pair
    hub = world.emu.org_uuid("hub")
    assert world.remote() == {
        (world.emu.org_uuid("payments"), hub): ["logs", "metrics"],
        (world.emu.org_uuid("search"), hub): ["metrics"],
    }
    state = world.engine.state["payments-to-hub"]
    assert world.out(state, "source_org_name") == "Acme Payments"
    assert world.out(state, "sink_org_name") == "Acme Hub"
    assert world.out(state, "connection_types") == ["logs", "metrics"]
    assert world.out(state, "created_by_name") == "Pat Payments"
    assert world.out(state, "connection_id") == state.id


def test_noop_up_and_preview_make_no_api_call(adapter_world: World) -> None:
    world = adapter_world
    world.engine.up(hub_and_spoke(world))
    world.api_calls()

    preview = world.engine.preview(hub_and_spoke(world))
    again = world.engine.up(hub_and_spoke(world))

    assert world.api_calls() == {}
    assert not preview.changed and not again.changed


def test_types_reordered_make_no_diff(adapter_world: World) -> None:
    # given: types declared in one order (neither list below is sorted)
    world = adapter_world
    world.engine.up(hub_and_spoke(world, ["metrics", "audit", "logs"]))
    world.api_calls()
    # when: the same types in another order
    reordered = world.engine.up(hub_and_spoke(world, ["logs", "metrics", "audit"]))
    # then: no change and no call; the state holds the one sorted order
    assert not reordered.changed
    assert world.api_calls() == {}
    state = world.engine.state["payments-to-hub"]
    assert world.out(state, "connection_types") == ["audit", "logs", "metrics"]


def test_types_changed_update_in_place_with_one_patch_and_complete_outputs(
    adapter_world: World,
) -> None:
    world = adapter_world
    world.engine.up(hub_and_spoke(world))
    before = world.engine.state["payments-to-hub"]
    world.api_calls()

    result = world.engine.up(hub_and_spoke(world, ["metrics", "logs", "audit"]))

    assert result.counts["update"] == 1
    assert world.api_calls() == {"PATCH": 1}
    after = world.engine.state["payments-to-hub"]
    assert after.id == before.id
    assert world.out(after, "connection_types") == ["audit", "logs", "metrics"]
    # The PATCH response carries no names; they must not go blank (Terraform's weak spot).
    assert world.out(after, "source_org_name") == "Acme Payments"
    assert world.out(after, "sink_org_name") == "Acme Hub"
    assert world.out(after, "created_by_name") == "Pat Payments"


def test_sink_changed_replaces_creating_the_new_connection_before_deleting_the_old(
    adapter_world: World,
) -> None:
    world = adapter_world
    world.engine.up([world.goal("payments-out", "hub", ["logs"], org="payments")])
    old_id = world.engine.state["payments-out"].id
    world.emu.clear_requests()

    result = world.engine.up([world.goal("payments-out", "search", ["logs"], org="payments")])

    assert result.counts["replace"] == 1
    assert [r.method for r in world.emu.requests] == ["POST", "DELETE"]
    assert world.emu.requests[1].path.endswith(old_id)
    assert world.remote() == {
        (world.emu.org_uuid("payments"), world.emu.org_uuid("search")): ["logs"]
    }


def test_deleted_out_of_band_refresh_marks_gone_and_up_recreates(
    adapter_world: World,
) -> None:
    world = adapter_world
    world.engine.up(hub_and_spoke(world))
    gone_id = world.engine.state["search-to-hub"].id
    world.client("hub").delete_connection(gone_id)  # from the sink side, as in the UI
    world.api_calls()

    refreshed = world.engine.refresh()

    assert world.api_calls() == {"GET": 2}  # one listing per resource
    assert "search-to-hub" not in world.engine.state
    assert refreshed.counts["refresh-gone"] == 1
    recreated = world.engine.up(hub_and_spoke(world))
    assert recreated.counts["create"] == 1
    assert world.engine.state["search-to-hub"].id != gone_id
    assert len(world.remote()) == 2


def test_creator_deactivated_refresh_marks_gone(adapter_world: World) -> None:
    world = adapter_world
    world.engine.up(hub_and_spoke(world))
    world.emu.deactivate_user("sam@acme.example")

    world.engine.refresh()

    assert set(world.engine.state) == {"payments-to-hub"}


def test_types_changed_out_of_band_refresh_reports_and_up_restores(
    adapter_world: World,
) -> None:
    world = adapter_world
    world.engine.up(hub_and_spoke(world))
    conn_id = world.engine.state["payments-to-hub"].id
    world.client("payments").update_connection(conn_id, ["logs"])

    refreshed = world.engine.refresh()

    assert refreshed.counts["refresh-changed"] == 1
    state = world.engine.state["payments-to-hub"]
    assert world.out(state, "connection_types") == ["logs"]
    assert world.inp(state, "connection_types") == ["logs"]
    world.api_calls()
    repaired = world.engine.up(hub_and_spoke(world))
    assert repaired.counts["update"] == 1
    assert world.api_calls() == {"PATCH": 1}
    assert world.remote()[(world.emu.org_uuid("payments"), world.emu.org_uuid("hub"))] == [
        "logs",
        "metrics",
    ]


def test_existing_connection_without_adopt_fails_saying_how_to_adopt(
    adapter_world: World,
) -> None:
    world = adapter_world
    existing = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["logs"]).id

    with pytest.raises(ProviderError) as info:
        world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], org="payments")])

    assert "adopt=True" in info.value.message
    assert existing in info.value.message
    # the cause and fix alone: no Python stack under it (either server would add one)
    assert 'File "' not in info.value.message and "Traceback" not in info.value.message
    assert "payments-to-hub" not in world.engine.state
    assert len(world.emu.connections()) == 1


def test_adopt_takes_over_the_existing_connection_and_sets_its_types(
    adapter_world: World,
) -> None:
    world = adapter_world
    existing = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["logs"]).id
    world.api_calls()

    world.engine.up(
        [world.goal("payments-to-hub", "hub", ["logs", "metrics"], org="payments", adopt=True)]
    )

    assert world.engine.state["payments-to-hub"].id == existing
    assert world.api_calls() == {"POST": 1, "GET": 1, "PATCH": 1}
    assert [c["id"] for c in world.emu.connections()] == [existing]
    state = world.engine.state["payments-to-hub"]
    assert world.out(state, "connection_types") == ["logs", "metrics"]
    assert world.out(state, "source_org_name") == "Acme Payments"


def test_destroy_deletes_each_connection_with_one_call(adapter_world: World) -> None:
    world = adapter_world
    world.engine.up(hub_and_spoke(world))
    world.api_calls()

    result = world.engine.destroy()

    assert result.counts["delete"] == 2
    assert world.api_calls() == {"DELETE": 2}
    assert world.emu.connections() == []
    assert world.engine.state == {}


def test_delete_of_a_connection_already_gone_succeeds(adapter_world: World) -> None:
    world = adapter_world
    world.engine.up(hub_and_spoke(world))
    world.client("search").delete_connection(world.engine.state["search-to-hub"].id)

    world.engine.destroy()

    assert world.engine.state == {} and world.emu.connections() == []


def test_bad_input_fails_check_naming_the_property_before_any_call(
    adapter_world: World,
) -> None:
    world = adapter_world
    world.api_calls()
    bad = world.goal("bad", "hub", ["logs", "traces"], org="payments")
    prop = world.name("connection_types")

    with pytest.raises(
        Exception, match=rf"{prop}.*'traces'.*use only audit, logs, metrics"
    ) as info:
        world.engine.preview([bad])

    assert [failed for failed, _ in info.value.failures] == [prop]
    assert world.api_calls() == {}


def test_preview_with_inputs_not_known_yet_passes_check_and_plans_a_replace(
    adapter_world: World,
) -> None:
    world = adapter_world
    world.engine.up([world.goal("p", "hub", ["logs"], org="payments")])
    pending = world.goal("p", "hub", ["logs"], org="payments")
    pending = world.with_input(pending, "sink_org_id", UNKNOWN)  # e.g. another resource's output
    world.api_calls()

    result = world.engine.preview([pending])

    assert result.counts["replace"] == 1
    assert world.api_calls() == {}  # nothing was called by the preview
    assert world.emu.requests[-1].method == "POST"  # the last call is still the up's create


def test_a_404_on_the_adopt_patch_says_the_connection_is_gone(adapter_world: World) -> None:
    # given: a connection to adopt, deleted in Datadog between the look and the PATCH
    world = adapter_world
    existing = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["logs"]).id
    gone = {"errors": [f"Org connection with id:{existing} not found not found"]}
    world.emu.add_fault(Fault("status", method="PATCH", status=404, body=gone))
    # when
    with pytest.raises(ProviderError) as info:
        world.engine.up(
            [world.goal("payments-to-hub", "hub", ["logs", "metrics"], org="payments", adopt=True)]
        )
    # then: the connection is named gone, not the sink org missing
    assert "the connection is gone" in info.value.message
    assert "sink org was not found" not in info.value.message
    assert "payments-to-hub" not in world.engine.state


@pytest.mark.parametrize("action", ["delete", "update", "read", "adopt"])
def test_a_404_on_an_existing_connection_is_explained_as_gone(action: str) -> None:
    spec = ConnectionSpec("7bd471e8-b9fe-4ee7-9e36-d59b281bd96f", ("logs",), None, adopt=True)
    target = spec if action == "adopt" else "0f2b1c3d-0000-4000-8000-000000000000"
    not_found = NotFound("DELETE /api/v2/org_connections/x failed: 404 not found", status=404)
    message = str(explain_failure(action, target, None, not_found))
    assert "the connection is gone" in message and "sink org" not in message
    create = str(explain_failure("create", spec, None, not_found))
    assert "the sink org was not found" in create
