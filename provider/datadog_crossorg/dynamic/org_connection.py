"""`OrgConnection`: a Datadog org connection as a Pulumi dynamic resource.

Its schema is `resources.org_connection.ORG_CONNECTION`; every rule is in `rules.connections`.
The provider below only translates: its methods are called by the `python -m pulumi.dynamic`
server, possibly on several threads at once. The pickled provider (type token
`tokens.ORG_CONNECTION`) holds no state at all, so its bytes stay the same across versions and no
key ever enters a state file. The rules load on the provider's first call, not in the program
that only declares connections.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from datadog_crossorg.dynamic.provider_base import (
    DeclaredResource,
    StatelessProvider,
    check_result,
    diff_result,
)
from datadog_crossorg.resources.org_connection import ORG_CONNECTION

__all__ = ["OrgConnection", "OrgConnectionArgs", "OrgConnectionProvider"]


class OrgConnectionProvider(StatelessProvider):
    """CRUD for org connections over `/api/v2/org_connections`.

    The instance pickles to nothing (`StatelessProvider`): the key ring, clients and shared
    listings live in its `process()`, built in the provider process and shared by its threads.
    """

    __module__ = "datadog_crossorg.org_connection"  # released state pickles the class by this path

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Engine: Check, at preview and up; no API call. Failures name property, value and fix."""
        from datadog_crossorg.rules import connections

        return check_result(*connections.check_inputs(news, self.process().known_orgs))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Engine: Diff with OLD OUTPUTS; always explicit `changes`, never a `__provider` diff."""
        from datadog_crossorg.rules import connections

        return diff_result(connections.decide_diff(olds, news))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Engine: Create (up only). Adopts on 409 when asked; looks before retrying."""
        from datadog_crossorg.rules import connections

        spec = connections.ConnectionSpec.from_inputs(props)
        conn = connections.create(self.process().view(spec.org), spec)
        return CreateResult(conn.id, connections.outputs(conn, spec.org, spec.adopt))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Engine: Read on refresh and for `OrgConnection.get`; an empty id means gone."""
        from datadog_crossorg.rules import connections

        org = props.get("org") or None
        adopt = bool(props.get("adopt") or False)
        conn = connections.read_anywhere(
            self.process(),
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
        from datadog_crossorg.rules import connections

        spec = connections.ConnectionSpec.from_inputs(news)
        outs = connections.apply_update(self.process().view(spec.org), id_, olds, spec)
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Engine: Delete on destroy and after a replacement; already gone is fine."""
        from datadog_crossorg.rules import connections

        org = props.get("org") or None
        connections.delete(self.process().view(org), id_, org)


class OrgConnection(DeclaredResource, declaration=ORG_CONNECTION, provider=OrgConnectionProvider):
    """A connection that shares the source org's data (`connection_types`) with a sink org.

        OrgConnection("payments-to-hub", sink_org_id=hub, connection_types=["metrics", "logs"],
                      org="payments")

    The source is the org of the key pair the resource uses: `org` names one from the stack config
    `datadog-crossorg:orgs`, or the default `datadog:apiKey`/`datadog:appKey` is used. Inputs and
    outputs are `ORG_CONNECTION`'s fields (see `help(OrgConnection)` for the signature).
    """

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


OrgConnectionArgs = OrgConnection.Args
