"""`pulumi import` and `OrgConnection.get` through the native plugin: Read with only the id (no prior
state) finds the connection and returns complete inputs and outputs."""

from __future__ import annotations

import pytest

from datadog_crossorg.native import schema
from datadog_crossorg.testing.harness import NotFound
from tests.support.world import World


def test_import_by_id_alone_returns_complete_outputs_and_inputs_and_up_then_changes_nothing(
    world: World,
) -> None:
    hub = world.emu.org_uuid("hub")
    made = world.client("payments").create_connection(hub, ["metrics", "logs"])
    world.api_calls()

    imported = world.engine.import_(
        schema.RESOURCE_TYPE, "payments-to-hub", made.id, provider_instance="payments"
    )

    assert world.api_calls() == {"GET": 1}
    assert imported.id == made.id
    assert imported.outputs == {
        "connectionId": made.id,
        "sourceOrgId": world.emu.org_uuid("payments"),
        "sourceOrgName": "Acme Payments",
        "sinkOrgId": hub,
        "sinkOrgName": "Acme Hub",
        "connectionTypes": ["logs", "metrics"],
        "createdAt": made.created_at,
        "createdBy": made.created_by_id,
        "createdByName": "Pat Payments",
        "adopt": False,
    }
    assert set(imported.outputs) == set(
        schema.build()["resources"][schema.RESOURCE_TYPE]["properties"]
    )
    assert imported.inputs == {
        "sinkOrgId": hub,
        "connectionTypes": ["logs", "metrics"],
        "adopt": False,
    }
    # The program `pulumi import` prints declares these inputs: the next up changes nothing.
    same = world.engine.up([world.goal("payments-to-hub", "hub", ["logs", "metrics"], "payments")])
    assert not same.changed and world.api_calls() == {}
    # From then on the stack manages it.
    world.engine.up([world.goal("payments-to-hub", "hub", ["logs"], "payments")])
    assert world.api_calls() == {"PATCH": 1}
    assert world.remote()[(world.emu.org_uuid("payments"), hub)] == ["logs"]


def test_get_by_id_works_from_the_sink_orgs_provider_too(world: World) -> None:
    made = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["audit"])
    hub = world.add_provider("hub")

    found, outs, inputs = hub.read(
        made.id, f"urn:pulumi:test::native::{schema.RESOURCE_TYPE}::existing", {}, {}
    )

    assert found == made.id
    assert outs["sourceOrgName"] == "Acme Payments" and outs["connectionTypes"] == ["audit"]
    assert inputs["connectionTypes"] == ["audit"]


def test_import_of_an_id_the_org_does_not_take_part_in_finds_nothing(world: World) -> None:
    made = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["logs"])

    with pytest.raises(LookupError, match=made.id) as info:
        world.engine.import_(schema.RESOURCE_TYPE, "elsewhere", made.id, provider_instance="search")

    assert isinstance(info.value, NotFound)
    assert world.engine.state == {}
