"""What the scale sections of the bench share: a hub-and-spokes world driven through the engine
harness, one measured engine operation at a time, and the yardsticks it is held against.

- `ScaleWorld`: an offline Datadog seeded with a hub and N spokes (`hub_and_spokes_seed`), a plan
  of connections, and an engine whose every operation runs in a NEW provider process (each
  `pulumi` command gets one), started and configured before the clock starts.
- `measure`: wall time, API calls, 429s and failed operations of one engine operation, from the
  emulator's request log.
- `bare_requests`: the same HTTP work done with plain `requests` from 16 threads.
- `limit_minimum`: the least time a per-org rate limit allows for a number of calls.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from datadog_crossorg.config.keys import LISTING_CACHE_SECONDS as LISTING_TTL_KEY
from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.worlds import spoke_name
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.resources.tokens import ORG_CONNECTION
from datadog_crossorg.testing.harness import Engine, Goal, HarnessError, ProviderServer, Result

ROOT = Path(__file__).resolve().parents[1]
TYPE = ORG_CONNECTION
ENGINE_PARALLEL = 16  # the engine's default --parallel
PAGE_SIZE = 1000  # connections per listing page (the client's default)
CONNECTIONS_PATH = "/api/v2/org_connections"
# The provider pickled once, as the OrgConnection resource registers it.
PROVIDER_BLOB = OrgConnectionProvider().pickled()


@dataclass(frozen=True)
class Planned:
    """One connection of a plan: created with `key_pair`'s org as source, shared with `sink`."""

    name: str
    key_pair: str
    sink: str


def hub_to_spokes(n: int) -> list[Planned]:
    """1 hub -> N spokes, all through the hub's key pair (they share one listing)."""
    return [Planned(f"hub-to-{spoke_name(i)}", "hub", spoke_name(i)) for i in range(n)]


def spokes_to_hub(n: int) -> list[Planned]:
    """N spokes -> 1 hub, each through its spoke's own key pair; the stack also holds the hub's
    (the default pair), whose one listing sees them all (issue 19)."""
    return [Planned(f"{spoke_name(i)}-to-hub", spoke_name(i), "hub") for i in range(n)]


def both_ways(n: int) -> list[Planned]:
    """N connections between the hub and N spokes, alternating direction: hub -> spoke through
    the hub's (default) key pair, spoke -> hub through the spoke's own named key pair."""
    return [
        Planned(f"hub-to-{spoke_name(i)}", "hub", spoke_name(i))
        if i % 2 == 0
        else Planned(f"{spoke_name(i)}-to-hub", spoke_name(i), "hub")
        for i in range(n)
    ]


@dataclass(frozen=True)
class Measure:
    """One engine operation: what it cost and how many of its resource operations failed."""

    seconds: float
    calls: int
    methods: Counter[str]
    too_many: int  # 429 answers
    failed: int  # resource operations expected but not completed
    error: str = ""


class ScaleWorld:
    """A plan of connections over an emulator, deployed through the engine harness."""

    def __init__(self, emu: Emulator, plan: Sequence[Planned], ttl: float | None = None) -> None:
        self.emu = emu
        self.plan = list(plan)
        self.engine: Engine | None = None
        hub = emu.keys("hub")
        named = sorted({p.key_pair for p in self.plan} - {"hub"})
        orgs = {
            n: {"apiKey": emu.keys(n).api_key, "appKey": emu.keys(n).app_key, "apiUrl": emu.url}
            for n in named
        }
        self.config = {
            "datadog:apiKey": hub.api_key,
            "datadog:appKey": hub.app_key,
            "datadog:apiUrl": emu.url,
            "datadog-crossorg:orgs": json.dumps(orgs),
        }
        if ttl is not None:
            self.config[LISTING_TTL_KEY] = str(ttl)

    def goals(self, types: Sequence[str]) -> list[Goal]:
        goals = []
        for p in self.plan:
            inputs: dict[str, object] = {
                "sink_org_id": self.emu.org_uuid(p.sink),
                "connection_types": list(types),
                "__provider": PROVIDER_BLOB,
            }
            if p.key_pair != "hub":
                inputs["org"] = p.key_pair
            goals.append(Goal(p.name, TYPE, inputs))
        return goals

    @contextmanager
    def process(self, ttl: float | None = None) -> Iterator[Engine]:
        """A new provider process (what the next `pulumi` command gets), configured, with the
        engine's state carried over. `ttl` overrides the listing cache seconds for this one."""
        config = dict(self.config)
        if ttl is not None:
            config[LISTING_TTL_KEY] = str(ttl)
        with ProviderServer(cwd=ROOT) as server:
            server.configure(config, SECRET_KEYS)
            if self.engine is None:
                # No state file: rewriting it after every step would cost O(N^2) at N = 2000.
                self.engine = Engine(server, stack="bench", parallel=ENGINE_PARALLEL)
            self.engine.server = server
            yield self.engine

    def calls_per_org(self, kind: str) -> Counter[str]:
        """The fewest API calls per key pair (so per org) an operation of `kind` needs: one per
        write; for a shared-listing refresh, one listing (all pages) per key pair."""
        if kind == "none":
            return Counter()
        per_pair = Counter(p.key_pair for p in self.plan)
        if kind != "listing":
            return per_pair
        listed = Counter(p.key_pair for p in self.plan) + Counter(
            p.sink for p in self.plan if p.sink == "hub" and p.key_pair != "hub"
        )
        return Counter({pair: max(1, math.ceil(n / PAGE_SIZE)) for pair, n in listed.items()})


def measure(
    emu: Emulator,
    operation: Callable[[], Result],
    expected: int,
    done_ops: Sequence[str],
) -> Measure:
    """Run one engine operation and read its cost from the emulator's request log."""
    mark = len(emu.requests)
    started = time.perf_counter()
    error = ""
    try:
        result = operation()
    except HarnessError as exc:
        result = exc.result
        error = str(exc).splitlines()[0][:160]
    seconds = time.perf_counter() - started
    records = emu.requests[mark:]
    completed = sum(result.counts[op] for op in done_ops) if result is not None else 0
    return Measure(
        seconds=seconds,
        calls=len(records),
        methods=Counter(r.method for r in records),
        too_many=sum(r.status == 429 for r in records),
        failed=max(0, expected - completed),
        error=error,
    )


def limit_minimum(
    calls_per_org: Mapping[str, int],
    limit: int,
    period: int,
    started_epoch: float,
    free_seconds: float,
) -> float:
    """The least wall time a per-org limit of `limit` calls per `period` seconds allows.

    Windows are calendar-aligned (as Datadog's and the emulator's), the first one with its whole
    budget at `started_epoch`. Each org's calls go out no faster than in the unlimited run (its
    calls spread evenly over `free_seconds`) and no more than `limit` per window; when a
    window's budget is spent, the next call waits for the next window. The minimum is the
    latest org's finish, never less than the unlimited run itself.
    """
    minimum = free_seconds
    for calls in calls_per_org.values():
        if calls <= 0:
            continue
        pace = free_seconds / calls  # seconds per call in the unlimited run
        now, left = started_epoch, calls
        boundary = (math.floor(started_epoch / period) + 1) * period
        while True:
            fits = limit if pace <= 0 else min(limit, math.floor((boundary - now) / pace) + 1)
            if left <= fits:
                now += left * pace
                break
            left -= fits
            now, boundary = boundary, boundary + period
        minimum = max(minimum, now - started_epoch)
    return minimum


def fresh_window(emu: Emulator, rate_limit: tuple[int, int], busiest: int) -> None:
    """Give the next operation a whole window: reset the emulator's counters and, when the
    busiest org needs more than one window's budget, first wait (untimed) for a window to begin,
    so the figures do not depend on where in a window the operation happened to start."""
    limit, period = rate_limit
    if busiest > limit:
        time.sleep(period - time.time() % period + 0.01)
    emu.set_rate_limit("org_connections", limit, period)


def bare_requests(
    emu: Emulator, plan: Sequence[Planned], kind: str, ids: dict[str, str], types: Sequence[str]
) -> float:
    """The minimum HTTP work of one operation done with plain `requests` (one call per
    connection: POST, PATCH, a GET filtered by sink and source, DELETE), 16 threads, one pooled
    Session per key pair. Fills `ids` on create. Returns the wall time."""
    sessions: dict[str, requests.Session] = {}
    for pair in {p.key_pair for p in plan}:
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=ENGINE_PARALLEL)
        session.mount("http://", adapter)
        keys = emu.keys(pair)
        session.headers.update({"DD-API-KEY": keys.api_key, "DD-APPLICATION-KEY": keys.app_key})
        sessions[pair] = session
    url = emu.url + CONNECTIONS_PATH

    def one(p: Planned) -> None:
        session = sessions[p.key_pair]
        sink = emu.org_uuid(p.sink)
        if kind == "create":
            body = {
                "data": {
                    "type": "org_connection",
                    "attributes": {"connection_types": list(types)},
                    "relationships": {"sink_org": {"data": {"type": "orgs", "id": sink}}},
                }
            }
            answer = session.post(url, json=body)
            answer.raise_for_status()
            ids[p.name] = answer.json()["data"]["id"]
        elif kind == "update":
            body = {
                "data": {
                    "type": "org_connection",
                    "id": ids[p.name],
                    "attributes": {"connection_types": list(types)},
                }
            }
            session.patch(f"{url}/{ids[p.name]}", json=body).raise_for_status()
        elif kind == "read":
            source = emu.org_uuid(p.key_pair)
            params = {"sink_org_id": sink, "source_org_id": source}
            answer = session.get(url, params=params)
            answer.raise_for_status()
            if not any(c["id"] == ids[p.name] for c in answer.json()["data"]):
                raise RuntimeError(f"bare read did not find {p.name}")
        elif kind == "delete":
            session.delete(f"{url}/{ids[p.name]}").raise_for_status()
        else:
            raise ValueError(kind)

    started = time.perf_counter()
    with ThreadPoolExecutor(ENGINE_PARALLEL) as pool:
        list(pool.map(one, plan))
    seconds = time.perf_counter() - started
    for session in sessions.values():
        session.close()
    return seconds


def fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def fmt_x(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"
