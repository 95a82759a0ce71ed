"""`demo.py` (the repository root's demo) run as a user runs it: a subprocess from the checkout,
through the engine harness or through the real `pulumi` CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from datadog_crossorg.testing.pulumi_cli import ENGINE_BIN_ENV
from tests.support.paths import ROOT, STACKS


def copy_project(target: Path) -> Path:
    """The project's stacks and Pulumi.yaml copied to `target`, for `--project-dir`."""
    shutil.copytree(STACKS, target / "stacks")
    shutil.copy(ROOT / "Pulumi.yaml", target / "Pulumi.yaml")
    return target


def run_demo(
    *args: str, engine_bin: Path | None = None, fails: bool = False, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`python demo.py --harness ARGS...`, or with `engine_bin` the demo through that real
    `pulumi`. It must succeed (or, with `fails`, fail), and never with a traceback."""
    harness = () if engine_bin else ("--harness",)
    env = {**os.environ, ENGINE_BIN_ENV: str(engine_bin)} if engine_bin else None
    done = subprocess.run(
        [sys.executable, str(ROOT / "demo.py"), *harness, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
        env=env,
    )
    output = done.stdout + done.stderr
    if fails:
        assert done.returncode != 0, output
    else:
        assert done.returncode == 0, output
    assert "Traceback" not in output, output
    return done
