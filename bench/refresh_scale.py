"""Section (d), issue 11: refresh of N connections of one hub (1 hub -> N spokes, all through the
hub's key pair), as `pulumi refresh` runs it: a new provider process, 16 Reads at once.

Each N is refreshed under three conditions of the emulator: no fault; 50 ms of latency on every
connections request; a per-org rate limit plus the same latency. Under each, two ways of reading:
- "shared listing": the provider's default (`datadog-crossorg:listingCacheSeconds` unset, 5 s):
  the Reads share one listing of the hub's connections (all pages);
- "per-resource": `listingCacheSeconds: 0`, one filtered list call per Read (what Terraform's
  provider does), measured in the same run.
Under the limit, the least time the limit allows (`scale.limit_minimum`) takes the same way of
reading under latency alone as its floor; each refresh starts with a whole window
(`scale.fresh_window`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from rich.table import Table
from scale import (
    PAGE_SIZE,
    Measure,
    ScaleWorld,
    fmt_s,
    fmt_x,
    fresh_window,
    hub_to_spokes,
    limit_minimum,
    measure,
    spokes_to_hub,
)

from datadog_crossorg.emulator import Emulator, Fault
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed

READ_DONE = ("same", "refresh-changed")
MODES = (("shared listing", None), ("per-resource", 0.0))


@dataclass(frozen=True)
class RefreshRow:
    size: int
    condition: str
    mode: str
    measure: Measure
    minimum: float | None = None

    @property
    def listing_target(self) -> int | None:
        """Issue 11: a shared-listing refresh makes at most ⌈N/1000⌉ + 1 list calls."""
        return math.ceil(self.size / PAGE_SIZE) + 1 if self.mode == MODES[0][0] else None


def run_refresh(size: int, rate_limit: tuple[int, int], latency: float) -> list[RefreshRow]:
    limit, period = rate_limit
    conditions = (
        ("no fault", False, False),
        (f"{latency * 1000:.0f} ms latency", True, False),
        (f"{limit}/{period} s limit + {latency * 1000:.0f} ms", True, True),
    )
    rows: list[RefreshRow] = []
    with Emulator(seed=hub_and_spokes_seed(size)) as emu:
        world = ScaleWorld(emu, hub_to_spokes(size))
        with world.process() as engine:
            engine.up(world.goals(("metrics",)))
        floors: dict[str, float] = {}
        for condition, slow, limited in conditions:
            if slow:
                emu.clear_faults()
                emu.add_fault(
                    Fault("latency", path=r"^/api/v2/org_connections", delay=latency, times=None)
                )
            for mode, ttl in MODES:
                needed = {"hub": math.ceil(size / PAGE_SIZE) if ttl is None else size}
                with world.process(ttl) as engine:
                    if limited:
                        fresh_window(emu, rate_limit, needed["hub"])
                    started = time.time()
                    m = measure(emu, engine.refresh, size, READ_DONE)
                minimum = None
                if limited:
                    minimum = limit_minimum(needed, limit, period, started, floors[mode])
                elif slow:
                    floors[mode] = m.seconds
                rows.append(RefreshRow(size, condition, mode, m, minimum))
    return rows


def run_spokes_refresh(size: int, latency: float) -> list[RefreshRow]:
    """Spokes share with the hub, each through its own key pair: a refresh reads them all through
    the hub's one listing (default pair), ⌈N/1000⌉ calls instead of N (issue 19)."""
    with Emulator(seed=hub_and_spokes_seed(size)) as emu:
        world = ScaleWorld(emu, spokes_to_hub(size))
        with world.process() as engine:
            engine.up(world.goals(("metrics",)))
        emu.add_fault(Fault("latency", path=r"^/api/v2/org_connections", delay=latency, times=None))
        with world.process() as engine:
            m = measure(emu, engine.refresh, size, READ_DONE)
    condition = f"spokes -> hub, {latency * 1000:.0f} ms latency"
    return [RefreshRow(size, condition, MODES[0][0], m)]


def refresh_table(rows: list[RefreshRow]) -> Table:
    table = Table(
        title="(d) Refresh of N connections of one hub (issue 11): 16 parallel Reads, new process",
        caption="target: a shared-listing refresh makes at most ⌈N/1000⌉+1 list calls; under "
        "the limit 0 failed, 0 429s and wall time within 1.2x of the minimum the limit allows "
        "(latency-only run of the same mode as floor). per-resource = listingCacheSeconds 0.",
    )
    for column in (
        "N",
        "condition",
        "reads via",
        "API calls",
        "target",
        "wall s",
        "minimum s",
        "wall/min",
        "429s",
        "failed",
    ):
        table.add_column(
            column, justify="left" if column in ("condition", "reads via") else "right"
        )
    last = None
    for row in rows:
        if last is not None and row.size != last:
            table.add_section()
        last = row.size
        m = row.measure
        target = row.listing_target
        table.add_row(
            str(row.size),
            row.condition,
            row.mode,
            str(m.calls),
            f"<= {target}" if target is not None else "-",
            fmt_s(m.seconds),
            fmt_s(row.minimum),
            fmt_x(m.seconds / row.minimum if row.minimum else None),
            str(m.too_many),
            str(m.failed) + (f" ({m.error})" if m.error else ""),
        )
    return table
