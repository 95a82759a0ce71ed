"""Fault matrix: every OrgConnection operation x every fault a network or Datadog can throw at it.

Each cell arms one fault on the calls its operation makes, runs the operation through the real
provider process as the engine drives it, checks the outcome the cell states, and ends with the
offline Datadog and the engine's state agreeing exactly: no duplicate, no orphan, nothing lost
(`invariants.assert_state_is_datadog`).

Operations (what exists before; which calls get the fault):
  create   nothing;                                    POST
  update   the connection with [logs];                 PATCH to [logs, metrics]
  delete   the connection;                             DELETE (destroy)
  read     the connection;                             GET (refresh)
  adopt    a connection made out of band with [logs];  POST (a 409 without the fault) and the
           PATCH that sets [logs, metrics] (adopt=True), each once
Faults (`hardening_support.FAULTS`): 429, 500, 502, 503, read timeout (the answer comes after the
0.5 s read timeout and the server applies the request anyway, late), connection reset (closed
without an answer, not applied), commit-then-fail answered as 502 and as a reset (applied, then
the answer is lost).

`test_one_fault_*`: each fault once, so every cell recovers (`EXPECTED` says how).
`test_persistent_503_*`: the fault never stops, so every operation fails within the client's
deadline, saying so, and leaves Datadog and the state as they were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from datadog_crossorg.testing.harness import ProviderError
from tests.hardening.hardening_support import (
    FAULTS,
    LATENCY,
    assert_state_is_datadog,
    fault,
    goal,
    in_datadog,
)
from tests.support.world import World

FAULT_KINDS = tuple(FAULTS)
LOGS = ("logs",)
BOTH = ("logs", "metrics")


@dataclass(frozen=True)
class Operation:
    name: str
    methods: tuple[str, ...]  # the calls that get the fault
    setup: Callable[[World], str | None]  # returns the id of an out-of-band connection, if any
    run: Callable[[World], object]
    check: Callable[[World, str | None, dict[str, Any]], None]  # after success
    # A late request (read timeout) is recorded once the server is done with it: the count of
    # requests per method the log reaches when nothing is still in flight.
    settled: dict[str, int]


def _conn(world: World, types: tuple[str, ...] = LOGS, adopt: bool = False) -> Any:
    return goal(world, "conn", "hub", types, org="payments", adopt=adopt)


def _create_existing(world: World) -> str:
    return world.client("payments").create_connection(world.emu.org_uuid("hub"), list(LOGS)).id


def _deployed(world: World) -> None:
    world.engine.up([_conn(world)])


def _check_created(world: World, _existing: str | None, _before: dict[str, Any]) -> None:
    assert list(in_datadog(world).values()) == [
        (world.emu.org_uuid("payments"), world.emu.org_uuid("hub"), LOGS)
    ]


def _check_updated(world: World, _existing: str | None, before: dict[str, Any]) -> None:
    assert world.engine.state["conn"].id == before["conn"].id
    assert [r[2] for r in in_datadog(world).values()] == [BOTH]


def _check_deleted(world: World, _existing: str | None, _before: dict[str, Any]) -> None:
    assert in_datadog(world) == {} and world.engine.state == {}


def _check_read(world: World, _existing: str | None, before: dict[str, Any]) -> None:
    assert world.engine.state == before


def _check_adopted(world: World, existing: str | None, _before: dict[str, Any]) -> None:
    assert world.engine.state["conn"].id == existing
    assert in_datadog(world)[existing][2] == BOTH


OPERATIONS = {
    "create": Operation(
        "create",
        ("POST",),
        lambda w: None,
        lambda w: w.engine.up([_conn(w)]),
        _check_created,
        {"POST": 2},
    ),
    "update": Operation(
        "update",
        ("PATCH",),
        _deployed,
        lambda w: w.engine.up([_conn(w, BOTH)]),
        _check_updated,
        {"PATCH": 2},
    ),
    "delete": Operation(
        "delete",
        ("DELETE",),
        _deployed,
        lambda w: w.engine.destroy(),
        _check_deleted,
        {"DELETE": 2},
    ),
    "read": Operation(
        "read", ("GET",), _deployed, lambda w: w.engine.refresh(), _check_read, {"GET": 2}
    ),
    "adopt": Operation(
        "adopt",
        ("POST", "PATCH"),
        _create_existing,
        lambda w: w.engine.up([_conn(w, BOTH, adopt=True)]),
        _check_adopted,
        {"POST": 1, "PATCH": 2},
    ),
}

Call = tuple[str, int]  # (method, status) as the offline Datadog logged it; 0: no answer


@dataclass(frozen=True)
class Outcome:
    """What a cell must do: said in words, and proved by the API calls the offline Datadog
    logged after the fault was armed, in order (a late request of a read-timeout cell lands
    where its latency puts it, so those are compared as a multiset)."""

    says: str
    calls: tuple[Call, ...]


def _retried(method: str, first: int, then: int) -> tuple[Call, ...]:
    return ((method, first), (method, then))


_RETRIED = "retried by the client within its deadline"
_LOOKED = "not repeated blindly: the provider lists the sink's connections first"
_OK = {"POST": 200, "PATCH": 200, "DELETE": 200, "GET": 200}
_FIRST = {  # the status a fault's own request is logged with
    "429": 429,
    "500": 500,
    "502": 502,
    "503": 503,
    "connection reset": 0,
    "commit then 502": 502,
    "commit then reset": 0,
}
_LATE = {"POST": 409, "PATCH": 200, "DELETE": 404, "GET": 200}  # a read timeout's late original
_LOOK = ("GET", 200)
_GONE = {"DELETE": 404}  # the retry of a committed delete


def _one_call_outcome(method: str, kind: str) -> Outcome:
    """update, delete, read: one call, retried by the client after any fault."""
    if kind == "429":
        return Outcome(
            "waits for X-RateLimit-Reset, then the same call succeeds",
            _retried(method, 429, _OK[method]),
        )
    if kind == "read timeout":
        return Outcome(
            f"{_RETRIED}; the late original is applied too",
            ((method, _OK[method]), (method, _LATE[method])),
        )
    then = _GONE.get(method, _OK[method]) if kind.startswith("commit") else _OK[method]
    says = "retried; the retry's 404 means already gone: success" if then == 404 else _RETRIED
    return Outcome(says, _retried(method, _FIRST[kind], then))


def _create_outcome(kind: str) -> Outcome:
    if kind == "429":
        return Outcome(
            "waits for X-RateLimit-Reset, then the same call succeeds", _retried("POST", 429, 200)
        )
    if kind == "read timeout":
        return Outcome(
            f"POST {_LOOKED}; created once (the late original meets a 409)",
            (_LOOK, ("POST", 200), ("POST", 409)),
        )
    if kind.startswith("commit"):
        return Outcome(
            f"POST {_LOOKED}; its own committed connection is taken",
            (("POST", _FIRST[kind]), _LOOK),
        )
    return Outcome(
        f"POST {_LOOKED}; nothing there, so it is sent again, once",
        (("POST", _FIRST[kind]), _LOOK, ("POST", 200)),
    )


def _adopt_outcome(kind: str) -> Outcome:
    """The POST meets the fault or the existing connection (409), the look finds that one and
    takes it over, and the PATCH setting its types meets the fault too."""
    patch = _one_call_outcome("PATCH", kind).calls
    if kind == "read timeout":  # the late POST meets the existing connection: 409
        post: tuple[Call, ...] = ()
        patch = (*patch, ("POST", 409))
    elif kind == "429":
        post = (("POST", 429), ("POST", 409))
    else:
        post = (("POST", _FIRST[kind]),)
    says = "the existing connection is found and taken over (same id), the PATCH is retried"
    return Outcome(says, (*post, _LOOK, *patch))


EXPECTED: dict[tuple[str, str], Outcome] = {
    **{(op, kind): _create_outcome(kind) for op in ("create",) for kind in FAULT_KINDS},
    **{
        (op, kind): _one_call_outcome(OPERATIONS[op].methods[0], kind)
        for op in ("update", "delete", "read")
        for kind in FAULT_KINDS
    },
    **{("adopt", kind): _adopt_outcome(kind) for kind in FAULT_KINDS},
}


def calls_since(world: World, mark: int) -> tuple[Call, ...]:
    """The connection API calls the offline Datadog logged after `mark`, in order."""
    return tuple(
        (r.method, r.status)
        for r in world.emu.requests[mark:]
        if r.path.startswith("/api/v2/org_connections")
    )


def armed_faults(world: World) -> list[dict[str, Any]]:
    """Faults not consumed yet (the emulator's control endpoint)."""
    return requests.get(f"{world.emu.url}/_emulator/faults", timeout=5).json()["faults"]


def settle(world: World, mark: int, counts: dict[str, int], eventually: Callable) -> None:
    """Wait until late requests (a read-timeout fault) are done, so the comparison that follows
    also sees what they did. Bounded: a flow that needed fewer requests just waits it out."""

    def done() -> bool:
        log = world.emu.requests[mark:]
        return all(sum(r.method == m for r in log) >= n for m, n in counts.items())

    eventually(done, LATENCY + 2)


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("op_name", list(OPERATIONS))
def test_one_fault_recovers_and_datadog_matches_the_state(
    hard_world: World, eventually: Callable, op_name: str, kind: str
) -> None:
    op = OPERATIONS[op_name]
    expected = EXPECTED[(op_name, kind)]
    # given: what the operation works on, then one fault on each call it makes
    world = hard_world
    existing = op.setup(world)
    before = world.engine.state
    for method in op.methods:
        world.emu.add_fault(fault(kind, method))
    mark = len(world.emu.requests)

    # when
    op.run(world)

    # then: the stated outcome, and Datadog equals the state
    if kind == "read timeout":
        settle(world, mark, op.settled, eventually)
    assert armed_faults(world) == [], "every fault was met"
    calls = calls_since(world, mark)
    if kind == "read timeout":
        assert Counter(calls) == Counter(expected.calls), expected.says
    else:
        assert calls == expected.calls, expected.says
    op.check(world, existing, before)
    assert_state_is_datadog(world)


PERSISTENT = {  # what the failure says
    "create": "nothing was left half-created",
    "update": "could not update org connection",
    "delete": "could not delete org connection",
    "read": "could not read org connection",
    "adopt": "could not adopt org connection",
}


@pytest.mark.parametrize("op_name", list(OPERATIONS))
def test_persistent_503_fails_saying_why_and_changes_nothing(
    hard_world_factory: Callable[..., World], op_name: str
) -> None:
    op = OPERATIONS[op_name]
    # given: a fault that never stops, and a short deadline per call
    world = hard_world_factory(deadline=2.0)
    existing = op.setup(world)
    before = world.engine.state
    datadog_before = in_datadog(world)
    for method in op.methods:
        world.emu.add_fault(fault("503", method, times=None))

    # when
    with pytest.raises(ProviderError) as failure:
        op.run(world)

    # then: the error says what failed; Datadog and the state are as they were
    assert PERSISTENT[op_name] in failure.value.message
    world.emu.clear_faults()
    assert in_datadog(world) == datadog_before
    assert world.engine.state == before
    assert_state_is_datadog(world, unmanaged=[existing] if existing else [])
