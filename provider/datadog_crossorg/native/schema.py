"""The plugin's Pulumi package schema, generated from the declarations below.

Each declaration is a class whose annotated attributes are the properties and whose attribute
docstrings are their descriptions, so the schema (and every SDK generated from it) says what the
code says. Property names are the core's snake_case names (`connections.INPUT_NAMES`,
`OUTPUT_NAMES`) in Pulumi's camelCase on the wire: SDKs give `sink_org_id` back to Python users
and `sinkOrgId` to TypeScript, Go and YAML users.

`schema.json` beside this module is `render()`'s output, committed; a test keeps them equal.
Regenerate it with `crossorg plugin schema -o provider/datadog_crossorg/native/schema.json`.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
import types
import typing
from pathlib import Path
from typing import Annotated, Any

from datadog_crossorg.connections import REPLACE_ON
from datadog_crossorg.tokens import NATIVE_ORG_CONNECTION, PACKAGE

RESOURCE_TYPE = NATIVE_ORG_CONNECTION
PROVIDER_TYPE = f"pulumi:providers:{PACKAGE}"
SCHEMA_PATH = Path(__file__).with_name("schema.json")

SECRET = "secret"  # marks a property as secret: Annotated[str | None, SECRET]


class Provider:
    """One Datadog key pair: the org it belongs to is the SOURCE of every connection made through
    this provider. Several source orgs are several provider instances, each with its own keys.

    Keys not set here are read from the environment of the `pulumi` process at run time, so they
    never enter the state; no key enters resource inputs, outputs, logs or error messages.
    """

    api_key: Annotated[str | None, SECRET]
    """Datadog API key of the source org. Default: `DATADOG_API_KEY`, then `DD_API_KEY`."""

    app_key: Annotated[str | None, SECRET]
    """Datadog application key of the source org, with `org_connections_write` (and
    `org_connections_read` for refresh and import). Default: `DATADOG_APP_KEY`, then
    `DD_APP_KEY`."""

    api_url: str | None
    """Datadog site (`datadoghq.eu`) or API URL (`https://api.datadoghq.eu`). Default:
    `DATADOG_HOST`, then `DD_SITE`, else `datadoghq.com`."""

    listing_cache_seconds: float | None
    """How long one listing of the org's connections may answer reads, so refreshing many
    connections costs one API call; 0 turns sharing off. Default 5."""


class OrgConnection:
    """A Datadog org connection: the source org (the provider's key pair) shares
    `connectionTypes` with the sink org.

    Preview needs no keys and makes no API call. Types change in place; a new sink replaces the
    connection, creating the new one before deleting the old so sharing never stops. Refresh
    finds connections deleted or changed out of band. `pulumi import` takes the connection id.
    """

    sink_org_id: str
    """UUID of the org that receives the data (the sink), in the same Datadog account and site
    as the source org. Changing it replaces the connection."""

    connection_types: list[str]
    """What the source org shares: any of `audit`, `logs`, `metrics`, each once (order does not
    matter). Changed in place."""

    adopt: bool | None
    """Take over a connection from this org to the sink that already exists in Datadog (its
    types are then set to `connectionTypes`). Without it such a connection fails the create,
    saying how to take it over. Default false."""


class OrgConnectionOutputs(OrgConnection):
    """What Datadog reports for the connection, beside the inputs."""

    connection_id: str
    """The connection's id in Datadog (also the resource id)."""

    source_org_id: str
    """UUID of the org that shares its data (the provider's org)."""

    source_org_name: str | None
    """Name of the source org."""

    sink_org_name: str | None
    """Name of the sink org."""

    created_at: str
    """When the connection was created (RFC 3339)."""

    created_by: str | None
    """UUID of the user who created the connection."""

    created_by_name: str | None
    """Name of the user who created the connection."""

    sink_org_id: str
    connection_types: list[str]
    """The shared types, sorted."""

    adopt: bool


def wire_name(name: str) -> str:
    """`sink_org_id` -> `sinkOrgId`: the name a property has in the schema and on the wire."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def properties(declaration: type) -> dict[str, tuple[Any, str, bool]]:
    """snake name -> (annotation, description, secret), base classes first."""
    found: dict[str, tuple[Any, str, bool]] = {}
    for cls in reversed(declaration.__mro__[:-1]):
        hints = typing.get_type_hints(cls, include_extras=True)
        docs = _attribute_docs(cls)
        for name in cls.__annotations__:
            hint = hints[name]
            secret = typing.get_origin(hint) is Annotated and SECRET in hint.__metadata__
            if typing.get_origin(hint) is Annotated:
                hint = hint.__origin__
            description = docs.get(name) or (found[name][1] if name in found else "")
            found[name] = (hint, description, secret)
    return found


def build() -> dict[str, Any]:
    """The package schema as a dict (see Pulumi's package metaschema)."""
    from datadog_crossorg import native

    config = _property_specs(Provider)
    resource = _property_specs(OrgConnection)
    outputs = _property_specs(OrgConnectionOutputs)
    for name in REPLACE_ON:
        if wire_name(name) in resource:
            resource[wire_name(name)]["willReplaceOnChanges"] = True
    return {
        "name": PACKAGE,
        "displayName": "Datadog cross-org",
        "description": _doc(native).split("\n\n")[0],
        "keywords": ["pulumi", "datadog", "category/monitoring", "kind/native"],
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {
            "description": _doc(Provider),
            "inputProperties": config,
            # A provider's outputs are its string inputs (what SDKs expose on provider objects).
            "properties": {k: v for k, v in config.items() if v["type"] == "string"},
        },
        "resources": {
            RESOURCE_TYPE: {
                "description": _doc(OrgConnection),
                "inputProperties": resource,
                "requiredInputs": _required(OrgConnection),
                "properties": outputs,
                "required": _required(OrgConnectionOutputs),
            }
        },
    }


def render() -> str:
    """`build()` as the text committed in schema.json (stable: same code, same bytes)."""
    return json.dumps(build(), indent=2) + "\n"


def load() -> str:
    """The committed schema.json (what GetSchema serves)."""
    return SCHEMA_PATH.read_text(encoding="utf-8")


def _property_specs(declaration: type) -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {}
    for name, (hint, description, secret) in properties(declaration).items():
        spec = {**_type_spec(hint), "description": description}
        if secret:
            spec["secret"] = True
        specs[wire_name(name)] = spec
    return specs


def _type_spec(hint: Any) -> dict[str, Any]:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) and len(args) == 1:
        return _type_spec(args[0])
    if typing.get_origin(hint) is list:
        return {"type": "array", "items": _type_spec(args[0])}
    primitive = {str: "string", bool: "boolean", float: "number", int: "integer"}.get(hint)
    if primitive is None:
        raise TypeError(f"no schema type for {hint!r}")
    return {"type": primitive}


def _required(declaration: type) -> list[str]:
    return sorted(
        wire_name(name)
        for name, (hint, _doc_text, _secret) in properties(declaration).items()
        if type(None) not in typing.get_args(hint)
    )


def _attribute_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings: the string literal right after an annotated attribute."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(body, ast.ClassDef)
    docs: dict[str, str] = {}
    for node, after in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = _flow(after.value.value)
    return docs


def _doc(obj: Any) -> str:
    return _flow(inspect.getdoc(obj) or "")


def _flow(text: str) -> str:
    """Docstring text as Markdown: paragraphs kept, line breaks inside them joined."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)
