"""What the hardening tests share: goals safe to register concurrently, the faults they arm, and
what every one of them ends with: the offline Datadog and the engine's state agree.

"No duplicate, no orphan, nothing lost": Datadog holds at most one connection per (source, sink);
every connection Datadog holds is in the state (unless the test made it out of band and the stack
does not manage it); every connection in the state exists in Datadog with the recorded source,
sink and types; no replaced resource waits for its delete.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from typing import Any

from datadog_crossorg.emulator import Fault
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.testing.harness import Goal
from tests.support.world import World

NAMED = ("payments", "search")  # key pairs named in the stack config, besides the default (hub)
# A limit no test reaches: every answer then carries X-RateLimit-* headers, as Datadog's do (the
# emulator sends none for an unlimited group).
GENEROUS_LIMIT = {"org_connections": {"limit": 100_000, "period": 1}}
CONNECTIONS = r"^/api/v2/org_connections"
LATENCY = 1.2  # seconds of a "read timeout" fault: over twice the matrix's 0.5 s read timeout
FAULTS: dict[str, dict[str, Any]] = {
    "429": {"kind": "status", "status": 429},
    "500": {"kind": "status", "status": 500},
    "502": {"kind": "status", "status": 502},
    "503": {"kind": "status", "status": 503},
    # the answer comes after the client's read timeout; the server applies the request anyway
    "read timeout": {"kind": "latency", "delay": LATENCY},
    # closed without an answer, not applied
    "connection reset": {"kind": "drop"},
    # applied, then the answer is lost
    "commit then 502": {"kind": "commit_then_status", "status": 502},
    "commit then reset": {"kind": "commit_then_drop"},
}


def fault(kind: str, method: str, times: int | None = 1) -> Fault:
    """One of `FAULTS` on `method` calls to the connections endpoints, `times` times."""
    return Fault(method=method, path=CONNECTIONS, times=times, **FAULTS[kind])


Record = tuple[str, str, tuple[str, ...]]  # (source uuid, sink uuid, sorted types)

# Pickled once, as the OrgConnection resource registers it (`StatelessProvider.pickled`).
PROVIDER_BLOB = OrgConnectionProvider().pickled()


def goal(
    world: World,
    name: str,
    sink: str,
    types: Iterable[str],
    org: str | None = None,
    adopt: bool = False,
) -> Goal:
    """`World.goal` with the provider already pickled (safe to register concurrently)."""
    made = world.goal(name, sink, list(types), org=org, adopt=adopt)
    return dataclasses.replace(
        made, provider=None, inputs={**made.inputs, "__provider": PROVIDER_BLOB}
    )


def in_datadog(world: World) -> dict[str, Record]:
    """id -> record, as the emulator holds them."""
    return {
        c["id"]: (
            c["relationships"]["source_org"]["data"]["id"],
            c["relationships"]["sink_org"]["data"]["id"],
            tuple(sorted(c["attributes"]["connection_types"])),
        )
        for c in world.emu.connections()
    }


def in_state(world: World) -> dict[str, Record]:
    """id -> record, as the engine's state holds them."""
    return {
        r.id: (
            r.outputs["source_org_id"],
            r.outputs["sink_org_id"],
            tuple(sorted(r.outputs["connection_types"])),
        )
        for r in world.engine.state.values()
    }


def assert_state_is_datadog(world: World, unmanaged: Iterable[str] = ()) -> None:
    """Datadog and the state agree exactly, but for the `unmanaged` ids made out of band."""
    remote = in_datadog(world)
    pairs = Counter((source, sink) for source, sink, _ in remote.values())
    assert [pair for pair, n in pairs.items() if n > 1] == [], "duplicate connections"
    outside = set(unmanaged)
    assert {i: r for i, r in remote.items() if i not in outside} == in_state(world)
    assert world.engine.pending_deletes == []
