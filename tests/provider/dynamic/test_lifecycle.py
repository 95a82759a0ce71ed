"""OrgConnection through the real dynamic provider server, as the engine drives it, against the
offline Datadog: the lifecycle cases only the dynamic provider has (the source org is an input;
reads by id through the pickled provider). The cases both adapters share are in
tests/provider/test_lifecycle.py."""

from __future__ import annotations

from datadog_crossorg.org_connection import OrgConnectionProvider
from tests.support.world import World


def test_source_changed_for_the_same_sink_replaces_without_a_409(world: World) -> None:
    world.engine.up([world.goal("to-hub", "hub", ["logs"], org="payments")])

    result = world.engine.up([world.goal("to-hub", "hub", ["logs"], org="search")])

    assert result.counts["replace"] == 1
    assert all(r.status == 200 for r in world.emu.requests)
    assert list(world.remote()) == [(world.emu.org_uuid("search"), world.emu.org_uuid("hub"))]


def test_get_reads_an_existing_connection_by_id_alone(world: World) -> None:
    existing = world.client("payments").create_connection(world.emu.org_uuid("hub"), ["metrics"]).id
    props = {"__provider": OrgConnectionProvider().pickled(), "org": "payments"}
    found_id, outs, _ = world.server.read(existing, "urn:test::get", props)

    assert found_id == existing
    assert outs["source_org_name"] == "Acme Payments"
    assert outs["connection_types"] == ["metrics"]
