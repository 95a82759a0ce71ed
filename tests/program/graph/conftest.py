"""Fixtures for the graph tests: the demo's world and the command run in-process.

The demo's world is the default seed with the demo stack's connections (payments -> hub metrics,
logs; search -> hub metrics, logs, audit; edge -> hub metrics), made through the client as the
stack's provider makes them; its stack config names hub as the default pair and the spokes as
named pairs, as stacks/Pulumi.local.yaml does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from datadog_crossorg.cli import main
from datadog_crossorg.client import DatadogClient
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.stack import emulator_stack_config, write_stack_file

DEMO_CONNECTIONS = (
    ("payments", ("metrics", "logs")),
    ("search", ("metrics", "logs", "audit")),
    ("edge", ("metrics",)),
)
SPOKES = ("payments", "search", "edge")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def _connect(emu: Emulator, source: str, types: Sequence[str]) -> str:
    keys = emu.keys(source)
    with DatadogClient(keys.api_key, keys.app_key, emu.url) as client:
        return client.create_connection(emu.org_uuid("hub"), types).id


@pytest.fixture
def demo_factory(
    datadog_emulator_factory: Callable[..., Emulator],
) -> Callable[..., Emulator]:
    """A fresh emulator with the demo's connections, created in the given order."""

    def make(order: Sequence[int] = (0, 1, 2)) -> Emulator:
        emu = datadog_emulator_factory()
        for i in order:
            _connect(emu, *DEMO_CONNECTIONS[i])
        return emu

    return make


@pytest.fixture
def demo_emulator(demo_factory: Callable[..., Emulator]) -> Emulator:
    return demo_factory()


@pytest.fixture
def stack_config(tmp_path: Path) -> Callable[[Emulator], Path]:
    """Write a stack config for an emulator; returns its path."""

    def write(emu: Emulator) -> Path:
        path = tmp_path / f"Pulumi.test-{emu.url.rsplit(':', 1)[1]}.yaml"
        return write_stack_file(path, emulator_stack_config(emu, "hub", SPOKES))

    return write


@pytest.fixture
def graph_cli(
    capsys: pytest.CaptureFixture[str], stack_config: Callable[[Emulator], Path]
) -> Callable[..., Run]:
    """Run `crossorg connections graph --config <emulator's config> ARGS...` in-process."""

    def run(emu: Emulator, *args: str) -> Run:
        capsys.readouterr()
        config = stack_config(emu)
        code = main(["connections", "graph", "--config", str(config), *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
