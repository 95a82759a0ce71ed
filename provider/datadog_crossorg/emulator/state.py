"""The Backend: the emulated Datadog's state and every rule, in plain Python (no HTTP).

One lock serializes every call, so the threaded server (and tests calling the Backend directly)
see each operation as atomic. Rules live in `rules_connections`, `rules_dashboards`,
`rules_notebooks`, `rules_policies` and `rules_queries` as plain functions over the World; the
Backend authenticates, locks, composes rules (a connection's restriction policy is checked
before it is updated or deleted, and goes away with it), and persists after each change.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from datadog_crossorg.emulator import (
    rules_connections,
    rules_dashboards,
    rules_notebooks,
    rules_policies,
    rules_queries,
)
from datadog_crossorg.emulator.errors import Forbidden
from datadog_crossorg.emulator.model import KeyPair, World, require, utc_now
from datadog_crossorg.emulator.ratelimit import RateLimit, parse_limits
from datadog_crossorg.emulator.seed import (
    SeedSource,
    build_world,
    dump_world,
    load_seed,
    load_state,
    save_state,
)

T = TypeVar("T")


class Backend:
    """Accounts, orgs, users, key pairs, connections, dashboards and notebooks, and the API's
    rules.

    With `state_file`, the world comes from that file when it exists (the seed is then only
    what `reset()` returns to) and is saved to it after every change.
    """

    def __init__(
        self,
        seed: SeedSource = None,
        state_file: str | Path | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._seed = load_seed(seed)
        self._clock = clock
        self._rng = rng or random.Random()
        self._state_file = Path(state_file) if state_file is not None else None
        document = self._seed
        if self._state_file is not None and self._state_file.exists():
            document = load_state(self._state_file)
        self._world = build_world(document, clock=clock, rng=self._rng)
        self._save()

    # -- identity --------------------------------------------------------------------------
    def authenticate(self, api_key: str | None, app_key: str | None) -> KeyPair:
        """The key pair these headers name, else Datadog's 403 `Forbidden`."""
        with self._lock:
            pair = self._world.key_pair_for(api_key or "", app_key or "")
        if pair is None:
            raise Forbidden()
        return pair

    def identify(self, api_key: str | None, app_key: str | None) -> tuple[str | None, str | None]:
        """(key pair name, org uuid) for logs and fault matching; never raises."""
        with self._lock:
            pair = self._world.key_pair_for(api_key or "", app_key or "")
            if pair is not None:
                return pair.name, pair.org_uuid
            org = self._world.org_of_api_key(api_key or "")
            return None, None if org is None else org.uuid

    def validate(self, api_key: str | None) -> dict[str, Any]:
        """GET /api/v1/validate: needs only a valid API key."""
        with self._lock:
            if self._world.org_of_api_key(api_key or "") is None:
                raise Forbidden()
        return {"valid": True}

    @property
    def key_pairs(self) -> dict[str, KeyPair]:
        with self._lock:
            return dict(self._world.key_pairs)

    def org_uuid(self, name: str) -> str:
        """By org name, or by key-pair name."""
        with self._lock:
            org = self._world.org_named(name)
            if org is not None:
                return org.uuid
            pair = self._world.key_pairs.get(name)
            if pair is not None:
                return pair.org_uuid
        raise KeyError(f"no org or key pair named {name!r}")

    @property
    def seed_rate_limits(self) -> dict[str, RateLimit]:
        with self._lock:
            return parse_limits(self._world.rate_limits)

    # -- orgs ------------------------------------------------------------------------------
    def list_orgs(self, key_pair: KeyPair) -> dict[str, Any]:
        """GET /api/v1/org: the orgs of the key's account."""
        require(key_pair, "org_management")
        with self._lock:
            account = self._world.org(key_pair.org_uuid).account
            orgs = [o for o in self._world.orgs.values() if o.account == account]
            return {
                "orgs": [
                    {
                        "public_id": o.public_id,
                        "name": o.name,
                        "description": o.description,
                        "created": o.created,
                        "billing": {"type": o.billing_type},
                        "subscription": {"type": o.plan},
                        "settings": dict(o.settings),
                    }
                    for o in orgs
                ]
            }

    # -- org connections -------------------------------------------------------------------
    def list_connections(self, key_pair: KeyPair, query: dict[str, str]) -> dict[str, Any]:
        return self._read(rules_connections.list_connections, key_pair, query)

    def create_connection(self, key_pair: KeyPair, body: Any) -> dict[str, Any]:
        return self._write(rules_connections.create_connection, key_pair, body)

    def update_connection(self, key_pair: KeyPair, connection_id: str, body: Any) -> dict[str, Any]:
        return self._write(_update_connection_as_editor, key_pair, connection_id, body)

    def delete_connection(self, key_pair: KeyPair, connection_id: str) -> dict[str, Any]:
        return self._write(_delete_connection_as_editor, key_pair, connection_id)

    def connections(self) -> list[dict[str, Any]]:
        """Every connection in API shape (with names), sorted by id: for test comparisons."""
        return self._read(rules_connections.sorted_for_tests)

    # -- dashboards ------------------------------------------------------------------------
    def list_dashboards(self, key_pair: KeyPair, query: dict[str, str]) -> dict[str, Any]:
        return self._read(rules_dashboards.list_dashboards, key_pair, query)

    def get_dashboard(self, key_pair: KeyPair, dashboard_id: str) -> dict[str, Any]:
        return self._read(rules_dashboards.get_dashboard, key_pair, dashboard_id)

    def create_dashboard(self, key_pair: KeyPair, body: Any) -> dict[str, Any]:
        return self._write(rules_dashboards.create_dashboard, key_pair, body)

    def update_dashboard(self, key_pair: KeyPair, dashboard_id: str, body: Any) -> dict[str, Any]:
        return self._write(rules_dashboards.update_dashboard, key_pair, dashboard_id, body)

    def delete_dashboard(self, key_pair: KeyPair, dashboard_id: str) -> dict[str, Any]:
        return self._write(_delete_dashboard_and_policies, key_pair, dashboard_id)

    # -- notebooks -------------------------------------------------------------------------
    def list_notebooks(self, key_pair: KeyPair, query: dict[str, str]) -> dict[str, Any]:
        return self._read(rules_notebooks.list_notebooks, key_pair, query)

    def get_notebook(self, key_pair: KeyPair, notebook_id: str) -> dict[str, Any]:
        return self._read(rules_notebooks.get_notebook, key_pair, notebook_id)

    def create_notebook(self, key_pair: KeyPair, body: Any) -> dict[str, Any]:
        return self._write(rules_notebooks.create_notebook, key_pair, body)

    def update_notebook(self, key_pair: KeyPair, notebook_id: str, body: Any) -> dict[str, Any]:
        return self._write(rules_notebooks.update_notebook, key_pair, notebook_id, body)

    def delete_notebook(self, key_pair: KeyPair, notebook_id: str) -> None:
        self._write(rules_notebooks.delete_notebook, key_pair, notebook_id)

    # -- restriction policies and queries ----------------------------------------------------
    def get_restriction_policy(self, key_pair: KeyPair, resource_id: str) -> dict[str, Any]:
        return self._read(rules_policies.get_policy, key_pair, resource_id)

    def replace_restriction_policy(
        self, key_pair: KeyPair, resource_id: str, body: Any, query: dict[str, str]
    ) -> dict[str, Any]:
        return self._write(rules_policies.replace_policy, key_pair, resource_id, body, query)

    def delete_restriction_policy(self, key_pair: KeyPair, resource_id: str) -> None:
        self._write(rules_policies.delete_policy, key_pair, resource_id)

    def query_timeseries(self, key_pair: KeyPair, body: Any) -> dict[str, Any]:
        return self._read(rules_queries.query_timeseries, key_pair, body)

    # -- users -----------------------------------------------------------------------------
    def deactivate_user(self, handle_or_id: str, *, revoke_keys: bool = False) -> list[str]:
        """Deactivate a user: Datadog then deletes the connections that user created.

        Returns the ids of the deleted connections. Datadog also revokes a disabled user's
        application keys; the emulator does that only with `revoke_keys=True`, so a test can
        keep reading with the same key pair.
        """
        with self._lock:
            user = self._world.user_by_handle_or_id(handle_or_id)
            if user is None:
                raise KeyError(f"no user {handle_or_id!r}")
            self._world.users[user.id] = replace(
                user, active=False, keys_revoked=user.keys_revoked or revoke_keys
            )
            gone = rules_connections.delete_created_by(self._world, user.id)
            for connection_id in gone:
                rules_policies.forget(
                    self._world, rules_policies.connection_resource(connection_id)
                )
            self._save()
            return gone

    # -- whole state -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole world as a state document (the state file's content)."""
        with self._lock:
            return dump_world(self._world)

    def reset(self) -> None:
        """Back to the seed (and the state file too, when there is one)."""
        with self._lock:
            self._world = build_world(self._seed, clock=self._clock, rng=self._rng)
            self._save()

    # -- plumbing --------------------------------------------------------------------------
    def _read(self, rule: Callable[..., T], *args: Any) -> T:
        with self._lock:
            return rule(self._world, *args)

    def _write(self, rule: Callable[..., T], *args: Any) -> T:
        """Apply a rule; persist only when it succeeded (an ApiError changed nothing)."""
        with self._lock:
            result = rule(self._world, *args)
            self._save()
            return result

    def _save(self) -> None:
        if self._state_file is not None:
            save_state(self._state_file, dump_world(self._world))


# -- rules composed across APIs ------------------------------------------------------------------
def _update_connection_as_editor(
    world: World, key_pair: KeyPair, connection_id: str, body: Any
) -> dict[str, Any]:
    require(key_pair, rules_connections.WRITE)
    rules_policies.require_connection_editor(world, key_pair, connection_id)
    return rules_connections.update_connection(world, key_pair, connection_id, body)


def _delete_connection_as_editor(
    world: World, key_pair: KeyPair, connection_id: str
) -> dict[str, Any]:
    require(key_pair, rules_connections.WRITE)
    rules_policies.require_connection_editor(world, key_pair, connection_id)
    answer = rules_connections.delete_connection(world, key_pair, connection_id)
    rules_policies.forget(world, rules_policies.connection_resource(connection_id))
    return answer


def _delete_dashboard_and_policies(
    world: World, key_pair: KeyPair, dashboard_id: str
) -> dict[str, Any]:
    answer = rules_dashboards.delete_dashboard(world, key_pair, dashboard_id)
    rules_policies.forget(world, f"{rules_policies.DASHBOARD_KIND}:{dashboard_id}")
    return answer
