"""Section (a): what importing the provider module costs, beside `import pulumi`.

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
        caption="target: import of the provider module <= 1.3x `import pulumi` (import time).",
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
