"""The stack program (stacks/__main__.py) run under the Mocks bridge: the program pickles the real
provider, which runs in a real provider server against the offline Datadog."""

from __future__ import annotations

import json
import re
import runpy
import socket
from pathlib import Path

import pytest

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.client.api import connection_resource_id
from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.config.stack_program import load_config_file
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.harness import Engine, ProviderServer
from datadog_crossorg.testing.mocks import run_program
from tests.support.demo import copy_project, run_demo
from tests.support.paths import ROOT, STACKS

LOCAL_STACK = STACKS / "Pulumi.local.yaml"


def program() -> None:
    runpy.run_path(str(STACKS / "__main__.py"), run_name="__main__")


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
    assert first.result.counts["create"] == 6  # 3 connections, 2 access policies, 1 notebook
    (notebook_id,) = first.outputs["notebook_ids"].values()
    hub_keys = datadog_emulator.keys("hub")
    with DatadogClient(hub_keys.api_key, hub_keys.app_key, datadog_emulator.url) as hub:
        cells = hub.get_notebook(int(notebook_id))["attributes"]["cells"]
    sources = {
        q["data_source"]: q["cross_org_uuids"]
        for c in cells
        for r in c["attributes"]["definition"].get("requests", [])
        for q in r["queries"]
        if "cross_org_uuids" in q
    }
    assert sources["ci_pipelines"] == [datadog_emulator.org_uuid("search")]  # orgUuids resolved
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


def test_demo_through_the_harness_deploys_then_changes_nothing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")

    first = run_demo("--port", "0", "--project-dir", str(project)).stdout
    second = run_demo("--port", "0", "--project-dir", str(project)).stdout

    assert "through the engine harness" in first
    created = re.compile(r"^\s+create\s", re.MULTILINE)
    assert len(created.findall(first)) >= 3 and "Acme Payments" in first
    assert "No changes" in second and not created.search(second)
    assert "Org connections that now exist (3)" in second
    assert "(10/10 flowing)" in second  # verify: every declared type reaches the hub


def test_demo_on_a_taken_port_says_so_and_how_to_pick_another() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_demo("--port", str(port), fails=True)
    assert f"port {port} is already in use" in done.stdout and "--port" in done.stdout


def test_demo_with_an_unknown_stack_names_the_stacks_there() -> None:
    done = run_demo("--stack", "nope", fails=True)
    assert "no stack 'nope'" in done.stdout and "local" in done.stdout


def test_demo_with_a_malformed_stack_file_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.local.yaml").write_text("config:\n  a: [1,\n")
    done = run_demo("--project-dir", str(tmp_path), fails=True)
    assert "is not valid YAML" in done.stdout and "line" in done.stdout
