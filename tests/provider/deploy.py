"""A deployable world for a test: a fresh offline Datadog, a real provider server configured with a
stack config pointing at it, and an engine harness keeping state between deployments."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.testing.harness import Engine, Goal, ProviderServer
from datadog_crossorg.testing.probe import EmulatorProbe
from datadog_crossorg.testing.stack import SECRET_KEYS, emulator_stack_config
from datadog_crossorg.tokens import ORG_CONNECTION

TYPE = ORG_CONNECTION
PROJECT_DIR = Path(__file__).resolve().parents[2]


def stack_config(
    emu: Emulator, default: str = "hub", named: tuple[str, ...] = ()
) -> dict[str, str]:
    """Stack config as the engine delivers it: namespaced keys, structured values as JSON."""
    return emulator_stack_config(emu, default, named)


@dataclass
class World(EmulatorProbe):
    emu: Emulator
    server: ProviderServer
    engine: Engine
    config: dict[str, str]

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

    def next_process(self) -> Iterator[World]:
        """The same stack in a new provider process: what the next `pulumi` command gets."""
        with ProviderServer(cwd=PROJECT_DIR) as server:
            server.configure(self.config, SECRET_KEYS)
            state_path = self.engine.state_path
            yield World(
                self.emu, server, Engine(server, stack="test", state_path=state_path), self.config
            )


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
