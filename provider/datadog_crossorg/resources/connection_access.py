"""`ConnectionAccess`, declared once: one org's restriction policy on one org connection."""

from __future__ import annotations

from datadog_crossorg.resources import tokens
from datadog_crossorg.resources.declaration import DYNAMIC, Field, ResourceDeclaration

_PRINCIPALS = (
    "principals `role:<uuid>`, `team:<uuid>`, `user:<uuid>` or `org:<uuid>` (order and case do "
    "not matter)"
)

CONNECTION_ACCESS = ResourceDeclaration(
    name=tokens.CONNECTION_ACCESS_NAME,
    description="""One org's restriction policy on an org connection: who may edit it (and, on
    the sink side, view the data it shares).

    Preview refuses a policy whose editors include none of `deployer` (the principals of the key
    pair that deploys) unless `allowSelfLockout` is set. Removing the resource removes the
    policy: everyone with the org-connection permissions has access again.""",
    id_field="resource_id",
    fields=(
        Field(
            "resource_id",
            str,
            "The policy's resource in Datadog, `cross-org-connection:<id>` (the resource id).",
            input=False,
            required=True,
        ),
        Field(
            "connection_id",
            str,
            """Id of the org connection (usually an OrgConnection's `connectionId`). Changing it
            replaces the policy.""",
            required=True,
            replaces=True,
        ),
        Field("editors", list[str], f"Who may edit the connection: {_PRINCIPALS}.", default=[]),
        Field(
            "viewers",
            list[str],
            f"Who may view the data it shares (sink side): {_PRINCIPALS}.",
            default=[],
        ),
        Field(
            "org",
            str,
            """Key pair of the org whose policy this is: a name under stack config
            `datadog-crossorg:orgs`; unset, the default key pair. Changing it replaces the
            policy.""",
            replaces=True,
            adapters=frozenset({DYNAMIC}),
        ),
        Field(
            "deployer",
            list[str],
            """The principals the deploying key pair's user holds: preview proves the policy
            keeps one of them among editors.""",
            default=[],
        ),
        Field(
            "allow_self_lockout",
            bool,
            "Save a policy that leaves the deploying identity without edit access. Default false.",
            default=False,
        ),
    ),
)
