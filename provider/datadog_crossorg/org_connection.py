"""`OrgConnection`: a Datadog org connection as a Pulumi dynamic resource.

Schema (the API's own names):
    inputs   sink_org_id (UUID), connection_types (subset of audit, logs, metrics), org (key-pair
             name, optional), adopt (take over an existing connection, default false)
    outputs  connection_id, source_org_id, source_org_name, sink_org_id, sink_org_name,
             connection_types (sorted), created_at, created_by (user UUID), created_by_name

The provider below is a thin adapter: every rule lives in `connections.py`. Its methods are called
by the `python -m pulumi.dynamic` server, possibly on several threads at once. The pickled provider
(type token `pulumi-python:dynamic/datadog:OrgConnection`) holds no state at all, so its bytes stay
the same across versions and no key ever enters a state file.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from datadog_crossorg import connections
from datadog_crossorg.client import DatadogClient
from datadog_crossorg.credentials import KeyRing

LISTING_TTL_KEY = "datadog-crossorg:listingCacheSeconds"
DEFAULT_LISTING_TTL = 5.0  # seconds a listing may serve Reads; 0 turns sharing off
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN on the wire


def _is_unknown(value: Any) -> bool:
    """A preview-time unknown, as the dynamic server hands it over (an `Unknown` object)."""
    if isinstance(value, str):
        return value == _UNKNOWN
    return isinstance(value, pulumi.output.Unknown)


def listing_ttl(raw: Any) -> float:
    """`datadog-crossorg:listingCacheSeconds` from stack config (a string), default 5."""
    if raw in (None, ""):
        return DEFAULT_LISTING_TTL
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(
            f"stack config {LISTING_TTL_KEY} {raw!r} must be a number of seconds (0 turns off "
            "shared listings)"
        ) from None
    if value < 0:
        raise ValueError(f"stack config {LISTING_TTL_KEY} {raw!r} must not be negative")
    return value


class OrgConnectionProvider(ResourceProvider):
    """CRUD for org connections over `/api/v2/org_connections`.

    The instance pickles to nothing: the key ring and HTTP clients are built in the provider
    process (from `configure`, or from the environment when no stack config arrives) and are never
    serialized. Clients are cached per key pair and shared by the server's threads.
    """

    serialize_as_secret_always = False  # nothing secret is captured; keeps preview diffs readable

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        pass

    def _runtime(self) -> _Runtime:
        runtime = self.__dict__.get("_rt")
        if runtime is None:
            with _RUNTIME_LOCK:
                runtime = self.__dict__.get("_rt")
                if runtime is None:
                    runtime = _Runtime(KeyRing.from_environment())
                    self.__dict__["_rt"] = runtime
        return runtime

    def configure(self, req: ConfigureRequest) -> None:
        """Engine: Configure, once per provider process with the whole decrypted stack config."""
        self.__dict__["_rt"] = _Runtime(
            KeyRing.from_config(req.config.get), listing_ttl(req.config.get(LISTING_TTL_KEY))
        )

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Engine: Check, at preview and up; no API call. Failures name property, value and fix."""
        runtime = self._runtime()
        inputs, problems = connections.check_inputs(news, runtime.known_orgs, _is_unknown)
        return CheckResult(inputs, [CheckFailure(p.property, p.reason) for p in problems])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Engine: Diff with OLD OUTPUTS; always explicit `changes`, never a `__provider` diff."""
        decision = connections.decide_diff(olds, news, _is_unknown)
        return DiffResult(
            changes=decision.has_changes,
            replaces=list(decision.replaces),
            delete_before_replace=decision.delete_before_replace,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Engine: Create (up only). Adopts on 409 when asked; looks before retrying."""
        spec = connections.ConnectionSpec.from_inputs(props)
        conn = connections.create(self._runtime().view(spec.org), spec)
        return CreateResult(conn.id, connections.outputs(conn, spec.org, spec.adopt))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Engine: Read on refresh and for `OrgConnection.get`; an empty id means gone."""
        org = props.get("org") or None
        adopt = bool(props.get("adopt") or False)
        conn = connections.read(
            self._runtime().view(org),
            id_,
            sink_org_id=props.get("sink_org_id") or None,
            source_org_id=props.get("source_org_id") or None,
        )
        if conn is None:
            return ReadResult("", {})
        return ReadResult(
            conn.id,
            connections.outputs(conn, org, adopt),
            connections.inputs(conn, org, adopt),
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Engine: Update with OLD OUTPUTS; one PATCH when types differ, none for `adopt` alone."""
        spec = connections.ConnectionSpec.from_inputs(news)
        if connections.normalize_types(olds.get("connection_types") or ()) == spec.connection_types:
            outs = {k: olds.get(k) for k in connections.OUTPUT_NAMES}
        else:
            conn = connections.update(
                self._runtime().view(spec.org), id_, spec.connection_types, olds
            )
            outs = connections.outputs(conn, spec.org, spec.adopt)
        outs.update(org=spec.org, adopt=spec.adopt)
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Engine: Delete on destroy and after a replacement; already gone is fine."""
        connections.delete(self._runtime().view(props.get("org") or None), id_)


_RUNTIME_LOCK = threading.Lock()


class _Runtime:
    """What a provider process builds at run time: the key ring, and per key pair one client
    and one shared listing (see `listing.py`), reused by every thread of the server."""

    def __init__(self, keys: KeyRing, listing_ttl: float = DEFAULT_LISTING_TTL) -> None:
        self.keys = keys
        self.listing_ttl = listing_ttl
        self._views: dict[str | None, connections.OrgView] = {}
        self._lock = threading.Lock()

    @property
    def known_orgs(self) -> frozenset[str]:
        return self.keys.names

    def view(self, org: str | None) -> connections.OrgView:
        with self._lock:
            view = self._views.get(org)
            if view is None:
                creds = self.keys.resolve(org)
                client = DatadogClient(creds.api_key, creds.app_key, creds.site)
                view = connections.OrgView(client, self.listing_ttl, self.invalidate_all)
                self._views[org] = view
            return view

    def invalidate_all(self) -> None:
        """A write through any key pair may change what every org's listing shows."""
        with self._lock:
            views = list(self._views.values())
        for view in views:
            view.invalidate()


class OrgConnectionArgs:
    """Inputs of an `OrgConnection`."""

    def __init__(
        self,
        sink_org_id: pulumi.Input[str],
        connection_types: pulumi.Input[Sequence[pulumi.Input[str]]],
        org: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
    ) -> None:
        self.sink_org_id = sink_org_id
        self.connection_types = connection_types
        self.org = org
        self.adopt = adopt


class OrgConnection(Resource, module="datadog", name="OrgConnection"):
    """A connection that shares the source org's data (`connection_types`) with a sink org.

    The source is the org of the key pair the resource uses: `org` names one from the stack config
    `datadog-crossorg:orgs`, or the default `datadog:apiKey`/`datadog:appKey` is used.
    """

    connection_id: pulumi.Output[str]
    source_org_id: pulumi.Output[str]
    source_org_name: pulumi.Output[str]
    sink_org_id: pulumi.Output[str]
    sink_org_name: pulumi.Output[str]
    connection_types: pulumi.Output[list[str]]
    created_at: pulumi.Output[str]
    created_by: pulumi.Output[str]
    created_by_name: pulumi.Output[str]
    org: pulumi.Output[str | None]
    adopt: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        sink_org_id: pulumi.Input[str] | OrgConnectionArgs | None = None,
        connection_types: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        org: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        args: OrgConnectionArgs | None = None,
    ) -> None:
        if isinstance(sink_org_id, OrgConnectionArgs):
            args, sink_org_id = sink_org_id, None
        if args is not None:
            sink_org_id, connection_types = args.sink_org_id, args.connection_types
            org, adopt = args.org, args.adopt
        props: dict[str, Any] = {name: None for name in connections.OUTPUT_NAMES}
        props.update(
            sink_org_id=sink_org_id,
            connection_types=connection_types,
            org=org,
            adopt=adopt if adopt is not None else False,
        )
        super().__init__(OrgConnectionProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str,
        id: pulumi.Input[str],
        org: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> OrgConnection:
        """Look up an existing connection by id, read-only (the stack never changes or deletes it)."""
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return OrgConnection(resource_name, org=org, opts=merged)
