"""`OrgConnection`: a Datadog org connection as a Pulumi dynamic resource.

Schema (the API's own names):
    inputs   sink_org_id (UUID), connection_types (subset of audit, logs, metrics), org (key-pair
             name, optional), adopt (take over an existing connection, default false)
    outputs  connection_id, source_org_id, source_org_name, sink_org_id, sink_org_name,
             connection_types (sorted), created_at, created_by (user UUID), created_by_name

The provider below is a thin adapter: every rule lives in `connections.py`. Its methods are called
by the `python -m pulumi.dynamic` server, possibly on several threads at once. The pickled provider
(type token `tokens.ORG_CONNECTION`) holds no state at all, so its bytes stay
the same across versions and no key ever enters a state file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from datadog_crossorg import connections, tokens
from datadog_crossorg.dynamic_support import (
    LISTING_TTL_KEY,
    StableResource,
    StatelessProvider,
    check_result,
    diff_result,
    is_unknown,
)

__all__ = ["LISTING_TTL_KEY", "OrgConnection", "OrgConnectionArgs", "OrgConnectionProvider"]


class OrgConnectionProvider(StatelessProvider):
    """CRUD for org connections over `/api/v2/org_connections`.

    The instance pickles to nothing (`StatelessProvider`): the key ring, clients and shared
    listings live in its `runtime()`, built in the provider process and shared by its threads.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Engine: Check, at preview and up; no API call. Failures name property, value and fix."""
        runtime = self.runtime()
        inputs, problems = connections.check_inputs(news, runtime.known_orgs, is_unknown)
        return check_result(inputs, problems)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Engine: Diff with OLD OUTPUTS; always explicit `changes`, never a `__provider` diff."""
        return diff_result(connections.decide_diff(olds, news, is_unknown))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Engine: Create (up only). Adopts on 409 when asked; looks before retrying."""
        spec = connections.ConnectionSpec.from_inputs(props)
        conn = connections.create(self.runtime().view(spec.org), spec)
        return CreateResult(conn.id, connections.outputs(conn, spec.org, spec.adopt))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Engine: Read on refresh and for `OrgConnection.get`; an empty id means gone."""
        org = props.get("org") or None
        adopt = bool(props.get("adopt") or False)
        conn = self.runtime().read_connection(
            org,
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
        outs = connections.apply_update(self.runtime().view(spec.org), id_, olds, spec)
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Engine: Delete on destroy and after a replacement; already gone is fine."""
        org = props.get("org") or None
        connections.delete(self.runtime().view(org), id_, org)


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


class OrgConnection(StableResource, module=tokens.DYNAMIC_MODULE, name=tokens.ORG_CONNECTION_NAME):
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
