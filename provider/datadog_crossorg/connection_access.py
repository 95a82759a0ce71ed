"""`ConnectionAccess`: who may edit or view an org connection, as a Pulumi dynamic resource.

Schema (the API's words: principals, relations editor and viewer):
    inputs   connection_id (UUID, usually an OrgConnection's output), editors and viewers
             (principals `role:<id>`, `team:<id>`, `user:<id>`, `org:<uuid>`), org (key-pair name:
             whose side's policy, optional), deployer (the principals the deploying key pair's
             user holds), allow_self_lockout (default false)
    outputs  resource_id (`cross-org-connection:<id>`), and the inputs, principals as Datadog has them

A companion of `OrgConnection` rather than an argument of it: a connection has two policies (its
source's and its sink's) written with different key pairs, the policy has its own lifecycle (drift,
removal restores full access), and the resource reads the same as Datadog's restriction-policy API.

The provider is a thin adapter over `access.py`. Its pickled form (type token
`tokens.CONNECTION_ACCESS`) holds no state, like OrgConnectionProvider's.
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

from datadog_crossorg import access, tokens

# The same runtime as OrgConnection's (key ring, one client per key pair, never pickled) and the
# same reading of preview-time unknowns.
from datadog_crossorg.dynamic_support import (
    StableResource,
    StatelessProvider,
    check_result,
    diff_result,
    is_unknown,
)


class ConnectionAccessProvider(StatelessProvider):
    """CRUD for one org's restriction policy on one connection (`/api/v2/restriction_policy`).

    The instance pickles to nothing; methods may run on several threads at once.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Engine: Check, at preview and up; no API call. Refuses a self-lockout unless opted in."""
        inputs, problems = access.check_inputs(news, self.runtime().known_orgs, is_unknown)
        return check_result(inputs, problems)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Engine: Diff with OLD OUTPUTS; always explicit `changes`, never a `__provider` diff."""
        return diff_result(access.decide_diff(olds, news, is_unknown))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Engine: Create (up only): one POST replacing whatever policy the org had."""
        spec = access.AccessSpec.from_inputs(props)
        stored = access.write(self.runtime().client(spec.org), spec)
        return CreateResult(spec.resource_id, access.outputs(spec, stored))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Engine: Read on refresh; gone when the policy or the connection is gone."""
        # A read by id alone (a `get`) knows the connection from the id: cross-org-connection:<id>.
        spec = access.AccessSpec.from_inputs(
            {**props, "connection_id": props.get("connection_id") or id_.partition(":")[2]}
        )
        found = access.read(self.runtime().client(spec.org), spec.connection_id)
        if found is None:
            return ReadResult("", {})
        return ReadResult(id_, access.outputs(spec, found), access.inputs(spec, found))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Engine: Update with OLD OUTPUTS; one POST when principals differ, none otherwise."""
        spec = access.AccessSpec.from_inputs(news)
        if access.needs_write(olds, spec):
            return UpdateResult(
                access.outputs(spec, access.write(self.runtime().client(spec.org), spec))
            )
        return UpdateResult(access.unchanged_outputs(olds, spec))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Engine: Delete on destroy or removal: full access again; a gone connection is fine."""
        spec = access.AccessSpec.from_inputs(props)
        access.delete(self.runtime().client(spec.org), spec)


class ConnectionAccess(
    StableResource, module=tokens.DYNAMIC_MODULE, name=tokens.CONNECTION_ACCESS_NAME
):
    """One org's restriction policy on an org connection: who may edit it (and, on the sink
    side, view the data it shares).

        ConnectionAccess("payments-to-hub-access", connection_id=conn.connection_id,
                         org="payments", editors=["team:<uuid>"], deployer=["team:<uuid>"])

    Preview refuses a policy whose editors include none of `deployer` (the principals of the key
    pair that deploys) unless `allow_self_lockout=True`. Removing the resource removes the
    policy: everyone with the org-connection permissions has access again.
    """

    resource_id: pulumi.Output[str]
    connection_id: pulumi.Output[str]
    editors: pulumi.Output[list[str]]
    viewers: pulumi.Output[list[str]]
    org: pulumi.Output[str | None]
    deployer: pulumi.Output[list[str]]
    allow_self_lockout: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        connection_id: pulumi.Input[str],
        editors: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        viewers: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        org: pulumi.Input[str] | None = None,
        deployer: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        allow_self_lockout: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {name: None for name in access.OUTPUT_NAMES}
        props.update(
            connection_id=connection_id,
            editors=editors if editors is not None else [],
            viewers=viewers if viewers is not None else [],
            org=org,
            deployer=deployer if deployer is not None else [],
            allow_self_lockout=allow_self_lockout if allow_self_lockout is not None else False,
        )
        super().__init__(ConnectionAccessProvider(), resource_name, props, opts)
