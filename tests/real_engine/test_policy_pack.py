"""`pulumi preview --policy-pack provider/datadog_crossorg/policy` under the real CLI, with the
dynamic and with the native OrgConnection: a dashboard reading a source not connected with the
query's data type is a mandatory violation; a good stack passes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.schema import PACKAGE, RESOURCE_TYPE
from datadog_crossorg.testing.datadog_plugin import install_standin_plugins
from datadog_crossorg.testing.pulumi_cli import PulumiCLI
from tests.real_engine.cli_world import VENV, CliStack
from tests.support.paths import ROOT

POLICY_PACK = ROOT / "provider" / "datadog_crossorg" / "policy"

# A program that builds its dashboard JSON itself (no CrossOrgDashboard checking it first), so
# only the policy pack stands between a wrong query and Datadog.
PROGRAM = f'''
import json

import pulumi
import pulumi_datadog as datadog

from datadog_crossorg import OrgConnection

cfg = pulumi.Config()
hub, source = cfg.require("hub"), cfg.require("source")
if cfg.require("flavour") == "dynamic":
    OrgConnection("payments-to-hub", sink_org_id=hub, connection_types=["metrics"], org="payments")
else:
    pulumi.CustomResource(
        "{RESOURCE_TYPE}",
        "payments-to-hub",
        {{"sinkOrgId": hub, "connectionTypes": ["metrics"], "sourceOrgId": None}},
    )
query = {{"data_source": cfg.require("reads"), "name": "q", "cross_org_uuids": [source]}}
if query["data_source"] == "metrics":
    query["query"] = "avg:system.cpu.user{{*}}"
else:
    query.update(search={{"query": ""}}, indexes=["*"], compute={{"aggregation": "count"}})
dashboard = {{
    "title": "Payments seen from the hub",
    "layout_type": "ordered",
    "widgets": [{{"definition": {{"type": "timeseries", "requests": [
        {{"response_format": "timeseries", "queries": [query]}}]}}}}],
}}
datadog.DashboardJson("payments", dashboard=json.dumps(dashboard))
'''


def _policy_stack(
    emu: Emulator, make_cli: Callable[[Path], PulumiCLI], folder: Path, flavour: str
) -> CliStack:
    folder.mkdir(parents=True)
    (folder / "__main__.py").write_text(PROGRAM)
    project = {
        "name": "policy-check",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(VENV)}},
        "plugins": {
            "providers": [{"name": PACKAGE, "path": str(ROOT / "provider/datadog_crossorg/native")}]
        },
    }
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    cli = make_cli(folder)
    standins = install_standin_plugins(
        folder.parent / f"standins-{flavour}", str(VENV / "bin/python")
    )
    cli.env["PATH"] = f"{standins}:{cli.env['PATH']}"
    s = CliStack(emu, cli).init()
    hub = emu.keys("hub")
    payments = emu.keys("payments")
    s.set_config(
        {
            "datadog:apiUrl": emu.url,
            "datadog:apiKey": hub.api_key,
            "datadog:appKey": hub.app_key,
            "datadog-crossorg:orgs": {
                "payments": {
                    "apiKey": payments.api_key,
                    "appKey": payments.app_key,
                    "apiUrl": emu.url,
                }
            },
            f"{PACKAGE}:apiKey": payments.api_key,
            f"{PACKAGE}:appKey": payments.app_key,
            f"{PACKAGE}:apiUrl": emu.url,
            "policy-check:flavour": flavour,
            "policy-check:hub": emu.org_uuid("hub"),
            "policy-check:source": emu.org_uuid("payments"),
            "policy-check:reads": "metrics",
        }
    )
    return s


@pytest.mark.parametrize("flavour", ["dynamic", "native"])
def test_policy_pack_passes_a_good_stack_and_stops_a_query_of_an_unshared_type(
    flavour: str,
    datadog_emulator: Emulator,
    make_cli: Callable[[Path], PulumiCLI],
    tmp_path: Path,
) -> None:
    s = _policy_stack(datadog_emulator, make_cli, tmp_path / "project", flavour)
    good = s.pulumi("up", "--yes", "--policy-pack", str(POLICY_PACK))
    assert "datadog-crossorg@v0.1.0" in good.stdout, good
    assert "mandatory" not in good.output.lower()

    s.set_config({"policy-check:reads": "logs"})  # the connection shares only metrics
    s.api_calls()
    bad = s.pulumi("preview", "--policy-pack", str(POLICY_PACK), check=False)
    assert bad.code != 0, bad
    assert "cross-org-source-connected" in bad.output, bad
    assert "mandatory" in bad.output.lower()
    assert "logs" in bad.output and "payments-to-hub" in bad.output, bad
    assert s.api_calls()["PUT"] == 0  # stopped before Datadog saw it
