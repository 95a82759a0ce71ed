"""The native plugin's `ConnectionAccess` under the real CLI, in a YAML program: the org of the
provider's keys sets its policy on the connection; preview 0 calls, up, no-op, update, import,
destroy, counted at the offline Datadog."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml

from datadog_crossorg.client.records import Binding
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.resources.tokens import NATIVE_CONNECTION_ACCESS, PACKAGE
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import CliStack, yaml_project
from tests.support.probe import out_of_band

ADMINS = "role:e5a00c43-d0d5-4dd5-bea0-1462ee8b9015"  # Payments' admin role (its key pair's)
TEAM = "team:3f449b62-4295-4209-998e-140e73fa1229"  # Payments Platform


def _project(
    emu: Emulator,
    make_cli: Callable[[Path], PulumiCLI],
    folder: Path,
    editors: list[str] | None,
) -> CliStack:
    """The payments org's connection to the hub and its policy (`editors`), through the default
    provider holding payments' keys; with `editors` None, no resources (for an import)."""
    project = yaml_project(folder, local_plugin=True)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    document["config"] = {"hubOrgId": {"type": "string"}}
    document["resources"] = {
        "payments-to-hub": {
            "type": f"{PACKAGE}:index:OrgConnection",
            "properties": {"sinkOrgId": "${hubOrgId}", "connectionTypes": ["metrics"]},
        },
        "payments-to-hub-access": {
            "type": NATIVE_CONNECTION_ACCESS,
            "properties": {
                "connectionId": "${payments-to-hub.connectionId}",
                "editors": editors,
                "deployer": [ADMINS],
            },
        },
    }
    document["outputs"] = {
        "connectionId": "${payments-to-hub.connectionId}",
        "policy": "${payments-to-hub-access.resourceId}",
    }
    if editors is None:
        document.update(resources={}, outputs={})
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    s = CliStack(emu, make_cli(project)).init()
    keys = emu.keys("payments")
    s.set_config(
        {
            f"{PACKAGE}:apiKey": keys.api_key,
            f"{PACKAGE}:appKey": keys.app_key,
            f"{PACKAGE}:apiUrl": emu.url,
            f"{document['name']}:hubOrgId": emu.org_uuid("hub"),
        }
    )
    return s


def _policy(s: CliStack, connection_id: str) -> dict[str, tuple[str, ...]]:
    bindings = s.client("payments").get_restriction_policy(f"cross-org-connection:{connection_id}")
    return {b.relation: tuple(b.principals) for b in bindings}


def test_native_connection_access_lifecycle(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> None:
    s = _project(datadog_emulator, make_cli, tmp_path / "project", [ADMINS])

    s.pulumi("preview")
    assert s.api_calls() == Counter()

    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 2})  # the connection, then its policy
    outputs = s.cli.outputs()
    assert outputs["policy"] == f"cross-org-connection:{outputs['connectionId']}"
    assert _policy(s, outputs["connectionId"]) == {"editor": (ADMINS,)}
    s.api_calls()

    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()

    document = yaml.safe_load((s.cli.project_dir / "Pulumi.yaml").read_text())
    document["resources"]["payments-to-hub-access"]["properties"]["viewers"] = [TEAM]
    (s.cli.project_dir / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 1})
    assert _policy(s, outputs["connectionId"]) == {"editor": (ADMINS,), "viewer": (TEAM,)}
    s.api_calls()

    s.pulumi("destroy", "--yes")
    assert s.api_calls() == Counter({"DELETE": 2})
    assert s.remote() == {}


def test_native_connection_access_refuses_a_self_lockout_at_preview(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> None:
    s = _project(datadog_emulator, make_cli, tmp_path / "project", [TEAM])

    preview = s.pulumi("preview", check=False)

    assert preview.code != 0
    text = preview.stdout + preview.stderr
    assert "editors" in text and "include none of deployer" in text, text
    assert s.api_calls() == Counter()


def test_pulumi_import_of_a_policy_generates_code_and_the_next_up_changes_nothing(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> None:
    emu = datadog_emulator
    with out_of_band(emu, "payments") as payments:
        made = payments.create_connection(emu.org_uuid("hub"), ["metrics"])
        payments.set_restriction_policy(
            f"cross-org-connection:{made.id}",
            [Binding("editor", (ADMINS,)), Binding("viewer", (TEAM,))],
        )
    s = _project(emu, make_cli, tmp_path / "project", None)

    generated = tmp_path / "imported.yaml"
    policy_id = f"cross-org-connection:{made.id}"
    s.pulumi(
        "import", NATIVE_CONNECTION_ACCESS, "policy", policy_id, "--yes", "--out", str(generated)
    )
    assert s.api_calls() == Counter({"GET": 2})  # one Read in the preview, one in the import
    code = yaml.safe_load(generated.read_text())["resources"]["policy"]["properties"]
    assert code["editors"] == [ADMINS] and code["viewers"] == [TEAM]
    assert code["deployer"] == [ADMINS]  # Datadog cannot tell the deployer: the editors stand in

    project_file = s.cli.project_dir / "Pulumi.yaml"
    document = yaml.safe_load(project_file.read_text())
    document["resources"] = yaml.safe_load(generated.read_text())["resources"]
    project_file.write_text(yaml.safe_dump(document, sort_keys=False))
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()
    assert _policy(s, made.id) == {"editor": (ADMINS,), "viewer": (TEAM,)}
