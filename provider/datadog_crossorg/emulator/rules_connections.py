"""Rules of `/api/v2/org_connections`: list, create, update, delete.

Plain functions over a `World` (the Backend holds the lock). Bodies and error texts follow the
recorded traffic in shared/datadog-api/recorded; where Datadog's answer is not recorded or
documented, the choice is marked "undocumented" below.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from datadog_crossorg.emulator.errors import (
    VALIDATION_FAILED,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
)
from datadog_crossorg.emulator.model import (
    CONNECTION_TYPES,
    ENTERPRISE,
    NON_ENTERPRISE_PARTNER_LIMIT,
    Connection,
    KeyPair,
    Org,
    World,
    require,
)
from datadog_crossorg.emulator.people import org_attributes, user_attributes

READ = "org_connections_read"
WRITE = "org_connections_write"
DEFAULT_LIMIT = 1000


# -- rendering -------------------------------------------------------------------------------
def render(world: World, conn: Connection, *, names: bool = True) -> dict[str, Any]:
    """The connection object as Datadog sends it; update responses carry no names (recorded)."""

    def ref(kind: str, ident: str, name: str | None) -> dict[str, Any]:
        data: dict[str, Any] = {"type": kind, "id": ident}
        if names:
            data["name"] = name
        return {"data": data}

    return {
        "type": "org_connection",
        "id": conn.id,
        "attributes": {
            "created_at": conn.created_at,
            "connection_types": list(conn.connection_types),
        },
        "relationships": {
            "source_org": ref("orgs", conn.source_uuid, world.org(conn.source_uuid).name),
            "sink_org": ref("orgs", conn.sink_uuid, world.org(conn.sink_uuid).name),
            "created_by": ref("users", conn.created_by, world.users[conn.created_by].name),
        },
    }


def _included(world: World, conns: list[Connection]) -> list[dict[str, Any]]:
    """The undocumented `included` array of real non-empty lists: each org and user once, in
    the order the recordings show (orgs of each connection, then its creator), with every
    attribute Datadog sends (see `people`)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for conn in conns:
        for kind, ident in (
            ("orgs", conn.source_uuid),
            ("orgs", conn.sink_uuid),
            ("users", conn.created_by),
        ):
            if (kind, ident) not in seen:
                attributes = (
                    org_attributes(world.org(ident))
                    if kind == "orgs"
                    else user_attributes(world.users[ident])
                )
                seen[(kind, ident)] = {"type": kind, "id": ident, "attributes": attributes}
    return list(seen.values())


# -- list --------------------------------------------------------------------------------------
def _non_negative_int(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        # Undocumented text: Datadog answers 400 for a malformed page parameter.
        raise BadRequest(f"invalid value for {name}: must be a non-negative integer")
    return value


def list_connections(world: World, key_pair: KeyPair, query: dict[str, str]) -> dict[str, Any]:
    """Every connection this org takes part in (as source or sink), in creation order."""
    require(key_pair, READ)
    limit = _non_negative_int(query, "limit", DEFAULT_LIMIT)
    offset = _non_negative_int(query, "offset", 0)
    mine = [
        c for c in world.connections.values() if key_pair.org_uuid in (c.source_uuid, c.sink_uuid)
    ]
    filtered = [
        c
        for c in mine
        if query.get("sink_org_id") in (None, c.sink_uuid)
        and query.get("source_org_id") in (None, c.source_uuid)
    ]
    page = filtered[offset : offset + limit]
    body: dict[str, Any] = {"data": [render(world, c) for c in page]}
    if page:
        body["included"] = _included(world, page)
    body["meta"] = {"page": {"total_count": len(mine), "total_filtered_count": len(filtered)}}
    return body


# -- create ------------------------------------------------------------------------------------
def _types_from(attributes: Any) -> list[str]:
    """`attributes.connection_types` as a list of strings, else the recorded validation 400."""
    types = attributes.get("connection_types") if isinstance(attributes, dict) else None
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise BadRequest(VALIDATION_FAILED)
    return types


def _types_acceptable(types: list[str]) -> bool:
    return bool(types) and len(set(types)) == len(types) and set(types) <= set(CONNECTION_TYPES)


def _parse_create(body: Any) -> tuple[str, list[str]]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != "org_connection":
        raise BadRequest(VALIDATION_FAILED)
    relationships = data.get("relationships")
    sink = relationships.get("sink_org") if isinstance(relationships, dict) else None
    sink_data = sink.get("data") if isinstance(sink, dict) else None
    if (
        not isinstance(sink_data, dict)
        or sink_data.get("type") != "orgs"
        or not isinstance(sink_data.get("id"), str)
    ):
        raise BadRequest(VALIDATION_FAILED)
    return sink_data["id"], _types_from(data.get("attributes"))


def _partners(world: World, org_uuid: str) -> set[str]:
    partners: set[str] = set()
    for conn in world.connections.values():
        if conn.source_uuid == org_uuid:
            partners.add(conn.sink_uuid)
        elif conn.sink_uuid == org_uuid:
            partners.add(conn.source_uuid)
    return partners


def _check_plan_limit(world: World, source: Org, sink: Org) -> None:
    """A non-Enterprise org may be connected to at most 5 distinct other orgs (product docs)."""
    for org, other in ((source, sink), (sink, source)):
        if org.plan == ENTERPRISE:
            continue
        partners = _partners(world, org.uuid)
        if other.uuid not in partners and len(partners) >= NON_ENTERPRISE_PARTNER_LIMIT:
            # Undocumented text and status: the docs state the limit, not Datadog's answer.
            raise BadRequest(
                f"connection between orgs {source.uuid} and {sink.uuid} is not allowed: "
                f"org {org.uuid} is not on an Enterprise plan and is already connected to "
                f"{NON_ENTERPRISE_PARTNER_LIMIT} other orgs"
            )


def create_connection(world: World, key_pair: KeyPair, body: Any) -> dict[str, Any]:
    """Create a connection from this org (the source) to the sink named in the body."""
    require(key_pair, WRITE)
    sink_id, types = _parse_create(body)
    source = world.org(key_pair.org_uuid)
    sink = world.orgs.get(sink_id)
    if sink is None or sink.account != source.account:
        raise NotFound()  # recorded for an unknown sink; same for another account's org
    if sink.site != source.site or sink.uuid == source.uuid or not _types_acceptable(types):
        # Recorded for duplicate types; the other cases (site, self, empty, unknown type) are
        # undocumented and answered the same way.
        raise BadRequest(f"connection between orgs {source.uuid} and {sink.uuid} is not allowed")
    if any(
        c.source_uuid == source.uuid and c.sink_uuid == sink.uuid
        for c in world.connections.values()
    ):
        raise Conflict(f"connection between orgs {source.uuid} and {sink.uuid} already exists")
    _check_plan_limit(world, source, sink)
    conn = Connection(
        id=world.new_uuid(),
        source_uuid=source.uuid,
        sink_uuid=sink.uuid,
        connection_types=tuple(types),
        created_at=world.now(),
        created_by=key_pair.user_id,
    )
    world.connections[conn.id] = conn
    return {"data": render(world, conn)}


# -- update / delete ---------------------------------------------------------------------------
def _require_uuid(connection_id: str) -> None:
    try:
        uuid.UUID(connection_id)
    except ValueError:
        raise BadRequest("connection id must be a valid uuid") from None


def _party_connection(world: World, key_pair: KeyPair, connection_id: str) -> Connection | None:
    conn = world.connections.get(connection_id)
    if conn is None or key_pair.org_uuid not in (conn.source_uuid, conn.sink_uuid):
        return None
    return conn


def update_connection(
    world: World, key_pair: KeyPair, connection_id: str, body: Any
) -> dict[str, Any]:
    """Change `connection_types`; only the source org may. The answer carries no names."""
    require(key_pair, WRITE)
    _require_uuid(connection_id)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != "org_connection":
        raise BadRequest(VALIDATION_FAILED)
    types = _types_from(data.get("attributes"))
    if not _types_acceptable(types):
        raise BadRequest(VALIDATION_FAILED)  # recorded for duplicates
    if data.get("id") != connection_id:
        # Undocumented: Datadog's JSON:API handlers refuse a body id that differs from the path.
        raise BadRequest("connection id in the body does not match the id in the path")
    conn = _party_connection(world, key_pair, connection_id)
    if conn is None:
        raise NotFound(f"Org connection with id:{connection_id} not found not found")
    if conn.source_uuid != key_pair.org_uuid:
        # Undocumented text: the docs say only the source org may update a connection.
        raise Forbidden("Forbidden: only the source org of a connection may update it")
    conn = replace(conn, connection_types=tuple(types))
    world.connections[conn.id] = conn
    return {"data": render(world, conn, names=False)}


def delete_connection(world: World, key_pair: KeyPair, connection_id: str) -> dict[str, Any]:
    """Delete from the source or the sink org; 200 with `{}` as recorded."""
    require(key_pair, WRITE)
    _require_uuid(connection_id)
    if _party_connection(world, key_pair, connection_id) is None:
        # Lowercase "org", unlike update: recorded so.
        raise NotFound(f"org connection with id:{connection_id} not found not found")
    del world.connections[connection_id]
    return {}


def delete_created_by(world: World, user_id: str) -> list[str]:
    """What Datadog does when a user is deactivated: the user's connections go away."""
    gone = [c.id for c in world.connections.values() if c.created_by == user_id]
    for connection_id in gone:
        del world.connections[connection_id]
    return gone


def sorted_for_tests(world: World) -> list[dict[str, Any]]:
    return [render(world, c) for c in sorted(world.connections.values(), key=lambda c: c.id)]
