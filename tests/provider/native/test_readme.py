"""The README's native-provider section: where it sits, and that what it tells users to run and
write matches the plugin (archive name, version, resource and provider types, property names)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from datadog_crossorg import __version__
from datadog_crossorg.native import archive, schema
from tests.support.paths import ROOT

BLOCK = re.compile(
    r"<!-- native:begin -->\n(.*?)<!-- native:end -->\n\n## Against real Datadog", re.S
)


def section() -> str:
    found = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md lost its native markers right before '## Against real Datadog'"
    return found.group(1)


def test_install_commands_name_the_archive_the_build_writes() -> None:
    text = section()

    assert f"dist/{archive.archive_name()}" in text
    assert f"pulumi plugin install resource {schema.PACKAGE} {__version__}" in text
    assert f"pulumi package add {schema.PACKAGE}@{__version__}" in text
    assert Path(ROOT, "provider/datadog_crossorg/native/PulumiPlugin.yaml").is_file()
    assert "<checkout>/provider/datadog_crossorg/native" in text


def test_yaml_example_uses_the_schemas_types_and_properties() -> None:
    block = re.search(r"```yaml\n(.*?)```", section(), re.S)
    assert block
    resources = yaml.safe_load(block.group(1))["resources"]
    doc = schema.build()
    specs = {schema.PROVIDER_TYPE: doc["provider"], **doc["resources"]}

    assert {r["type"] for r in resources.values()} == set(specs)
    for name, res in resources.items():
        assert set(res["properties"]) <= set(specs[res["type"]]["inputProperties"]), name


def test_typescript_and_go_programs_make_every_resource_of_the_schema() -> None:
    """The programs themselves run under the real CLI (tests/real_engine/test_native_languages.py
    takes them from README); here, fast: they use the plugin's provider and both resources."""
    doc = schema.build()
    names = {"Provider"} | {token.rsplit(":", 1)[1] for token in doc["resources"]}
    for fence, made in (("ts", r"new crossorg\.(\w+)\("), ("go", r"crossorg\.New(\w+)\(")):
        block = re.search(rf"```{fence}\n(.*?)```", section(), re.S)
        assert block, fence
        assert set(re.findall(made, block.group(1))) == names, fence
