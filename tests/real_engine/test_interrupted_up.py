"""A pipeline killed during `pulumi up` (SIGKILL of the CLI, mid-create) recovers in one step.

Datadog commits every POST, then the connection drops; while the provider looks before retrying
(each look takes 2 s), the CLI is killed. The state then holds pending creates for connections
Datadog has. `crossorg connections recover --run` makes each managed, none twice, and the next
`up` changes nothing; for the dynamic and the native OrgConnection alike.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.faults import Fault
from datadog_crossorg.emulator.requestlog import NO_RESPONSE
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import PAYMENTS, SEARCH, CliStack, yaml_project
from tests.support.paths import YAML_STACK_DIR

CONNECTIONS = "/api/v2/org_connections"
RECOVER = (sys.executable, "-m", "datadog_crossorg.cli", "connections", "recover")
EDGE = {"name": "edge-to-hub", "org": "edge", "sink": "hub", "types": ["metrics"]}
PAYMENTS_TO_SEARCH = {
    "name": "payments-to-search",
    "org": "payments",
    "sink": "search",
    "types": ["logs"],
}


def _committed_posts(emu: Emulator) -> int:
    return sum(
        1
        for r in emu.requests
        if r.method == "POST" and r.path == CONNECTIONS and r.status == NO_RESPONSE
    )


def _kill_mid_create(s: CliStack, creates: int, eventually: Callable[..., object]) -> None:
    """`pulumi up` until Datadog has committed `creates` connections, then SIGKILL the CLI."""
    s.emu.add_fault(Fault("commit_then_drop", method="POST", path=CONNECTIONS, times=None))
    s.emu.add_fault(Fault("latency", method="GET", path=CONNECTIONS, delay=2.0, times=None))
    cli = s.cli
    up = subprocess.Popen(
        [str(cli.engine_bin / "pulumi"), "up", "--yes", "--non-interactive", "--color", "never"],
        cwd=cli.project_dir,
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert eventually(lambda: _committed_posts(s.emu) >= creates, timeout=90)
        up.send_signal(signal.SIGKILL)
    finally:
        up.kill()
        up.wait(timeout=30)
    s.emu.clear_faults()


def _recover(s: CliStack, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RECOVER, "--stack", s.stack, "--run", *extra],
        cwd=s.cli.project_dir,
        env=s.cli.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _assert_recovered(s: CliStack, expected: int) -> None:
    in_datadog = {c["id"] for c in s.emu.connections()}
    assert len(in_datadog) == expected  # none duplicated
    state = s.cli.export()["deployment"]
    assert not [op for op in state.get("pending_operations") or [] if op["type"] == "creating"]
    managed = [r["id"] for r in s.resources().values()]
    assert sorted(managed) == sorted(in_datadog)  # every one managed, once
    since = len(s.emu.requests)
    again = s.pulumi("preview", "--expect-no-changes")
    assert again.code == 0, again
    up = s.pulumi("up", "--yes")
    assert "unchanged" in up.stdout and "created" not in up.stdout, up
    assert not [r for r in s.emu.requests[since:] if r.method in ("POST", "PATCH", "DELETE")]


def test_a_dynamic_up_killed_mid_create_recovers_in_one_command(
    py_stack: CliStack, eventually: Callable[..., object]
) -> None:
    s = py_stack
    s.hub_and_spokes([PAYMENTS, SEARCH, EDGE, PAYMENTS_TO_SEARCH])
    _kill_mid_create(s, 4, eventually)
    pending = s.cli.export()["deployment"].get("pending_operations") or []
    assert len([op for op in pending if op["type"] == "creating"]) == 4
    assert len(s.emu.connections()) == 4

    recovered = _recover(s)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert recovered.stdout.count("connection ") >= 4, recovered.stdout
    _assert_recovered(s, 4)


def test_a_native_up_killed_mid_create_recovers_in_one_command(
    datadog_emulator: Emulator,
    make_cli: Callable[[Path], PulumiCLI],
    tmp_path: Path,
    eventually: Callable[..., object],
) -> None:
    cli = make_cli(yaml_project(tmp_path / "yaml-project", local_plugin=True))
    s = CliStack(datadog_emulator, cli).init()
    document = yaml.safe_load((YAML_STACK_DIR / "Pulumi.local.yaml").read_text())
    emu = s.emu
    s.set_config(
        {k: v.replace("http://127.0.0.1:18126", emu.url) for k, v in document["config"].items()}
    )
    _kill_mid_create(s, 2, eventually)
    assert len(s.emu.connections()) == 2

    # One provider instance per source org: the key pairs of the same names.
    pairs = {
        name: {
            "apiKey": emu.keys(name).api_key,
            "appKey": emu.keys(name).app_key,
            "apiUrl": emu.url,
        }
        for name in ("payments", "search")
    }
    config = tmp_path / "keys.json"
    config.write_text(json.dumps({"datadog-crossorg:orgs": {"objectValue": pairs}}))
    os.chmod(config, 0o600)
    recovered = _recover(s, "--config", str(config))
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    _assert_recovered(s, 2)
