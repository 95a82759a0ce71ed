"""The harness checked against the real engine: one scenario of stacks/__main__.py, step by step,
through `datadog_crossorg.testing` (harness) and through the real `pulumi` CLI, each against its own
fresh offline Datadog. Every step must make the same API calls and leave Datadog holding the same
connections; the final outputs must name the same resources."""

from __future__ import annotations

import json
import runpy
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.harness import Engine, ProviderServer
from datadog_crossorg.testing.mocks import run_program
from datadog_crossorg.testing.stack import emulator_stack_config
from tests.real_engine.cli_world import PAYMENTS, SEARCH, CliStack
from tests.support.paths import ROOT, STACKS
from tests.support.probe import Probe, out_of_band

# (step, connections declared, what runs)
SCENARIO: list[tuple[str, list[dict[str, Any]], str]] = [
    ("preview", [PAYMENTS, SEARCH], "preview"),
    ("up", [PAYMENTS, SEARCH], "up"),
    ("no-op up", [PAYMENTS, SEARCH], "up"),
    ("update types", [{**PAYMENTS, "types": ["metrics"]}, SEARCH], "up"),
    ("replace sink", [{**PAYMENTS, "types": ["metrics"]}, {**SEARCH, "sink": "edge"}], "up"),
    ("refresh after out-of-band delete", [], "refresh"),
    ("up restores", [{**PAYMENTS, "types": ["metrics"]}, {**SEARCH, "sink": "edge"}], "up"),
    ("destroy", [], "destroy"),
]
Observed = list[tuple[str, Counter[str], dict[tuple[str, str], list[str]]]]


def _program() -> None:
    runpy.run_path(str(STACKS / "__main__.py"), run_name="__main__")


def _delete_payments_to_hub(emu: Emulator) -> None:
    """A person deletes payments-to-hub in the Datadog UI."""
    hub, payments = emu.org_uuid("hub"), emu.org_uuid("payments")
    with out_of_band(emu, "payments") as client:
        for conn in client.list_connections():
            if (conn.source_org_id, conn.sink_org_id) == (payments, hub):
                client.delete_connection(conn.id)


def _through_harness(emu: Emulator, tmp_path: Path) -> tuple[Observed, dict[str, Any]]:
    world = Probe(emu)
    uuids = {n: emu.org_uuid(n) for n in ("hub", "payments", "search", "edge")}
    observed: Observed = []
    outputs: dict[str, Any] = {}
    current: list[dict[str, Any]] = []
    for step, declared, action in SCENARIO:
        if step.startswith("refresh"):
            _delete_payments_to_hub(emu)
            world.api_calls()
        current = declared or current
        config = emulator_stack_config(
            emu, "hub", ("payments", "search", "edge"), orgUuids=uuids, connections=current
        )
        with ProviderServer(cwd=ROOT) as server:  # a new provider process per command
            server.configure(config, SECRET_KEYS)
            engine = Engine(server, stack="test", state_path=tmp_path / "harness-state.json")
            if action in ("preview", "up"):
                ran = run_program(
                    _program,
                    engine,
                    config=config,
                    secret_keys=SECRET_KEYS,
                    preview=action == "preview",
                )
                outputs = ran.outputs if action == "up" else outputs
            elif action == "refresh":
                engine.refresh()
            else:
                engine.destroy()
        observed.append((step, world.api_calls(), world.remote()))
    return observed, outputs


def _through_cli(s: CliStack) -> tuple[Observed, dict[str, Any]]:
    observed: Observed = []
    outputs: dict[str, Any] = {}
    for step, declared, action in SCENARIO:
        if step.startswith("refresh"):
            _delete_payments_to_hub(s.emu)
            s.api_calls()
        if declared:
            s.hub_and_spokes(declared)
        command = {
            "up": ("up", "--yes"),
            "refresh": ("refresh", "--yes", "--skip-preview"),
            "destroy": ("destroy", "--yes"),
        }
        s.pulumi(*command.get(action, (action,)))
        if action == "up":
            outputs = s.cli.outputs()
        observed.append((step, s.api_calls(), s.remote()))
    return observed, outputs


def test_harness_and_real_engine_make_the_same_calls_and_outcomes(
    datadog_emulator_factory: Callable[..., Emulator],
    py_stack: CliStack,
    tmp_path: Path,
) -> None:
    harness, harness_outputs = _through_harness(datadog_emulator_factory(), tmp_path)
    real, real_outputs = _through_cli(py_stack)
    for (step, harness_calls, harness_remote), (_, real_calls, real_remote) in zip(
        harness, real, strict=True
    ):
        assert (step, harness_calls) == (step, real_calls)
        assert (step, harness_remote) == (step, real_remote)
    assert set(harness_outputs) == set(real_outputs)
    assert set(harness_outputs["connection_ids"]) == set(real_outputs["connection_ids"])
    assert json.loads(json.dumps(harness_outputs["graph_mermaid"])) == real_outputs["graph_mermaid"]
