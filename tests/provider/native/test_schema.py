"""The package schema: generated from the code, committed as schema.json, served by GetSchema, and
shaped as Pulumi's package metaschema (pulumi/pkg/codegen/schema/pulumi.json) requires.

`jsonschema` is not a dependency of this project, so the metaschema's rules that apply to what we
emit are checked here one by one (names and tokens, property and type specs, required lists)."""

from __future__ import annotations

import json
import re
from typing import Any

from datadog_crossorg.cli import main
from datadog_crossorg.client import CONNECTION_TYPES
from datadog_crossorg.native import schema
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.resources.tokens import NATIVE_CONNECTION_ACCESS, NATIVE_ORG_CONNECTION
from datadog_crossorg.rules import connections
from tests.support.world import plugin_server

# From the metaschema: the package name, a type token, and the keys each object may carry.
NAME = re.compile(r"^[a-zA-Z][-a-zA-Z0-9_]*$")
TOKEN = re.compile(r"^[a-zA-Z][-a-zA-Z0-9_]*:([^0-9][a-zA-Z0-9._/-]*)?:[^0-9][a-zA-Z0-9._/-]*$")
PACKAGE_KEYS = {
    "name", "displayName", "version", "description", "keywords", "homepage", "license",
    "attribution", "repository", "logoUrl", "pluginDownloadURL", "configurationDocsUrl",
    "validateCredentialsOnNew", "publisher", "namespace", "meta", "config", "types",
    "dependencies", "provider", "resources", "functions", "language", "parameterization",
    "allowedPackageNames",
}  # fmt: skip
PROPERTY_KEYS = {
    "type", "items", "additionalProperties", "$ref", "oneOf", "discriminator", "plain",
    "description", "const", "default", "defaultInfo", "deprecationMessage", "language", "secret",
    "replaceOnChanges", "willReplaceOnChanges",
}  # fmt: skip
RESOURCE_KEYS = {
    "description", "properties", "type", "required", "language", "isOverlay",
    "overlaySupportedLanguages", "inputProperties", "requiredInputs", "stateInputs", "listInputs",
    "aliases", "deprecationMessage", "isComponent", "methods",
}  # fmt: skip
PRIMITIVES = {"boolean", "integer", "number", "string"}


def assert_type_spec(spec: dict[str, Any], where: str) -> None:
    """The metaschema's typeSpec, for the kinds we use: a primitive, or an array of a typeSpec."""
    if spec.get("type") == "array":
        assert "items" in spec, f"{where}: an array needs items"
        assert not {"additionalProperties", "oneOf", "$ref"} & set(spec), where
        assert_type_spec(spec["items"], f"{where}.items")
    else:
        assert spec.get("type") in PRIMITIVES, f"{where}: {spec.get('type')!r} is no primitive"
        assert not {"items", "additionalProperties", "oneOf", "$ref"} & set(spec), where


def assert_properties(props: dict[str, dict[str, Any]], where: str) -> None:
    for name, spec in props.items():
        assert set(spec) <= PROPERTY_KEYS, f"{where}.{name}: {set(spec) - PROPERTY_KEYS}"
        assert_type_spec(spec, f"{where}.{name}")
        assert isinstance(spec.get("description"), str) and spec["description"], name
        assert isinstance(spec.get("secret", False), bool)


def assert_resource(spec: dict[str, Any], where: str) -> None:
    assert set(spec) <= RESOURCE_KEYS, f"{where}: {set(spec) - RESOURCE_KEYS}"
    assert_properties(spec.get("inputProperties", {}), f"{where}.inputProperties")
    assert_properties(spec.get("properties", {}), f"{where}.properties")
    assert set(spec.get("requiredInputs", [])) <= set(spec.get("inputProperties", {}))
    assert set(spec.get("required", [])) <= set(spec.get("properties", {}))


def test_committed_schema_json_is_what_the_code_generates() -> None:
    assert schema.load() == schema.render()
    assert main(["plugin", "schema", "--check"]) == 0


def test_get_schema_serves_the_committed_schema() -> None:
    with plugin_server() as plugin:
        served = plugin.get_schema()

    assert json.loads(served) == json.loads(schema.load())


def test_schema_has_the_shape_pulumis_metaschema_requires() -> None:
    doc = json.loads(schema.load())

    assert set(doc) <= PACKAGE_KEYS and NAME.match(doc["name"])
    assert set(doc["config"]) <= {"variables", "defaults"}
    assert_properties(doc["config"]["variables"], "config.variables")
    assert_resource(doc["provider"], "provider")
    for token, resource in doc["resources"].items():
        assert TOKEN.match(token), token
        assert_resource(resource, token)


def test_package_resource_and_config_are_the_ones_users_name() -> None:
    doc = schema.build()

    assert doc["name"] == "datadog-crossorg"
    assert list(doc["resources"]) == [NATIVE_ORG_CONNECTION, NATIVE_CONNECTION_ACCESS]
    config = doc["config"]["variables"]
    assert {k for k, v in config.items() if v.get("secret")} == {"apiKey", "appKey"}
    assert {"apiKey", "appKey", "apiUrl"} <= set(config)
    assert doc["provider"]["inputProperties"] == config


def test_resource_properties_are_the_cores_inputs_and_outputs_in_camel_case() -> None:
    resource = schema.build()["resources"][schema.RESOURCE_TYPE]
    wire = {schema.wire_name(n): n for n in connections.OUTPUT_NAMES}

    assert {wire[k] for k in resource["inputProperties"]} == set(connections.INPUT_NAMES) - {"org"}
    assert {wire[k] for k in resource["properties"]} == set(connections.OUTPUT_NAMES) - {"org"}
    assert set(resource["requiredInputs"]) == {"sinkOrgId", "connectionTypes"}
    replaced = {k for k, v in resource["inputProperties"].items() if v.get("willReplaceOnChanges")}
    assert replaced == {schema.wire_name(n) for n in connections.REPLACE_ON} - {"org"}


def test_descriptions_are_the_declarations() -> None:
    doc = schema.build()
    resource = doc["resources"][schema.RESOURCE_TYPE]

    assert resource["description"].startswith(" ".join(ORG_CONNECTION.description.split()[:8]))
    assert doc["provider"]["description"].startswith("One Datadog key pair")
    sink = resource["inputProperties"]["sinkOrgId"]["description"]
    assert sink.startswith("UUID of the org that receives the data (the sink)")
    types_doc = resource["inputProperties"]["connectionTypes"]["description"]
    assert all(f"`{t}`" in types_doc for t in CONNECTION_TYPES)
    assert resource["properties"]["connectionTypes"]["description"] == "The shared types, sorted."
    assert resource["properties"]["sinkOrgId"]["description"] == sink  # the input's, unless told
    assert "\n" not in sink  # docstring line breaks joined
