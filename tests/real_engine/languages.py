"""Projects of the native provider in the languages that need a generated SDK (Python, TypeScript,
Go), for the real CLI: each runs the plugin from this checkout (`plugins:` in Pulumi.yaml), and
the TypeScript and Go programs are README's snippets, completed the same way for both.

npm and Go downloads land where the machine keeps them (npm's cache, GOMODCACHE), so after the
first run a project installs from disk.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.archive import NATIVE_DIR
from datadog_crossorg.native.schema import PACKAGE
from tests.real_engine.cli_world import VENV
from tests.support.paths import ROOT

README = ROOT / "README.md"
# The @pulumi/pulumi npm release the TypeScript programs run on: no newer than the CLI (3.274.1;
# npm has no 3.274.x, so the latest release below it).
NODE_SDK_VERSION = "3.270.0"


def readme_snippet(language: str) -> str:
    """The first ```<language> block of README's native section."""
    native = README.read_text(encoding="utf-8").split("<!-- native:begin -->", 1)[1]
    found = re.search(rf"```{language}\n(.*?)```", native, re.S)
    assert found, f"README's native section shows no {language} program"
    return found.group(1)


def _project_file(target: Path, name: str, runtime: Any) -> None:
    project = {
        "name": name,
        "runtime": runtime,
        "plugins": {"providers": [{"name": PACKAGE, "path": str(NATIVE_DIR)}]},
    }
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))


def python_project(target: Path, program: str = "import pulumi\n") -> Path:
    """A Python program on this checkout's virtualenv."""
    target.mkdir(parents=True)
    _project_file(
        target, "crossorg-python", {"name": "python", "options": {"virtualenv": str(VENV)}}
    )
    (target / "__main__.py").write_text(program)
    return target


def default_provider_keys(emu: Emulator, key_pair: str) -> dict[str, str]:
    """Stack config giving the default provider `key_pair`'s keys."""
    keys = emu.keys(key_pair)
    return {
        f"{PACKAGE}:apiKey": keys.api_key,
        f"{PACKAGE}:appKey": keys.app_key,
        f"{PACKAGE}:apiUrl": emu.url,
    }


def printed_code(stdout: str, first_line: str) -> str:
    """The code `pulumi import` prints after its notes, from the line starting `first_line`."""
    assert "Please copy the following code into your Pulumi application" in stdout, stdout
    lines = stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(first_line)), None)
    assert start is not None, stdout
    return "\n".join(lines[start:]).strip() + "\n"
