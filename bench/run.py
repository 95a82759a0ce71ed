"""The benchmark: what the provider costs, at scale, under rate limits, against the offline Datadog.

    .venv/bin/python bench/run.py            # the full run (about 10 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick    # small sizes and a small limit: a smoke run (~1 min)

Everything runs on this machine: the offline Datadog (in this process, on loopback), the real
`python -m pulumi.dynamic` provider server driven over gRPC by the engine harness
(`datadog_crossorg.testing.harness`, 16 steps at once like the engine), and plain `requests`
for the baselines. Each engine operation gets a new provider process, as each `pulumi` command
does. Tables (see bench/README.md for how to read them):

  API calls per operation   one connection through every operation, calls by method vs minimum
  (a) import cost           `import datadog_crossorg.org_connection` vs `import pulumi`: median
                            time and peak RSS over fresh interpreters
  (b) lifecycle             10, 100, 500 connections between a hub and its spokes (create, no-op
                            up, update, refresh, destroy): wall time and API calls per operation,
                            beside the minimum (one call each) and bare `requests` (ratio)
  (c) rate-limited          the same under 100 calls per 10 s per org: completion time vs the
                            least time the limit allows, 429s, failed operations
  (d) refresh at hub scale  refresh of 10, 100, 500, 2000 connections of one hub with no fault,
                            50 ms latency, and the limit + latency; shared listing vs one call
                            per resource (listingCacheSeconds 0) measured side by side
  (g) fleet audit           `crossorg connections audit` of 200 orgs and 2,000 connections: calls
                            by kind and wall time against the minimum (bench/audit_scale.py)
  (h) review --live         `crossorg review --live` over 500 dashboards and 100 notebooks in the
                            hub, one connection narrowed: calls and wall time vs the minimum
  (a) provider start        a provider process's start to its first answer and first Check,
                            beside `python -c "import pulumi"`
  (i) command split         where `pulumi up` / `destroy` of 1 and 200 connections spend their
                            time under the real CLI (when the engine is built), and issue 29's
                            table beside Terraform's figures
  targets                   each figure of issues 5, 11 and 29 against its target, met or missed

The per-resource refresh of 2000 connections under the limit is run, not computed: it needs 20
windows of 10 s, about 200 s of the total.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from api_calls import api_calls_table
from audit_scale import audit_table
from audit_scale import run as run_audit
from import_cost import (
    BASELINE,
    START_BASELINE,
    STARTS,
    SUBJECT,
    import_table,
    measure_imports,
    measure_starts,
    start_table,
)
from lifecycle import PhaseResult, lifecycle_table, limited_table, run_lifecycle
from refresh_scale import MODES, RefreshRow, refresh_table, run_refresh, run_spokes_refresh
from review_live import run as run_review_live
from rich.console import Console
from rich.table import Table
from scale import limit_minimum
from split import issue_table, split_table
from split import run as run_split

from datadog_crossorg.testing.pulumi_cli import find_engine_bin


@dataclass(frozen=True)
class Settings:
    import_repetitions: int
    lifecycle_sizes: tuple[int, ...]
    refresh_sizes: tuple[int, ...]
    rate_limit: tuple[int, int]  # calls per seconds, per org
    latency: float
    split_sizes: tuple[int, ...]
    review_documents: tuple[int, int] = (500, 100)  # dashboards, notebooks in the hub


FULL = Settings(9, (10, 100, 500), (10, 100, 500, 2000), (100, 10), 0.05, (1, 200))
# The quick run keeps the shape with a small limit, so pacing still has windows to wait for.
QUICK = Settings(3, (10, 80), (10, 100), (30, 5), 0.05, (1,), (100, 20))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    console = Console() if sys.stdout.isatty() else Console(width=150)
    began = time.perf_counter()

    def show(table: Table) -> None:
        console.print(table)
        console.print()

    show(api_calls_table())
    costs = measure_imports(settings.import_repetitions)
    show(import_table(costs, settings.import_repetitions))
    starts = measure_starts(settings.import_repetitions)
    show(start_table(starts, settings.import_repetitions))

    free = [run_lifecycle(n, with_bare=True) for n in settings.lifecycle_sizes]
    show(lifecycle_table(free))
    limited = [run_lifecycle(n, rate_limit=settings.rate_limit) for n in settings.lifecycle_sizes]
    show(limited_table(limited, free, settings.rate_limit))

    rows = [
        row
        for n in settings.refresh_sizes
        for row in [
            *run_refresh(n, settings.rate_limit, settings.latency),
            *run_spokes_refresh(n, settings.latency),
        ]
    ]
    show(refresh_table(rows))
    show(run_review_live(*settings.review_documents))

    fleet = (20, 200) if args.quick else (200, 2000)
    show(audit_table(run_audit(*fleet), *fleet))

    if find_engine_bin() is not None:  # (i) needs the real CLI (engine/build.py)
        split = run_split(list(settings.split_sizes), 1, settings.latency)
        for operation in ("create", "destroy"):
            show(split_table(split, operation, 1, settings.latency))
        show(issue_table(split, 1))

    ratio = {c.name: c.import_seconds for c in costs}
    first_answer = max(starts[STARTS[1]], starts[STARTS[3]]) / starts[START_BASELINE]
    show(
        targets_table(ratio[SUBJECT] / ratio[BASELINE], first_answer, free, limited, rows, settings)
    )
    console.print(f"bench/run.py took {time.perf_counter() - began:.0f} s")
    return 0


def targets_table(
    import_ratio: float,
    start_ratio: float,
    free: list[list[PhaseResult]],
    limited: list[list[PhaseResult]],
    rows: list[RefreshRow],
    settings: Settings,
) -> Table:
    """Issue 5's, 11's and 29's figures, each against its target."""
    table = Table(title="Targets (issues 5, 11 and 29)")
    for column in ("target", "measured", "met"):
        table.add_column(column)

    def add(target: str, measured: str, met: bool) -> None:
        table.add_row(target, measured, "[green]yes[/green]" if met else "[red]NO[/red]")

    add("program's import <= 1.1x import pulumi", f"{import_ratio:.2f}x", import_ratio <= 1.1)
    add(
        "provider start to first answer <= 1.1x python -c 'import pulumi' (worst adapter)",
        f"{start_ratio:.2f}x",
        start_ratio <= 1.1,
    )
    by_phase: dict[str, list[PhaseResult]] = {}
    for results in free:
        for r in results:
            by_phase.setdefault(r.phase.name, []).append(r)
    noop = [r.measure.calls for r in by_phase["no-op up"]]
    add("no-op up: 0 calls", f"{max(noop)} calls (max over N)", max(noop) == 0)
    for name in ("create", "update", "destroy"):
        per_op = [r.measure.calls / r.size for r in by_phase[name]]
        add(f"{name}: 1 call each", f"{max(per_op):.2f} calls/op (max over N)", max(per_op) <= 1)
    for name in ("create", "update", "refresh", "destroy"):
        ratios = [r.bare_seconds / r.measure.seconds for r in by_phase[name] if r.bare_seconds]
        add(
            f"{name}: throughput ours/bare >= 0.8",
            f"{min(ratios):.2f}x (worst over N)",
            min(ratios) >= 0.8,
        )
    limit, period = settings.rate_limit
    binding, free_running = [0.0], [0.0]
    failed = too_many = 0
    for results, unlimited in zip(limited, free, strict=True):
        for r, f in zip(results, unlimited, strict=True):
            minimum = limit_minimum(
                r.calls_per_org, limit, period, r.started_epoch, f.measure.seconds
            )
            binds = max(r.calls_per_org.values(), default=0) > limit
            (binding if binds else free_running).append(r.measure.seconds / minimum)
            failed += r.measure.failed
            too_many += r.measure.too_many
    add(
        f"rate-limited lifecycle ({limit}/{period} s): <= 1.2x minimum, 0 failed",
        f"{max(binding):.2f}x worst where the limit binds ({max(free_running):.2f}x where it "
        f"does not); {failed} failed; {too_many} 429s",
        max(binding) <= 1.2 and failed == 0,
    )
    shared = [r for r in rows if r.listing_target is not None]
    over = [r for r in shared if r.measure.calls > (r.listing_target or 0)]
    add(
        "refresh of N: <= ⌈N/1000⌉+1 list calls",
        ", ".join(f"N={r.size}: {r.measure.calls}" for r in shared if r.condition == "no fault"),
        not over,
    )
    under = [r for r in rows if r.minimum is not None]

    def tally(mode: str) -> str:
        picked = [r for r in under if r.mode == mode]
        failed = sum(r.measure.failed for r in picked)
        return f"{mode}: {failed} failed, {sum(r.measure.too_many for r in picked)} 429s"

    add(
        "refresh under the limit: 0 failed, 0 429s",
        "; ".join(tally(mode) for mode, _ in MODES),
        all(r.measure.failed == 0 and r.measure.too_many == 0 for r in under),
    )
    for mode, _ in MODES:
        ratios = [r.measure.seconds / r.minimum for r in under if r.minimum and r.mode == mode]
        add(
            f"refresh under the limit: wall <= 1.2x minimum ({mode})",
            f"{max(ratios):.2f}x worst",
            max(ratios) <= 1.2,
        )
    return table


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
