"""Rules of `/api/v2/restriction_policy/{resource_id}`: get, replace (POST), delete; enforcement.

Plain functions over a `World` (the Backend holds the lock). Recorded (shared/datadog-api/
recorded-access, on dashboards): a resource without a policy reads as `"bindings": []`, POST
answers the stored policy, DELETE answers 204 without a body, a malformed resource id is 400
`Invalid resource: '<id>' is not in a valid format`. Everything else here is undocumented and
chosen as marked:

- Each org keeps its own policy on a resource: the sink's policy on a connection governs who
  may view the shared data (cross-org queries) and edit the connection there, the source's who
  may edit it (README). A connection policy needs the connection to exist with the caller's org
  as source or sink (404 `Not found` otherwise); dashboard policies are not checked against
  dashboards, as recorded (`dashboard:test-get` reads fine).
- Permissions: the resource's own, `org_connections_read` / `dashboards_read` to get,
  `org_connections_write` / `dashboards_write` to replace or delete.
- Under an existing policy only its editors may replace or delete it (403), so a lockout made
  with `allow_self_lockout=true` is real: the emulator has no administrator override.
- Principals are `role:`, `team:`, `user:` of the caller's org, or `org:<the caller's org>`;
  anything else is 400 (Datadog may accept unknown ids; the emulator is stricter so typos fail
  offline). `editor` implies `viewer`.
- A policy that would leave the caller without edit access is 400 unless the query says
  `allow_self_lockout=true`.
"""

from __future__ import annotations

import uuid
from typing import Any

from datadog_crossorg.emulator.errors import BadRequest, Forbidden, NotFound
from datadog_crossorg.emulator.model import Binding, KeyPair, Policy, User, World, require

CONNECTION_KIND = "cross-org-connection"
DASHBOARD_KIND = "dashboard"
VIEWER, EDITOR = "viewer", "editor"
# kind -> (relations, read permission, write permission)
KINDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    CONNECTION_KIND: ((VIEWER, EDITOR), "org_connections_read", "org_connections_write"),
    DASHBOARD_KIND: ((VIEWER, EDITOR), "dashboards_read", "dashboards_write"),
}
PRINCIPAL_KINDS = ("role", "team", "user", "org")


def connection_resource(connection_id: str) -> str:
    return f"{CONNECTION_KIND}:{connection_id}"


# -- identity --------------------------------------------------------------------------------
def principals_of(user: User) -> frozenset[str]:
    """Every principal that names this user: itself, its roles, its teams, its org."""
    return frozenset(
        {f"user:{user.id}", f"org:{user.org_uuid}"}
        | {f"role:{r}" for r in user.roles}
        | {f"team:{t}" for t in user.teams}
    )


def has_relation(
    world: World, org_uuid: str, user_id: str, resource_id: str, relation: str
) -> bool:
    """True when no policy of `org_uuid` restricts the resource, or it grants `relation`.

    `editor` implies `viewer`.
    """
    policy = world.policies.get((org_uuid, resource_id))
    if policy is None or not policy.bindings:
        return True
    granting = (EDITOR,) if relation == EDITOR else (VIEWER, EDITOR)
    mine = principals_of(world.users[user_id])
    return any(b.relation in granting and mine & set(b.principals) for b in policy.bindings)


def require_editor(world: World, key_pair: KeyPair, resource_id: str) -> None:
    """403 unless the key pair's user may edit the resource under its org's policy."""
    if not has_relation(world, key_pair.org_uuid, key_pair.user_id, resource_id, EDITOR):
        # Undocumented text: Datadog's answer to a restricted edit is not recorded.
        raise Forbidden(
            f"Forbidden: the restriction policy on {resource_id} does not make this user an editor"
        )


def require_connection_editor(world: World, key_pair: KeyPair, connection_id: str) -> None:
    """What update and delete of a connection check before the connection rules run."""
    require_editor(world, key_pair, connection_resource(connection_id))


def forget(world: World, resource_id: str) -> None:
    """Drop every org's policy on a resource that no longer exists."""
    for key in [k for k in world.policies if k[1] == resource_id]:
        del world.policies[key]


# -- parsing ---------------------------------------------------------------------------------
def _parse_resource(world: World, key_pair: KeyPair, resource_id: str) -> str:
    """The resource's kind; 400 for a malformed id (recorded), 404 for a stranger's connection."""
    kind, _, ident = resource_id.partition(":")
    if kind not in KINDS or not ident:
        raise BadRequest(f"Invalid resource: '{resource_id}' is not in a valid format")
    if kind == CONNECTION_KIND:
        try:
            uuid.UUID(ident)
        except ValueError:
            raise BadRequest(
                f"Invalid resource: '{resource_id}' is not in a valid format"
            ) from None
        conn = world.connections.get(ident)
        if conn is None or key_pair.org_uuid not in (conn.source_uuid, conn.sink_uuid):
            raise NotFound()
    return kind


def _known_principal(world: World, org_uuid: str, principal: str) -> bool:
    kind, _, ident = principal.partition(":")
    if kind == "org":
        return ident == org_uuid
    if kind == "user":
        user = world.users.get(ident)
        return user is not None and user.org_uuid == org_uuid
    table = {"role": world.roles, "team": world.teams}.get(kind)
    return table is not None and (org_uuid, ident) in table


def _parse_bindings(
    world: World, key_pair: KeyPair, resource_id: str, kind: str, body: Any
) -> tuple[Binding, ...]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != "restriction_policy":
        raise BadRequest("Invalid restriction policy: 'data.type' must be 'restriction_policy'")
    if data.get("id") not in (None, resource_id):
        raise BadRequest(
            f"Invalid restriction policy: 'data.id' {data.get('id')!r} does not match the "
            f"resource in the path '{resource_id}'"
        )
    attributes = data.get("attributes")
    raw = attributes.get("bindings") if isinstance(attributes, dict) else None
    if not isinstance(raw, list):
        raise BadRequest("Invalid restriction policy: 'data.attributes.bindings' must be a list")
    relations = KINDS[kind][0]
    bindings: list[Binding] = []
    for index, item in enumerate(raw):
        where = f"bindings[{index}]"
        relation = item.get("relation") if isinstance(item, dict) else None
        principals = item.get("principals") if isinstance(item, dict) else None
        if relation not in relations:
            raise BadRequest(
                f"Invalid restriction policy: {where}.relation {relation!r} is not one of "
                f"{', '.join(relations)} for {kind}"
            )
        if any(b.relation == relation for b in bindings):
            raise BadRequest(f"Invalid restriction policy: relation {relation!r} is bound twice")
        if not isinstance(principals, list) or not all(isinstance(p, str) for p in principals):
            raise BadRequest(f"Invalid restriction policy: {where}.principals must be a list")
        for principal in principals:
            if principal.partition(":")[0] not in PRINCIPAL_KINDS or not _known_principal(
                world, key_pair.org_uuid, principal
            ):
                raise BadRequest(
                    f"Invalid principal '{principal}': expected role:, team:, user: or org: "
                    "followed by the id of a role, team or user of this org, or this org's UUID"
                )
        bindings.append(Binding(relation, tuple(principals)))
    return tuple(bindings)


# -- rendering -------------------------------------------------------------------------------
def render(resource_id: str, bindings: tuple[Binding, ...]) -> dict[str, Any]:
    """The policy as recorded: relation before principals; no policy is `"bindings": []`."""
    return {
        "data": {
            "type": "restriction_policy",
            "id": resource_id,
            "attributes": {
                "bindings": [
                    {"relation": b.relation, "principals": list(b.principals)} for b in bindings
                ]
            },
        }
    }


# -- operations ------------------------------------------------------------------------------
def get_policy(world: World, key_pair: KeyPair, resource_id: str) -> dict[str, Any]:
    kind = _parse_resource(world, key_pair, resource_id)
    require(key_pair, KINDS[kind][1])
    policy = world.policies.get((key_pair.org_uuid, resource_id))
    return render(resource_id, policy.bindings if policy else ())


def replace_policy(
    world: World, key_pair: KeyPair, resource_id: str, body: Any, query: dict[str, str]
) -> dict[str, Any]:
    """POST: the whole policy is replaced by the body's bindings (empty = no policy)."""
    kind = _parse_resource(world, key_pair, resource_id)
    require(key_pair, KINDS[kind][2])
    bindings = _parse_bindings(world, key_pair, resource_id, kind, body)
    require_editor(world, key_pair, resource_id)
    allow_lockout = query.get("allow_self_lockout", "").lower() == "true"
    mine = principals_of(world.users[key_pair.user_id])
    editors = {p for b in bindings if b.relation == EDITOR for p in b.principals}
    if bindings and not allow_lockout and not mine & editors:
        # Undocumented status and text; the product docs give the advice.
        raise BadRequest(
            f"Invalid restriction policy: it would remove your own edit access to {resource_id}; "
            "include at least one role or team you are a member of before saving, or set "
            "allow_self_lockout=true"
        )
    key = (key_pair.org_uuid, resource_id)
    if bindings:
        world.policies[key] = Policy(key_pair.org_uuid, resource_id, bindings)
    else:
        world.policies.pop(key, None)
    return render(resource_id, bindings)


def delete_policy(world: World, key_pair: KeyPair, resource_id: str) -> None:
    """DELETE: back to full access; 204 without a body (recorded), with or without a policy."""
    kind = _parse_resource(world, key_pair, resource_id)
    require(key_pair, KINDS[kind][2])
    require_editor(world, key_pair, resource_id)
    world.policies.pop((key_pair.org_uuid, resource_id), None)
