"""Read the stack program's declarative config into declarations, with clear errors.

`read_stack_program` reads every key of it once (`keys.ORG_UUIDS`, `CONNECTIONS`, `ACCESS`,
`DASHBOARDS`, `NOTEBOOKS`, `ORG_FACTS`), from the program's `pulumi.Config`, a stack file or
`pulumi config --json`. Kept out
of `stacks/__main__.py` so the rules are importable and tested; deep validation of each field
(UUID format, types) stays in `rules.connections.check_inputs`, which runs at preview as Check.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datadog_crossorg.config import keys
from datadog_crossorg.config.org_facts import OrgFacts, OrgFactsError, org_facts_from

_KEYS = {"name", "org", "sink", "sink_org_id", "types", "connection_types", "adopt"}


class StackConfigError(ValueError):
    """The stack config is malformed; the message names the entry, the field and the fix."""


@dataclass(frozen=True)
class ConnectionDecl:
    """One connection the stack declares."""

    name: str
    sink_org_id: str
    connection_types: tuple[str, ...]
    org: str | None = None
    adopt: bool = False


def config_entries(
    key: str, entries: Any, allowed: set[str], shape: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Walk a config list of objects: (`key[i]`, entry), refusing non-lists, non-objects and
    unknown fields with a message naming them. `shape` describes an entry, e.g. "{name, sink}"."""
    if entries is None:
        return
    if not isinstance(entries, list):
        raise StackConfigError(f"{key} must be a list of {shape}; got {type(entries).__name__}")
    for index, entry in enumerate(entries):
        where = f"{key}[{index}]"
        if not isinstance(entry, Mapping):
            raise StackConfigError(f"{where} must be an object {shape}")
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise StackConfigError(
                f"{where} has unknown field(s) {', '.join(unknown)}; use "
                + ", ".join(sorted(allowed))
            )
        yield where, entry


def unique_name(where: str, entry: Mapping[str, Any], seen: set[str], what: str) -> str:
    """The entry's `name`, required and unique among `seen` (which it joins)."""
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise StackConfigError(f"{where}.name is missing: give each {what} a unique name")
    if name in seen:
        raise StackConfigError(f"{where}.name {name!r} is used twice; names must be unique")
    seen.add(name)
    return name


def connection_specs(
    entries: Any, org_uuids: Mapping[str, str] | None = None
) -> list[ConnectionDecl]:
    """`datadog-crossorg:connections` as declarations; `sink` may name an `orgUuids` entry."""
    org_uuids = dict(org_uuids or {})
    seen: set[str] = set()
    decls = []
    walk = config_entries(keys.CONNECTIONS, entries, _KEYS, "{name, org, sink, types}")
    for where, entry in walk:
        name = unique_name(where, entry, seen, "connection")
        sink = entry.get("sink", entry.get("sink_org_id"))
        if not isinstance(sink, str) or not sink:
            raise StackConfigError(
                f"{where} ({name}) has no sink: set sink to the sink org's UUID or to a name "
                f"from {keys.ORG_UUIDS}"
            )
        types = entry.get("types", entry.get("connection_types"))
        if isinstance(types, str):
            types = [types]
        if not isinstance(types, list):
            raise StackConfigError(
                f"{where} ({name}).types {types!r} must be a list such as [metrics, logs]"
            )
        adopt = entry.get("adopt", False)
        if not isinstance(adopt, bool):
            raise StackConfigError(f"{where} ({name}).adopt {adopt!r} must be true or false")
        decls.append(
            ConnectionDecl(
                name=name,
                sink_org_id=org_uuids.get(sink, sink),
                connection_types=tuple(str(t) for t in types),
                org=entry.get("org") or None,
                adopt=adopt,
            )
        )
    return decls


_ACCESS_KEYS = {"connection", "org", "editors", "viewers", "deployer", "allow_self_lockout"}


@dataclass(frozen=True)
class AccessDecl:
    """One org's restriction policy on one of the stack's connections."""

    connection: str
    org: str | None
    editors: tuple[str, ...]
    viewers: tuple[str, ...]
    deployer: tuple[str, ...]
    allow_self_lockout: bool = False

    @property
    def resource_name(self) -> str:
        return f"{self.connection}-access-{self.org or 'default'}"


def access_specs(entries: Any, connection_names: set[str]) -> list[AccessDecl]:
    """Turn `datadog-crossorg:access` into declarations; each names a connection of the stack.

    Principal formats and the self-lockout rule are checked by ConnectionAccess at preview.
    """
    decls: list[AccessDecl] = []
    walk = config_entries(
        keys.ACCESS, entries, _ACCESS_KEYS, "{connection, org, editors, deployer}"
    )
    for where, entry in walk:
        connection = entry.get("connection")
        if connection not in connection_names:
            known = ", ".join(sorted(connection_names)) or "none declared"
            raise StackConfigError(
                f"{where}.connection {connection!r} is not a connection of this stack ({known}); "
                f"name one from {keys.CONNECTIONS}"
            )
        lists = {}
        for field in ("editors", "viewers", "deployer"):
            value = entry.get(field) or []
            if isinstance(value, str) or not isinstance(value, list):
                raise StackConfigError(
                    f"{where}.{field} {value!r} must be a list of principals such as "
                    "[role:<uuid>, team:<uuid>]"
                )
            lists[field] = tuple(str(v) for v in value)
        allow = entry.get("allow_self_lockout", False)
        if not isinstance(allow, bool):
            raise StackConfigError(f"{where}.allow_self_lockout {allow!r} must be true or false")
        decl = AccessDecl(connection, entry.get("org") or None, **lists, allow_self_lockout=allow)
        if decl.resource_name in {d.resource_name for d in decls}:
            raise StackConfigError(
                f"{where} is a second policy of {decl.org or 'the default key pair'}'s org on "
                f"{connection}; an org has one policy per connection: merge the entries"
            )
        decls.append(decl)
    return decls


@dataclass(frozen=True)
class StackProgram:
    """The stack program's config, read once: connections and access policies declared, the
    dashboards' and notebooks' raw entries (`dashboards.config` reads them against the program's
    folder)."""

    org_uuids: Mapping[str, str]
    connections: list[ConnectionDecl]
    access: list[AccessDecl]
    dashboards: Any
    notebooks: Any
    org_facts: Mapping[str, OrgFacts] = dataclasses.field(default_factory=dict)  # ORG_FACTS


def read_stack_program(get: Callable[[str], Any]) -> StackProgram:
    """Every key of the stack program; `get(key)` gives a namespaced key's value, parsed or as
    the JSON text the engine hands over."""

    def structured(key: str) -> Any:
        value = get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise StackConfigError(f"{key} is not valid JSON") from None
        return value

    org_uuids = structured(keys.ORG_UUIDS) or {}
    if not isinstance(org_uuids, Mapping):
        raise StackConfigError(f"{keys.ORG_UUIDS} must map names to org UUIDs")
    connections = connection_specs(structured(keys.CONNECTIONS) or [], org_uuids)
    access = access_specs(structured(keys.ACCESS), {c.name for c in connections})
    try:
        facts = org_facts_from(structured(keys.ORG_FACTS), org_uuids)
    except OrgFactsError as error:
        raise StackConfigError(str(error)) from None
    return StackProgram(
        org_uuids,
        connections,
        access,
        structured(keys.DASHBOARDS),
        structured(keys.NOTEBOOKS),
        facts,
    )


def load_config_file(path: str | Path) -> dict[str, str]:
    """Stack config as the engine hands it over: namespaced keys, structured values as JSON text.

    Reads a stack file (`Pulumi.<stack>.yaml`, plain values only) or the output of
    `pulumi config --show-secrets --json` (how a pipeline gets decrypted secrets to our CLI).
    """
    import yaml

    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise StackConfigError(f"cannot read stack config {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise StackConfigError(f"{path} is not valid YAML or JSON{at}: {problem}") from None
    if not isinstance(data, Mapping):
        raise StackConfigError(f"{path}: expected a stack config mapping")
    values = data.get("config", data) if not str(path).endswith(".json") else data
    config: dict[str, str] = {}
    for key, value in (values or {}).items():
        if isinstance(value, Mapping) and ("value" in value or "objectValue" in value):
            value = value.get("objectValue", value.get("value"))  # `pulumi config --json` shape
        if isinstance(value, Mapping) and "secure" in value:
            raise StackConfigError(
                f"{path}: {key} is encrypted; pass the output of "
                "`pulumi config --show-secrets --json` instead of the stack file"
            )
        config[str(key)] = value if isinstance(value, str) else json.dumps(value)
    return config
