"""The real-engine tier: the `pulumi` CLI that dev.py builds (engine/build.py), offline.

Each test gets a fresh offline Datadog and a project in a temporary folder with its own
PULUMI_HOME and file backend. Without a built engine (no `go` on this machine) every test here
skips and says how to get one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.pulumi_cli import PulumiCLI, find_engine_bin
from tests.real_engine.cli_world import CliStack, python_project, yaml_project

# Each test here runs several whole `pulumi` commands (each starts the CLI, a language host and
# provider processes): on a loaded 2-core machine one test takes minutes, not the 120 s that
# bound a unit test. A hung command still fails its test, within this bound.
REAL_ENGINE_TIMEOUT = 600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(REAL_ENGINE_TIMEOUT))


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    found = find_engine_bin()
    if found is None:
        pytest.skip(
            "the real Pulumi engine is not built here: `python3 dev.py test` builds it whenever "
            "`go` is on PATH (engine/build.py)"
        )
    return found


@pytest.fixture
def make_cli(engine_bin: Path, tmp_path: Path) -> Callable[[Path], PulumiCLI]:
    """A CLI for a project folder; every CLI of one test shares its PULUMI_HOME and backend."""

    def make(project: Path) -> PulumiCLI:
        return PulumiCLI(
            project,
            home=tmp_path / "pulumi-home",
            backend=tmp_path / "backend",
            engine_bin=engine_bin,
        )

    return make


@pytest.fixture
def py_stack(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> CliStack:
    """stacks/__main__.py as stack `test`, initialized, config still empty."""
    cli = make_cli(python_project(tmp_path / "project"))
    return CliStack(datadog_emulator, cli).init()


@pytest.fixture
def yaml_stack_local(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> CliStack:
    """stacks/native-yaml running the plugin from this checkout."""
    cli = make_cli(yaml_project(tmp_path / "yaml-project", local_plugin=True))
    return CliStack(datadog_emulator, cli).init()


@pytest.fixture(scope="session")
def installed_plugin_home(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PULUMI_HOME with the plugin installed from `crossorg plugin build`'s archive, as README
    says, shared by the tests of the languages that `pulumi package add` it (the install makes
    the plugin's virtualenv: about a minute, once)."""
    from datadog_crossorg import __version__
    from datadog_crossorg.native.archive import build
    from datadog_crossorg.native.schema import PACKAGE

    folder = tmp_path_factory.mktemp("installed-plugin")
    archive = build(folder / "dist")
    cli = PulumiCLI(folder, home=folder / "home", backend=folder / "backend", engine_bin=engine_bin)
    cli.run("plugin", "install", "resource", PACKAGE, __version__, "--file", str(archive))
    return folder / "home"
