"""`OrgConnectionProvider`: the native plugin's provider, a thin adapter over `connections.py`.

The SDK's provider server (`pulumi.provider.experimental.server`) calls these coroutines, several
at once; each runs the core's blocking calls on a worker thread, so one slow Datadog call never
holds up the others. Properties cross the wire in camelCase (`schema.wire_name`) and are handed
to the core under the API's snake_case names.

One plugin process serves one provider instance (the engine starts one per instance), so it holds
one key pair: the source org of every connection it creates. Configure answers
`acceptSecrets: false`, as the dynamic provider does: the engine then sends secrets unwrapped and
marks an output secret wherever its input namesake was.
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

from datadog_crossorg import __version__, connections
from datadog_crossorg.connections import OrgView
from datadog_crossorg.credentials import KeyRing
from datadog_crossorg.native import schema
from datadog_crossorg.runtime import CONCURRENT_CALLS, ProviderRuntime, is_unknown, listing_ttl

T = TypeVar("T")

# Provider config as the key ring reads it (the dynamic provider's stack-config names).
_KEY_RING_NAMES = {
    "datadog:apiKey": "apiKey",
    "datadog:appKey": "appKey",
    "datadog:apiUrl": "apiUrl",
}
_CONFIG = tuple(schema.wire_name(n) for n in schema.properties(schema.Provider))
_RESOURCE = tuple(schema.properties(schema.OrgConnectionOutputs))  # snake names on the wire
_SNAKE = {schema.wire_name(n): n for n in _RESOURCE}
_DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME
_NO_KEYS_FIX = (
    "set apiKey and appKey on the datadog-crossorg provider (for the default provider "
    "`pulumi config set --secret datadog-crossorg:apiKey ...` and "
    "`... datadog-crossorg:appKey ...`), or DATADOG_API_KEY and DATADOG_APP_KEY in the environment"
)


class OrgConnectionProvider(Provider):
    """The `datadog-crossorg` provider: `OrgConnection` CRUD over `/api/v2/org_connections`."""

    def __init__(self) -> None:
        self._runtime: ProviderRuntime | None = None
        # Our own pool for the core's blocking calls: asyncio's default one holds only
        # cores + 4 threads, which would set throughput by the machine, not by Datadog.
        self._pool = ThreadPoolExecutor(CONCURRENT_CALLS, thread_name_prefix="datadog-crossorg")

    async def _blocking(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a core call on this provider's pool (the event loop keeps serving others)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(call, *args, **kwargs))

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        """Engine: GetSchema (codegen, YAML, `pulumi package add`): the committed schema.json."""
        return GetSchemaResponse(schema.load())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """Engine: CheckConfig for each provider instance; no API call, no key required (preview
        needs none). Other keys (`version`, ...) pass through untouched."""
        news = _plain(request.new_inputs)
        try:
            listing_ttl(news.get("listingCacheSeconds"))
        except ValueError as exc:
            return CheckResponse(
                request.new_inputs, [CheckFailure("listingCacheSeconds", str(exc))]
            )
        return CheckResponse(request.new_inputs, [])

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        """Engine: DiffConfig. New keys (a rotation) or URL never replace connections: they
        belong to the orgs, not to the keys."""
        olds, news = _plain(request.old_state), _plain(request.new_inputs)
        changed = [name for name in _CONFIG if olds.get(name) != news.get(name)]
        # The SDK's DiffConfig copies `changes` into the enum as is (True would read DIFF_NONE):
        # DIFF_SOME is truthy, and False reads DIFF_UNKNOWN, on which the engine compares the
        # (equal) inputs itself; both stay right once the SDK maps booleans.
        return DiffResponse(changes=_DIFF_SOME if changed else False, diffs=changed)  # type: ignore[arg-type]

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Engine: Configure, once per plugin process, with this instance's config (keys falling
        back to the environment, as the dynamic provider's default key pair does)."""
        config = _plain(request.args)
        keys = KeyRing.from_config(lambda key: config.get(_KEY_RING_NAMES.get(key, "")))
        self._runtime = ProviderRuntime(
            keys, listing_ttl(config.get("listingCacheSeconds")), missing_keys_fix=_NO_KEYS_FIX
        )
        return ConfigureResponse(accept_secrets=False, supports_preview=True)

    async def check(self, request: CheckRequest) -> CheckResponse:
        """Engine: Check at preview and up; no API call. Failures name property, value and fix."""
        inputs, problems = connections.check_inputs(_snake(request.new_inputs), None, is_unknown)
        failures = [CheckFailure(schema.wire_name(p.property), p.reason) for p in problems]
        return CheckResponse(_wire(inputs), failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """Engine: Diff with OLD OUTPUTS, so drift seen by refresh shows; no API call."""
        decision = connections.decide_diff(
            _snake(request.old_state), _snake(request.new_inputs), is_unknown
        )
        kinds = {
            schema.wire_name(name): PropertyDiff(
                PropertyDiffKind.UPDATE_REPLACE
                if name in decision.replaces
                else PropertyDiffKind.UPDATE,
                input_diff=True,
            )
            for name in decision.changed
        }
        return DiffResponse(
            changes=decision.has_changes,
            replaces=[schema.wire_name(n) for n in decision.replaces],
            delete_before_replace=decision.delete_before_replace,
            diffs=list(kinds),
            detailed_diff=kinds,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        """Engine: Create at up (adopts on 409 when asked; looks before retrying). At preview
        the outputs only Datadog can tell are unknown."""
        props = _snake(request.properties)
        if request.preview:
            return CreateResponse("", _wire({**dict.fromkeys(_RESOURCE, UNKNOWN), **props}))
        spec = connections.ConnectionSpec.from_inputs(props)
        conn = await self._blocking(connections.create, self._view(), spec)
        return CreateResponse(conn.id, _wire(connections.outputs(conn, None, spec.adopt)))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Engine: Read at refresh (stored outputs), and at `pulumi import` and `get` with the id
        alone: it finds the connection and returns complete outputs and inputs. An empty id
        means gone."""
        olds = {**_snake(request.inputs), **_snake(request.properties)}
        adopt = bool(olds.get("adopt") or False)
        conn = await self._blocking(
            connections.read,
            self._view(),
            request.resource_id,
            sink_org_id=olds.get("sink_org_id") or None,
            source_org_id=olds.get("source_org_id") or None,
        )
        if conn is None:
            return ReadResponse("", {}, {})
        return ReadResponse(
            conn.id,
            _wire(connections.outputs(conn, None, adopt)),
            _wire(connections.inputs(conn, None, adopt)),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        """Engine: Update with OLD OUTPUTS; one PATCH when the types differ, none for `adopt`
        alone. At preview: the old outputs with the new inputs."""
        olds, news = _snake(request.olds), _snake(request.news)
        if request.preview:
            return UpdateResponse(_wire({**olds, **news}))
        spec = connections.ConnectionSpec.from_inputs(news)
        outs = await self._blocking(
            connections.apply_update, self._view(), request.resource_id, olds, spec
        )
        return UpdateResponse(_wire(outs))

    async def delete(self, request: DeleteRequest) -> None:
        """Engine: Delete at destroy and after a replacement; already gone is fine."""
        await self._blocking(connections.delete, self._view(), request.resource_id)

    def _view(self) -> OrgView:
        """This instance's key pair (the environment's, if the engine never configured us)."""
        if self._runtime is None:
            self._runtime = ProviderRuntime(
                KeyRing.from_environment(), missing_keys_fix=_NO_KEYS_FIX
            )
        return self._runtime.view(None)


def main() -> None:
    """Serve the provider: print the gRPC port on the first stdout line, as the engine expects."""
    server.main(sys.argv[1:], __version__, OrgConnectionProvider())


def _plain(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {key: _unwrap(value) for key, value in values.items()}


def _snake(values: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """Resource properties under the core's names; names outside the schema are dropped."""
    return {_SNAKE[k]: v for k, v in _plain(values).items() if k in _SNAKE}


def _wire(values: Mapping[str, Any]) -> dict[str, PropertyValue]:
    """Core values as wire properties: schema names only (not `org`); None left out."""
    return {
        schema.wire_name(k): _wrap(v)
        for k, v in values.items()
        if k in _SNAKE.values() and v is not None
    }


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
