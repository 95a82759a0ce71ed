"""Run the real `pulumi` CLI offline: a local file backend, passphrase secrets, nothing online.

    cli = PulumiCLI(project_dir, home=tmp / "home", backend=tmp / "backend")
    cli.run("stack", "init", "test")
    result = cli.run("up", "--yes")          # Result: code, stdout, stderr
    state = cli.export()                     # `pulumi stack export` as a dict

Every command runs with `PULUMI_HOME` and the backend in folders of the caller's choosing, update
checks and plugin downloads off, no colour and no interaction, so it never reaches the internet
and never reads the user's own Pulumi setup. The CLI is the one `dev.py` builds (engine/build.py),
found through `DATADOG_CROSSORG_ENGINE_BIN`, the build cache, or PATH, in that order. Imports no
pulumi.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENGINE_BIN_ENV = "DATADOG_CROSSORG_ENGINE_BIN"
# The stacks' passphrase: it guards the test stacks' secrets, which are the emulator's demo keys.
TEST_PASSPHRASE = "datadog-crossorg-offline"


def find_engine_bin() -> Path | None:
    """The folder holding `pulumi` and its language hosts, or None when there is none."""
    configured = os.environ.get(ENGINE_BIN_ENV)
    if configured and (Path(configured) / "pulumi").is_file():
        return Path(configured)
    try:  # a checkout: the folder engine/build.py builds into
        import importlib.util

        root = Path(__file__).resolve().parents[3]
        spec = importlib.util.spec_from_file_location("_engine_build", root / "engine" / "build.py")
        if spec and spec.loader:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if module.is_built():
                return module.bin_dir()
    except (OSError, RuntimeError):
        pass
    found = shutil.which("pulumi")
    if found and shutil.which("pulumi-language-python"):
        return Path(found).parent
    return None


@dataclass(frozen=True)
class Result:
    """What one command printed and returned."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"$ pulumi {' '.join(self.args)}  (exit {self.code})\n{self.stdout}{self.stderr}"


class PulumiError(AssertionError):
    """A command that should have succeeded failed; the message holds everything it printed."""


class PulumiCLI:
    """One project folder and one offline backend, driven command by command."""

    def __init__(
        self,
        project_dir: Path,
        *,
        home: Path,
        backend: Path,
        engine_bin: Path | None = None,
        passphrase: str = TEST_PASSPHRASE,
        env: Mapping[str, str] | None = None,
    ) -> None:
        found = engine_bin or find_engine_bin()
        if found is None:
            raise FileNotFoundError("no pulumi CLI: run `python3 dev.py test` with go on PATH")
        self.engine_bin = found
        self.project_dir = project_dir
        self.home = home
        self.backend = backend
        home.mkdir(parents=True, exist_ok=True)
        backend.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PATH": f"{found}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
            "NO_COLOR": "1",
            **(env or {}),
        }
        for name in ("PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_STACK"):
            if name not in (env or {}):
                self.env.pop(name, None)

    def run(
        self,
        *args: str,
        check: bool = True,
        timeout: float | None = 600,
        cwd: Path | None = None,
        capture: bool = True,
    ) -> Result:
        """`pulumi <args>` in the project folder; raises PulumiError on failure when `check`.
        With `capture=False` the output goes to this process's terminal (Result holds none)."""
        command = [str(self.engine_bin / "pulumi"), *args]
        if args and args[0] not in {"plugin", "login", "version", "about"}:
            command += ["--non-interactive", "--color", "never"]
        done = subprocess.run(
            command,
            cwd=cwd or self.project_dir,
            env=self.env,
            capture_output=capture,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        result = Result(tuple(args), done.returncode, done.stdout or "", done.stderr or "")
        if check and result.code != 0:
            raise PulumiError(str(result))
        return result

    def export(self) -> dict[str, Any]:
        """The stack's state (`pulumi stack export`), secrets left encrypted."""
        return json.loads(self.run("stack", "export").stdout)

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "output", "--json").stdout)

    def state_files(self) -> list[Path]:
        """Every file the backend holds (state, history, backups)."""
        return sorted(p for p in self.backend.rglob("*") if p.is_file())
