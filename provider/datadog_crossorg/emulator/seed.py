"""Seeds and saved state: one JSON format for both.

A seed describes the world (accounts > orgs > roles, teams, users and key pairs; optional
pre-existing connections, dashboards, notebooks, restriction policies and series of any data
source the timeseries endpoint serves (metrics, logs, audit, ci_pipelines, ci_tests); rate
limits).
Users name their roles and teams (by name, handle or id) in `roles` / `teams`. A state file is
the same document with everything made explicit (ids, timestamps, widget and cell ids, the last
notebook id), so `load -> dump -> load` is the identity and a stack deployed today refreshes
tomorrow against the same world.
"""

from __future__ import annotations

import copy
import json
import os
import random
import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from datadog_crossorg.emulator import (
    rules_dashboards,
    rules_notebooks,
    rules_policies,
    rules_queries,
)
from datadog_crossorg.emulator.errors import ApiError
from datadog_crossorg.emulator.model import (
    CONNECTION_TYPES,
    PERMISSIONS,
    SITES,
    Connection,
    KeyPair,
    Org,
    Role,
    Series,
    Team,
    User,
    World,
    utc_now,
)
from datadog_crossorg.emulator.ratelimit import parse_limits

SeedSource = str | os.PathLike[str] | dict[str, Any] | None


class SeedError(ValueError):
    """The seed or state document is not a world the emulator can serve."""


def default_seed_path() -> Path:
    return Path(__file__).with_name("default_seed.json")


def load_seed(source: SeedSource = None) -> dict[str, Any]:
    """The seed as a validated dict (a copy): None = the default seed, a path, or a dict."""
    if source is None:
        source = default_seed_path()
    if isinstance(source, dict):
        document = copy.deepcopy(source)
    else:
        try:
            document = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise SeedError(f"cannot read seed {os.fspath(source)}: {error}") from error
    build_world(document)  # validation is building; the world is discarded
    return document


def with_key_pair(
    source: SeedSource,
    name: str,
    user: str,
    permissions: list[str] | None = None,
) -> dict[str, Any]:
    """A copy of the seed where `user` (a handle) has one more key pair, `name`.

    Its API key is the org's (the first pair's), its application key `emu-<name>-app-key`;
    permissions default to every one except `org_management`. For tests that act as a second
    person of an org (an editor, a viewer).
    """
    document = load_seed(source)
    for account in document["accounts"]:
        for org in account["orgs"]:
            if any(u.get("handle") == user for u in org.get("users") or []):
                pairs = org.setdefault("key_pairs", [])
                api_key = pairs[0]["api_key"] if pairs else f"emu-{name}-api-key"
                chosen = permissions or sorted(PERMISSIONS - {"org_management"})
                pairs.append(
                    {
                        "name": name,
                        "user": user,
                        "api_key": api_key,
                        "app_key": f"emu-{name}-app-key",
                        "permissions": list(chosen),
                    }
                )
                return load_seed(document)
    raise SeedError(f"no user with handle {user!r} in the seed")


# -- building ----------------------------------------------------------------------------------
def _need(condition: bool, message: str) -> None:
    if not condition:
        raise SeedError(message)


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def build_world(
    document: Any,
    *,
    clock: Callable[[], datetime] = utc_now,
    rng: random.Random | None = None,
) -> World:
    """A World from a seed or state document; raises SeedError naming what is wrong."""
    _need(isinstance(document, dict), "a seed is a JSON object")
    accounts = document.get("accounts")
    _need(isinstance(accounts, list) and bool(accounts), "seed needs a non-empty 'accounts' list")
    world = World(description=document.get("description"), clock=clock, rng=rng or random.Random())
    for account in accounts:
        _add_account(world, account)
    for entry in document.get("connections") or []:
        _add_connection(world, entry)
    for entry in document.get("dashboards") or []:
        _add_dashboard(world, entry)
    for entry in document.get("notebooks") or []:
        _add_notebook(world, entry)
    last_id = document.get("last_notebook_id", 0)
    _need(
        isinstance(last_id, int) and not isinstance(last_id, bool) and last_id >= 0,
        "last_notebook_id must be a non-negative integer",
    )
    world.last_notebook_id = max(world.last_notebook_id, last_id)
    for entry in document.get("restriction_policies") or []:
        _add_policy(world, entry)
    for entry in document.get("series") or []:
        _add_series(world, entry)
    try:
        limits = parse_limits(document.get("rate_limits") or {})
    except ValueError as error:
        raise SeedError(f"rate_limits: {error}") from error
    world.rate_limits = {name: {"limit": r.limit, "period": r.period} for name, r in limits.items()}
    return world


def _add_account(world: World, account: Any) -> None:
    _need(isinstance(account, dict) and isinstance(account.get("name"), str), "account needs name")
    _need(isinstance(account.get("orgs"), list), f"account {account['name']!r} needs 'orgs'")
    for index, org in enumerate(account["orgs"]):
        _add_org(world, account["name"], index, org)


def _add_org(world: World, account: str, index: int, spec: Any) -> None:
    _need(isinstance(spec, dict) and isinstance(spec.get("name"), str), "org needs a name")
    name = spec["name"]
    _need(_is_uuid(spec.get("uuid")), f"org {name!r} needs a valid 'uuid'")
    _need(world.org_named(name) is None, f"org name {name!r} is used twice")
    _need(spec["uuid"] not in world.orgs, f"org uuid {spec['uuid']} is used twice")
    site = spec.get("site", "datadoghq.com")
    _need(site in SITES, f"org {name!r}: unknown site {site!r}")
    billing = spec.get("billing") or {}
    org = Org(
        uuid=spec["uuid"],
        name=name,
        account=account,
        site=site,
        plan=str(spec.get("plan", "enterprise")),
        created=str(spec.get("created", "2025-01-01 00:00:00")),
        public_id=str(spec.get("public_id") or spec["uuid"]),
        description=spec.get("description"),
        # The first org of an account is its parent unless the seed says otherwise.
        billing_type=str(billing.get("type") or ("parent" if index == 0 else "child")),
        settings=dict(spec.get("settings") or {}),
        sharing=str(spec.get("sharing", "all_private")),
        url=spec.get("url"),
        disabled=_flag(spec, "disabled", f"org {name!r}"),
        created_at=spec.get("created_at"),
        modified_at=spec.get("modified_at"),
        hipaa=_flag(spec, "hipaa", f"org {name!r}"),
    )
    world.orgs[org.uuid] = org
    for role in spec.get("roles") or []:
        _add_role(world, org, role)
    for team in spec.get("teams") or []:
        _add_team(world, org, team)
    for user in spec.get("users") or []:
        _add_user(world, org, user)
    for pair in spec.get("key_pairs") or []:
        _add_key_pair(world, org, pair)


def _add_role(world: World, org: Org, spec: Any) -> None:
    _need(isinstance(spec, dict), f"org {org.name!r}: a role is an object")
    ident, name = spec.get("id"), spec.get("name")
    _need(_is_uuid(ident) and isinstance(name, str), f"org {org.name!r}: role needs uuid id, name")
    _need((org.uuid, ident) not in world.roles, f"role id {ident!r} is used twice")
    world.roles[(org.uuid, ident)] = Role(ident, name, org.uuid)


def _add_team(world: World, org: Org, spec: Any) -> None:
    _need(isinstance(spec, dict), f"org {org.name!r}: a team is an object")
    ident, name, handle = spec.get("id"), spec.get("name"), spec.get("handle")
    _need(
        _is_uuid(ident) and isinstance(name, str) and isinstance(handle, str),
        f"org {org.name!r}: team needs uuid id, name, handle",
    )
    _need((org.uuid, ident) not in world.teams, f"team id {ident!r} is used twice")
    world.teams[(org.uuid, ident)] = Team(ident, name, handle, org.uuid)


def _members(world: World, org: Org, refs: Any, table: str, what: str) -> tuple[str, ...]:
    """Role or team ids of a user, named by id, name or (teams) handle, in the user's org."""
    _need(isinstance(refs, list), f"{what}: {table} must be a list")
    records = world.roles if table == "roles" else world.teams
    ids = []
    for ref in refs:
        found = [
            r
            for r in records.values()
            if r.org_uuid == org.uuid and ref in (r.id, r.name, getattr(r, "handle", None))
        ]
        _need(len(found) == 1, f"{what}: no single {table[:-1]} {ref!r} in org {org.name!r}")
        ids.append(found[0].id)
    return tuple(ids)


def _add_user(world: World, org: Org, spec: Any) -> None:
    _need(isinstance(spec, dict), f"org {org.name!r}: a user is an object")
    handle, ident = spec.get("handle"), spec.get("id")
    _need(isinstance(handle, str) and isinstance(ident, str), f"org {org.name!r}: user needs id")
    _need(world.user_by_handle_or_id(handle) is None, f"user handle {handle!r} is used twice")
    _need(ident not in world.users, f"user id {ident!r} is used twice")
    world.users[ident] = User(
        id=ident,
        name=spec.get("name"),
        handle=handle,
        org_uuid=org.uuid,
        active=bool(spec.get("active", True)),
        keys_revoked=bool(spec.get("keys_revoked", False)),
        roles=_members(world, org, spec.get("roles") or [], "roles", f"user {handle!r}"),
        teams=_members(world, org, spec.get("teams") or [], "teams", f"user {handle!r}"),
        email=spec.get("email"),
        service_account=_flag(spec, "service_account", f"user {handle!r}"),
        title=spec.get("title"),
        verified=bool(spec.get("verified", True)),
        created_at=str(spec.get("created_at") or "2025-01-01T00:00:00.000000+00:00"),
        modified_at=spec.get("modified_at"),
    )


def _flag(spec: dict[str, Any], key: str, what: str) -> bool:
    """An optional true/false field (default false), refused when it is anything else."""
    value = spec.get(key, False)
    _need(isinstance(value, bool), f"{what}: {key} must be true or false, not {value!r}")
    return value


def _user_of(world: World, org: Org, handle_or_id: Any, what: str) -> User:
    user = world.user_by_handle_or_id(str(handle_or_id))
    _need(user is not None and user.org_uuid == org.uuid, f"{what}: no user {handle_or_id!r}")
    assert user is not None
    return user


def _add_key_pair(world: World, org: Org, spec: Any) -> None:
    _need(isinstance(spec, dict) and isinstance(spec.get("name"), str), "key pair needs a name")
    name = spec["name"]
    _need(name not in world.key_pairs, f"key pair name {name!r} is used twice")
    api_key, app_key = spec.get("api_key"), spec.get("app_key")
    _need(isinstance(api_key, str) and bool(api_key), f"key pair {name!r} needs an api_key")
    _need(isinstance(app_key, str) and bool(app_key), f"key pair {name!r} needs an app_key")
    owner = world.org_of_api_key(api_key)
    _need(owner is None or owner.uuid == org.uuid, f"key pair {name!r}: api_key of another org")
    _need(
        all(p.app_key != app_key for p in world.key_pairs.values()),
        f"key pair {name!r}: app_key is used twice",
    )
    permissions = frozenset(spec.get("permissions") or ())
    unknown = sorted(permissions - PERMISSIONS)
    _need(not unknown, f"key pair {name!r}: unknown permissions {unknown}")
    user = _user_of(world, org, spec.get("user"), f"key pair {name!r}")
    world.key_pairs[name] = KeyPair(
        name, api_key, app_key, org.uuid, org.name, user.id, permissions
    )


def _org_ref(world: World, ref: Any, what: str) -> Org:
    org = world.orgs.get(str(ref)) or world.org_named(str(ref))
    _need(org is not None, f"{what}: unknown org {ref!r}")
    assert org is not None
    return org


def _first_user(world: World, org: Org, what: str) -> User:
    user = next((u for u in world.users.values() if u.org_uuid == org.uuid), None)
    _need(user is not None, f"{what}: org {org.name!r} has no user")
    assert user is not None
    return user


def _add_connection(world: World, spec: Any) -> None:
    _need(isinstance(spec, dict), "a connection is an object")
    source = _org_ref(world, spec.get("source"), "connection source")
    sink = _org_ref(world, spec.get("sink"), "connection sink")
    what = f"connection {source.name} -> {sink.name}"
    _need(source.account == sink.account and source.uuid != sink.uuid, f"{what}: not allowed")
    types = spec.get("connection_types")
    _need(
        isinstance(types, list) and bool(types) and set(types) <= set(CONNECTION_TYPES),
        f"{what}: connection_types must be a non-empty list of {list(CONNECTION_TYPES)}",
    )
    _need(
        all(
            (c.source_uuid, c.sink_uuid) != (source.uuid, sink.uuid)
            for c in world.connections.values()
        ),
        f"{what}: exists twice",
    )
    ident = spec.get("id") or world.new_uuid()
    _need(_is_uuid(ident) and ident not in world.connections, f"{what}: bad or duplicate id")
    creator = spec.get("created_by")
    user = (
        _user_of(world, source, creator, what)
        if creator is not None
        else _first_user(world, source, what)
    )
    world.connections[ident] = Connection(
        id=ident,
        source_uuid=source.uuid,
        sink_uuid=sink.uuid,
        connection_types=tuple(types),
        created_at=str(spec.get("created_at") or world.now()),
        created_by=user.id,
    )


def _add_dashboard(world: World, spec: Any) -> None:
    _need(isinstance(spec, dict), "a dashboard is an object")
    org = _org_ref(world, spec.get("org"), "dashboard")
    entry = {k: v for k, v in spec.items() if k != "org"}
    what = f"dashboard {entry.get('title')!r} of {org.name!r}"
    _need(entry.get("id") not in world.dashboards, f"{what}: id is used twice")
    author = (
        _user_of(world, org, entry["author_handle"], what)
        if entry.get("author_handle")
        else _first_user(world, org, what)
    )
    try:
        dashboard = rules_dashboards.import_dashboard(world, org, author, entry)
    except ApiError as error:
        raise SeedError(f"{what}: {error.message}") from error
    world.dashboards[dashboard.id] = dashboard


def _add_notebook(world: World, spec: Any) -> None:
    """A notebook as its attributes, flat, with `org`, optional `id` and `author_handle`."""
    _need(isinstance(spec, dict), "a notebook is an object")
    org = _org_ref(world, spec.get("org"), "notebook")
    entry = {k: v for k, v in spec.items() if k not in ("org", "author_handle")}
    what = f"notebook {entry.get('name')!r} of {org.name!r}"
    _need(entry.get("id") not in world.notebooks, f"{what}: id is used twice")
    author = (
        _user_of(world, org, spec["author_handle"], what)
        if spec.get("author_handle")
        else _first_user(world, org, what)
    )
    try:
        notebook = rules_notebooks.import_notebook(world, org, author, entry)
    except ApiError as error:
        raise SeedError(f"{what}: {error.message}") from error
    world.notebooks[notebook.id] = notebook


def _add_policy(world: World, spec: Any) -> None:
    """A restriction policy as an org's key pair would POST it (same checks, no lockout check)."""
    _need(isinstance(spec, dict), "a restriction policy is an object")
    org = _org_ref(world, spec.get("org"), "restriction policy")
    resource_id = spec.get("resource_id")
    _need(isinstance(resource_id, str), f"restriction policy of {org.name!r} needs resource_id")
    pair = next((p for p in world.key_pairs.values() if p.org_uuid == org.uuid), None)
    _need(pair is not None, f"restriction policy on {resource_id}: org {org.name!r} has no keys")
    assert pair is not None
    admin = KeyPair("seed", "", "", org.uuid, org.name, pair.user_id, PERMISSIONS)
    body = {
        "data": {
            "type": "restriction_policy",
            "id": resource_id,
            "attributes": {"bindings": spec.get("bindings")},
        }
    }
    try:
        rules_policies.replace_policy(
            world, admin, resource_id, body, {"allow_self_lockout": "true"}
        )
    except ApiError as error:
        raise SeedError(f"restriction policy on {resource_id}: {error.message}") from error


def _add_series(world: World, spec: Any) -> None:
    _need(isinstance(spec, dict), "a series is an object")
    org = _org_ref(world, spec.get("org"), "series")
    source, name = spec.get("data_source", "metrics"), spec.get("name")
    what = f"series {name!r} of {org.name!r}"
    _need(
        source in rules_queries.DATA_SOURCES and isinstance(name, str) and bool(name),
        f"{what}: data_source must be one of {', '.join(rules_queries.DATA_SOURCES)} and name "
        "a non-empty string (the metric, or the event search)",
    )
    points = spec.get("points")
    _need(
        isinstance(points, list)
        and all(
            isinstance(p, list)
            and len(p) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in p)
            for p in points
        ),
        f"{what}: points must be [[epoch ms, value], ...]",
    )
    pairs = tuple(sorted((int(t), v) for t, v in points))
    world.series[(org.uuid, source, name)] = Series(org.uuid, source, name, pairs)


# -- dumping and saving --------------------------------------------------------------------
def dump_world(world: World) -> dict[str, Any]:
    """The world as a state document (a seed with everything explicit)."""
    accounts: dict[str, list[dict[str, Any]]] = {}
    for org in world.orgs.values():
        accounts.setdefault(org.account, []).append(_dump_org(world, org))
    return {
        "description": world.description,
        "accounts": [{"name": name, "orgs": orgs} for name, orgs in accounts.items()],
        "connections": [
            {
                "id": c.id,
                "source": world.org(c.source_uuid).name,
                "sink": world.org(c.sink_uuid).name,
                "connection_types": list(c.connection_types),
                "created_by": world.users[c.created_by].handle,
                "created_at": c.created_at,
            }
            for c in world.connections.values()
        ],
        "dashboards": [
            {"org": world.org(d.org_uuid).name, **copy.deepcopy(d.document)}
            for d in world.dashboards.values()
        ],
        "notebooks": [
            {
                "org": world.org(n.org_uuid).name,
                "id": n.id,
                "author_handle": world.users[n.author_id].handle,
                **copy.deepcopy(n.attributes),
            }
            for n in world.notebooks.values()
        ],
        "last_notebook_id": world.last_notebook_id,
        "restriction_policies": [
            {
                "org": world.org(p.org_uuid).name,
                "resource_id": p.resource_id,
                "bindings": [
                    {"relation": b.relation, "principals": list(b.principals)} for b in p.bindings
                ],
            }
            for p in world.policies.values()
        ],
        "series": [
            {
                "org": world.org(s.org_uuid).name,
                "data_source": s.data_source,
                "name": s.name,
                "points": [list(p) for p in s.points],
            }
            for s in world.series.values()
        ],
        "rate_limits": copy.deepcopy(world.rate_limits),
    }


def _dump_org(world: World, org: Org) -> dict[str, Any]:
    users = [u for u in world.users.values() if u.org_uuid == org.uuid]
    return {
        "name": org.name,
        "uuid": org.uuid,
        "site": org.site,
        "plan": org.plan,
        "created": org.created,
        "public_id": org.public_id,
        "description": org.description,
        "billing": {"type": org.billing_type},
        "settings": copy.deepcopy(org.settings),
        "sharing": org.sharing,
        "url": org.url,
        "disabled": org.disabled,
        "created_at": org.created_at,
        "modified_at": org.modified_at,
        "hipaa": org.hipaa,
        "roles": [
            {"id": r.id, "name": r.name} for r in world.roles.values() if r.org_uuid == org.uuid
        ],
        "teams": [
            {"id": t.id, "name": t.name, "handle": t.handle}
            for t in world.teams.values()
            if t.org_uuid == org.uuid
        ],
        "users": [
            {
                "id": u.id,
                "name": u.name,
                "handle": u.handle,
                "active": u.active,
                "keys_revoked": u.keys_revoked,
                "roles": list(u.roles),
                "teams": list(u.teams),
                "email": u.email,
                "service_account": u.service_account,
                "title": u.title,
                "verified": u.verified,
                "created_at": u.created_at,
                "modified_at": u.modified_at,
            }
            for u in users
        ],
        "key_pairs": [
            {
                "name": p.name,
                "user": world.users[p.user_id].handle,
                "api_key": p.api_key,
                "app_key": p.app_key,
                "permissions": sorted(p.permissions),
            }
            for p in world.key_pairs.values()
            if p.org_uuid == org.uuid
        ],
    }


def load_state(path: Path) -> dict[str, Any]:
    """A saved state document (validated when the world is built from it)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SeedError(f"cannot read state file {path}: {error}") from error
    if not isinstance(document, dict):
        raise SeedError(f"state file {path} does not hold a JSON object")
    return document


def save_state(path: Path, document: dict[str, Any]) -> None:
    """Write atomically: a temp file beside the target, then os.replace (no torn state)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
