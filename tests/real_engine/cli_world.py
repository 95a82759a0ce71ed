"""A stack driven by the real `pulumi` CLI against a fresh offline Datadog.

The project is a copy of the repository's own: the stack program `stacks/__main__.py` (Python,
dynamic OrgConnection) or the YAML program `stacks/native-yaml` (native plugin), in a temporary
folder with its own `PULUMI_HOME` and file backend, and the repository's `.venv` as virtualenv.
API calls are counted from the emulator's request log (`tests/support/probe.py`, as for the
harness's worlds).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.archive import NATIVE_DIR
from datadog_crossorg.resources.tokens import ORG_CONNECTIONS
from datadog_crossorg.testing.pulumi_cli import PulumiCLI, Result
from tests.support.paths import ROOT, STACKS, YAML_STACK_DIR
from tests.support.probe import EmulatorProbe

# Two spokes sharing with the hub, as datadog-crossorg:connections entries of stacks/.
PAYMENTS = {
    "name": "payments-to-hub",
    "org": "payments",
    "sink": "hub",
    "types": ["metrics", "logs"],
}
SEARCH = {"name": "search-to-hub", "org": "search", "sink": "hub", "types": ["metrics"]}
VENV = ROOT / ".venv"
STACK = "test"


def python_project(target: Path) -> Path:
    """The stack program of stacks/, in a project of its own whose virtualenv is ours."""
    (target / "stacks").mkdir(parents=True)
    shutil.copyfile(STACKS / "__main__.py", target / "stacks" / "__main__.py")
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    project["runtime"]["options"]["virtualenv"] = str(VENV)
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return target


def yaml_project(target: Path, *, local_plugin: bool) -> Path:
    """stacks/native-yaml; with `local_plugin` it runs the plugin from this checkout, else the
    installed one (`pulumi plugin install`)."""
    target.mkdir(parents=True)
    project = yaml.safe_load((YAML_STACK_DIR / "Pulumi.yaml").read_text())
    if local_plugin:
        path = str(NATIVE_DIR)
        project["plugins"] = {"providers": [{"name": "datadog-crossorg", "path": path}]}
    else:
        project.pop("plugins", None)
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return target


@dataclass
class CliStack(EmulatorProbe):
    """One stack of one project, its config written as plain YAML (the emulator's demo keys)."""

    emu: Emulator
    cli: PulumiCLI
    stack: str = STACK
    log: list[Result] = field(default_factory=list)

    @property
    def stack_file(self) -> Path:
        project = yaml.safe_load((self.cli.project_dir / "Pulumi.yaml").read_text())
        folder = self.cli.project_dir / project.get("stackConfigDir", ".")
        return folder / f"Pulumi.{self.stack}.yaml"

    def init(self) -> CliStack:
        self.pulumi("stack", "init", self.stack)
        self.api_calls()  # start counting here
        return self

    def pulumi(self, *args: str, check: bool = True) -> Result:
        result = self.cli.run(*args, check=check)
        self.log.append(result)
        return result

    def set_config(self, values: dict[str, Any]) -> None:
        """Set plain config values (structured ones as YAML), keeping the stack's salt."""
        document = yaml.safe_load(self.stack_file.read_text()) or {}
        document.setdefault("config", {}).update(values)
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    def set_secret(self, key: str, value: str, *, path: bool = False) -> None:
        flags = ["--path"] if path else []
        self.pulumi("config", "set", "--secret", *flags, key, value)

    # -- the Python stack's declarative config ----------------------------------------------------
    def hub_and_spokes(self, connections: list[dict[str, Any]], **extra: Any) -> None:
        """datadog:* = hub's keys; orgs payments, search and edge; orgUuids of the seed."""
        orgs = {
            name: {
                "apiKey": self.emu.keys(name).api_key,
                "appKey": self.emu.keys(name).app_key,
                "apiUrl": self.emu.url,
            }
            for name in ("payments", "search", "edge")
        }
        uuids = {n: self.emu.org_uuid(n) for n in ("hub", "payments", "search", "edge")}
        self.set_config(
            {
                "datadog:apiUrl": self.emu.url,
                "datadog:apiKey": self.emu.keys("hub").api_key,
                "datadog:appKey": self.emu.keys("hub").app_key,
                "datadog-crossorg:orgs": orgs,
                "datadog-crossorg:orgUuids": uuids,
                "datadog-crossorg:connections": connections,
                **extra,
            }
        )

    # -- reading what happened ---------------------------------------------------------------------
    def resources(self) -> dict[str, dict[str, Any]]:
        """Resource name -> its state entry, for the OrgConnections (either adapter's)."""
        return {
            resource["urn"].rsplit("::", 1)[1]: resource
            for resource in self.cli.export()["deployment"].get("resources", [])
            if resource["type"] in ORG_CONNECTIONS
        }

    def request_sequence(self, since: int = 0) -> list[tuple[str, str]]:
        """(method, path) of every API request from index `since` on."""
        return [(r.method, r.path) for r in self.emu.requests[since:]]


def plan_lines(result: Result) -> list[str]:
    """The lines of a preview/up table that name a resource step (create, update, replace, ...)."""
    return [line for line in result.stdout.splitlines() if re.match(r"^\s*[-+~]", line)]
