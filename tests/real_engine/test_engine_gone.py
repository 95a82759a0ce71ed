"""Provider processes end with the engine, and a Ctrl-C prints no Python traceback.

A stack with a dynamic and a native OrgConnection, against an offline Datadog that answers every
request after 2 s. Killing the CLI with SIGKILL mid-create leaves `python -m pulumi.dynamic` and
the native plugin without their engine: both must be gone within a bounded wait (polled on the
process table). A SIGINT to the CLI during a preview (what Ctrl-C does) cancels it without any
KeyboardInterrupt traceback from the Python processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.faults import Fault
from datadog_crossorg.native.schema import PACKAGE, RESOURCE_TYPE
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import VENV, CliStack
from tests.support.paths import ROOT

PROGRAM = f"""
import pulumi

from datadog_crossorg import OrgConnection

hub = pulumi.Config().require("hub")
OrgConnection("payments-to-hub", sink_org_id=hub, connection_types=["metrics"], org="payments")
pulumi.CustomResource(
    "{RESOURCE_TYPE}", "search-to-hub", {{"sinkOrgId": hub, "connectionTypes": ["metrics"]}}
)
if pulumi.runtime.is_dry_run() and pulumi.Config().get_bool("slow"):
    import time

    time.sleep(30)  # a program still running when the user presses Ctrl-C
"""


def _stack(emu: Emulator, make_cli: Callable[[Path], PulumiCLI], folder: Path) -> CliStack:
    folder.mkdir(parents=True)
    (folder / "__main__.py").write_text(PROGRAM)
    project = {
        "name": "engine-gone",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(VENV)}},
        "plugins": {
            "providers": [{"name": PACKAGE, "path": str(ROOT / "provider/datadog_crossorg/native")}]
        },
    }
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    s = CliStack(emu, make_cli(folder)).init()
    payments, search = emu.keys("payments"), emu.keys("search")
    s.set_config(
        {
            "datadog-crossorg:orgs": {
                "payments": {
                    "apiKey": payments.api_key,
                    "appKey": payments.app_key,
                    "apiUrl": emu.url,
                }
            },
            f"{PACKAGE}:apiKey": search.api_key,
            f"{PACKAGE}:appKey": search.app_key,
            f"{PACKAGE}:apiUrl": emu.url,
            "engine-gone:hub": emu.org_uuid("hub"),
        }
    )
    return s


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _descendants(pid: int) -> dict[int, str]:
    """pid -> command line of every live process below `pid`."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in found and _alive(child):
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                except OSError:
                    continue
                found[child] = cmdline.replace(b"\0", b" ").decode(errors="replace")
                frontier.append(child)
    return found


def _providers(pid: int) -> dict[int, str]:
    return {
        p: c
        for p, c in _descendants(pid).items()
        if "pulumi.dynamic" in c or "datadog_crossorg/native" in c
    }


def _start(s: CliStack, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(s.cli.engine_bin / "pulumi"), *args, "--non-interactive", "--color", "never"],
        cwd=s.cli.project_dir,
        env=s.cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a shell job has
    )


@pytest.fixture
def slow_datadog(datadog_emulator: Emulator) -> Emulator:
    datadog_emulator.add_fault(Fault("latency", delay=2.0, times=None))
    return datadog_emulator


def test_provider_processes_exit_when_the_cli_is_killed(
    slow_datadog: Emulator,
    make_cli: Callable[[Path], PulumiCLI],
    tmp_path: Path,
    eventually: Callable[..., object],
) -> None:
    s = _stack(slow_datadog, make_cli, tmp_path / "project")
    up = _start(s, "up", "--yes")
    providers: dict[int, str] = {}
    try:
        assert eventually(lambda: len(_providers(up.pid)) == 2, 60), _descendants(up.pid)
        assert eventually(lambda: any(r.method == "POST" for r in s.emu.requests), 60)
        providers = _providers(up.pid)
        up.send_signal(signal.SIGKILL)
        up.wait(timeout=30)
        left = eventually(lambda: not any(_alive(p) for p in providers), 15)
        assert left, {p: c for p, c in providers.items() if _alive(p)}
    finally:
        up.kill()
        up.communicate(timeout=30)
        for pid in providers:  # leave nothing behind, even when failing
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_ctrl_c_during_a_preview_prints_no_python_traceback(
    slow_datadog: Emulator,
    make_cli: Callable[[Path], PulumiCLI],
    tmp_path: Path,
    eventually: Callable[..., object],
) -> None:
    """Ctrl-C reaches the CLI; the engine cancels, and stops each plugin with SIGINT to its
    process group (cmdutil.TerminateProcessGroup), the language host's included. The program,
    still running, must not answer that with a KeyboardInterrupt traceback."""
    s = _stack(slow_datadog, make_cli, tmp_path / "project")
    s.pulumi("up", "--yes")
    s.set_config({"engine-gone:hub": s.emu.org_uuid("search"), "engine-gone:slow": "true"})
    preview = _start(s, "preview")
    try:
        assert eventually(lambda: len(_providers(preview.pid)) == 2, 60), _descendants(preview.pid)
        os.killpg(preview.pid, signal.SIGINT)  # Ctrl-C: the CLI's process group
        hosts = [p for p, c in _descendants(preview.pid).items() if "pulumi-language-python " in c]
        assert len(hosts) == 1, _descendants(preview.pid)
        os.killpg(os.getpgid(hosts[0]), signal.SIGINT)  # how the engine stops the host
        output, _ = preview.communicate(timeout=90)
    finally:
        preview.kill()
    assert "received; cancelling" in output, output
    assert "KeyboardInterrupt" not in output and "Traceback" not in output, output
