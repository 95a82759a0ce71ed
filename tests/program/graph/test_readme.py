"""The README's graph block is what `crossorg connections graph --format mermaid` prints for the
default seed after the demo stack is up (the demo run in a copy of stacks/, as a user runs it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.emulator import Emulator
from tests.support.demo import copy_project, run_demo
from tests.support.paths import ROOT

BLOCK = re.compile(r"<!-- graph:begin -->\n(?P<body>.*?)<!-- graph:end -->", re.DOTALL)
SPOKE_PAIRS = ("--org", "payments", "--org", "search", "--org", "edge")
FENCE = re.compile(r"\n```mermaid\n(?P<graph>.*?)```\n", re.DOTALL)


def readme_mermaid() -> tuple[str, str]:
    """(the sentence above the fence, the graph inside it) from README.md."""
    block = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block, "README.md lost its <!-- graph:begin --> / <!-- graph:end --> markers"
    fence = FENCE.search(block["body"])
    assert fence, "the graph block holds no ```mermaid fence"
    return block["body"][: fence.start()], fence["graph"]


@pytest.fixture
def demo_project(tmp_path: Path) -> Path:
    """A copy of the project's stacks after `python demo.py --harness`."""
    project = copy_project(tmp_path / "project")
    run_demo("--port", "0", "--project-dir", str(project))
    return project


def test_readme_graph_is_the_command_output_after_the_demo(
    demo_project: Path,
    datadog_emulator_factory: Callable[..., Emulator],
    graph_cli: Callable[..., Any],
) -> None:
    emu = datadog_emulator_factory(state_file=demo_project / ".crossorg" / "emulator-local.json")

    from_hub = graph_cli(emu, "--format", "mermaid")
    from_spokes = graph_cli(emu, "--format", "mermaid", *SPOKE_PAIRS)

    sentence, graph = readme_mermaid()
    assert from_hub.code == 0 and len(emu.connections()) == 3
    assert graph == from_hub.out, f"regenerate the README block:\n```mermaid\n{from_hub.out}```"
    assert from_spokes.out == from_hub.out  # the demo's other key pairs draw the same graph
    assert "crossorg connections graph" in sentence and "--format mermaid" in sentence
