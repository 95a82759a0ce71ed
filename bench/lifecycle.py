"""Sections (b) and (c): lifecycles of N connections between a hub and N spokes.

Each connection goes one way or the other (hub -> spoke through the hub's default key pair,
spoke -> hub through the spoke's named key pair), so the calls spread over N + 1 orgs with the
hub carrying half of them. Every operation (create, no-op up, update, refresh, destroy) runs
through the engine harness (16 steps at once) in a new provider process, as each `pulumi`
command would.

(b) beside each operation: the minimum (one API call per resource operation) and the same HTTP
    work done with bare `requests` (16 threads), as a throughput ratio ours/bare.
(c) the same lifecycle with a per-org rate limit on the emulator: completion time beside the
    least time the limit allows (`scale.limit_minimum`, with the unlimited run of (b) as the
    floor), 429s received and failed operations. Each operation starts with a whole window
    (`scale.fresh_window`), as after a pause between commands.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.table import Table
from scale import (
    Measure,
    ScaleWorld,
    both_ways,
    fmt_s,
    fmt_x,
    fresh_window,
    limit_minimum,
    measure,
)
from scale import bare_requests as bare

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed
from datadog_crossorg.testing.harness import Engine, Result

FIRST = ("logs",)
SECOND = ("logs", "metrics")


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[ScaleWorld, Engine], Result]
    done_ops: tuple[str, ...]  # steps that count as this operation done
    # The fewest calls under a rate limit: "write" (one per resource), "listing" (one listing
    # per key pair) or "none". Section (b)'s minimum column is one call per resource operation.
    minimum: str
    bare: str | None  # the bare-requests work, None when there is no HTTP work


PHASES = (
    Phase("create", lambda w, e: e.up(w.goals(FIRST)), ("create",), "write", "create"),
    Phase("no-op up", lambda w, e: e.up(w.goals(FIRST)), ("same",), "none", None),
    Phase("update", lambda w, e: e.up(w.goals(SECOND)), ("update",), "write", "update"),
    Phase("refresh", lambda w, e: e.refresh(), ("same", "refresh-changed"), "listing", "read"),
    Phase("destroy", lambda w, e: e.destroy(), ("delete",), "write", "delete"),
)
TYPES_FOR = {"create": FIRST, "update": SECOND, "read": SECOND, "delete": SECOND}


@dataclass(frozen=True)
class PhaseResult:
    size: int
    phase: Phase
    measure: Measure
    started_epoch: float
    calls_per_org: dict[str, int]
    bare_seconds: float | None = None


def run_lifecycle(
    size: int, rate_limit: tuple[int, int] | None = None, with_bare: bool = False
) -> list[PhaseResult]:
    """One lifecycle of `size` connections; with `rate_limit` (calls, seconds) per org."""
    limits = None
    if rate_limit:
        limits = {"org_connections": {"limit": rate_limit[0], "period": rate_limit[1]}}
    with Emulator(seed=hub_and_spokes_seed(size, limits)) as emu:
        world = ScaleWorld(emu, both_ways(size))
        results = []
        for phase in PHASES:
            needed = dict(world.calls_per_org(phase.minimum))
            with world.process() as engine:
                if rate_limit:
                    fresh_window(emu, rate_limit, max(needed.values(), default=0))
                started = time.time()
                m = measure(emu, lambda p=phase, e=engine: p.run(world, e), size, phase.done_ops)
            results.append(PhaseResult(size, phase, m, started, needed))
        if with_bare:
            ids: dict[str, str] = {}
            timed = {
                kind: bare(emu, world.plan, kind, ids, TYPES_FOR[kind])
                for kind in ("create", "update", "read", "delete")
            }
            results = [
                PhaseResult(
                    r.size,
                    r.phase,
                    r.measure,
                    r.started_epoch,
                    r.calls_per_org,
                    timed.get(r.phase.bare or ""),
                )
                for r in results
            ]
    return results


def lifecycle_table(runs: Sequence[Sequence[PhaseResult]]) -> Table:
    table = Table(
        title="(b) Lifecycle through the engine harness: wall time and API calls per operation",
        caption="minimum: one API call per resource operation. bare: the same HTTP work (one "
        "call per connection) with plain requests, 16 threads. ours/bare: throughput ratio "
        "(bare time / our time). Refresh reads through one shared listing per key pair.",
    )
    for column in (
        "N",
        "operation",
        "wall s",
        "API calls",
        "calls/op",
        "minimum",
        "bare s",
        "ours/bare",
        "failed",
    ):
        table.add_column(column, justify="right" if column != "operation" else "left")
    for results in runs:
        total_ours = total_bare = 0.0
        for r in results:
            m = r.measure
            minimum = 0 if r.phase.minimum == "none" else r.size
            ratio = r.bare_seconds / m.seconds if r.bare_seconds is not None else None
            if r.bare_seconds is not None:
                total_ours += m.seconds
                total_bare += r.bare_seconds
            table.add_row(
                str(r.size),
                r.phase.name,
                fmt_s(m.seconds),
                f"{m.calls} ({_methods(m)})" if m.calls else "0",
                f"{m.calls / r.size:.2f}",
                str(minimum),
                fmt_s(r.bare_seconds),
                fmt_x(ratio),
                str(m.failed),
            )
        table.add_row(
            str(results[0].size),
            "[b]lifecycle (calls made)[/b]",
            fmt_s(total_ours),
            "",
            "",
            "",
            fmt_s(total_bare),
            fmt_x(total_bare / total_ours if total_ours else None),
            "",
            end_section=True,
        )
    return table


def limited_table(
    runs: Sequence[Sequence[PhaseResult]],
    free: Sequence[Sequence[PhaseResult]],
    rate_limit: tuple[int, int],
) -> Table:
    limit, period = rate_limit
    table = Table(
        title=f"(c) The same lifecycle with a rate limit of {limit} calls per {period} s per org",
        caption="minimum: the busiest org's calls at the unlimited run's pace, at most "
        f"{limit} per window, waiting for the next window when one is spent (never below the "
        "unlimited run of (b)); each operation starts with a whole window. Where the limit "
        "does not bind, the ratio compares two sub-second runs (noise).",
    )
    for column in (
        "N",
        "operation",
        "busiest org calls",
        "wall s",
        "minimum s",
        "wall/minimum",
        "API calls",
        "429s",
        "failed",
    ):
        table.add_column(column, justify="right" if column != "operation" else "left")
    for results, unlimited in zip(runs, free, strict=True):
        for r, f in zip(results, unlimited, strict=True):
            m = r.measure
            minimum = limit_minimum(
                r.calls_per_org, limit, period, r.started_epoch, f.measure.seconds
            )
            busiest = max(r.calls_per_org.values(), default=0)
            table.add_row(
                str(r.size),
                r.phase.name,
                str(busiest),
                fmt_s(m.seconds),
                fmt_s(minimum),
                fmt_x(m.seconds / minimum if minimum else None),
                str(m.calls),
                str(m.too_many),
                str(m.failed) + (f" ({m.error})" if m.error else ""),
            )
        table.add_section()
    return table


def _methods(m: Measure) -> str:
    return " ".join(f"{n} {method}" for method, n in sorted(m.methods.items()))
