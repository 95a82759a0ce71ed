"""`cross-org-flow-still-read` under the real CLI: off by default; with the pack's config enabling
it, a preview that narrows a connection while the stack's notebook still reads the type fails,
naming both.

The program builds its notebook from plain UUIDs (no `connections=`), so its JSON is known at
preview: a policy sees only the planned state, and a document resolved from the outputs of a
connection being changed is not known there (`crossorg review` judges that one by its current
JSON, from the plan's old state)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import VENV, CliStack
from tests.support.paths import ROOT

POLICY_PACK = str(ROOT / "provider" / "datadog_crossorg" / "policy")
PROGRAM = """
import pulumi

from datadog_crossorg import OrgConnection
from datadog_crossorg.dashboards import LogsQuery, Timeseries
from datadog_crossorg.notebooks import Cell, CrossOrgNotebook, Notebook

cfg = pulumi.Config()
hub, search, payments = cfg.require("hub"), cfg.require("search"), cfg.require("payments")
OrgConnection(
    "payments-to-hub", sink_org_id=hub, connection_types=cfg.require_object("types"),
    org="payments",
)
# made with the default key pair (the hub's): its state tells the policy that pair's org
OrgConnection("hub-to-search", sink_org_id=search, connection_types=["metrics"])
errors = Timeseries("Errors", [LogsQuery("err", "status:error", source=payments)])
CrossOrgNotebook("errors", Notebook("Payments errors", [Cell(errors)]))
"""


def _stack(emu: Emulator, make_cli: Callable[[Path], PulumiCLI], folder: Path) -> CliStack:
    folder.mkdir(parents=True)
    (folder / "__main__.py").write_text(PROGRAM)
    project = {
        "name": "flow-policy",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(VENV)}},
    }
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    s = CliStack(emu, make_cli(folder)).init()
    pay = emu.keys("payments")
    s.set_config(
        {
            "datadog:apiUrl": emu.url,
            "datadog:apiKey": emu.keys("hub").api_key,
            "datadog:appKey": emu.keys("hub").app_key,
            "datadog-crossorg:orgs": {
                "payments": {"apiKey": pay.api_key, "appKey": pay.app_key, "apiUrl": emu.url}
            },
            "flow-policy:hub": emu.org_uuid("hub"),
            "flow-policy:search": emu.org_uuid("search"),
            "flow-policy:payments": emu.org_uuid("payments"),
            "flow-policy:types": ["metrics", "logs"],
        }
    )
    return s


def test_the_opt_in_policy_fails_a_preview_that_stops_a_flow_the_stack_reads(
    datadog_emulator: Emulator, make_cli: Callable[[Path], PulumiCLI], tmp_path: Path
) -> None:
    s = _stack(datadog_emulator, make_cli, tmp_path / "project")
    s.pulumi("up", "--yes")
    s.set_config({"flow-policy:types": ["metrics"]})  # payments-to-hub stops sharing logs
    enabled = tmp_path / "policy.json"
    enabled.write_text(json.dumps({"cross-org-flow-still-read": "mandatory"}))

    default = s.pulumi("preview", "--policy-pack", POLICY_PACK, check=False)
    opted_in = s.pulumi(
        "preview", "--policy-pack", POLICY_PACK, "--policy-pack-config", str(enabled), check=False
    )

    assert default.code == 0, default  # off unless the pack's config turns it on
    assert "cross-org-flow-still-read" not in default.output
    assert opted_in.code != 0, opted_in
    text = opted_in.output
    assert "cross-org-flow-still-read" in text and "mandatory" in text.lower(), text
    assert "notebook errors" in text and "payments-to-hub" in text, text
    assert "no connection of the stack carries after this change" in text, text
