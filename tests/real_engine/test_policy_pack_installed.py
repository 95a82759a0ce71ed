"""The policy pack as a user runs it: from the package installed in their own virtualenv.

A wheel of this checkout goes into a fresh virtualenv outside the repository (`pip install
'<wheel>[policy]'`, from the package index), and the real CLI previews a project using that
virtualenv with `--policy-pack <site-packages>/datadog_crossorg/policy`: a good stack passes, a
query of an unshared type is a mandatory violation. A pack that cannot start (its
PulumiPolicy.yaml names a virtualenv that does not exist) ends the preview at once with a
message naming it, instead of waiting forever at "Loading policy packs...".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.datadog_plugin import install_standin_plugins
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import VENV, CliStack
from tests.support.paths import ROOT

# Building the wheel and installing it with its dependencies from the index takes a minute or two
# on a loaded 2-core machine, counted in the first test's setup.
pytestmark = pytest.mark.timeout(420)

PROGRAM = """
import json

import pulumi

from datadog_crossorg import OrgConnection

cfg = pulumi.Config()
OrgConnection(
    "payments-to-hub", sink_org_id=cfg.require("hub"), connection_types=["metrics"], org="payments"
)
query = {"data_source": cfg.require("reads"), "name": "q", "cross_org_uuids": [cfg.require("source")]}
if query["data_source"] == "metrics":
    query["query"] = "avg:system.cpu.user{*}"
else:
    query.update(search={"query": ""}, indexes=["*"], compute={"aggregation": "count"})
dashboard = {
    "title": "Payments seen from the hub",
    "layout_type": "ordered",
    "widgets": [{"definition": {"type": "timeseries", "requests": [
        {"response_format": "timeseries", "queries": [query]}]}}],
}
pulumi.CustomResource(
    "datadog:index/dashboardJson:DashboardJson", "payments", {"dashboard": json.dumps(dashboard)}
)
"""


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv outside the checkout with this checkout's wheel and its [policy]."""
    root = tmp_path_factory.mktemp("installed")
    # Nothing of this checkout on the path: pip would take its egg-info for an installed package.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    dist = root / "dist"
    subprocess.run(
        [str(VENV / "bin/python"), "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT],
        check=True,
        capture_output=True,
        env=env,
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, env=env)
    (wheel,) = dist.glob("*.whl")
    subprocess.run(
        [
            str(venv / "bin/python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-compile",
            f"{wheel}[policy]",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    return venv


def _site_pack(venv: Path) -> Path:
    (pack,) = venv.glob("lib/python3*/site-packages/datadog_crossorg/policy")
    return pack


def _user_stack(
    emu: Emulator, make_cli: Callable[[Path], PulumiCLI], folder: Path, venv: Path
) -> CliStack:
    folder.mkdir(parents=True)
    (folder / "__main__.py").write_text(PROGRAM)
    project = {
        "name": "user-project",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(venv)}},
    }
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    cli = make_cli(folder)
    standins = install_standin_plugins(folder.parent / "standins", str(VENV / "bin/python"))
    cli.env["PATH"] = f"{standins}:{cli.env['PATH']}"
    cli.env.pop("PYTHONPATH", None)  # the installed package, never this checkout
    s = CliStack(emu, cli).init()
    payments, hub = emu.keys("payments"), emu.keys("hub")
    s.set_config(
        {
            "datadog:apiUrl": emu.url,
            "datadog:apiKey": hub.api_key,
            "datadog:appKey": hub.app_key,
            "datadog-crossorg:orgs": {
                "payments": {
                    "apiKey": payments.api_key,
                    "appKey": payments.app_key,
                    "apiUrl": emu.url,
                }
            },
            "user-project:hub": emu.org_uuid("hub"),
            "user-project:source": emu.org_uuid("payments"),
            "user-project:reads": "metrics",
        }
    )
    return s


def test_the_installed_pack_runs_with_the_virtualenv_it_is_installed_in(
    user_venv: Path,
    datadog_emulator: Emulator,
    make_cli: Callable[[Path], PulumiCLI],
    tmp_path: Path,
) -> None:
    s = _user_stack(datadog_emulator, make_cli, tmp_path / "project", user_venv)
    pack = _site_pack(user_venv)
    assert ROOT not in pack.parents

    # The connection must exist for the pack to know what it shares (as in test_policy_pack).
    good = s.pulumi("up", "--yes", "--policy-pack", str(pack), check=False)
    assert good.code == 0, good
    assert "datadog-crossorg@v0.1.0" in good.stdout and "mandatory" not in good.output.lower()

    s.set_config({"user-project:reads": "logs"})  # the connection shares only metrics
    bad = s.cli.run("preview", "--policy-pack", str(pack), check=False, timeout=90)
    assert bad.code != 0, bad
    assert "cross-org-source-connected" in bad.output and "mandatory" in bad.output.lower()


def test_a_pack_that_cannot_start_ends_the_preview_with_a_message(
    user_venv: Path,
    datadog_emulator: Emulator,
    make_cli: Callable[[Path], PulumiCLI],
    tmp_path: Path,
) -> None:
    s = _user_stack(datadog_emulator, make_cli, tmp_path / "project", user_venv)
    pack = tmp_path / "pack"
    shutil.copytree(_site_pack(user_venv), pack)
    manifest = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    manifest["runtime"] = {"name": "python", "options": {"virtualenv": "../../../.venv"}}
    (pack / "PulumiPolicy.yaml").write_text(yaml.safe_dump(manifest))

    started = s.cli.run("preview", "--policy-pack", str(pack), check=False, timeout=60)
    assert started.code != 0, started
    assert "../../../.venv" in started.output and "holds no Python virtualenv" in started.output
