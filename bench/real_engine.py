"""Section (e): throughput at real latency through the real `pulumi` CLI, and its peers.

    .venv/bin/python bench/real_engine.py [--n 200] [--latency 0 0.05]

N connections from a hub to N spokes, created, refreshed and destroyed by:
- dynamic: the stack program of stacks/ (dynamic `OrgConnection`) under the real CLI;
- native: a YAML stack of N native `datadog-crossorg:index:OrgConnection` under the real CLI;
- bare requests: the same HTTP work (N POSTs, the hub's listing, N DELETEs) with plain requests;
- datadog-api-client: the same with Datadog's official Python client (its OrgConnectionsApi).
Each runs in its own process (the pulumi CLI, or a child Python for the two clients), against the
offline Datadog in this process, which adds the latency to every API request and counts the calls
in flight. `--parallel 16` and unbounded (pulumi's default); the clients use 16 threads and N
threads for those. ours/bare = bare s / our s (throughput ratio, same latency and parallelism).
Targets (issue 19): native >= 0.9 of bare at 50 ms; dynamic >= 0.8 at 50 ms; both >= 0.5 at 0 ms.
Each pulumi way also runs with PULUMI_SKIP_CHECKPOINTS=true: on a file backend the engine rewrites
the whole state file after every step, which at N = 200 costs more than Datadog's latency.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the `tests` package: its real-engine stacks

from datadog_crossorg.emulator import Emulator, Fault  # noqa: E402
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed, spoke_name  # noqa: E402
from datadog_crossorg.native.schema import PACKAGE, RESOURCE_TYPE  # noqa: E402
from datadog_crossorg.testing.pulumi_cli import PulumiCLI, find_engine_bin  # noqa: E402
from tests.real_engine.cli_world import CliStack, python_project, yaml_project  # noqa: E402

OPERATIONS = ("create", "refresh", "destroy")

# The clients' side, run in a child process: argv = tool url api app threads hub spokes...
CLIENT_SCRIPT = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
tool, url, api, app, threads, hub, *spokes = sys.argv[1:]
threads = int(threads)
times = {}
if tool == "bare":
    import requests, threading
    local = threading.local()
    def session():
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.headers.update({"DD-API-KEY": api, "DD-APPLICATION-KEY": app})
        return local.s
    def create(sink):
        body = {"data": {"type": "org_connection", "attributes": {"connection_types": ["metrics"]},
                "relationships": {"sink_org": {"data": {"type": "orgs", "id": sink}}}}}
        r = session().post(url + "/api/v2/org_connections", json=body); r.raise_for_status()
        return r.json()["data"]["id"]
    def listing():
        r = session().get(url + "/api/v2/org_connections", params={"limit": 1000}); r.raise_for_status()
        return [c["id"] for c in r.json()["data"]]
    def delete(cid):
        session().delete(url + "/api/v2/org_connections/" + cid).raise_for_status()
else:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v2.api.org_connections_api import OrgConnectionsApi
    from datadog_api_client.v2.model.org_connection_create_request import OrgConnectionCreateRequest
    from datadog_api_client.v2.model.org_connection_create import OrgConnectionCreate
    from datadog_api_client.v2.model.org_connection_create_attributes import OrgConnectionCreateAttributes
    from datadog_api_client.v2.model.org_connection_create_relationships import OrgConnectionCreateRelationships
    from datadog_api_client.v2.model.org_connection_org_relationship import OrgConnectionOrgRelationship
    from datadog_api_client.v2.model.org_connection_org_relationship_data import OrgConnectionOrgRelationshipData
    from datadog_api_client.v2.model.org_connection_type_enum import OrgConnectionTypeEnum
    from datadog_api_client.v2.model.org_connection_type import OrgConnectionType
    from datadog_api_client.v2.model.org_connection_org_relationship_data_type import OrgConnectionOrgRelationshipDataType
    config = Configuration(host=url)
    config.api_key["apiKeyAuth"], config.api_key["appKeyAuth"] = api, app
    client = ApiClient(config)
    client.rest_client.pool_manager.connection_pool_kw["maxsize"] = threads
    orgs = OrgConnectionsApi(client)
    def create(sink):
        body = OrgConnectionCreateRequest(data=OrgConnectionCreate(
            type=OrgConnectionType.ORG_CONNECTION,
            attributes=OrgConnectionCreateAttributes(connection_types=[OrgConnectionTypeEnum.METRICS]),
            relationships=OrgConnectionCreateRelationships(sink_org=OrgConnectionOrgRelationship(
                data=OrgConnectionOrgRelationshipData(id=sink, type=OrgConnectionOrgRelationshipDataType.ORGS)))))
        return orgs.create_org_connections(body=body).data.id
    def listing():
        return [c.id for c in orgs.list_org_connections(limit=1000).data]
    def delete(cid):
        orgs.delete_org_connections(connection_id=cid)
with ThreadPoolExecutor(threads) as pool:
    start = time.perf_counter(); ids = list(pool.map(create, spokes)); times["create"] = time.perf_counter() - start
    start = time.perf_counter(); found = listing(); times["refresh"] = time.perf_counter() - start
    assert set(ids) <= set(found), "listing misses created connections"
    start = time.perf_counter(); list(pool.map(delete, ids)); times["destroy"] = time.perf_counter() - start
print(json.dumps(times))
"""


@dataclass
class Row:
    way: str
    latency: float
    parallel: str
    operation: str
    seconds: float  # the whole command (a CLI's start and plan included)
    api_seconds: float  # its API phase: first request's start to last answer, at the emulator
    calls: int
    in_flight: int


def slow(emu: Emulator, latency: float) -> None:
    emu.clear_faults()
    if latency:
        emu.add_fault(Fault("latency", path="/api/v2/org_connections", delay=latency, times=None))


def _clients(emu: Emulator, n: int, latency: float, tool: str, threads: int) -> list[Row]:
    """One child process does create, refresh (one listing) and destroy, timing each."""
    slow(emu, latency)
    hub = emu.keys("hub")
    spokes = [emu.org_uuid(spoke_name(i)) for i in range(n)]
    emu.clear_requests()
    done = subprocess.run(
        [sys.executable, "-c", CLIENT_SCRIPT, tool, emu.url, hub.api_key, hub.app_key,
         str(threads), emu.org_uuid("hub"), *spokes],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    times = json.loads(done.stdout.strip().splitlines()[-1])
    calls = {"create": n, "refresh": -(-n // 1000), "destroy": n}
    assert len(emu.requests) == sum(calls.values()), "the client made other calls than planned"
    label = "bare requests" if tool == "bare" else "datadog-api-client"
    parallel = "16" if threads == 16 else "unbounded"
    return [
        Row(label, latency, parallel, op, times[op], times[op], calls[op], emu.max_in_flight)
        for op in OPERATIONS
    ]


def build_stack(emu: Emulator, n: int, way: str, folder: Path) -> CliStack:
    hub = emu.keys("hub")
    if way == "dynamic":
        cli = PulumiCLI(python_project(folder / "p"), home=folder / "h", backend=folder / "b")
        s = CliStack(emu, cli).init()
        uuids = {spoke_name(i): emu.org_uuid(spoke_name(i)) for i in range(n)}
        s.set_config(
            {
                "datadog:apiUrl": emu.url,
                "datadog:apiKey": hub.api_key,
                "datadog:appKey": hub.app_key,
                "datadog-crossorg:orgUuids": uuids,
                "datadog-crossorg:connections": [
                    {"name": f"c{i}", "sink": spoke_name(i), "types": ["metrics"]} for i in range(n)
                ],
            }
        )
        return s
    project = yaml_project(folder / "y", local_plugin=True)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    document["config"] = {}
    document["outputs"] = {}
    document["resources"] = {
        f"c{i}": {
            "type": RESOURCE_TYPE,
            "properties": {
                "sinkOrgId": emu.org_uuid(spoke_name(i)),
                "connectionTypes": ["metrics"],
            },
        }
        for i in range(n)
    }
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    s = CliStack(emu, PulumiCLI(project, home=folder / "h", backend=folder / "b")).init()
    s.set_config(
        {
            f"{PACKAGE}:apiKey": hub.api_key,
            f"{PACKAGE}:appKey": hub.app_key,
            f"{PACKAGE}:apiUrl": emu.url,
        }
    )
    return s


def _pulumi(
    emu: Emulator, n: int, latency: float, way: str, parallel: str, skip_checkpoints: bool = False
) -> list[Row]:
    flags = ["--parallel", "16"] if parallel == "16" else []
    commands = {
        "create": ["up", "--yes", *flags],
        "refresh": ["refresh", "--yes", "--skip-preview", *flags],
        "destroy": ["destroy", "--yes", *flags],
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        s = build_stack(emu, n, way, Path(tmp))
        label = way
        if skip_checkpoints:  # the file backend rewrites the whole state after every step
            s.cli.env["PULUMI_SKIP_CHECKPOINTS"] = "true"
            label = f"{way}, PULUMI_SKIP_CHECKPOINTS"
        slow(emu, latency)
        for op in OPERATIONS:
            emu.clear_requests()
            started = time.perf_counter()
            s.pulumi(*commands[op])
            seconds = time.perf_counter() - started
            rows.append(
                Row(
                    label,
                    latency,
                    parallel,
                    op,
                    seconds,
                    emu.api_span,
                    len(emu.requests),
                    emu.max_in_flight,
                )
            )
    return rows


def run(n: int, latencies: list[float]) -> list[Row]:
    rows: list[Row] = []
    with Emulator(seed=hub_and_spokes_seed(n)) as emu:
        for latency in latencies:
            for parallel, threads in (("16", 16), ("unbounded", n)):
                rows += _clients(emu, n, latency, "bare", threads)
                rows += _clients(emu, n, latency, "official", threads)
                for way in ("dynamic", "native"):
                    rows += _pulumi(emu, n, latency, way, parallel)
                    rows += _pulumi(emu, n, latency, way, parallel, skip_checkpoints=True)
    return rows


def table(rows: list[Row], n: int) -> Table:
    bare = {
        (r.latency, r.parallel, r.operation): r.api_seconds
        for r in rows
        if r.way == "bare requests"
    }
    out = Table(
        title=f"(e) {n} connections through the real pulumi CLI and its peers, each in its own process"
    )
    for column in (
        "latency",
        "--parallel",
        "way",
        "operation",
        "wall s",
        "API s",
        "API calls",
        "max in flight",
        "ours/bare",
    ):
        out.add_column(
            column, justify="left" if column in ("way", "operation", "--parallel") else "right"
        )
    for r in rows:
        ratio = bare[(r.latency, r.parallel, r.operation)] / r.api_seconds if r.api_seconds else 0
        out.add_row(
            f"{r.latency * 1000:.0f} ms", r.parallel, r.way, r.operation, f"{r.seconds:.2f}",
            f"{r.api_seconds:.2f}",
            str(r.calls) if r.calls else "-", str(r.in_flight), f"{ratio:.2f}x",
        )  # fmt: skip
    out.caption = (
        "wall s: the whole command (a pulumi CLI's start, plan and state writes included). API s: "
        "first request's start to last answer at the emulator (the clients time their calls). "
        "ours/bare = bare API s / this row's API s. max in flight: for the clients, over their "
        "whole run. refresh is `refresh --skip-preview`."
    )
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.05])
    args = parser.parse_args(argv)
    if find_engine_bin() is None:
        print("no pulumi CLI: build it with `python3 engine/build.py` (needs go)", file=sys.stderr)
        return 2
    Console(width=150).print(table(run(args.n, args.latency), args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
