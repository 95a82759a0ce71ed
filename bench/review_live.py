"""Section (h): `crossorg review --live` at hub scale, calls and wall time against the minimum.

    .venv/bin/python bench/review_live.py [--dashboards 500] [--notebooks 100]   (also in run.py)

The hub of the offline Datadog holds N dashboards and M notebooks (one in ten reads Acme
Payments' logs, the rest its metrics or nothing); one connection is narrowed (the real CLI's
preview in tests/fixtures/review/demo-narrow.json: payments-to-hub stops sharing logs). The
review runs as a user runs it (`crossorg review --from ... --live --config ...`, in this
process). Calls are counted at the emulator's request log. The minimum is what the job needs:
the hub's connections listing, ⌈N/100⌉ dashboard pages, ⌈M/100⌉ notebook pages (cells
included) and one GET per dashboard (a summary carries no widgets). *bare s* is that minimum
made with plain `requests`: one session, the GETs from as many threads as the review uses.
Rows: no latency, and 20 ms on every request (where concurrency shows).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "provider"), str(ROOT)]

from datadog_crossorg.cli import main as crossorg  # noqa: E402
from datadog_crossorg.client import DatadogClient  # noqa: E402
from datadog_crossorg.dashboards import Dashboard, LogsQuery, MetricsQuery, Timeseries  # noqa: E402
from datadog_crossorg.emulator import Emulator  # noqa: E402
from datadog_crossorg.emulator.faults import Fault  # noqa: E402
from datadog_crossorg.notebooks import Cell, Markdown, Notebook  # noqa: E402
from datadog_crossorg.reports.documents import MAX_IN_FLIGHT  # noqa: E402
from datadog_crossorg.testing.stack import emulator_stack_config  # noqa: E402

PREVIEW = ROOT / "tests" / "fixtures" / "review" / "demo-narrow.json"
PAGE = 100


@dataclass(frozen=True)
class Row:
    condition: str
    dashboards: int
    notebooks: int
    calls: Counter[str]
    minimum: int
    seconds: float
    bare_seconds: float
    live_breaks: int


def populate(emu: Emulator, dashboards: int, notebooks: int) -> None:
    pay = emu.org_uuid("payments")
    payments = emu.keys("payments")
    with DatadogClient(payments.api_key, payments.app_key, emu.url) as client:
        client.create_connection(emu.org_uuid("hub"), ["metrics", "logs"])
    hub = emu.keys("hub")
    with DatadogClient(hub.api_key, hub.app_key, emu.url) as client:
        client.create_notebook(Notebook("first", [Markdown("# not cross-org")]).request_body())
        for n in range(dashboards):
            query = (
                LogsQuery("err", "status:error", source=pay)
                if n % 10 == 0
                else MetricsQuery("cpu", "avg:system.cpu.user{*}", source=pay if n % 2 else None)
            )
            client.create_dashboard(Dashboard(f"D{n}", [Timeseries("W", [query])]).to_dict())
        for n in range(notebooks - 1):
            query = (
                LogsQuery("err", "status:error", source=pay)
                if n % 10 == 0
                else MetricsQuery("cpu", "avg:system.cpu.user{*}", source=pay)
            )
            book = Notebook(f"N{n}", [Cell(Timeseries("W", [query]))])
            client.create_notebook(book.request_body())


def bare(emu: Emulator) -> float:
    """The minimum calls with plain requests: listings, then the GETs from MAX_IN_FLIGHT threads."""
    hub = emu.keys("hub")
    session = requests.Session()
    session.headers.update({"DD-API-KEY": hub.api_key, "DD-APPLICATION-KEY": hub.app_key})
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=MAX_IN_FLIGHT)
    session.mount("http://", adapter)
    began = time.perf_counter()
    session.get(f"{emu.url}/api/v2/org_connections", params={"limit": 1000}).raise_for_status()
    ids: list[str] = []
    for start in range(0, 10**6, PAGE):
        page = session.get(
            f"{emu.url}/api/v1/dashboard", params={"count": PAGE, "start": start}
        ).json()["dashboards"]
        ids += [d["id"] for d in page]
        if len(page) < PAGE:
            break
    for start in range(0, 10**6, PAGE):
        page = session.get(f"{emu.url}/api/v1/notebooks", params={"count": PAGE, "start": start})
        if len(page.json()["data"]) < PAGE:
            break
    with ThreadPoolExecutor(MAX_IN_FLIGHT) as pool:
        list(
            pool.map(
                lambda i: session.get(f"{emu.url}/api/v1/dashboard/{i}").raise_for_status(), ids
            )
        )
    seconds = time.perf_counter() - began
    session.close()
    return seconds


def measure(dashboards: int, notebooks: int, latency: float) -> Row:
    with Emulator() as emu, tempfile.TemporaryDirectory() as tmp:
        populate(emu, dashboards, notebooks)
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps(emulator_stack_config(emu, "hub", ("payments",))))
        if latency:
            emu.add_fault(Fault("latency", delay=latency, times=None))
        emu.clear_requests()
        out = io.StringIO()
        began = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = crossorg(
                [
                    "review",
                    "--from",
                    str(PREVIEW),
                    "--live",
                    "--config",
                    str(config),
                    "--format",
                    "json",
                ]
            )
        seconds = time.perf_counter() - began
        calls = Counter(r.method for r in emu.requests)
        assert code == 0, out.getvalue()
        report = json.loads(out.getvalue())
        breaks = sum(1 for b in report["breaks"] if b["where"] == "live")
        emu.clear_requests()
        bare_seconds = bare(emu)
    minimum = 1 + math.ceil(dashboards / PAGE) + math.ceil(notebooks / PAGE) + dashboards
    condition = f"{latency * 1000:.0f} ms latency" if latency else "no fault"
    return Row(condition, dashboards, notebooks, calls, minimum, seconds, bare_seconds, breaks)


def review_table(rows: list[Row]) -> Table:
    table = Table(title="(h) crossorg review --live: one connection narrowed, the hub searched")
    for column in (
        "condition",
        "dashboards",
        "notebooks",
        "calls",
        "minimum",
        "calls/min",
        "wall s",
        "bare s",
        "ours/bare",
        "live breaks",
    ):
        table.add_column(column, justify="left" if column == "condition" else "right")
    for r in rows:
        total = sum(r.calls.values())
        table.add_row(
            r.condition,
            str(r.dashboards),
            str(r.notebooks),
            " ".join(f"{m} {n}" for m, n in sorted(r.calls.items())),
            str(r.minimum),
            f"{total / r.minimum:.2f}",
            f"{r.seconds:.2f}",
            f"{r.bare_seconds:.2f}",
            f"{r.bare_seconds / r.seconds:.2f}x",
            str(r.live_breaks),
        )
    return table


def run(dashboards: int, notebooks: int) -> Table:
    return review_table([measure(dashboards, notebooks, 0.0), measure(dashboards, notebooks, 0.02)])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dashboards", type=int, default=500)
    parser.add_argument("--notebooks", type=int, default=100)
    args = parser.parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=150)
    console.print(run(args.dashboards, args.notebooks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
