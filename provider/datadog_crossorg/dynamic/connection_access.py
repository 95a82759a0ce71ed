"""`ConnectionAccess`: who may edit or view an org connection, as a Pulumi dynamic resource.

A companion of `OrgConnection` rather than an argument of it: a connection has two policies (its
source's and its sink's) written with different key pairs, the policy has its own lifecycle (drift,
removal restores full access), and the resource reads the same as Datadog's restriction-policy API.

Its schema is `resources.connection_access.CONNECTION_ACCESS`; every rule is in `rules.access`.
Its pickled provider (type token `tokens.CONNECTION_ACCESS`) holds no state, like
OrgConnectionProvider's.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from datadog_crossorg.dynamic.provider_base import (
    DeclaredResource,
    StatelessProvider,
    check_result,
    diff_result,
)
from datadog_crossorg.resources.connection_access import CONNECTION_ACCESS
from datadog_crossorg.rules import access


class ConnectionAccessProvider(StatelessProvider):
    """CRUD for one org's restriction policy on one connection (`/api/v2/restriction_policy`).

    The instance pickles to nothing; methods may run on several threads at once.
    """

    __module__ = "datadog_crossorg.connection_access"  # released state pickles it by this path

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Engine: Check, at preview and up; no API call. Refuses a self-lockout unless opted in."""
        return check_result(*access.check_inputs(news, self.process().known_orgs))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Engine: Diff with OLD OUTPUTS; always explicit `changes`, never a `__provider` diff."""
        return diff_result(access.decide_diff(olds, news))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Engine: Create (up only): one POST replacing whatever policy the org had."""
        spec = access.AccessSpec.from_inputs(props)
        stored = access.write(self.process().client(spec.org), spec)
        return CreateResult(spec.resource_id, access.outputs(spec, stored))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Engine: Read on refresh; gone when the policy or the connection is gone."""
        spec = access.AccessSpec.from_read(id_, props)
        found = access.read(self.process().client(spec.org), spec.connection_id)
        if found is None:
            return ReadResult("", {})
        return ReadResult(id_, *access.read_state(spec, found))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Engine: Update with OLD OUTPUTS; one POST when principals differ, none otherwise."""
        spec = access.AccessSpec.from_inputs(news)
        return UpdateResult(access.apply_update(self.process().client(spec.org), olds, spec))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Engine: Delete on destroy or removal: full access again; a gone connection is fine."""
        spec = access.AccessSpec.from_inputs(props)
        access.delete(self.process().client(spec.org), spec)


class ConnectionAccess(
    DeclaredResource, declaration=CONNECTION_ACCESS, provider=ConnectionAccessProvider
):
    """One org's restriction policy on an org connection: who may edit it (and, on the sink
    side, view the data it shares).

        ConnectionAccess("payments-to-hub-access", connection_id=conn.connection_id,
                         org="payments", editors=["team:<uuid>"], deployer=["team:<uuid>"])

    Preview refuses a policy whose editors include none of `deployer` (the principals of the key
    pair that deploys) unless `allow_self_lockout=True`. Removing the resource removes the
    policy: everyone with the org-connection permissions has access again.
    """


ConnectionAccessArgs = ConnectionAccess.Args
