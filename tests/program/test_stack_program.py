"""The stack program (stacks/__main__.py) run under the Mocks bridge: the program pickles the real
provider, which runs in a real provider server against the offline Datadog."""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.client.api import connection_resource_id
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.stack_config import load_config_file
from datadog_crossorg.testing.harness import Engine, ProviderServer
from datadog_crossorg.testing.mocks import run_program

ROOT = Path(__file__).resolve().parents[2]
LOCAL_STACK = ROOT / "stacks" / "Pulumi.local.yaml"
SECRET_KEYS = {"datadog:apiKey", "datadog:appKey", "datadog-crossorg:orgs"}


def program() -> None:
    runpy.run_path(str(ROOT / "stacks" / "__main__.py"), run_name="__main__")


def policy_of(emu: Emulator, key_pair: str, resource_id: str) -> dict[str, tuple[str, ...]]:
    keys = emu.keys(key_pair)
    with DatadogClient(keys.api_key, keys.app_key, emu.url) as client:
        return {b.relation: b.principals for b in client.get_restriction_policy(resource_id)}


def local_config(emu: Emulator) -> dict[str, str]:
    config = load_config_file(LOCAL_STACK)
    configured = config["datadog:apiUrl"]
    return {k: v.replace(configured, emu.url) for k, v in config.items()}


def test_local_stack_deploys_hub_and_spoke_and_exports_ids(
    datadog_emulator: Emulator, tmp_path: Path
) -> None:
    config = local_config(datadog_emulator)
    with ProviderServer(cwd=ROOT) as server:
        server.configure(config, SECRET_KEYS)
        engine = Engine(server, stack="local", state_path=tmp_path / "state.json")

        first = run_program(program, engine, config=config, secret_keys=SECRET_KEYS)
        second = run_program(program, engine, config=config, secret_keys=SECRET_KEYS)

    remote = {c["id"]: c for c in datadog_emulator.connections()}
    ids = first.outputs["connection_ids"]
    assert set(ids) == {"payments-to-hub", "search-to-hub", "edge-to-hub"}
    assert set(ids.values()) == set(remote)
    search = remote[ids["search-to-hub"]]
    assert sorted(search["attributes"]["connection_types"]) == ["audit", "logs", "metrics"]
    assert search["relationships"]["sink_org"]["data"]["id"] == datadog_emulator.org_uuid("hub")
    assert first.result.counts["create"] == 5  # 3 connections, 2 access policies
    resource = connection_resource_id(ids["payments-to-hub"])
    policies = {side: policy_of(datadog_emulator, side, resource) for side in ("payments", "hub")}
    assert policies == {
        "payments": {"editor": ("role:e5a00c43-d0d5-4dd5-bea0-1462ee8b9015",)},
        "hub": {
            "editor": ("role:a10c3683-402d-402c-b804-709dcdf51ea2",),
            "viewer": ("team:c64c2d7e-93a5-4d66-8dd8-bf0698876c8d",),
        },
    }
    assert not second.result.changed
    assert second.outputs["connection_ids"] == ids


def test_bad_connection_in_stack_config_fails_before_any_api_call(
    datadog_emulator: Emulator, tmp_path: Path
) -> None:
    config = local_config(datadog_emulator)
    connections = json.loads(config["datadog-crossorg:connections"])
    connections[0]["types"] = ["metrics", "trace"]
    config["datadog-crossorg:connections"] = json.dumps(connections)
    with ProviderServer(cwd=ROOT) as server:
        server.configure(config, SECRET_KEYS)
        engine = Engine(server, stack="local", state_path=tmp_path / "state.json")
        with pytest.raises(Exception, match=r"'trace'"):
            run_program(program, engine, config=config, secret_keys=SECRET_KEYS, preview=True)
    assert datadog_emulator.requests == []


def run_demo(project: Path) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "datadog_crossorg.demo",
            "--harness",
            "--port",
            "0",
            "--project-dir",
            str(project),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_demo_through_the_harness_deploys_then_changes_nothing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "stacks", project / "stacks")
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")

    first = run_demo(project)
    second = run_demo(project)

    assert "pulumi CLI is not on PATH" in first or shutil.which("pulumi")
    created = re.compile(r"^\s+create\s", re.MULTILINE)
    assert len(created.findall(first)) >= 3 and "Acme Payments" in first
    assert "No changes" in second and not created.search(second)
    assert "Org connections that now exist (3)" in second
    assert "(6/6 flowing)" in second  # verify: every declared type reaches the hub


@pytest.mark.pulumi_cli
@pytest.mark.skipif(
    shutil.which("pulumi") is None,
    reason="the pulumi CLI is not on PATH (it cannot be installed on our build machines)",
)
def test_demo_with_the_pulumi_cli_deploys_then_changes_nothing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "stacks", project / "stacks")
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / ".venv").symlink_to(Path(sys.prefix))
    done = subprocess.run(
        [sys.executable, "-m", "datadog_crossorg.demo", "--project-dir", str(project)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Org connections that now exist (3)" in done.stdout
