#!/usr/bin/env python3
"""The project's two entry points, runnable with nothing but Python 3.11 and pip.

    python3 dev.py test   create .venv if needed, install the project with its test extras, lint, test
    python3 dev.py demo   the main job: start the offline Datadog and deploy the local stack to it

Both share one virtualenv (.venv), reinstalled only when pyproject.toml changes. Extra arguments
after `test` go to pytest; after `demo`, to the demo.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"


def _install_fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project (editable, with test extras) unless already current."""
    if not PYTHON.exists():
        print("dev: creating virtualenv .venv", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    fingerprint = _install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    print("dev: installing the project and its test dependencies into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(fingerprint)


def run(*args: str) -> int:
    return subprocess.run([str(PYTHON), *args], cwd=ROOT).returncode


def cmd_test(extra: list[str]) -> int:
    ensure_venv()
    for check in (["-m", "ruff", "check", "."], ["-m", "ruff", "format", "--check", "."]):
        code = run(*check)
        if code:
            print(
                "dev: lint failed (fix with: .venv/bin/ruff check --fix . && .venv/bin/ruff format .)"
            )
            return code
    return run("-m", "pytest", *extra)


def cmd_demo(extra: list[str]) -> int:
    ensure_venv()
    return run("-m", "datadog_crossorg.demo", *extra)


def main(argv: list[str]) -> int:
    commands = {"test": cmd_test, "demo": cmd_demo}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
