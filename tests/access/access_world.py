"""A deployable world for access and verify tests: the offline Datadog with a second person in
Payments (Quinn, key pair `payments-dev`) and a read-only viewer in Hub (Vic, `hub-viewer`), a real
provider server configured with a stack config naming those key pairs, and an engine harness."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datadog_crossorg.client.api import connection_resource_id
from datadog_crossorg.client.records import Binding
from datadog_crossorg.connection_access import ConnectionAccessProvider
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.seed import with_key_pair
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.testing.harness import Engine, Goal, ProviderServer
from datadog_crossorg.testing.probe import EmulatorProbe
from datadog_crossorg.testing.stack import emulator_stack_config
from datadog_crossorg.tokens import CONNECTION_ACCESS, ORG_CONNECTION

CONNECTION = ORG_CONNECTION
ACCESS = CONNECTION_ACCESS
PROJECT_DIR = Path(__file__).resolve().parents[2]
NAMED = ("payments", "payments-dev", "search", "hub-viewer")
SECRET_KEYS = {"datadog:apiKey", "datadog:appKey", "datadog-crossorg:orgs"}

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


def stack_config(
    emu: Emulator, connections: list[dict[str, Any]] = (), extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Stack config as the engine delivers it: the default pair is Hub's, four named pairs,
    org names for every key pair, (for verify) the declared connections, and `extra`."""
    config = emulator_stack_config(
        emu, "hub", NAMED, org_uuids=("hub", *NAMED), connections=list(connections)
    )
    return {**config, **(extra or {})}


@dataclass
class World(EmulatorProbe):
    emu: Emulator
    server: ProviderServer
    engine: Engine
    config: dict[str, str]

    def connection(self, name: str, org: str, types: list[str], sink: str = "hub") -> Goal:
        inputs = {
            "sink_org_id": self.emu.org_uuid(sink),
            "connection_types": types,
            "org": org,
            "adopt": False,
        }
        return Goal(name=name, type=CONNECTION, inputs=inputs, provider=OrgConnectionProvider())

    def access(self, name: str, connection: str, **inputs: Any) -> Goal:
        """A ConnectionAccess on the deployed connection named `connection`."""
        props = {"connection_id": self.engine.state[connection].id, **inputs}
        return Goal(
            name=name,
            type=ACCESS,
            inputs=props,
            provider=ConnectionAccessProvider(),
            depends_on=(connection,),
        )

    def policy(self, key_pair: str, connection: str) -> list[Binding]:
        """The policy of `key_pair`'s org on the deployed connection, as Datadog holds it."""
        with self.client(key_pair) as client:
            rid = connection_resource_id(self.engine.state[connection].id)
            return client.get_restriction_policy(rid)


def make_world(
    factory: Callable[..., Emulator],
    tmp_path: Path,
    connections: list[dict[str, Any]] = (),
    extra: dict[str, str] | None = None,
) -> Iterator[World]:
    emu = factory(seed=access_seed())
    config = stack_config(emu, connections, extra)
    with ProviderServer(cwd=PROJECT_DIR) as server:
        server.configure(config, SECRET_KEYS)
        engine = Engine(server, stack="test", state_path=tmp_path / "state.json")
        yield World(emu, server, engine, config)
