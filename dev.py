#!/usr/bin/env python3
"""The project's two entry points, runnable with nothing but Python 3.11 and pip.

    python3 dev.py test   create .venv if needed, install the project with its test extras, lint, test
    python3 dev.py demo   the main job: start the offline Datadog and deploy the local stack to it

Both share one virtualenv (.venv), reinstalled only when pyproject.toml or the engine pin changes.
Whenever `go` is on PATH, both first build the real Pulumi engine (engine/build.py: the CLI and
its language hosts, from the Go module proxy, into ~/.cache/datadog-crossorg; reused once built)
and put it first on PATH, so the tests' real-engine tier and the demo run the real `pulumi`.
DATADOG_CROSSORG_NO_ENGINE=1 skips that build. Extra arguments after `test` go to pytest; after
`demo`, to the demo.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from engine import build as engine_build

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"


def _sdk_constraint() -> str:
    """The Python SDK may not be newer than the CLI we build (it would speak a newer protocol)."""
    return f"pulumi<={engine_build.pulumi_version().lstrip('v')}\n"


def _install_fingerprint() -> str:
    pins = (ROOT / "pyproject.toml").read_bytes() + _sdk_constraint().encode()
    return hashlib.sha256(pins).hexdigest()


def _venv_python_problem() -> str | None:
    """Why .venv's interpreter cannot serve this project (None: it can)."""
    if not PYTHON.exists():
        return "it has no working python" if VENV.exists() else "it does not exist yet"
    probe = "import sys; print(sys.version.split()[0]); sys.exit(sys.version_info < (3, 11))"
    done = subprocess.run([str(PYTHON), "-c", probe], capture_output=True, text=True)
    if done.returncode:
        found = done.stdout.strip() or "a Python that does not start"
        return f"it was made by Python {found} and this project needs 3.11 or newer"
    return None


def ensure_venv() -> None:
    """Create .venv and install the project (editable, with test extras) unless already current."""
    problem = _venv_python_problem()
    if problem:
        if VENV.exists():
            print(f"dev: recreating .venv with {sys.executable}: {problem}", flush=True)
        else:
            print("dev: creating virtualenv .venv", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    fingerprint = _install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    print("dev: installing the project and its test dependencies into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write(_sdk_constraint())
    try:
        subprocess.run([*pip, "install", "-c", constraints.name, "-e", f"{ROOT}[test]"], check=True)
    finally:
        os.unlink(constraints.name)
    STAMP.write_text(fingerprint)


def ensure_engine() -> bool:
    """Build (or reuse) the real Pulumi engine and put it first on PATH. False: none here."""
    if os.environ.get("DATADOG_CROSSORG_NO_ENGINE"):
        print("dev: DATADOG_CROSSORG_NO_ENGINE is set: no real engine; its tests skip", flush=True)
        return False
    if shutil.which("go") is None:
        print("dev: go is not on PATH: no real engine; its tests skip, the demo uses the harness")
        return False
    folder = engine_build.ensure_engine(log=lambda line: print(f"dev: {line}", flush=True))
    os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["DATADOG_CROSSORG_ENGINE_BIN"] = str(folder)
    return True


def run(*args: str) -> int:
    return subprocess.run([str(PYTHON), *args], cwd=ROOT).returncode


def cmd_test(extra: list[str]) -> int:
    ensure_venv()
    ensure_engine()
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
    ensure_engine()
    return run(str(ROOT / "demo.py"), *extra)


def main(argv: list[str]) -> int:
    commands = {"test": cmd_test, "demo": cmd_demo}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    try:
        return commands[argv[0]](argv[1:])
    except engine_build.EngineBuildError as exc:
        print(f"dev: the real Pulumi engine could not be built: {exc}", file=sys.stderr)
        print("dev: set DATADOG_CROSSORG_NO_ENGINE=1 to go on without it", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(
            f"dev: `{' '.join(map(str, exc.cmd))}` failed with exit {exc.returncode}",
            file=sys.stderr,
        )
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
