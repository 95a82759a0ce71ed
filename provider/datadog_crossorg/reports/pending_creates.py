"""After an interrupted `pulumi up`: match the stack's pending creates to what Datadog holds.

A pipeline killed while the engine waits on a create leaves the resource in the state's
`pending_operations` (type `creating`), while Datadog may well have committed the connection:
every later `up` then meets "already exists". Pulumi's own `pulumi refresh
--import-pending-creates URN ID` cannot help in the CLI we build (v3.274.1): it rewrites the
pending operation to `importing` with the id and nothing in the engine consumes that type, so the
next snapshot drops it and the resource is imported nowhere. What it means to do is done here
instead: each pending create of an OrgConnection (dynamic or native) is matched to the one
connection Datadog holds from its source org to its sink, and moved into the state's resources
with that id and its recorded inputs (which carry `__provider` for a dynamic resource, so the
dynamic provider server can read it). `pulumi stack import` of that state then drops the pending
operations, and `pulumi refresh` reads every recovered connection from Datadog.

A pending create whose connection never reached Datadog is dropped: the next `up` creates it.
A connection another resource of the stack manages is never taken twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.client import Connection
from datadog_crossorg.resources.tokens import NATIVE_ORG_CONNECTION, ORG_CONNECTION

PROVIDERS_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class PendingCreate:
    """One `creating` operation of an OrgConnection: what was being created, and by whom."""

    urn: str
    sink_org_id: str
    connection_types: tuple[str, ...]
    key_pair: str | None  # the source org's key pair name (None: the default pair)
    operation: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Recovery:
    """A pending create and the connection Datadog holds for it (None: it never got there)."""

    pending: PendingCreate
    connection: Connection | None

    @property
    def types_differ(self) -> bool:
        found = self.connection.connection_types if self.connection else ()
        return self.connection is not None and tuple(found) != self.pending.connection_types


class RecoveryError(ValueError):
    """The state cannot be recovered as it stands; the message says why and what to do."""


def pending_creates(deployment: Mapping[str, Any], key_pairs: Iterable[str]) -> list[PendingCreate]:
    """The OrgConnection creates an interrupted run left in `deployment` (a `stack export`'s
    `deployment`). A native resource made with an explicit provider instance uses the key pair
    of the same name when `key_pairs` has one (README's one-instance-per-source-org layout)."""
    known = set(key_pairs)
    found = []
    for op in deployment.get("pending_operations") or []:
        resource = op.get("resource") or {}
        kind = resource.get("type")
        if op.get("type") != "creating" or kind not in (ORG_CONNECTION, NATIVE_ORG_CONNECTION):
            continue
        inputs = resource.get("inputs") or {}
        if kind == ORG_CONNECTION:
            sink, types = inputs.get("sink_org_id"), inputs.get("connection_types")
            pair = inputs.get("org") or None
        else:
            sink, types = inputs.get("sinkOrgId"), inputs.get("connectionTypes")
            provider_name = _provider_name(resource.get("provider") or "")
            pair = provider_name if provider_name in known else None
        if not isinstance(sink, str) or not sink:
            raise RecoveryError(f"{resource.get('urn')}: the pending create records no sink org")
        found.append(
            PendingCreate(
                urn=resource["urn"],
                sink_org_id=sink,
                connection_types=tuple(sorted(types or ())),
                key_pair=pair,
                operation=op,
            )
        )
    return found


def _provider_name(reference: str) -> str | None:
    """`urn:pulumi:s::p::pulumi:providers:datadog-crossorg::payments::<id>` -> `payments`; the
    default provider (named `default...`) -> None."""
    urn = reference.rsplit("::", 1)[0]
    name = urn.rsplit("::", 1)[-1]
    return None if not urn or name.startswith("default") else name


def match(
    pending: Iterable[PendingCreate],
    listing: Callable[[str | None], list[Connection]],
    managed_ids: Iterable[str],
) -> list[Recovery]:
    """Each pending create with the connection Datadog holds for it. `listing(pair)` is what that
    key pair's org takes part in; of those, the one to the pending create's sink is it (a pair's
    org is not its own sink, and Datadog holds one connection per source and sink)."""
    taken = set(managed_ids)
    recoveries = []
    for create in pending:
        candidates = [
            conn
            for conn in listing(create.key_pair)
            if conn.sink_org_id == create.sink_org_id and conn.id not in taken
        ]
        if len(candidates) > 1:
            ids = ", ".join(sorted(c.id for c in candidates))
            raise RecoveryError(f"{create.urn}: several connections to its sink ({ids})")
        found = candidates[0] if candidates else None
        if found is not None:
            taken.add(found.id)
        recoveries.append(Recovery(create, found))
    return recoveries


def recovered_deployment(deployment: Mapping[str, Any], recoveries: Iterable[Recovery]) -> dict:
    """`deployment` with each matched pending create as a resource (its id set, its recorded
    inputs as outputs until the refresh reads Datadog's) and no pending creates left."""
    result = copy.deepcopy(dict(deployment))
    resources = result.setdefault("resources", [])
    for recovery in recoveries:
        if recovery.connection is None:
            continue
        resource = copy.deepcopy(dict(recovery.pending.operation["resource"]))
        resource["id"] = recovery.connection.id
        resource["outputs"] = copy.deepcopy(resource.get("inputs") or {})
        resource.pop("pendingReplacement", None)
        resources.append(resource)
    result["pending_operations"] = [
        op for op in result.get("pending_operations") or [] if op.get("type") != "creating"
    ]
    return result


def managed_ids(deployment: Mapping[str, Any]) -> set[str]:
    """Ids of the OrgConnections the state already manages."""
    return {
        r["id"]
        for r in deployment.get("resources") or []
        if r.get("type") in (ORG_CONNECTION, NATIVE_ORG_CONNECTION) and r.get("id")
    }
