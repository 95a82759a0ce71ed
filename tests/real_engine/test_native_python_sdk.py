"""The native provider from a Python program under the real CLI: `pulumi import` prints Python,
`pulumi package gen-sdk` writes the SDK that code runs on, and `pulumi package add` links one."""

from __future__ import annotations

from collections import Counter
from importlib import metadata
from pathlib import Path

import pytest

from datadog_crossorg import __version__
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.schema import PACKAGE, RESOURCE_TYPE, SCHEMA_PATH
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import CliStack
from tests.real_engine.languages import default_provider_keys, printed_code, python_project
from tests.support.probe import out_of_band


def test_import_prints_python_that_the_generated_sdk_runs_without_changes(
    datadog_emulator: Emulator, engine_bin: Path, tmp_path: Path
) -> None:
    emu = datadog_emulator
    with out_of_band(emu, "payments") as payments:
        made = payments.create_connection(emu.org_uuid("hub"), ["metrics", "logs"])
    project = python_project(tmp_path / "project")
    sdk = tmp_path / "sdk"
    cli = PulumiCLI(
        project,
        home=tmp_path / "home",
        backend=tmp_path / "backend",
        engine_bin=engine_bin,
        env={"PYTHONPATH": str(sdk / "python")},
    )
    s = CliStack(emu, cli).init()
    s.set_config(default_provider_keys(emu, "payments"))

    imported = s.pulumi("import", RESOURCE_TYPE, "payments-to-hub", made.id, "--yes")
    assert s.api_calls() == Counter({"GET": 2})
    code = printed_code(imported.stdout, "import pulumi")
    assert "import pulumi_datadog_crossorg as datadog_crossorg" in code, code
    assert 'datadog_crossorg.OrgConnection("payments-to-hub"' in code, code
    assert f'sink_org_id="{emu.org_uuid("hub")}"' in code, code

    # from the committed schema: a plugin folder would be installed first (its virtualenv made)
    s.pulumi("package", "gen-sdk", str(SCHEMA_PATH), "--language", "python", "--out", str(sdk))
    package = sdk / "python" / "pulumi_datadog_crossorg"
    assert {"__init__.py", "org_connection.py", "connection_access.py", "provider.py"} <= {
        p.name for p in package.iterdir()
    }

    (project / "__main__.py").write_text(code)
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()
    assert s.resources()["payments-to-hub"]["id"] == made.id


@pytest.mark.timeout(900)  # the plugin's install (shared) and a virtualenv of the project's own
def test_package_add_links_the_sdk_into_a_python_project_that_then_imports_and_deploys(
    datadog_emulator: Emulator, engine_bin: Path, installed_plugin_home: Path, tmp_path: Path
) -> None:
    emu = datadog_emulator
    project = python_project(tmp_path / "project", virtualenv=tmp_path / "venv", plugin=False)
    (project / "requirements.txt").write_text(f"pulumi=={metadata.version('pulumi')}\n")
    cli = PulumiCLI(
        project, home=installed_plugin_home, backend=tmp_path / "backend", engine_bin=engine_bin
    )
    added = cli.run("package", "add", f"{PACKAGE}@{__version__}")
    assert "import pulumi_datadog_crossorg as datadog_crossorg" in added.stdout, added
    assert "sdks/datadog-crossorg" in (project / "requirements.txt").read_text()

    with out_of_band(emu, "payments") as payments:
        made = payments.create_connection(emu.org_uuid("hub"), ["metrics"])
    s = CliStack(emu, cli).init()
    s.set_config(default_provider_keys(emu, "payments"))
    imported = s.pulumi("import", RESOURCE_TYPE, "payments-to-hub", made.id, "--yes")
    (project / "__main__.py").write_text(printed_code(imported.stdout, "import pulumi"))
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter({"GET": 2})  # the import's two Reads; the up makes none
