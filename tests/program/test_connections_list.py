"""`crossorg connections list` against the offline Datadog: both sides merged, keys from config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datadog_crossorg.cli import main
from datadog_crossorg.client import DatadogClient
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.stack import emulator_stack_config, write_stack_file


def write_stack_config(emu: Emulator, path: Path) -> Path:
    return write_stack_file(path, emulator_stack_config(emu, "hub", ("payments", "search")))


def connect(emu: Emulator, source: str, sink: str, types: list[str]) -> str:
    keys = emu.keys(source)
    with DatadogClient(keys.api_key, keys.app_key, emu.url) as client:
        return client.create_connection(emu.org_uuid(sink), types).id


def test_listing_from_both_sides_merges_each_connection_once(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = datadog_emulator
    first = connect(emu, "payments", "hub", ["metrics", "logs"])
    second = connect(emu, "search", "hub", ["audit"])
    config = write_stack_config(emu, tmp_path / "Pulumi.test.yaml")

    argv = ["connections", "list", "--config", str(config), "--json"]
    code = main([*argv, "--org", "payments", "--org", "search"])

    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["id"] for r in rows] == [first, second]  # sink, then source name order
    assert rows[0]["source_org_name"] == "Acme Payments"
    assert rows[0]["connection_types"] == ["logs", "metrics"]
    assert rows[1]["sink_org_name"] == "Acme Hub"


def test_table_from_the_default_pair_shows_names_and_types(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connect(datadog_emulator, "payments", "hub", ["metrics"])
    config = write_stack_config(datadog_emulator, tmp_path / "Pulumi.test.yaml")

    assert main(["connections", "list", "--config", str(config)]) == 0

    out = capsys.readouterr().out
    assert "Org connections (1)" in out
    assert "Acme Payments" in out and "Acme Hub" in out and "metrics" in out


def test_unknown_org_is_refused_naming_it_and_the_fix(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_stack_config(datadog_emulator, tmp_path / "Pulumi.test.yaml")

    assert main(["connections", "list", "--config", str(config), "--org", "nope"]) == 2

    err = capsys.readouterr().err
    assert "'nope'" in err and "payments, search" in err and "pulumi config set" in err
    assert datadog_emulator.requests == []


def test_malformed_stack_yaml_is_one_line_naming_the_line(tmp_path, capsys) -> None:
    from datadog_crossorg.cli import main

    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  datadog:apiKey: [unclosed\n")
    assert main(["connections", "list", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not valid YAML" in err and "line" in err


def test_missing_stack_file_is_one_line(tmp_path, capsys) -> None:
    from datadog_crossorg.cli import main

    assert main(["connections", "list", "--config", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot read stack config" in err
