"""Long lifecycles over several orgs with random faults (hypothesis stateful testing).

A run declares connections in four slots (resource names) between the default key pair's org
(hub) and the payments and search key pairs' orgs as sources and hub, payments, search and edge
as sinks, then mixes, in any order: `up` (creates, updates, replacements with either ordering,
deletes of forgotten slots), `refresh`, deletes and type changes made out of band (in the UI,
from either side) followed by the next `pulumi refresh`, and new provider processes. `up` and
`refresh` run with a random transient fault (429, 5xx, connection reset, commit-then-fail, once
or twice, on a random method). After every step Datadog equals the state, and after every `up`
both equal what is declared. Each run ends by refreshing, comparing Datadog and the state
exactly, deploying once more and destroying everything.

Read timeouts are left to the fault matrix: their late commit lands whenever the server is done,
which would race the next step here.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from datadog_crossorg.client import CONNECTION_TYPES
from datadog_crossorg.emulator import Emulator
from tests.hardening.hardening_support import (
    GENEROUS_LIMIT,
    NAMED,
    Record,
    assert_state_is_datadog,
    fault,
    goal,
    in_datadog,
)
from tests.support.world import World, dynamic_world

# Short client limits (stack config), so a retried fault costs little.
CLIENT_LIMITS = {
    "datadog-crossorg:requestTimeout": "2",
    "datadog-crossorg:requestDeadline": "5",
}
SLOTS = ("a", "b", "c", "d")
SOURCES = ("hub", "payments", "search")  # "hub": the default key pair
SINKS = ("hub", "payments", "search", "edge")
TRANSIENT = (
    "429",
    "500",
    "502",
    "503",
    "connection reset",
    "commit then 502",
    "commit then reset",
)
faults = st.none() | st.tuples(
    st.sampled_from(TRANSIENT),
    st.sampled_from(("GET", "POST", "PATCH", "DELETE")),
    st.integers(1, 2),
).filter(lambda f: not (f[0] == "429" and f[2] == 2))  # one 429 wait (~1 s) is enough
type_sets = st.lists(st.sampled_from(CONNECTION_TYPES), min_size=1, max_size=3, unique=True).map(
    lambda t: tuple(sorted(t))
)


@dataclass(frozen=True)
class Declared:
    source: str
    sink: str
    types: tuple[str, ...]


class Lifecycles(RuleBasedStateMachine):
    """One stack over the default seed's orgs; `world` is the current provider process."""

    def __init__(self) -> None:
        super().__init__()
        self._world_stack = ExitStack()
        self._process = ExitStack()
        emu = self._world_stack.enter_context(Emulator(rate_limits=GENEROUS_LIMIT))
        state_dir = Path(self._world_stack.enter_context(tempfile.TemporaryDirectory()))
        self.world: World = self._process.enter_context(
            dynamic_world(emu, state_dir, NAMED, CLIENT_LIMITS)
        )
        self.declared: dict[str, Declared] = {}

    # -- steps --------------------------------------------------------------------------------

    @initialize(
        first=st.lists(
            st.tuples(
                st.sampled_from(SLOTS), st.sampled_from(SOURCES), st.sampled_from(SINKS), type_sets
            ),
            min_size=1,
            max_size=3,
        )
    )
    def deployed(self, first: list[tuple[str, str, str, tuple[str, ...]]]) -> None:
        """Every run starts from a deployed stack, so out-of-band changes have work early."""
        for slot, source, sink, types in first:
            self.declare(slot, source, sink, types)
        self.up(None)

    @rule(
        slot=st.sampled_from(SLOTS),
        source=st.sampled_from(SOURCES),
        sink=st.sampled_from(SINKS),
        types=type_sets,
    )
    def declare(self, slot: str, source: str, sink: str, types: tuple[str, ...]) -> None:
        """Declare (or change) a slot; Datadog allows one connection per (source, sink), so a
        pair another slot declares or still holds is left out (Pulumi would fail the same)."""
        taken = {(d.source, d.sink) for s, d in self.declared.items() if s != slot}
        taken |= {self._pair(r) for name, r in self.world.engine.state.items() if name != slot}
        if source != sink and (source, sink) not in taken:
            self.declared[slot] = Declared(source, sink, types)

    @precondition(lambda self: self.declared)
    @rule(data=st.data())
    def forget(self, data: st.DataObject) -> None:
        del self.declared[data.draw(st.sampled_from(sorted(self.declared)))]

    @rule(chosen=faults)
    def up(self, chosen: tuple[str, str, int] | None) -> None:
        with self._fault(chosen):
            self.world.engine.up(self._goals())
        assert_state_is_datadog(self.world)
        assert sorted(in_datadog(self.world).values()) == self._declared_records()

    @rule(chosen=faults)
    def refresh(self, chosen: tuple[str, str, int] | None) -> None:
        with self._fault(chosen):
            self.world.engine.refresh()
        assert_state_is_datadog(self.world)

    @precondition(lambda self: self.world.engine.state)
    @rule(data=st.data(), side=st.sampled_from(("source", "sink")))
    def deleted_out_of_band(self, data: st.DataObject, side: str) -> None:
        slot = data.draw(st.sampled_from(sorted(self.world.engine.state)))
        resource = self.world.engine.state[slot]
        source, sink = self._pair(resource)
        with self.world.client(source if side == "source" else sink) as client:
            client.delete_connection(resource.id)
        self._next_process().engine.refresh()
        assert slot not in self.world.engine.state
        assert_state_is_datadog(self.world)

    @precondition(lambda self: self.world.engine.state)
    @rule(data=st.data(), new_types=type_sets)
    def types_changed_out_of_band(self, data: st.DataObject, new_types: tuple[str, ...]) -> None:
        slot = data.draw(st.sampled_from(sorted(self.world.engine.state)))
        resource = self.world.engine.state[slot]
        with self.world.client(self._pair(resource)[0]) as client:
            client.update_connection(resource.id, list(new_types))
        self._next_process().engine.refresh()
        assert tuple(self.world.engine.state[slot].outputs["connection_types"]) == new_types
        assert_state_is_datadog(self.world)

    @rule()
    def next_command(self) -> None:
        """The next `pulumi` command: a new provider process on the same state."""
        self._next_process()

    def teardown(self) -> None:
        try:
            world = self._next_process()
            world.emu.clear_faults()
            world.engine.refresh()
            assert_state_is_datadog(world)
            world.engine.up(self._goals())
            assert sorted(in_datadog(world).values()) == self._declared_records()
            assert_state_is_datadog(world)
            world.engine.destroy()
            assert in_datadog(world) == {} and world.engine.state == {}
        finally:
            self._process.close()
            self._world_stack.close()

    # -- helpers ------------------------------------------------------------------------------

    def _goals(self) -> list:
        return [
            goal(self.world, slot, d.sink, d.types, org=None if d.source == "hub" else d.source)
            for slot, d in sorted(self.declared.items())
        ]

    def _declared_records(self) -> list[Record]:
        uuid = self.world.emu.org_uuid
        return sorted((uuid(d.source), uuid(d.sink), d.types) for d in self.declared.values())

    def _pair(self, resource) -> tuple[str, str]:
        names = {self.world.emu.org_uuid(n): n for n in SINKS}
        return names[resource.outputs["source_org_id"]], names[resource.outputs["sink_org_id"]]

    def _next_process(self) -> World:
        process = ExitStack()
        self.world = process.enter_context(self.world.next_process())
        self._process.close()
        self._process = process
        return self.world

    @contextmanager
    def _fault(self, chosen: tuple[str, str, int] | None):
        if chosen is not None:
            kind, method, times = chosen
            self.world.emu.add_fault(fault(kind, method, times))
        try:
            yield
        finally:
            self.world.emu.clear_faults()


def test_long_lifecycles_with_random_faults_end_with_datadog_equal_to_the_state() -> None:
    run_state_machine_as_test(
        Lifecycles,
        settings=settings(
            max_examples=6,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
