"""`python3 dev.py demo` with the real CLI: deploys the local stack, and a second run changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.demo import copy_project, run_demo


def _demo(project: Path, engine_bin: Path) -> str:
    args = ("--port", "0", "--project-dir", str(project))
    return run_demo(*args, engine_bin=engine_bin, timeout=600).stdout


def test_demo_runs_the_real_pulumi_up_then_changes_nothing(
    tmp_path: Path, engine_bin: Path
) -> None:
    project = copy_project(tmp_path / "project")
    (project / ".venv").symlink_to(Path(sys.prefix))

    first = _demo(project, engine_bin)
    assert "Running the real `pulumi up`" in first
    assert (
        "+ 11 created" in first
    )  # 3 connections, 2 access policies, 2 dashboards, 1 notebook, ...
    second = _demo(project, engine_bin)
    changes = second.split("Resources:")[-1].split("Org connections")[0]
    assert "11 unchanged" in changes and "created" not in changes, changes
    assert "Org connections that now exist (3)" in second
    assert "(10/10 flowing)" in second
