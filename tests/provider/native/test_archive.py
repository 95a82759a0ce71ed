"""The plugin folder and the archive `crossorg plugin build` writes for `pulumi plugin install
resource datadog-crossorg <version> --file <archive>`: its layout, and that the unpacked folder
runs as the engine runs a python plugin, on the sources it carries."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import yaml

from datadog_crossorg import __version__
from datadog_crossorg.cli import main
from datadog_crossorg.native import archive, schema
from tests.support.paths import ROOT
from tests.support.world import plugin_server


def build(out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["plugin", "build", "-o", str(out)]) == 0
    printed = capsys.readouterr()
    path = Path(printed.out.strip())
    assert f"pulumi plugin install resource datadog-crossorg {__version__} --file" in printed.err
    return path


def test_the_package_folder_is_a_python_plugin_run_with_the_projects_virtualenv() -> None:
    manifest = yaml.safe_load((archive.NATIVE_DIR / "PulumiPlugin.yaml").read_text())

    assert manifest["runtime"]["name"] == "python"
    venv = (archive.NATIVE_DIR / manifest["runtime"]["options"]["virtualenv"]).resolve()
    assert venv == ROOT / ".venv"
    assert (archive.NATIVE_DIR / "__main__.py").is_file()


def test_build_writes_a_plugin_folder_archive_with_everything_at_its_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = build(tmp_path / "dist", capsys)

    assert path.name == f"pulumi-resource-datadog-crossorg-v{__version__}.tar.gz"
    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest = yaml.safe_load(tar.extractfile("PulumiPlugin.yaml").read())  # type: ignore[union-attr]
        requirements = tar.extractfile("requirements.txt").read().decode().split()  # type: ignore[union-attr]
        served = tar.extractfile("schema.json").read().decode()  # type: ignore[union-attr]
    assert {"PulumiPlugin.yaml", "requirements.txt", "__main__.py", "schema.json"} <= set(names)
    assert "datadog_crossorg/native/provider.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert manifest == {"runtime": "python"}  # the install makes ./venv from requirements.txt
    assert any(r.startswith("pulumi") and "<4" in r for r in requirements)
    assert not any("extra" in r for r in requirements)
    assert served == schema.load()


def test_build_is_reproducible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = build(tmp_path / "a", capsys).read_bytes()
    second = build(tmp_path / "b", capsys).read_bytes()

    assert first == second


def test_the_unpacked_archive_serves_the_provider_from_the_sources_it_carries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin_dir = tmp_path / "resource-datadog-crossorg-v0"
    with tarfile.open(build(tmp_path / "dist", capsys)) as tar:
        tar.extractall(plugin_dir, filter="data")
    # Mark the carried copy of the schema, so serving it proves the carried code runs.
    carried = plugin_dir / "datadog_crossorg" / "native" / "schema.json"
    marked = json.loads(carried.read_text())
    marked["description"] = "served from the unpacked archive"
    carried.write_text(json.dumps(marked))

    with plugin_server(cwd=tmp_path, plugin=plugin_dir) as plugin:
        version = plugin.plugin_version()
        served = json.loads(plugin.get_schema())

    assert version == __version__
    assert served["description"] == "served from the unpacked archive"
