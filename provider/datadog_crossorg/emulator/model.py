"""The emulated world: records of accounts' orgs, roles, teams, users, key pairs, connections,
dashboards, notebooks, restriction policies and seeded metric series.

Records are frozen; the `World` holds them in dicts and is replaced record by record, never
mutated in place, so a snapshot is a cheap copy. The World has no lock: `state.Backend` owns it
and serializes every access.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from datadog_crossorg.emulator.errors import lacks_permission

SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "ddog-gov.com",
)
CONNECTION_TYPES = ("logs", "metrics", "audit")
PERMISSIONS = frozenset(
    {
        "org_connections_read",
        "org_connections_write",
        "dashboards_read",
        "dashboards_write",
        "notebooks_read",
        "notebooks_write",
        "org_management",
        # POST /api/v2/query/timeseries needs it (Datadog's API reference).
        "timeseries_query",
    }
)
ENTERPRISE = "enterprise"
# Product docs: an org that is not on an Enterprise plan can share with at most 5 other orgs.
NON_ENTERPRISE_PARTNER_LIMIT = 5


@dataclass(frozen=True)
class Org:
    uuid: str
    name: str
    account: str
    site: str
    plan: str
    created: str
    public_id: str
    description: str | None
    billing_type: str
    settings: dict[str, Any] = field(default_factory=dict, compare=False)
    # What a listing's `included` org entry carries (recorded by Terraform's provider).
    sharing: str = "all_private"
    url: str | None = None
    disabled: bool = False
    created_at: str | None = None  # None: derived from `created`
    modified_at: str | None = None
    # HIPAA-enabled: the product docs warn that its connections may share PHI with the sink;
    # Datadog does not refuse them (the docs say so), so neither does the emulator.
    hipaa: bool = False


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    org_uuid: str


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    handle: str
    org_uuid: str


@dataclass(frozen=True)
class User:
    id: str
    name: str | None
    handle: str
    org_uuid: str
    active: bool = True
    # Datadog revokes a disabled user's application keys; the emulator does so only when asked.
    keys_revoked: bool = False
    roles: tuple[str, ...] = ()  # role ids
    teams: tuple[str, ...] = ()  # team ids
    # What a listing's `included` user entry carries besides name and handle (recorded).
    email: str | None = None  # None: the handle (Datadog's handles are email addresses)
    service_account: bool = False
    title: str | None = None
    verified: bool = True
    created_at: str = "2025-01-01T00:00:00.000000+00:00"
    modified_at: str | None = None

    @property
    def status(self) -> str:
        """`Active` or `Disabled`, as Datadog's user entries say."""
        return "Active" if self.active else "Disabled"


@dataclass(frozen=True)
class KeyPair:
    """One API key + application key pair: the identity of every call ("this org", this user)."""

    name: str
    api_key: str
    app_key: str
    org_uuid: str
    org_name: str
    user_id: str
    permissions: frozenset[str]

    def __repr__(self) -> str:  # never show the keys themselves
        return f"KeyPair(name={self.name!r}, org_name={self.org_name!r})"


@dataclass(frozen=True)
class Connection:
    id: str
    source_uuid: str
    sink_uuid: str
    connection_types: tuple[str, ...]
    created_at: str
    created_by: str  # user id


@dataclass(frozen=True)
class Dashboard:
    """A stored dashboard: the full response document (key order as Datadog sends it)."""

    id: str
    org_uuid: str
    document: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class Notebook:
    """A stored notebook: its `attributes` as Datadog sends them, less `author`.

    The author is rendered from the user record at each read, so its `disabled` and `status`
    follow the user (a deactivated author reads as disabled).
    """

    id: int
    org_uuid: str
    author_id: str  # user id
    attributes: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class Binding:
    """One binding of a restriction policy: `relation` granted to `principals` (`kind:id`)."""

    relation: str
    principals: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """One org's restriction policy on one resource (`cross-org-connection:<id>`, ...).

    Each org keeps its own: the sink's policy on a connection governs who may view the shared
    data and edit the connection there, the source's who may edit it.
    """

    org_uuid: str
    resource_id: str
    bindings: tuple[Binding, ...]


@dataclass(frozen=True)
class Series:
    """Points a seed gives one org for one metric (or event search); others are synthesized."""

    org_uuid: str
    data_source: str
    name: str  # the metric name, or the event search query
    points: tuple[tuple[int, float], ...]  # (epoch ms, value), sorted by time


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class World:
    """Everything the emulated Datadog knows, plus the sources of time and randomness."""

    orgs: dict[str, Org] = field(default_factory=dict)  # by uuid, in seed order
    roles: dict[tuple[str, str], Role] = field(default_factory=dict)  # by (org uuid, id)
    teams: dict[tuple[str, str], Team] = field(default_factory=dict)  # by (org uuid, id)
    users: dict[str, User] = field(default_factory=dict)  # by id
    key_pairs: dict[str, KeyPair] = field(default_factory=dict)  # by name
    connections: dict[str, Connection] = field(default_factory=dict)  # by id, creation order
    dashboards: dict[str, Dashboard] = field(default_factory=dict)  # by id, creation order
    notebooks: dict[int, Notebook] = field(default_factory=dict)  # by id, creation order
    last_notebook_id: int = 0  # ids are never reused, even after a delete
    policies: dict[tuple[str, str], Policy] = field(default_factory=dict)  # (org, resource id)
    series: dict[tuple[str, str, str], Series] = field(default_factory=dict)  # (org, source, name)
    rate_limits: dict[str, dict[str, int]] = field(default_factory=dict)
    description: str | None = None
    clock: Callable[[], datetime] = utc_now
    rng: random.Random = field(default_factory=random.Random)
    _last_timestamp: datetime | None = None

    # -- lookups -------------------------------------------------------------------------
    def org(self, org_uuid: str) -> Org:
        return self.orgs[org_uuid]

    def org_named(self, name: str) -> Org | None:
        return next((org for org in self.orgs.values() if org.name == name), None)

    def user_by_handle_or_id(self, handle_or_id: str) -> User | None:
        if handle_or_id in self.users:
            return self.users[handle_or_id]
        return next((u for u in self.users.values() if u.handle == handle_or_id), None)

    def key_pair_for(self, api_key: str, app_key: str) -> KeyPair | None:
        """The key pair these headers name, unless its user's keys were revoked."""
        for pair in self.key_pairs.values():
            if pair.api_key == api_key and pair.app_key == app_key:
                return None if self.users[pair.user_id].keys_revoked else pair
        return None

    def org_of_api_key(self, api_key: str) -> Org | None:
        pair = next((p for p in self.key_pairs.values() if p.api_key == api_key), None)
        return None if pair is None else self.orgs[pair.org_uuid]

    # -- generated values ----------------------------------------------------------------
    def now(self) -> str:
        """`2025-08-26T20:19:36.177236+00:00`, strictly increasing so `modified_at` moves."""
        moment = self.clock().astimezone(UTC)
        if self._last_timestamp is not None and moment <= self._last_timestamp:
            moment = self._last_timestamp + timedelta(microseconds=1)
        self._last_timestamp = moment
        return moment.isoformat(timespec="microseconds")

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def require(key_pair: KeyPair, permission: str) -> None:
    """Raise the 403 Datadog gives when the application key lacks `permission`."""
    if permission not in key_pair.permissions:
        raise lacks_permission(permission)
