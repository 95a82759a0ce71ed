"""The native plugin under the real CLI: installed from its archive, a YAML stack's lifecycle,
`pulumi import` of a connection made by hand, and a whole org brought under management at once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml

from datadog_crossorg import __version__
from datadog_crossorg.cli import main as crossorg
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.archive import build
from datadog_crossorg.native.schema import PACKAGE, RESOURCE_TYPE
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import CliStack, yaml_project
from tests.support.paths import YAML_STACK_DIR
from tests.support.probe import out_of_band


def _local_config(emu: Emulator) -> dict[str, str]:
    """stacks/native-yaml/Pulumi.local.yaml, pointed at this test's emulator."""
    document = yaml.safe_load((YAML_STACK_DIR / "Pulumi.local.yaml").read_text())
    return {k: v.replace("http://127.0.0.1:18126", emu.url) for k, v in document["config"].items()}


def test_installed_plugin_runs_the_yaml_stack_up_refresh_destroy(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> None:
    archive = build(tmp_path / "dist")
    cli = make_cli(yaml_project(tmp_path / "project", local_plugin=False))
    cli.run("plugin", "install", "resource", PACKAGE, __version__, "--file", str(archive))
    installed = cli.run("plugin", "ls").stdout
    assert PACKAGE in installed and __version__ in installed, installed

    s = CliStack(datadog_emulator, cli, stack="local").init()
    s.set_config(_local_config(s.emu))
    hub, payments, search = (s.emu.org_uuid(n) for n in ("hub", "payments", "search"))
    s.pulumi("preview")
    assert s.api_calls() == Counter()
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 2})
    assert {r.key_pair for r in s.emu.requests if r.method == "POST"} == {"payments", "search"}
    assert s.remote() == {
        (payments, hub): ["logs", "metrics"],
        (search, hub): ["audit", "logs", "metrics"],
    }
    outputs = s.cli.outputs()
    assert outputs["hubName"] == "Acme Hub"
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()

    s.client("payments").delete_connection(outputs["paymentsToHub"])
    s.api_calls()
    refresh = s.pulumi("refresh", "--yes")
    assert "deleted" in refresh.stdout, refresh
    assert s.api_calls()["GET"] >= 1
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 1})

    s.pulumi("destroy", "--yes")
    assert s.api_calls() == Counter({"DELETE": 2})
    assert s.remote() == {}


def _yaml_stack_without_resources(
    emu: Emulator, make_cli: Callable[[Path], PulumiCLI], folder: Path, key_pair: str
) -> CliStack:
    """A YAML project with no resources whose default provider holds `key_pair`'s keys."""
    project = yaml_project(folder, local_plugin=True)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    document.update(config={}, resources={}, outputs={})
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    s = CliStack(emu, make_cli(project)).init()
    keys = emu.keys(key_pair)
    s.set_config(
        {
            f"{PACKAGE}:apiKey": keys.api_key,
            f"{PACKAGE}:appKey": keys.app_key,
            f"{PACKAGE}:apiUrl": emu.url,
        }
    )
    return s


def _declare(s: CliStack, generated: Path) -> dict:
    """Add the code `pulumi import --out` generated to the project's resources."""
    code = yaml.safe_load(generated.read_text())
    project_file = s.cli.project_dir / "Pulumi.yaml"
    document = yaml.safe_load(project_file.read_text())
    document["resources"].update(code["resources"])
    project_file.write_text(yaml.safe_dump(document, sort_keys=False))
    return code["resources"]


def test_pulumi_import_generates_code_and_the_next_up_changes_nothing(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> None:
    emu = datadog_emulator
    with out_of_band(emu, "payments") as payments:
        made = payments.create_connection(emu.org_uuid("hub"), ["metrics", "logs"])
    s = _yaml_stack_without_resources(emu, make_cli, tmp_path / "project", "payments")

    generated = tmp_path / "imported.yaml"
    s.pulumi("import", RESOURCE_TYPE, "payments-to-hub", made.id, "--yes", "--out", str(generated))
    # `pulumi import --yes` previews, then imports: one Read (a listing GET) in each
    assert s.api_calls() == Counter({"GET": 2})
    declared = _declare(s, generated)
    props = declared["payments-to-hub"]["properties"]
    assert props["sinkOrgId"] == emu.org_uuid("hub")
    assert sorted(props["connectionTypes"]) == ["logs", "metrics"]

    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()
    assert s.resources()["payments-to-hub"]["id"] == made.id
    assert len(emu.connections()) == 1


def test_bulk_adoption_brings_every_connection_an_org_shares_under_management(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path, capsys
) -> None:
    emu = datadog_emulator
    with out_of_band(emu, "payments") as payments, out_of_band(emu, "search") as search:
        shared = {
            payments.create_connection(emu.org_uuid("hub"), ["metrics"]).id,
            payments.create_connection(emu.org_uuid("edge"), ["logs"]).id,
        }
        received = search.create_connection(emu.org_uuid("payments"), ["metrics"]).id
    s = _yaml_stack_without_resources(emu, make_cli, tmp_path / "project", "payments")

    config = tmp_path / "Pulumi.adopt.yaml"
    keys = emu.keys("payments")
    config.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "datadog-crossorg:orgs": {
                        "payments": {
                            "apiKey": keys.api_key,
                            "appKey": keys.app_key,
                            "apiUrl": emu.url,
                        }
                    },
                    "datadog-crossorg:orgUuids": {"payments": emu.org_uuid("payments")},
                }
            }
        )
    )
    import_file = tmp_path / "import.json"
    code = crossorg(
        [
            "connections",
            "import-file",
            "--config",
            str(config),
            "--org",
            "payments",
            "-o",
            str(import_file),
        ]
    )
    assert code == 0, capsys.readouterr().err
    document = json.loads(import_file.read_text())
    assert {r["id"] for r in document["resources"]} == shared  # not the one Payments receives
    assert {r["name"] for r in document["resources"]} == {
        "acme-payments-to-acme-hub",
        "acme-payments-to-acme-edge",
    }

    s.api_calls()
    generated = tmp_path / "imported.yaml"
    s.pulumi("import", "--file", str(import_file), "--yes", "--out", str(generated))
    assert set(_declare(s, generated)) == {r["name"] for r in document["resources"]}
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert {r["id"] for r in s.resources().values()} == shared
    assert received in {c["id"] for c in emu.connections()}
    assert s.api_calls()["POST"] == 0


def test_the_yaml_stack_runs_the_plugin_from_this_checkout(yaml_stack_local: CliStack) -> None:
    """The README's `plugins:` entry: no archive, the checkout's folder and .venv."""
    s = yaml_stack_local
    s.set_config(_local_config(s.emu))
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 2})
    s.pulumi("up", "--yes", "--expect-no-changes")
    s.pulumi("destroy", "--yes")
    assert s.api_calls() == Counter({"DELETE": 2})
