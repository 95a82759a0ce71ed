"""`ConnectionAccess`: who may edit or view an org connection, as a Pulumi dynamic resource.

A companion of `OrgConnection` rather than an argument of it: a connection has two policies (its
source's and its sink's) written with different key pairs, the policy has its own lifecycle (drift,
removal restores full access), and the resource reads the same as Datadog's restriction-policy API.

Its schema is `resources.connection_access.CONNECTION_ACCESS`; every rule is in `rules.access`.
Its pickled provider (type token `tokens.CONNECTION_ACCESS`) holds no state, like
OrgConnectionProvider's.
"""

from __future__ import annotations

from datadog_crossorg.dynamic.provider_base import DeclaredResource, TableProvider
from datadog_crossorg.resources.connection_access import CONNECTION_ACCESS


class ConnectionAccessProvider(
    TableProvider, declaration=CONNECTION_ACCESS, rules="datadog_crossorg.rules.access"
):
    """CRUD for one org's restriction policy on one connection (`/api/v2/restriction_policy`).

    The instance pickles to nothing; methods may run on several threads at once.
    """

    __module__ = "datadog_crossorg.connection_access"  # released state pickles it by this path


class ConnectionAccess(DeclaredResource, provider=ConnectionAccessProvider):
    """One org's restriction policy on an org connection: who may edit it (and, on the sink
    side, view the data it shares).

        ConnectionAccess("payments-to-hub-access", connection_id=conn.connection_id,
                         org="payments", editors=["team:<uuid>"], deployer=["team:<uuid>"])

    Preview refuses a policy whose editors include none of `deployer` (the principals of the key
    pair that deploys) unless `allow_self_lockout=True`. Removing the resource removes the
    policy: everyone with the org-connection permissions has access again.
    """


ConnectionAccessArgs = ConnectionAccess.Args
