"""`mermaid_from_resources` in the real stack program: the exported graph is the command's text."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.config.stack_program import load_config_file
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.reports.graph import mermaid_from_resources
from datadog_crossorg.testing.harness import Engine, ProviderServer
from datadog_crossorg.testing.mocks import run_program
from tests.support.paths import ROOT


def program_exporting_the_graph() -> None:
    """stacks/__main__.py as it is, plus the export the lead adds to it."""
    stack = runpy.run_path(str(ROOT / "stacks" / "__main__.py"), run_name="__main__")
    pulumi.export("graph_mermaid", mermaid_from_resources(stack["created"].values()))


def test_the_stack_exports_the_same_mermaid_as_the_command_at_up_and_at_preview(
    datadog_emulator: Emulator, graph_cli: Callable[..., Any], tmp_path: Path
) -> None:
    local = load_config_file(ROOT / "stacks" / "Pulumi.local.yaml")
    config = {k: v.replace(local["datadog:apiUrl"], datadog_emulator.url) for k, v in local.items()}
    with ProviderServer(cwd=ROOT) as server:
        server.configure(config, SECRET_KEYS)
        engine = Engine(server, stack="local", state_path=tmp_path / "state.json")

        up = run_program(
            program_exporting_the_graph, engine, config=config, secret_keys=SECRET_KEYS
        )
        preview = run_program(
            program_exporting_the_graph,
            engine,
            config=config,
            secret_keys=SECRET_KEYS,
            preview=True,
        )

    command = graph_cli(datadog_emulator, "--format", "mermaid")
    assert [s.op for s in up.result.steps if ":OrgConnection::" in s.urn] == ["create"] * 3
    assert up.outputs["graph_mermaid"] == command.out
    assert preview.outputs["graph_mermaid"] == command.out
    assert 'o8e5fed0c -->|"audit, logs, metrics"| oba11379d' in command.out
