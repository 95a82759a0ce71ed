"""A deployable world for a test: a fresh offline Datadog, a real provider server configured with a
stack config pointing at it, and an engine harness keeping state between deployments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.testing.harness import Engine, Goal, ProviderServer
from datadog_crossorg.testing.stack import SECRET_KEYS, emulator_stack_config

TYPE = "pulumi-python:dynamic/datadog:OrgConnection"
PROJECT_DIR = Path(__file__).resolve().parents[2]


def stack_config(
    emu: Emulator, default: str = "hub", named: tuple[str, ...] = ()
) -> dict[str, str]:
    """Stack config as the engine delivers it: namespaced keys, structured values as JSON."""
    return emulator_stack_config(emu, default, named)


@dataclass
class World:
    emu: Emulator
    server: ProviderServer
    engine: Engine
    config: dict[str, str]
    marks: list[int] = field(default_factory=list)

    def goal(
        self, name: str, sink: str, types: list[str], org: str | None = None, adopt: bool = False
    ) -> Goal:
        inputs: dict[str, object] = {
            "sink_org_id": self.emu.org_uuid(sink),
            "connection_types": types,
            "adopt": adopt,
        }
        if org:
            inputs["org"] = org
        return Goal(name=name, type=TYPE, inputs=inputs, provider=OrgConnectionProvider())

    def client(self, key_pair: str) -> DatadogClient:
        """A client acting out of band (a person in the Datadog UI), not through the stack."""
        keys = self.emu.keys(key_pair)
        return DatadogClient(keys.api_key, keys.app_key, self.emu.url)

    def next_process(self) -> Iterator[World]:
        """The same stack in a new provider process: what the next `pulumi` command gets."""
        with ProviderServer(cwd=PROJECT_DIR) as server:
            server.configure(self.config, SECRET_KEYS)
            state_path = self.engine.state_path
            yield World(
                self.emu, server, Engine(server, stack="test", state_path=state_path), self.config
            )

    def api_calls(self) -> Counter[str]:
        """API calls (method) since the last call to this method, from the emulator's request log."""
        log = self.emu.requests
        start = self.marks[-1] if self.marks else 0
        self.marks.append(len(log))
        return Counter(r.method for r in log[start:])

    def remote(self) -> dict[tuple[str, str], list[str]]:
        """(source uuid, sink uuid) -> types, as the emulator holds them."""
        return {
            (
                c["relationships"]["source_org"]["data"]["id"],
                c["relationships"]["sink_org"]["data"]["id"],
            ): sorted(c["attributes"]["connection_types"])
            for c in self.emu.connections()
        }


def make_world(
    emu: Emulator,
    tmp_path: Path,
    named: tuple[str, ...],
    extra_config: dict[str, str] | None = None,
    parallel: int = 16,
) -> Iterator[World]:
    config = {**stack_config(emu, named=named), **(extra_config or {})}
    with ProviderServer(cwd=PROJECT_DIR) as server:
        server.configure(config, SECRET_KEYS)
        engine = Engine(server, stack="test", state_path=tmp_path / "state.json", parallel=parallel)
        yield World(emu, server, engine, config)
