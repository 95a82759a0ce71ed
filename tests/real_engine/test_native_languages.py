"""README's TypeScript and Go programs of the native provider under the real CLI: our Node.js and
Go hosts, the SDK from README's `pulumi package add`, two source orgs through two provider
instances and a ConnectionAccess; every step counted at the offline Datadog, and the errors a
user can make read as one line with cause and fix."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.schema import RESOURCE_TYPE
from datadog_crossorg.testing.pulumi_cli import PulumiCLI, Result
from tests.real_engine.cli_world import CliStack
from tests.real_engine.languages import (
    GO,
    TYPESCRIPT,
    Language,
    error_lines,
    no_stack_trace,
    printed_code,
    provider_urn,
    readme_program_config,
    readme_snippet,
)
from tests.support.probe import out_of_band

# A module's first test also installs the plugin, installs npm or Go modules and runs `pulumi
# package add` (shared fixtures); a Go program's first build compiles the SDK.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module", params=[TYPESCRIPT, GO], ids=lambda lang: lang.fence)
def project(
    request: pytest.FixtureRequest,
    engine_bin: Path,
    installed_plugin_home: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Language, Path]:
    """One project per language for the module: dependencies and the SDK installed once."""
    lang: Language = request.param
    folder = tmp_path_factory.mktemp(lang.fence)

    def cli_for(target: Path) -> PulumiCLI:
        backend = folder / "backend"
        return PulumiCLI(target, home=installed_plugin_home, backend=backend, engine_bin=engine_bin)

    return lang, lang.make(folder / "project", cli_for)


@pytest.fixture
def stack(
    project: tuple[Language, Path],
    installed_plugin_home: Path,
    engine_bin: Path,
    datadog_emulator: Emulator,
    tmp_path: Path,
) -> tuple[Language, CliStack]:
    """README's program as a fresh stack of the language's project, on this test's backend."""
    lang, folder = project
    (folder / lang.program).write_text(readme_snippet(lang.fence))
    for old in folder.glob("Pulumi.*.yaml"):
        old.unlink()
    cli = PulumiCLI(
        folder, home=installed_plugin_home, backend=tmp_path / "backend", engine_bin=engine_bin
    )
    s = CliStack(datadog_emulator, cli).init()
    s.set_config(readme_program_config(datadog_emulator, lang.project))
    return lang, s


def test_readme_program_lifecycle(stack: tuple[Language, CliStack]) -> None:
    lang, s = stack
    emu = s.emu
    hub, payments, search, edge = (emu.org_uuid(n) for n in ("hub", "payments", "search", "edge"))
    program = s.cli.project_dir / lang.program

    s.pulumi("preview")
    assert s.api_calls() == Counter()

    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 3})  # two connections, one policy
    assert s.remote() == {(payments, hub): ["logs", "metrics"], (search, hub): ["metrics"]}
    assert {r.key_pair for r in emu.requests if r.method == "POST"} == {"payments", "search"}

    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()

    assert lang.two_types in program.read_text()
    program.write_text(program.read_text().replace(lang.two_types, lang.one_type))
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"PATCH": 1})
    assert s.remote()[(payments, hub)] == ["metrics"]

    with out_of_band(emu, "payments") as by_hand:
        made = by_hand.create_connection(edge, ["logs"])
    s.api_calls()
    provider = f"payments={provider_urn(s.stack, lang.project, 'payments')}"
    imported = s.pulumi(
        "import", RESOURCE_TYPE, "payments-to-edge", made.id, "--provider", provider, "--yes"
    )
    assert s.api_calls() == Counter({"GET": 2})  # one Read in its preview, one in the import
    code = printed_code(imported.stdout, lang.code_start)
    assert lang.new_connection.format("payments-to-edge") in code, code
    assert lang.sink.format(edge) in code, code
    program.write_text(lang.insert(program.read_text(), lang.declare(code)))
    lang.check(program.parent)
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()
    assert s.resources()["payments-to-edge"]["id"] == made.id

    s.client("search").delete_connection(s.cli.outputs()["searchToHubId"])
    s.api_calls()
    refresh = s.pulumi("refresh", "--yes", "--skip-preview")
    assert "deleted" in refresh.stdout, refresh
    assert "search-to-hub" not in s.resources()
    s.api_calls()
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 1})
    assert s.remote()[(search, hub)] == ["metrics"]

    s.pulumi("destroy", "--yes")
    assert s.api_calls() == Counter({"DELETE": 4})  # three connections, one policy
    assert s.remote() == {}


def _up_over_an_existing_connection(s: CliStack) -> Result:
    s.client("payments").create_connection(s.emu.org_uuid("hub"), ["metrics"])
    s.api_calls()
    result = s.pulumi("up", "--yes", check=False)
    assert result.code != 0
    assert len(s.emu.connections()) == 2  # search-to-hub made, nothing duplicated
    return result


def test_existing_connection_without_adopt_says_how_to_adopt_in_the_language(
    stack: tuple[Language, CliStack],
) -> None:
    lang, s = stack
    first = error_lines(_up_over_an_existing_connection(s).output, "(payments-to-hub)")
    assert "already exists" in first and lang.adopt in first, first


def test_existing_connection_without_adopt_shows_no_traceback(
    stack: tuple[Language, CliStack],
) -> None:
    _, s = stack
    result = _up_over_an_existing_connection(s)
    assert no_stack_trace(result.output), result.output


def test_a_sink_that_is_no_org_uuid_fails_preview_naming_it_and_the_fix(
    stack: tuple[Language, CliStack],
) -> None:
    lang, s = stack
    s.set_config({f"{lang.project}:hubOrgId": "acme-hub"})
    result = s.pulumi("preview", check=False)
    assert result.code != 0
    # preview stops at the first connection the engine checks, either one
    first = error_lines(result.output, "OrgConnection (")
    assert "sinkOrgId" in first and "'acme-hub' is not an org UUID" in first, first
    assert "use the sink org's UUID" in first, first
    assert no_stack_trace(result.output), result.output
    assert s.api_calls() == Counter()


def test_a_missing_key_fails_preview_saying_how_to_set_it(
    stack: tuple[Language, CliStack],
) -> None:
    lang, s = stack
    stack_file = s.stack_file
    text = stack_file.read_text()
    stack_file.write_text(
        "\n".join(line for line in text.splitlines() if ":paymentsApiKey:" not in line) + "\n"
    )
    result = s.pulumi("preview", check=False)
    assert result.code != 0
    assert f"{lang.project}:paymentsApiKey" in result.output, result.output
    assert "pulumi config" in result.output, result.output
    assert no_stack_trace(result.output), result.output
    assert s.api_calls() == Counter()
