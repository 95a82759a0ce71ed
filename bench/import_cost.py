"""Section (a): what importing the provider module costs, beside `import pulumi`, and how long a
provider process takes to start, beside `python -c "import pulumi"`.

    .venv/bin/python bench/import_cost.py [--repeat 9]     # also part of bench/run.py

Every import runs in a fresh interpreter (the venv's python, as the engine starts the provider),
the subjects interleaved so drift on a shared machine hits all alike. The child times its own
import statement and reports its peak RSS; the parent also times the whole process (interpreter
start included), what a user waits for.

Peak RSS: on Linux `getrusage(RUSAGE_SELF).ru_maxrss` keeps the peak of the address space a
process had before `exec`, so a child forked from this (large) bench process reports the
bench's size, whatever it imports. The child therefore reads `VmHWM` from /proc/self/status
(the peak of its own address space), and falls back to ru_maxrss where there is no /proc.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from scale import ROOT, fmt_x

CHILD = """\
import resource, time
t = time.perf_counter()
{statement}
seconds = time.perf_counter() - t
try:
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(seconds, kib)
"""
SUBJECTS = (
    ("(interpreter only)", "pass"),
    ("import pulumi", "import pulumi"),
    ("import datadog_crossorg", "import datadog_crossorg"),
    ("import datadog_crossorg.org_connection", "import datadog_crossorg.org_connection"),
    (
        "+ what a provider's first call loads",
        "import datadog_crossorg.org_connection, datadog_crossorg.rules.connections, "
        "datadog_crossorg.process.provider_process, datadog_crossorg.dynamic.server_patches",
    ),
)
BASELINE = "import pulumi"
SUBJECT = "import datadog_crossorg.org_connection"


@dataclass(frozen=True)
class ImportCost:
    name: str
    import_seconds: float  # median, measured in the child
    process_seconds: float  # median, measured by the parent
    rss_mib: float  # median peak RSS of the child


def measure_imports(repetitions: int) -> list[ImportCost]:
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in SUBJECTS}
    for _ in range(repetitions):
        for name, statement in SUBJECTS:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", CHILD.format(statement=statement)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            process = time.perf_counter() - started
            seconds, rss_kib = done.stdout.split()
            samples[name].append((float(seconds), process, int(rss_kib) / 1024))
    return [
        ImportCost(
            name,
            statistics.median(s[0] for s in runs),
            statistics.median(s[1] for s in runs),
            statistics.median(s[2] for s in runs),
        )
        for name, runs in samples.items()
    ]


def import_table(costs: list[ImportCost], repetitions: int) -> Table:
    base = next(c for c in costs if c.name == BASELINE)
    table = Table(
        title=f"(a) Import cost: fresh interpreter each time, median of {repetitions}",
        caption="target (issue 29): a program's import of the provider module <= 1.1x `import "
        "pulumi` (import time); the last row is what a provider process adds on its first call.",
    )
    for column in (
        "import",
        "import s",
        "vs pulumi",
        "process s",
        "vs pulumi",
        "peak RSS MiB",
        "vs pulumi",
    ):
        table.add_column(column, justify="left" if column == "import" else "right")
    for c in costs:
        table.add_row(
            c.name,
            f"{c.import_seconds:.3f}",
            fmt_x(c.import_seconds / base.import_seconds),
            f"{c.process_seconds:.3f}",
            fmt_x(c.process_seconds / base.process_seconds),
            f"{c.rss_mib:.1f}",
            fmt_x(c.rss_mib / base.rss_mib),
        )
    return table


# -- provider process start ------------------------------------------------------------------------

STARTS = (
    "python -c 'import pulumi' (whole process)",
    "dynamic provider: start to first answer (GetPluginInfo)",
    "dynamic provider: start to first Check answered (our package loaded, configured)",
    "native plugin: start to first answer (GetPluginInfo)",
    "native plugin: start to first Check answered (configured)",
)
START_BASELINE = STARTS[0]


def _server_start(emu: Any, native: bool) -> tuple[float, float]:
    """Seconds from spawning a provider process to its first answer, and to its first Check."""
    from datadog_crossorg.config.keys import SECRET_KEYS
    from datadog_crossorg.emulator.worlds import spoke_name
    from datadog_crossorg.native.archive import NATIVE_DIR
    from datadog_crossorg.native.schema import PACKAGE, RESOURCE_TYPE
    from datadog_crossorg.org_connection import OrgConnectionProvider
    from datadog_crossorg.resources.tokens import ORG_CONNECTION
    from datadog_crossorg.testing.harness import ProviderServer, secret
    from datadog_crossorg.testing.stack import emulator_stack_config

    news: dict[str, Any] = {"sink_org_id": emu.org_uuid(spoke_name(0)), "connection_types": ["m"]}
    if native:
        hub = emu.keys("hub")
        server = ProviderServer(ROOT / "stacks" / "native-yaml", plugin=NATIVE_DIR, package=PACKAGE)
        config: dict[str, Any] = {
            "apiKey": secret(hub.api_key),
            "appKey": secret(hub.app_key),
            "apiUrl": emu.url,
        }
        secrets: frozenset[str] = frozenset()
        urn = f"urn:pulumi:bench::native::{RESOURCE_TYPE}::c0"
        news = {"sinkOrgId": news["sink_org_id"], "connectionTypes": ["metrics"]}
    else:
        server = ProviderServer(ROOT)
        config, secrets = emulator_stack_config(emu, "hub"), SECRET_KEYS
        urn = f"urn:pulumi:bench::datadog-crossorg::{ORG_CONNECTION}::c0"
        news = {**news, "connection_types": ["metrics"]}
        news["__provider"] = OrgConnectionProvider().pickled()
    started = time.perf_counter()
    with server:
        server.plugin_version()
        answered = time.perf_counter() - started
        server.configure(config, secrets)
        result = server.check(urn, {}, news)
        checked = time.perf_counter() - started
    assert not result.failures, result.failures
    return answered, checked


def measure_starts(repetitions: int) -> dict[str, float]:
    """Median seconds of each of STARTS, the processes interleaved."""
    from datadog_crossorg.emulator import Emulator
    from datadog_crossorg.emulator.worlds import hub_and_spokes_seed

    samples: dict[str, list[float]] = {name: [] for name in STARTS}
    with Emulator(seed=hub_and_spokes_seed(1)) as emu:
        for _ in range(repetitions):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import pulumi"], cwd=ROOT, check=True)
            samples[STARTS[0]].append(time.perf_counter() - started)
            for native, (first, check) in ((False, STARTS[1:3]), (True, STARTS[3:5])):
                answered, checked = _server_start(emu, native)
                samples[first].append(answered)
                samples[check].append(checked)
    return {name: statistics.median(runs) for name, runs in samples.items()}


def start_table(starts: dict[str, float], repetitions: int) -> Table:
    base = starts[START_BASELINE]
    table = Table(
        title=f"(a) Provider process start, a new process each time, median of {repetitions}",
        caption="target (issue 29): a provider's start to its first answer <= 1.1x `python -c "
        "'import pulumi'`. The first Check loads our package and configures the process.",
    )
    for column in ("process", "s", "vs import pulumi"):
        table.add_column(column, justify="left" if column == "process" else "right")
    for name, seconds in starts.items():
        table.add_row(name, f"{seconds:.3f}", fmt_x(seconds / base))
    return table


def main(argv: list[str]) -> int:
    import argparse

    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    console = Console(width=150)
    console.print(import_table(measure_imports(args.repeat), args.repeat))
    console.print(start_table(measure_starts(args.repeat), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
