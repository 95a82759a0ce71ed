"""Org connections through real HTTP: create, list (all pages), update, delete."""

from __future__ import annotations

import pytest

from datadog_crossorg.client import Connection, DatadogClient


def test_create_returns_the_connection_with_org_and_user_names(datadog_emulator, hub) -> None:
    payments = datadog_emulator.org_uuid("payments")

    conn = hub.create_connection(payments, ["metrics", "logs"])

    hub_keys = datadog_emulator.keys("hub")
    assert conn.source_org_id == hub_keys.org_uuid
    assert conn.sink_org_id == payments
    assert conn.connection_types == ("logs", "metrics")
    assert conn.source_org_name == hub_keys.org_name
    assert conn.sink_org_name == "Acme Payments"
    assert conn.created_by_id and conn.created_by_name
    assert conn.created_at
    assert [c["id"] for c in datadog_emulator.connections()] == [conn.id]


def test_create_sends_the_documented_body(datadog_emulator, hub) -> None:
    """The emulator refuses bodies that differ from Datadog's; a created row proves the shape."""
    search = datadog_emulator.org_uuid("search")
    conn = hub.create_connection(search, ("audit",))
    assert hub.list_connections(sink_org_id=search) == [conn]


def test_list_sees_connections_as_source_and_as_sink_and_filters(
    datadog_emulator, client_for
) -> None:
    hub, payments = client_for("hub"), client_for("payments")
    hub_uuid, payments_uuid = (datadog_emulator.org_uuid(n) for n in ("hub", "payments"))
    outgoing = hub.create_connection(payments_uuid, ["logs"])
    incoming = payments.create_connection(hub_uuid, ["metrics"])

    everything = hub.list_connections()
    to_payments = hub.list_connections(sink_org_id=payments_uuid)
    from_payments = hub.list_connections(source_org_id=payments_uuid)

    assert {c.id for c in everything} == {outgoing.id, incoming.id}
    assert [c.id for c in to_payments] == [outgoing.id]
    assert [c.id for c in from_payments] == [incoming.id]
    assert all(isinstance(c, Connection) and c.sink_org_name for c in everything)


def _connect_hub_with_every_spoke(emu, client_for) -> set[str]:
    """Six connections the hub takes part in: hub -> 3 spokes, and each spoke -> hub."""
    hub_uuid = emu.org_uuid("hub")
    ids = set()
    for spoke in ("payments", "search", "edge"):
        ids.add(client_for("hub").create_connection(emu.org_uuid(spoke), ["logs"]).id)
        ids.add(client_for(spoke).create_connection(hub_uuid, ["metrics"]).id)
    return ids


def test_list_reads_every_page_with_limit_and_offset(datadog_emulator, client_for) -> None:
    ids = _connect_hub_with_every_spoke(datadog_emulator, client_for)
    hub = client_for("hub")
    before = len(datadog_emulator.requests)

    listed = hub.list_connections(page_size=4)

    pages = [r for r in datadog_emulator.requests[before:] if r.method == "GET"]
    assert {c.id for c in listed} == ids
    assert len(listed) == len(ids)
    assert [(p.query.get("limit"), p.query.get("offset")) for p in pages] == [
        ("4", "0"),
        ("4", "4"),
    ]


def test_list_stops_at_total_filtered_count_without_an_empty_page(
    datadog_emulator, client_for
) -> None:
    ids = _connect_hub_with_every_spoke(datadog_emulator, client_for)
    hub = client_for("hub")
    before = len(datadog_emulator.requests)

    listed = hub.list_connections(page_size=2)

    offsets = [r.query.get("offset") for r in datadog_emulator.requests[before:]]
    assert {c.id for c in listed} == ids
    assert offsets == ["0", "2", "4"]


def test_list_refuses_a_page_size_below_one(hub: DatadogClient) -> None:
    with pytest.raises(ValueError, match="page_size"):
        hub.list_connections(page_size=0)


def test_update_returns_new_types_and_none_names_as_datadog_answers(datadog_emulator, hub) -> None:
    conn = hub.create_connection(datadog_emulator.org_uuid("payments"), ["logs"])

    updated = hub.update_connection(conn.id, ["metrics", "logs", "audit"])

    assert updated.id == conn.id
    assert updated.connection_types == ("audit", "logs", "metrics")
    assert (updated.source_org_id, updated.sink_org_id) == (conn.source_org_id, conn.sink_org_id)
    assert (updated.source_org_name, updated.sink_org_name, updated.created_by_name) == (
        None,
        None,
        None,
    )
    assert hub.list_connections()[0].connection_types == ("audit", "logs", "metrics")


def test_delete_removes_the_connection_and_returns_none(datadog_emulator, hub) -> None:
    conn = hub.create_connection(datadog_emulator.org_uuid("payments"), ["logs"])

    assert hub.delete_connection(conn.id) is None

    assert hub.list_connections() == []
    assert datadog_emulator.connections() == []


def test_sink_org_may_delete_a_connection(datadog_emulator, client_for) -> None:
    conn = client_for("hub").create_connection(datadog_emulator.org_uuid("payments"), ["logs"])
    client_for("payments").delete_connection(conn.id)
    assert datadog_emulator.connections() == []


def test_connection_types_given_as_one_string_are_refused(datadog_emulator, hub) -> None:
    with pytest.raises(TypeError):
        hub.create_connection(datadog_emulator.org_uuid("payments"), "logs")
    assert datadog_emulator.connections() == []
