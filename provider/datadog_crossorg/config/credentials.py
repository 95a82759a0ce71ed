"""Which Datadog key pair a call uses: stack config first, then the environment.

The default pair comes from the same stack config keys the Datadog Pulumi provider reads
(`datadog:apiKey`, `datadog:appKey`, `datadog:apiUrl`), so a stack configures Datadog once. Stacks
that span several source orgs name one pair per org in the secret structured value
`datadog-crossorg:orgs`::

    pulumi config set --secret --path 'datadog-crossorg:orgs.payments.apiKey' <key>
    pulumi config set --secret --path 'datadog-crossorg:orgs.payments.appKey' <key>
    pulumi config set --path 'datadog-crossorg:orgs.payments.apiUrl' https://api.datadoghq.eu

A named pair without an `apiUrl` goes where the default pair goes (`datadog:apiUrl`, else
DATADOG_HOST or DD_SITE, else US1): both ends of a connection are on one site.

Keys live only in a `KeyRing` built at run time inside the provider process: they never enter the
pickled provider, resource inputs, outputs, logs or error messages (`Credentials.__repr__` hides
them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from datadog_crossorg.config import keys

DEFAULT_SITE = "datadoghq.com"

_API_KEY_ENV = ("DATADOG_API_KEY", "DD_API_KEY")
_APP_KEY_ENV = ("DATADOG_APP_KEY", "DD_APP_KEY")
_SITE_ENV = ("DATADOG_HOST", "DD_SITE")


class CredentialsError(Exception):
    """A key pair is missing or malformed; the message says which and how to fix it (no key)."""


@dataclass(frozen=True)
class Credentials:
    """One org's key pair and where its API lives (a site name or a base URL)."""

    api_key: str = field(repr=False)
    app_key: str = field(repr=False)
    site: str = DEFAULT_SITE
    name: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(name={self.name!r}, site={self.site!r}, keys=<hidden>)"


@dataclass(frozen=True)
class _PartialPair:
    api_key: str | None
    app_key: str | None
    site: str | None


class KeyRing:
    """The key pairs a provider process may use: the default pair and the named ones."""

    def __init__(self, default: _PartialPair, named: Mapping[str, _PartialPair]) -> None:
        self._default = default
        self._named = dict(named)

    @classmethod
    def from_config(
        cls, get: Callable[[str], Any], env: Mapping[str, str] | None = None
    ) -> KeyRing:
        """Build from a stack-config lookup (`get("datadog:apiKey")`: the dynamic provider's
        `Config.get`, or a dict's `get` for the CLI and tests), falling back to the environment.
        Structured values may arrive as JSON strings."""
        return cls.from_values(
            api_key=get(keys.API_KEY),
            app_key=get(keys.APP_KEY),
            api_url=get(keys.API_URL),
            orgs=get(keys.ORGS),
            env=env,
        )

    @classmethod
    def from_values(
        cls,
        *,
        api_key: Any = None,
        app_key: Any = None,
        api_url: Any = None,
        orgs: Any = None,
        env: Mapping[str, str] | None = None,
    ) -> KeyRing:
        """The default pair's values (each falling back to the environment) and the named pairs
        (`datadog-crossorg:orgs`' value), wherever the host read them."""
        env = os.environ if env is None else env
        default = _PartialPair(
            api_key=_text(api_key) or _first_env(env, _API_KEY_ENV),
            app_key=_text(app_key) or _first_env(env, _APP_KEY_ENV),
            site=_text(api_url) or _first_env(env, _SITE_ENV),
        )
        return cls(default, _parse_orgs(orgs))

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> KeyRing:
        return cls.from_values(env=env)

    @property
    def names(self) -> frozenset[str]:
        """Names of the key pairs configured under `datadog-crossorg:orgs`."""
        return frozenset(self._named)

    def resolve(self, org: str | None, *, default_fix: str | None = None) -> Credentials:
        """The key pair for `org` (a name from `datadog-crossorg:orgs`), or the default pair.

        `default_fix` replaces the advice given when the default pair has no keys: a host whose
        default keys come from elsewhere (the native plugin's provider config) says where.
        """
        if org is None:
            pair, where = self._default, "the default key pair"
            fix = default_fix or (
                "set `pulumi config set --secret datadog:apiKey ...` and "
                "`pulumi config set --secret datadog:appKey ...`, or DATADOG_API_KEY and "
                "DATADOG_APP_KEY in the environment"
            )
        elif org in self._named:
            pair, where = self._named[org], f"key pair {org!r}"
            fix = (
                f"set `pulumi config set --secret --path '{keys.ORGS}.{org}.apiKey' ...` "
                f"and `... '{keys.ORGS}.{org}.appKey' ...`"
            )
        else:
            raise CredentialsError(unknown_org_message(org, self.names))
        missing = [n for n, v in (("apiKey", pair.api_key), ("appKey", pair.app_key)) if not v]
        if missing:
            raise CredentialsError(f"{where} has no {' or '.join(missing)}: {fix}")
        assert pair.api_key and pair.app_key
        # Both ends of a connection are on one site: a named pair without its own apiUrl uses
        # the default pair's (the stack's `datadog:apiUrl`, else the environment's), then US1.
        site = pair.site or self._default.site or DEFAULT_SITE
        return Credentials(pair.api_key, pair.app_key, site, org)


def unknown_org_message(org: str, known: frozenset[str]) -> str:
    """Why `org` cannot be used, and how to configure it."""
    listed = ", ".join(sorted(known)) if known else "none are configured"
    return (
        f"org {org!r} names no key pair in stack config {keys.ORGS} ({listed}); add it "
        f"with `pulumi config set --secret --path '{keys.ORGS}.{org}.apiKey' ...` and "
        f"`... '{keys.ORGS}.{org}.appKey' ...`, or leave org unset to use datadog:apiKey"
    )


def _parse_orgs(raw: Any) -> dict[str, _PartialPair]:
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise CredentialsError(
                f"stack config {keys.ORGS} is not valid JSON; set it with "
                f"`pulumi config set --secret --path '{keys.ORGS}.<name>.apiKey' ...`"
            ) from None
    if not isinstance(raw, Mapping):
        raise CredentialsError(
            f"stack config {keys.ORGS} must map key-pair names to "
            "{apiKey, appKey, apiUrl}; got a " + type(raw).__name__
        )
    named: dict[str, _PartialPair] = {}
    for name, entry in raw.items():
        if not isinstance(entry, Mapping):
            raise CredentialsError(
                f"stack config {keys.ORGS}.{name} must be an object with apiKey, appKey "
                "and optionally apiUrl"
            )
        named[str(name)] = _PartialPair(
            api_key=_text(entry.get("apiKey")),
            app_key=_text(entry.get("appKey")),
            site=_text(entry.get("apiUrl") or entry.get("site")),
        )
    return named


def _first_env(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if env.get(name):
            return env[name]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
