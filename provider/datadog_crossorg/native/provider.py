"""`CrossOrgProvider`: the native plugin's provider, a thin adapter over the rules.

It serves every resource whose table `rules.served.NATIVE` lists (OrgConnection, ConnectionAccess):
each call finds its resource's table (`rules.table.ResourceRules`) by the type in its URN and hands
it the properties under the declaration's snake_case names, the key pair left unset (one plugin
process holds one); properties cross the wire in camelCase (`wire_name`). The SDK's provider
server (`pulumi.provider.experimental.server`) calls
these coroutines, several at once; each runs the rules' blocking calls on a worker thread, so one
slow Datadog call never holds up the others.

One plugin process serves one provider instance (the engine starts one per instance), so it holds
one key pair: the source org of every connection it creates, the org whose policies it sets.
Configure answers `acceptSecrets: false`, as the dynamic provider does: the engine then sends
secrets unwrapped and marks an output secret wherever its input namesake was.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pulumi.provider.experimental import server
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.rpc import UNKNOWN

from datadog_crossorg import __version__
from datadog_crossorg.config.settings import ProviderSettings, SettingsError
from datadog_crossorg.native import schema
from datadog_crossorg.native.server_patch import show_user_errors_first
from datadog_crossorg.process.provider_process import CONCURRENT_CALLS, ProviderProcess
from datadog_crossorg.resources.declaration import NATIVE, ResourceDeclaration, wire_name
from datadog_crossorg.resources.provider_config import PROVIDER_CONFIG
from datadog_crossorg.rules.inputs import DiffDecision
from datadog_crossorg.rules.served import NATIVE as NATIVE_TABLES
from datadog_crossorg.rules.table import ResourceRules

T = TypeVar("T")
Props = dict[str, Any]

_CONFIG = tuple(f.wire_name for f in PROVIDER_CONFIG.inputs(NATIVE))
_DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME


_RULES: dict[str, ResourceRules] = {t.declaration.native_token: t for t in NATIVE_TABLES}


class _Wire:
    """One resource's property names: camelCase on the wire, snake_case for the rules."""

    def __init__(self, declaration: ResourceDeclaration) -> None:
        self.snake = {f.wire_name: f.name for f in declaration.outputs(NATIVE)}
        self.snake.update((f.wire_name, f.name) for f in declaration.inputs(NATIVE))
        self._names = frozenset(self.snake.values())
        self.unknown_outputs = dict.fromkeys((f.name for f in declaration.outputs(NATIVE)), UNKNOWN)

    def to_rules(self, values: Mapping[str, PropertyValue]) -> Props:
        """Resource properties under the rules' names; names outside the schema are dropped."""
        return {self.snake[k]: v for k, v in _plain(values).items() if k in self.snake}

    def to_wire(self, values: Mapping[str, Any]) -> dict[str, PropertyValue]:
        """Rule values as wire properties: schema names only (not `org`); None left out."""
        return {
            wire_name(k): _wrap(v) for k, v in values.items() if k in self._names and v is not None
        }


_WIRES = {token: _Wire(rules.declaration) for token, rules in _RULES.items()}


class CrossOrgProvider(Provider):
    """The `datadog-crossorg` provider: CRUD of the resources `rules.served.NATIVE` lists, with
    one key pair."""

    def __init__(self) -> None:
        self._process: ProviderProcess | None = None
        # Our own pool for the rules' blocking calls: asyncio's default one holds only
        # cores + 4 threads, which would set throughput by the machine, not by Datadog.
        self._pool = ThreadPoolExecutor(CONCURRENT_CALLS, thread_name_prefix="datadog-crossorg")

    async def _blocking(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a rules call on this provider's pool (the event loop keeps serving others)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(call, *args, **kwargs))

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        """Engine: GetSchema (codegen, YAML, `pulumi package add`): the committed schema.json."""
        return GetSchemaResponse(schema.load())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """Engine: CheckConfig for each provider instance; no API call, no key required (preview
        needs none). Other keys (`version`, ...) pass through untouched."""
        try:
            ProviderSettings.from_provider_config(_plain(request.new_inputs))
        except SettingsError as exc:
            return CheckResponse(request.new_inputs, [CheckFailure(exc.key, str(exc))])
        return CheckResponse(request.new_inputs, [])

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        """Engine: DiffConfig. New keys (a rotation) or URL never replace resources: they
        belong to the orgs, not to the keys."""
        olds, news = _plain(request.old_state), _plain(request.new_inputs)
        changed = [name for name in _CONFIG if olds.get(name) != news.get(name)]
        # The SDK's DiffConfig copies `changes` into the enum as is (True would read DIFF_NONE):
        # DIFF_SOME is truthy, and False reads DIFF_UNKNOWN, on which the engine compares the
        # (equal) inputs itself; both stay right once the SDK maps booleans.
        changes = _DIFF_SOME if changed else False
        return DiffResponse(changes=changes, diffs=changed)  # type: ignore[arg-type]

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Engine: Configure, once per plugin process, with this instance's config (keys falling
        back to the environment, as the dynamic provider's default key pair does)."""
        settings = ProviderSettings.from_provider_config(_plain(request.args))
        self._process = ProviderProcess(settings)
        return ConfigureResponse(accept_secrets=False, supports_preview=True)

    async def check(self, request: CheckRequest) -> CheckResponse:
        """Engine: Check at preview and up; no API call. Failures name property, value and fix."""
        rules, wire = _served(request)
        inputs, problems = rules.check(wire.to_rules(request.new_inputs), None)
        failures = [CheckFailure(wire_name(p.property), p.reason) for p in problems]
        return CheckResponse(wire.to_wire(inputs), failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """Engine: Diff with OLD OUTPUTS, so drift seen by refresh shows; no API call."""
        rules, wire = _served(request)
        decision = rules.decide_diff(
            wire.to_rules(request.old_state), wire.to_rules(request.new_inputs)
        )
        return DiffResponse(
            changes=decision.has_changes,
            replaces=[wire_name(n) for n in decision.replaces],
            delete_before_replace=decision.delete_before_replace,
            diffs=[wire_name(n) for n in decision.changed],
            detailed_diff=_detailed_diff(decision),
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        """Engine: Create at up. At preview the outputs only Datadog can tell are unknown."""
        rules, wire = _served(request)
        props = wire.to_rules(request.properties)
        if request.preview:
            return CreateResponse("", wire.to_wire({**wire.unknown_outputs, **props}))
        id_, outs = await self._blocking(rules.create, self._instance(), props)
        return CreateResponse(id_, wire.to_wire(outs))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Engine: Read at refresh (stored outputs), and at `pulumi import` and `get` with the id
        alone: it finds the resource and returns complete outputs and inputs. An empty id
        means gone."""
        rules, wire = _served(request)
        olds = {**wire.to_rules(request.inputs), **wire.to_rules(request.properties)}
        id_, outs, inputs = await self._blocking(
            rules.read, self._instance(), request.resource_id, olds
        )
        if not id_:
            return ReadResponse("", {}, {})
        return ReadResponse(id_, wire.to_wire(outs), wire.to_wire(inputs))

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        """Engine: Update with OLD OUTPUTS; a write only when a field Datadog holds differs.
        At preview: the old outputs with the new inputs."""
        rules, wire = _served(request)
        olds, news = wire.to_rules(request.olds), wire.to_rules(request.news)
        if request.preview:
            return UpdateResponse(wire.to_wire({**olds, **news}))
        outs = await self._blocking(rules.update, self._instance(), request.resource_id, olds, news)
        return UpdateResponse(wire.to_wire(outs))

    async def delete(self, request: DeleteRequest) -> None:
        """Engine: Delete at destroy and after a replacement; already gone is fine."""
        rules, wire = _served(request)
        await self._blocking(
            rules.delete, self._instance(), request.resource_id, wire.to_rules(request.properties)
        )

    def _instance(self) -> ProviderProcess:
        """This instance's process (the environment's keys, if the engine never configured us)."""
        if self._process is None:
            self._process = ProviderProcess(ProviderSettings.from_environment(native=True))
        return self._process


def _served(request: Any) -> tuple[ResourceRules, _Wire]:
    """The rules and property names of the resource a request is about (its URN's type)."""
    token = request.type
    if token not in _RULES:
        raise ValueError(f"datadog-crossorg serves {', '.join(_RULES)}, not {token}")
    return _RULES[token], _WIRES[token]


_KINDS = {
    "add": PropertyDiffKind.ADD,
    "delete": PropertyDiffKind.DELETE,
    "update": PropertyDiffKind.UPDATE,
    "update_replace": PropertyDiffKind.UPDATE_REPLACE,
}


def _detailed_diff(decision: DiffDecision) -> dict[str, PropertyDiff]:
    """What the engine shows (`DiffDecision.shown`), under the wire's names."""
    detailed = {}
    for path, (kind, input_diff) in decision.shown().items():
        name, bracket, rest = path.partition("[")
        detailed[wire_name(name) + bracket + rest] = PropertyDiff(
            _KINDS[kind], input_diff=input_diff
        )
    return detailed


def main() -> None:
    """Serve the provider: print the gRPC port on the first stdout line, as the engine expects."""
    show_user_errors_first()
    server.main(sys.argv[1:], __version__, CrossOrgProvider())


def _plain(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {key: _unwrap(value) for key, value in values.items()}


def _unwrap(value: PropertyValue) -> Any:
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: _unwrap(v) for k, v in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [_unwrap(v) for v in inner]
    return inner


def _wrap(value: Any) -> PropertyValue:
    if isinstance(value, Mapping):
        return PropertyValue({k: _wrap(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([_wrap(v) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)
