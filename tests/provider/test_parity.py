"""Parity: the same declarations through the dynamic adapter (its `python -m pulumi.dynamic` server,
driven by `testing.harness`) and through the native plugin (its plugin process, the same harness)
give the same API calls to the offline
Datadog, step by step, and the same outputs (snake_case here, camelCase on the native wire)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

import pytest

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.resources.declaration import NATIVE
from datadog_crossorg.resources.org_connection import ORG_CONNECTION as ORG_CONNECTION_DECL
from datadog_crossorg.resources.tokens import ORG_CONNECTION
from datadog_crossorg.testing import harness
from tests.support.paths import ROOT
from tests.support.world import World, native_world

DYNAMIC_TYPE = ORG_CONNECTION
_SNAKE = {f.wire_name: f.name for f in ORG_CONNECTION_DECL.outputs(NATIVE)}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

Decl = tuple[str, str, list[str], bool]  # name, sink org, types, adopt

# API calls per step, the same for both adapters (all through the payments key pair). A read lists
# the org's connections once (the listing shared by concurrent reads) and matches the id.
LIST = "GET /api/v2/org_connections?limit=1000&offset=0"
EXPECTED: list[tuple[str, list[str]]] = [
    ("create", ["POST /api/v2/org_connections"]),
    ("no-op up", []),
    ("types changed: update", ["PATCH /api/v2/org_connections/{id}"]),
    ("refresh after out-of-band types change", [LIST]),
    ("up restores the types", ["PATCH /api/v2/org_connections/{id}"]),
    ("sink changed: replace", ["POST /api/v2/org_connections", "DELETE /api/v2/org_connections/{id}"]),
    ("refresh after out-of-band delete", [LIST]),
    ("up recreates", ["POST /api/v2/org_connections"]),
    ("adopt an existing connection", [
        "POST /api/v2/org_connections", LIST, "PATCH /api/v2/org_connections/{id}",
    ]),
    ("read by id alone (get, import)", [LIST]),
    ("destroy", ["DELETE /api/v2/org_connections/{id}", "DELETE /api/v2/org_connections/{id}"]),
]  # fmt: skip


class Adapter(Protocol):
    def up(self, decls: list[Decl]) -> None: ...
    def refresh(self) -> None: ...
    def destroy(self) -> None: ...
    def get(self, connection_id: str) -> dict[str, Any]: ...
    def outputs(self) -> dict[str, dict[str, Any]]: ...


class Dynamic:
    """The dynamic provider with the payments key pair as the stack's default pair."""

    def __init__(self, emu: Emulator, tmp: Path) -> None:
        self.emu = emu
        keys = emu.keys("payments")
        self.server = harness.ProviderServer(cwd=ROOT).start()
        self.server.configure(
            {
                "datadog:apiKey": keys.api_key,
                "datadog:appKey": keys.app_key,
                "datadog:apiUrl": emu.url,
            },
            {"datadog:apiKey", "datadog:appKey"},
        )
        self.engine = harness.Engine(
            self.server, stack="test", state_path=tmp / "s.json", parallel=1
        )

    def up(self, decls: list[Decl]) -> None:
        self.engine.up([
            harness.Goal(name, DYNAMIC_TYPE, {
                "sink_org_id": self.emu.org_uuid(sink), "connection_types": types, "adopt": adopt,
            }, provider=OrgConnectionProvider())
            for name, sink, types, adopt in decls
        ])  # fmt: skip

    def refresh(self) -> None:
        self.engine.refresh()

    def destroy(self) -> None:
        self.engine.destroy()

    def get(self, connection_id: str) -> dict[str, Any]:

        props = {"__provider": OrgConnectionProvider().pickled()}
        return _plain(self.server.read(connection_id, "urn:test::get", props)[1])

    def outputs(self) -> dict[str, dict[str, Any]]:
        return {name: _plain(r.outputs) for name, r in self.engine.state.items()}

    def close(self) -> None:
        self.server.close()


class Native:
    """The native plugin: one provider instance holding the payments key pair."""

    def __init__(self, emu: Emulator, _tmp: Path) -> None:
        self.emu = emu
        self._processes = ExitStack()
        self.world: World = self._processes.enter_context(
            native_world(emu, ("payments",), parallel=1)
        )
        self.engine = self.world.engine
        self.plugin = self.engine.providers["payments"]

    def up(self, decls: list[Decl]) -> None:
        self.engine.up([
            self.world.goal(name, sink, types, "payments", adopt=adopt)
            for name, sink, types, adopt in decls
        ])  # fmt: skip

    def refresh(self) -> None:
        self.engine.refresh()

    def destroy(self) -> None:
        self.engine.destroy()

    def get(self, connection_id: str) -> dict[str, Any]:
        return _plain(
            self.plugin.read(
                connection_id,
                f"urn:pulumi:test::native::{ORG_CONNECTION_DECL.native_token}::get",
                {},
                {},
            )[1]
        )

    def outputs(self) -> dict[str, dict[str, Any]]:
        return {name: _plain(r.outputs) for name, r in self.engine.state.items()}

    def close(self) -> None:
        self._processes.close()


def _plain(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs under the core's names, without what differs between two runs (ids, times)."""
    named = {_SNAKE.get(k, k): v for k, v in outputs.items() if not k.startswith("__")}
    return {k: "<varies>" if k in ("connection_id", "created_at") else v for k, v in named.items()}


def run_script(adapter: Adapter, emu: Emulator) -> list[tuple[str, list[str], Any]]:
    """The lifecycle, step by step: (step, API calls, outputs after it)."""
    payments, hub, search = (emu.keys(n) for n in ("payments", "hub", "search"))
    by = {n: DatadogClient(k.api_key, k.app_key, emu.url) for n, k in
          (("payments", payments), ("hub", hub), ("search", search))}  # fmt: skip
    seen: list[tuple[str, list[str], Any]] = []

    def step(label: str, action: Callable[[], Any]) -> None:
        emu.clear_requests()
        found = action()
        seen.append((label, [_shape(r, emu) for r in emu.requests], found or adapter.outputs()))

    def conn_id(name: str) -> str:
        return next(c["id"] for c in emu.connections() if _name_of(c, emu) == name)

    step("create", lambda: adapter.up([("c", "hub", ["metrics", "logs"], False)]))
    step("no-op up", lambda: adapter.up([("c", "hub", ["logs", "metrics"], False)]))
    step(
        "types changed: update",
        lambda: adapter.up([("c", "hub", ["metrics", "logs", "audit"], False)]),
    )
    by["payments"].update_connection(conn_id("payments->hub"), ["logs"])
    step("refresh after out-of-band types change", adapter.refresh)
    step(
        "up restores the types",
        lambda: adapter.up([("c", "hub", ["metrics", "logs", "audit"], False)]),
    )
    step("sink changed: replace", lambda: adapter.up([("c", "search", ["logs"], False)]))
    by["search"].delete_connection(conn_id("payments->search"))
    step("refresh after out-of-band delete", adapter.refresh)
    step("up recreates", lambda: adapter.up([("c", "search", ["logs"], False)]))
    existing = by["payments"].create_connection(emu.org_uuid("edge"), ["logs"]).id
    step("adopt an existing connection", lambda: adapter.up(
        [("c", "search", ["logs"], False), ("e", "edge", ["logs", "metrics"], True)]
    ))  # fmt: skip
    step("read by id alone (get, import)", lambda: adapter.get(existing))
    step("destroy", adapter.destroy)
    return seen


def _name_of(conn: dict[str, Any], emu: Emulator) -> str:
    names = {emu.org_uuid(n): n for n in ("hub", "payments", "search", "edge")}
    rel = conn["relationships"]
    return f"{names[rel['source_org']['data']['id']]}->{names[rel['sink_org']['data']['id']]}"


def _shape(record: Any, emu: Emulator) -> str:
    """`METHOD /path?query` with org UUIDs as org names and connection ids as {id}."""
    names = {emu.org_uuid(n): n for n in ("hub", "payments", "search", "edge")}
    assert record.key_pair == "payments"  # every call through the source org's keys
    query = "&".join(f"{k}={v}" for k, v in sorted(record.query.items()))
    text = f"{record.method} {record.path}" + (f"?{query}" if query else "")
    return _UUID.sub(lambda m: names.get(m.group(0), "{id}"), text)


@pytest.fixture
def both(
    datadog_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> Iterator[tuple[list[Any], list[Any]]]:
    runs = []
    for kind in (Dynamic, Native):
        emu = datadog_emulator_factory()
        adapter = kind(emu, tmp_path)
        try:
            runs.append(run_script(adapter, emu))
        finally:
            adapter.close()
    yield runs[0], runs[1]


def test_both_adapters_make_the_same_calls_and_give_the_same_outputs(
    both: tuple[list[Any], list[Any]],
) -> None:
    dynamic, native = both

    assert [(label, calls) for label, calls, _ in native] == EXPECTED
    assert [(label, calls) for label, calls, _ in dynamic] == EXPECTED
    for (label, _, dyn_outs), (_, _, nat_outs) in zip(dynamic, native, strict=True):
        assert nat_outs == dyn_outs, label
    assert native[0][2]["c"]["source_org_name"] == "Acme Payments"  # outputs were compared
