"""Two documented behaviours of the provider's per-key-pair views (process/, rules/connections.py):
a write through one key pair invalidates every key pair's shared listing (a connection is visible
from both its orgs), and `read` matches by id, never by any connection of the same pair."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from datadog_crossorg.config.credentials import KeyRing
from datadog_crossorg.config.settings import ProviderSettings
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.process.provider_process import ProviderProcess
from datadog_crossorg.rules import connections
from datadog_crossorg.testing.stack import emulator_stack_config


@pytest.fixture
def runtime(datadog_emulator: Emulator) -> Iterator[ProviderProcess]:
    """The hub's key pair as the default, payments' by name; listings kept a minute."""
    config = emulator_stack_config(datadog_emulator, "hub", ("payments",))
    made = ProviderProcess(
        ProviderSettings(KeyRing.from_config(config.get, env={}), listing_ttl=60)
    )
    yield made
    for org in (None, "payments"):
        made.client(org).close()


def spec(emu: Emulator, types: list[str]) -> connections.ConnectionSpec:
    return connections.ConnectionSpec(emu.org_uuid("hub"), tuple(types), org="payments")


def test_a_write_through_one_key_pair_is_seen_by_every_key_pairs_next_read(
    runtime: ProviderProcess, datadog_emulator: Emulator
) -> None:
    # given: payments -> hub, and the hub's listing (the sink's view of it) cached
    payments, hub = runtime.view("payments"), runtime.view(None)
    made = connections.create(payments, spec(datadog_emulator, ["logs"]))
    assert connections.read(hub, made.id).connection_types == ("logs",)

    # when: the source's key pair changes its types
    connections.update(payments, made.id, ["logs", "metrics"], {})

    # then: the hub's next read lists again and sees the change
    mark = len(datadog_emulator.requests)
    assert connections.read(hub, made.id).connection_types == ("logs", "metrics")
    assert [(r.method, r.key_pair) for r in datadog_emulator.requests[mark:]] == [("GET", "hub")]


def test_read_finds_its_own_id_and_not_a_newer_connection_of_the_same_pair(
    runtime: ProviderProcess, datadog_emulator: Emulator
) -> None:
    # given: our connection deleted out of band, and another of the same pair made since
    payments = runtime.view("payments")
    ours = connections.create(payments, spec(datadog_emulator, ["logs"]))
    out_of_band = runtime.client("payments")
    out_of_band.delete_connection(ours.id)
    other = out_of_band.create_connection(datadog_emulator.org_uuid("hub"), ["logs"])
    runtime.invalidate_all()  # what a new provider process starts with

    # when / then: ours is gone, whatever else connects the pair
    pair = {"sink_org_id": ours.sink_org_id, "source_org_id": ours.source_org_id}
    assert connections.read(payments, ours.id, **pair) is None
    assert connections.read(payments, other.id, **pair) == other
