"""Section (g): `crossorg connections audit` of a fleet of 200 orgs and 2,000 connections.

    .venv/bin/python bench/audit_scale.py [--orgs 200] [--connections 2000]

One account of N orgs (one key pair each, all given to the audit), M connections among them
(each org the source of M/N, to its next M/N orgs), 20 dashboards in the first org with
cross-org queries. The audit reads it the way `crossorg connections audit` does (one client per
key pair, `reports.audit.read_fleet`, then `rules.fleet.audit`), with and without the
restriction-policy check; beside it, the creators read without a shared listing (one filtered
listing per connection, as a per-resource Read does). Calls come from the emulator's request log, by kind, beside the
minimum: one connection listing page per key pair, one dashboard listing and one notebook
listing per org (a key pair each here), one GET per dashboard (a listing has no widgets), and,
with policies, two policy reads per connection (no policy anywhere: both sides must be read).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from datadog_crossorg.client.api import DatadogClient
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed, spoke_name
from datadog_crossorg.reports.audit import read_fleet
from datadog_crossorg.rules.fleet import audit

DASHBOARDS = 20
PAGE = 1000


def fleet_seed(orgs: int, connections: int) -> dict:
    seed = hub_and_spokes_seed(orgs - 1)
    names = [o["name"] for o in seed["accounts"][0]["orgs"]]
    per_source = math.ceil(connections / orgs)
    seed["connections"] = [
        {"source": names[i % orgs], "sink": names[(i % orgs + 1 + i // orgs) % orgs],
         "connection_types": ["metrics"]}
        for i in range(connections)
    ]  # fmt: skip
    assert per_source < orgs
    uuid_of = {o["name"]: o["uuid"] for o in seed["accounts"][0]["orgs"]}
    seed["dashboards"] = [
        {
            "org": names[0],
            "title": f"Fleet {d}",
            "layout_type": "ordered",
            "widgets": [
                {"definition": {"type": "timeseries", "requests": [{
                    "response_format": "timeseries",
                    "queries": [{"data_source": "logs", "name": "q", "compute": {"aggregation": "count"},
                                 "search": {"query": ""}, "cross_org_uuids": [uuid_of[names[(d % (orgs - 1)) + 1]]]}],
                    "formulas": [{"formula": "q"}]}]}}
            ],
        }
        for d in range(DASHBOARDS)
    ]  # fmt: skip
    return seed


@dataclass(frozen=True)
class Row:
    mode: str
    seconds: float
    calls: Counter
    minimum: Counter
    findings: int


def kind_of(method: str, path: str) -> str:
    if "org_connections" in path:
        return "connection listings"
    if "restriction_policy" in path:
        return "policy reads"
    if path.startswith("/api/v1/dashboard/"):
        return "dashboard GETs"
    if path.startswith("/api/v1/dashboard"):
        return "dashboard listings"
    if path.startswith("/api/v1/notebooks"):
        return "notebook listings"
    return f"{method} {path}"


def run(orgs: int, connections: int) -> list[Row]:
    rows = []
    with Emulator(seed=fleet_seed(orgs, connections)) as emu:
        pairs = ["hub", *(spoke_name(i) for i in range(orgs - 1))]
        seen = Counter()
        for conn in emu.connections():
            for side in ("source_org", "sink_org"):
                seen[conn["relationships"][side]["data"]["id"]] += 1
        pages = sum(max(1, math.ceil(seen[emu.keys(p).org_uuid] / PAGE)) for p in pairs)
        for mode, policies in (("audit", True), ("audit --no-policies", False)):
            clients = {p: DatadogClient(emu.keys(p).api_key, emu.keys(p).app_key, emu.url)
                       for p in pairs}  # fmt: skip
            uuids = {p: emu.keys(p).org_uuid for p in pairs}
            emu.clear_requests()
            began = time.perf_counter()
            reading = read_fleet(clients, org_uuids=uuids, policies=policies)
            result = audit(reading.fleet)
            seconds = time.perf_counter() - began
            calls = Counter(kind_of(r.method, r.path) for r in emu.requests)
            for c in clients.values():
                c.close()
            minimum = Counter({
                "connection listings": pages, "dashboard listings": len(pairs),
                "dashboard GETs": DASHBOARDS, "notebook listings": len(pairs),
            })  # fmt: skip
            if policies:
                minimum["policy reads"] = 2 * connections
            rows.append(Row(mode, seconds, calls, minimum, len(result.findings)))
        rows.append(per_connection_baseline(emu, pairs, pages))
    return rows


def per_connection_baseline(emu: Emulator, pairs: list[str], pages: int) -> Row:
    """The creators read without a shared listing: one filtered listing per connection from its
    source's key pair (what a per-resource Read does, Terraform's way), 8 at once like ours."""
    clients = {emu.keys(p).org_uuid: DatadogClient(emu.keys(p).api_key, emu.keys(p).app_key,
                                                   emu.url) for p in pairs}  # fmt: skip
    wanted = [(c["relationships"]["source_org"]["data"]["id"],
               c["relationships"]["sink_org"]["data"]["id"]) for c in emu.connections()]  # fmt: skip
    emu.clear_requests()
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(
            lambda pair: clients[pair[0]].list_connections(sink_org_id=pair[1],
                                                           source_org_id=pair[0]), wanted))  # fmt: skip
    seconds = time.perf_counter() - began
    assert all(len(f) == 1 and f[0].creator for f in found)
    for c in clients.values():
        c.close()
    calls = Counter(kind_of(r.method, r.path) for r in emu.requests)
    return Row("baseline: a listing per connection (creators only)", seconds, calls,
               Counter({"connection listings": pages}), 0)  # fmt: skip


def audit_table(rows: list[Row], orgs: int, connections: int) -> Table:
    table = Table(title=f"(g) Fleet audit: {orgs} orgs, {connections} connections, "
                  f"{orgs} key pairs, {DASHBOARDS} dashboards")  # fmt: skip
    for column in ("mode", "wall s", "calls", "minimum", "calls/minimum", "by kind (calls/min)",
                   "findings"):  # fmt: skip
        table.add_column(column)
    for r in rows:
        total, least = sum(r.calls.values()), sum(r.minimum.values())
        kinds = sorted(set(r.calls) | set(r.minimum))
        detail = ", ".join(f"{k} {r.calls[k]}/{r.minimum[k]}" for k in kinds)
        table.add_row(r.mode, f"{r.seconds:.2f}", str(total), str(least), f"{total / least:.2f}x",
                      detail, str(r.findings))  # fmt: skip
    return table


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--connections", type=int, default=2000)
    args = parser.parse_args(argv)
    rows = run(args.orgs, args.connections)
    Console(width=170).print(audit_table(rows, args.orgs, args.connections))
    ours = [r for r in rows if r.mode.startswith("audit")]
    return 0 if all(sum(r.calls.values()) <= sum(r.minimum.values()) for r in ours) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
