"""`OrgConnection`: a Datadog org connection as a Pulumi dynamic resource.

Its schema is `resources.org_connection.ORG_CONNECTION`; every rule is in `rules.connections`.
The provider below only translates: its methods are called by the `python -m pulumi.dynamic`
server, possibly on several threads at once. The pickled provider (type token
`tokens.ORG_CONNECTION`) holds no state at all, so its bytes stay the same across versions and no
key ever enters a state file.
"""

from __future__ import annotations

import pulumi

from datadog_crossorg.dynamic.provider_base import DeclaredResource, TableProvider
from datadog_crossorg.resources.org_connection import ORG_CONNECTION

__all__ = ["OrgConnection", "OrgConnectionArgs", "OrgConnectionProvider"]


class OrgConnectionProvider(
    TableProvider, declaration=ORG_CONNECTION, rules="datadog_crossorg.rules.connections"
):
    """CRUD for org connections over `/api/v2/org_connections` (`connections.TABLE`).

    The instance pickles to nothing (`StatelessProvider`): the key ring, clients and shared
    listings live in its `process()`, built in the provider process and shared by its threads.
    """

    __module__ = "datadog_crossorg.org_connection"  # released state pickles the class by this path


class OrgConnection(DeclaredResource, provider=OrgConnectionProvider):
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
        """Look up an existing connection by id, read-only (the stack never changes or deletes
        it)."""
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return OrgConnection(resource_name, org=org, opts=merged)


OrgConnectionArgs = OrgConnection.Args
