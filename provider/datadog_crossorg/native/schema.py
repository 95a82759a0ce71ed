"""The plugin's Pulumi package schema, derived from the resources' declarations (`resources/`).

Property names are the declarations' snake_case names in Pulumi's camelCase on the wire: SDKs give
`sink_org_id` back to Python users and `sinkOrgId` to TypeScript, Go and YAML users. Fields that
name a key pair (`org`) are the dynamic provider's alone: here one provider instance is one key
pair.

`schema.json` beside this module is `render()`'s output, committed; a test keeps them equal.
Regenerate it with `crossorg plugin schema -o provider/datadog_crossorg/native/schema.json`.
"""

from __future__ import annotations

import inspect
import json
import typing
from pathlib import Path
from typing import Any

from datadog_crossorg.resources.declaration import NATIVE, Field, ResourceDeclaration, wire_name
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.resources.provider_config import PROVIDER_CONFIG
from datadog_crossorg.resources.tokens import PACKAGE
from datadog_crossorg.rules.served import NATIVE as NATIVE_TABLES

RESOURCES = tuple(t.declaration for t in NATIVE_TABLES)  # what the plugin serves
RESOURCE_TYPE = ORG_CONNECTION.native_token
PROVIDER_TYPE = f"pulumi:providers:{PACKAGE}"
SCHEMA_PATH = Path(__file__).with_name("schema.json")

__all__ = ["PROVIDER_TYPE", "RESOURCES", "RESOURCE_TYPE", "build", "load", "render", "wire_name"]


def build() -> dict[str, Any]:
    """The package schema as a dict (see Pulumi's package metaschema)."""
    from datadog_crossorg import native

    config = {f.wire_name: _property(f) for f in PROVIDER_CONFIG.inputs(NATIVE)}
    return {
        "name": PACKAGE,
        "displayName": "Datadog cross-org",
        "description": _flow(inspect.getdoc(native) or "").split("\n\n")[0],
        "keywords": ["pulumi", "datadog", "category/monitoring", "kind/native"],
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {
            "description": _flow(PROVIDER_CONFIG.description),
            "inputProperties": config,
            # A provider's outputs are its string inputs (what SDKs expose on provider objects).
            "properties": {k: v for k, v in config.items() if v["type"] == "string"},
        },
        "resources": {decl.native_token: _resource(decl) for decl in RESOURCES},
    }


def render() -> str:
    """`build()` as the text committed in schema.json (stable: same code, same bytes)."""
    return json.dumps(build(), indent=2) + "\n"


def load() -> str:
    """The committed schema.json (what GetSchema serves)."""
    return SCHEMA_PATH.read_text(encoding="utf-8")


def _resource(decl: ResourceDeclaration) -> dict[str, Any]:
    inputs = decl.inputs(NATIVE)
    outputs = decl.outputs(NATIVE)
    input_specs = {f.wire_name: _property(f) for f in inputs}
    for f in inputs:
        if f.replaces:
            input_specs[f.wire_name]["willReplaceOnChanges"] = True
    return {
        "description": _flow(decl.description),
        "inputProperties": input_specs,
        "requiredInputs": sorted(f.wire_name for f in inputs if f.required),
        "properties": {f.wire_name: _property(f, output=True) for f in outputs},
        "required": sorted(f.wire_name for f in outputs if f.always_output),
    }


def _property(f: Field, *, output: bool = False) -> dict[str, Any]:
    description = (f.output_description if output else None) or f.description
    spec = {**_type_spec(f.type), "description": _flow(description)}
    if f.secret:
        spec["secret"] = True
    return spec


def _type_spec(hint: Any) -> dict[str, Any]:
    if typing.get_origin(hint) is list:
        return {"type": "array", "items": _type_spec(typing.get_args(hint)[0])}
    primitive = {str: "string", bool: "boolean", float: "number", int: "integer"}.get(hint)
    if primitive is None:
        raise TypeError(f"no schema type for {hint!r}")
    return {"type": primitive}


def _flow(text: str) -> str:
    """Declared text as Markdown: paragraphs kept, line breaks inside them joined."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)
