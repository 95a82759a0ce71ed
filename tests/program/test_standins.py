"""DashboardJson played by a stand-in: the local stack's dashboards really reach the offline
Datadog, change in place, and go away with the stack."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.config.stack_program import load_config_file
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.harness import Engine, ProviderServer
from datadog_crossorg.testing.mocks import run_program
from datadog_crossorg.testing.standins import DATADOG_STAND_INS
from tests.support.paths import ROOT, STACKS


def program() -> None:
    runpy.run_path(str(STACKS / "__main__.py"), run_name="__main__")


def test_stack_dashboards_are_created_updated_and_deleted_in_datadog(
    datadog_emulator: Emulator, tmp_path: Path
) -> None:
    emu = datadog_emulator
    local = load_config_file(STACKS / "Pulumi.local.yaml")
    config = {k: v.replace(local["datadog:apiUrl"], emu.url) for k, v in local.items()}
    hub = emu.keys("hub")
    dashboards = DatadogClient(hub.api_key, hub.app_key, emu.url)

    def up(config: dict[str, str]):
        """One `pulumi up`: a new provider process each time, the state kept in a file."""
        with ProviderServer(cwd=ROOT) as server:
            engine = Engine(server, stack="local", state_path=tmp_path / "state.json")
            return run_program(
                program, engine, config=config, secret_keys=SECRET_KEYS, stand_ins=DATADOG_STAND_INS
            )

    first = up(config)
    ids = first.outputs["dashboard_ids"]
    titles = {d["id"]: d["title"] for d in dashboards.list_dashboards()}
    assert set(titles) == set(ids.values())
    assert titles[ids["search-audit"]] == "Acme Search audit trail, seen from the hub"

    entries = json.loads(config["datadog-crossorg:dashboards"])
    entries[1]["dashboard"]["title"] = "Audit trail, renamed"
    renamed = up({**config, "datadog-crossorg:dashboards": json.dumps(entries)})
    assert renamed.outputs["dashboard_ids"] == ids  # updated in place (PUT), same id
    assert dashboards.get_dashboard(ids["search-audit"])["title"] == "Audit trail, renamed"

    without = up({**config, "datadog-crossorg:dashboards": json.dumps(entries[:1])})
    assert [d["id"] for d in dashboards.list_dashboards()] == [ids["fleet-overview"]]
    assert without.result.counts["delete"] == 1
