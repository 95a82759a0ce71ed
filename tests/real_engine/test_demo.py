"""`python3 dev.py demo` with the real CLI: deploys the local stack, and a second run changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from cli_world import ROOT

from datadog_crossorg.testing.pulumi_cli import ENGINE_BIN_ENV


def _demo(project: Path, engine_bin: Path) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "datadog_crossorg.demo",
            "--port",
            "0",
            "--project-dir",
            str(project),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, ENGINE_BIN_ENV: str(engine_bin)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def test_demo_runs_the_real_pulumi_up_then_changes_nothing(
    tmp_path: Path, engine_bin: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "stacks", project / "stacks")
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / ".venv").symlink_to(Path(sys.prefix))

    first = _demo(project, engine_bin)
    assert "Running the real `pulumi up`" in first
    assert "+ 10 created" in first  # 3 connections, 2 access policies, 2 dashboards, ...
    second = _demo(project, engine_bin)
    changes = second.split("Resources:")[-1].split("Org connections")[0]
    assert "10 unchanged" in changes and "created" not in changes, changes
    assert "Org connections that now exist (3)" in second
    assert "(6/6 flowing)" in second
