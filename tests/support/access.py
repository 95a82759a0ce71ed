"""The access tests' world: the offline Datadog with a second person in Payments (Quinn, key pair
`payments-dev`) and a read-only viewer in Hub (Vic, `hub-viewer`), the dynamic provider configured
with a stack config naming those key pairs and every key pair's org, and the principals of the
default seed the tests grant and revoke."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.seed import with_key_pair
from datadog_crossorg.testing.stack import emulator_stack_config
from tests.support.world import World, dynamic_world

NAMED = ("payments", "payments-dev", "search", "hub-viewer")

# Principals of the default seed (default_seed.json).
PAYMENTS_ADMIN = "role:e5a00c43-d0d5-4dd5-bea0-1462ee8b9015"  # Pat (key pair payments)
PAYMENTS_STANDARD = "role:42b919cc-ef57-4a14-be4e-a9ea5eae6d4f"  # Quinn (payments-dev)
PAYMENTS_TEAM = "team:3f449b62-4295-4209-998e-140e73fa1229"  # Pat and Quinn
PAT = "user:b85c9345-baea-4b87-847e-58d1278c5fc5"
QUINN = "user:d4b9855d-75b0-43f9-ac45-b2606db91d58"
HUB_ADMIN = "role:a10c3683-402d-402c-b804-709dcdf51ea2"  # Hana (the default pair, hub)
FINANCE = "team:c64c2d7e-93a5-4d66-8dd8-bf0698876c8d"  # Vic (hub-viewer)
OBSERVABILITY = "team:523ec244-dc6a-4a0b-b6d3-77f889d0dedf"  # Hana and Olga, not Vic


def access_seed() -> dict[str, Any]:
    seed = with_key_pair(None, "payments-dev", "quinn@acme.example")
    return with_key_pair(
        seed, "hub-viewer", "vic@acme.example", ["org_connections_read", "timeseries_query"]
    )


def access_config(
    emu: Emulator,
    connections: list[dict[str, Any]] = (),  # type: ignore[assignment]
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Stack config as the engine delivers it: the default pair is Hub's, four named pairs,
    org names for every key pair, (for verify) the declared connections, and `extra`."""
    config = emulator_stack_config(
        emu, "hub", NAMED, org_uuids=("hub", *NAMED), connections=list(connections)
    )
    return {**config, **(extra or {})}


@contextmanager
def access_world(
    factory: Callable[..., Emulator],
    state_dir: Path,
    connections: list[dict[str, Any]] = (),  # type: ignore[assignment]
    extra: Mapping[str, str] | None = None,
) -> Iterator[World]:
    """A fresh emulator with the access seed, and the dynamic provider configured for it."""
    emu = factory(seed=access_seed())
    with dynamic_world(emu, state_dir, NAMED, access_config(emu, connections, extra)) as world:
        yield world
