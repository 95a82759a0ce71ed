"""Section (f): CPU per create in the provider process, and where it goes (py-spy).

    .venv/bin/python bench/profile_create.py [--n 300]

N creates at 0 ms latency through each adapter's real server: the dynamic provider (`python -m
pulumi.dynamic`, driven by the engine harness with 16 steps at once) and the native plugin
(`python <plugin folder>`, 16 callers at once), and the same N POSTs with plain requests from 16
threads in a child process. CPU ms per create is the process's own user+system time over the run
(/proc). py-spy samples the provider process meanwhile; the table lists the functions holding the
most samples (inclusive), each marked ours, pulumi SDK, grpc, HTTP (requests/urllib3) or Python.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from real_engine import CLIENT_SCRIPT  # noqa: E402

from datadog_crossorg.config.keys import SECRET_KEYS  # noqa: E402
from datadog_crossorg.emulator import Emulator  # noqa: E402
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed, spoke_name  # noqa: E402
from datadog_crossorg.native.archive import NATIVE_DIR  # noqa: E402
from datadog_crossorg.native.schema import PACKAGE, RESOURCE_TYPE  # noqa: E402
from datadog_crossorg.org_connection import OrgConnectionProvider  # noqa: E402
from datadog_crossorg.resources.tokens import ORG_CONNECTION  # noqa: E402
from datadog_crossorg.testing.harness import Engine, Goal, ProviderServer, secret  # noqa: E402
from datadog_crossorg.testing.stack import emulator_stack_config  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


GENERIC = ("Thread.", "_worker (concurrent", "_WorkItem.run", "Runner.run", "<module>")


def kind(frame: str) -> str:
    if "datadog_crossorg" in frame:
        return "ours"
    if "(pulumi/" in frame or "/pulumi/" in frame:
        return "pulumi SDK"
    if "grpc" in frame:
        return "grpc"
    if "requests" in frame or "urllib3" in frame or "http/client" in frame:
        return "HTTP"
    return "Python"


Profile = tuple[float, Counter[str], Counter[str], int]


def profiled(pid: int, work: Callable[[], None]) -> Profile:
    """Run `work` while py-spy samples `pid`: (CPU seconds, inclusive samples per function, busy
    samples by whose code was on top of the stack, total busy samples)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        spy = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
             "--format", "raw", "--rate", "400", "--output", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)  # py-spy attaches (untimed)
        before = cpu_seconds(pid)
        work()
        spent = cpu_seconds(pid) - before
        spy.send_signal(2)
        spy.wait(timeout=30)
        inclusive: Counter[str] = Counter()
        leaves: Counter[str] = Counter()
        total = 0
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = [f for f in stack.split(";") if "(" in f]
            busy = frames and not any(
                idle in frames[-1]
                for idle in ("wait (threading", "_worker (concurrent", "select (")
            )
            if not busy:
                continue
            total += int(count)
            leaves[kind(frames[-1])] += int(count)
            for frame in set(frames):
                if not frame.startswith(GENERIC):
                    inclusive[frame] += int(count)
    return spent, inclusive, leaves, total


def run_dynamic(emu: Emulator, n: int) -> Profile:
    config = emulator_stack_config(emu, "hub")
    with tempfile.TemporaryDirectory() as tmp, ProviderServer(cwd=ROOT) as server:
        server.configure(config, SECRET_KEYS)
        engine = Engine(server, stack="prof", state_path=Path(tmp) / "state.json", parallel=16)
        goals = [
            Goal(
                name=f"c{i}",
                type=ORG_CONNECTION,
                inputs={
                    "sink_org_id": emu.org_uuid(spoke_name(i)),
                    "connection_types": ["metrics"],
                },
                provider=OrgConnectionProvider(),
            )
            for i in range(n)
        ]
        engine.preview(goals[:1])  # loads and configures the provider (untimed)
        assert server.pid is not None
        return profiled(server.pid, lambda: engine.up(goals))


def run_native(emu: Emulator, n: int) -> Profile:
    hub = emu.keys("hub")
    config = {"apiKey": secret(hub.api_key), "appKey": secret(hub.app_key), "apiUrl": emu.url}
    cwd = ROOT / "stacks" / "native-yaml"
    with ProviderServer(cwd, plugin=NATIVE_DIR, package=PACKAGE) as plugin:
        Engine(stack="prof").add_provider("hub", plugin, config)  # CheckConfig, Configure

        def create(i: int) -> str:
            props = {"sinkOrgId": emu.org_uuid(spoke_name(i)), "connectionTypes": ["metrics"]}
            return plugin.create(f"urn:pulumi:prof::native::{RESOURCE_TYPE}::c{i}", props)[0]

        def work() -> None:
            with ThreadPoolExecutor(16) as callers:
                assert all(callers.map(create, range(n)))

        assert plugin.pid is not None
        return profiled(plugin.pid, work)


def run_bare(emu: Emulator, n: int) -> float:
    hub = emu.keys("hub")
    spokes = [emu.org_uuid(spoke_name(i)) for i in range(n)]
    script = CLIENT_SCRIPT + "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF))\n"
    done = subprocess.run(
        [sys.executable, "-c", script, "bare", emu.url, hub.api_key, hub.app_key, "16", "", *spokes],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    usage = done.stdout.strip().splitlines()[-1]
    values = dict(part.split("=") for part in usage[usage.index("(") + 1 : -1].split(", "))
    return float(values["ru_utime"]) + float(values["ru_stime"])  # create, list, delete: 2n+1 calls


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--top", type=int, default=14)
    args = parser.parse_args(argv)
    console = Console(width=160)
    per_call = Table(title=f"(f) CPU per create at 0 ms latency, {args.n} creates, 16 at once")
    for column in (
        "way",
        "process CPU s",
        "CPU ms per create",
        "on top of the stack (busy samples)",
    ):
        per_call.add_column(column)
    profiles = {}
    for way, runner in (("dynamic provider", run_dynamic), ("native plugin", run_native)):
        with Emulator(seed=hub_and_spokes_seed(args.n)) as emu:
            spent, inclusive, leaves, total = runner(emu, args.n)
        profiles[way] = (inclusive, total)
        whose = ", ".join(f"{k} {v / max(total, 1):.0%}" for k, v in leaves.most_common())
        per_call.add_row(way, f"{spent:.2f}", f"{spent / args.n * 1000:.2f}", whose)
    with Emulator(seed=hub_and_spokes_seed(args.n)) as emu:
        bare = run_bare(emu, args.n)
    per_call.add_row(
        "bare requests (per call, 2n+1 calls)",
        f"{bare:.2f}",
        f"{bare / (2 * args.n + 1) * 1000:.2f}",
    )
    console.print(per_call)
    for way, (inclusive, total) in profiles.items():
        top = Table(title=f"{way}: functions holding the most busy samples (inclusive), of {total}")
        for column in ("share", "whose", "function"):
            top.add_column(column)
        for frame, count in inclusive.most_common(args.top):
            top.add_row(f"{count / max(total, 1):.0%}", kind(frame), frame[:120])
        console.print(top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
