"""Programs with `CrossOrgDashboard` run through the harness's Mocks bridge: OrgConnections are
deployed by the real provider against the offline Datadog, the DashboardJson registration is
recorded with its inputs, parent and dependencies."""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.config.stack_program import load_config_file
from datadog_crossorg.dashboards import (
    CrossOrgDashboard,
    Dashboard,
    DashboardInvalid,
    LogsQuery,
    MetricsQuery,
    Timeseries,
    key_pair_provider,
)
from datadog_crossorg.dashboards.component import TYPE as COMPONENT
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.org_connection import OrgConnection
from datadog_crossorg.policy.rules import validate_query_uuids
from datadog_crossorg.resources.tokens import DASHBOARD_JSON, TYPED_DASHBOARDS
from datadog_crossorg.rules.values import UNKNOWN
from datadog_crossorg.testing.harness import Engine, ProviderServer
from datadog_crossorg.testing.mocks import ProgramResult, run_program

ROOT = Path(__file__).resolve().parents[2]


def emulator_config(emu: Emulator) -> dict[str, str]:
    config = load_config_file(ROOT / "stacks" / "Pulumi.local.yaml")
    configured = config["datadog:apiUrl"]
    return {k: v.replace(configured, emu.url) for k, v in config.items()}


@pytest.fixture
def deploy(datadog_emulator: Emulator, tmp_path: Path) -> Iterator[Callable[..., ProgramResult]]:
    """Run a program as `pulumi up` (or preview) against one engine and state for the test."""
    config = emulator_config(datadog_emulator)
    with ProviderServer(cwd=ROOT) as server:
        engine = Engine(server, stack="local", state_path=tmp_path / "state.json")

        def run(program: Callable[[], None], preview: bool = False) -> ProgramResult:
            return run_program(
                program, engine, config=config, secret_keys=SECRET_KEYS, preview=preview
            )

        yield run


def stack_program() -> None:
    runpy.run_path(str(ROOT / "stacks" / "__main__.py"), run_name="__main__")


def dashboards(result: ProgramResult) -> dict[str, Any]:
    return {r.name: r for r in result.resources if r.type == DASHBOARD_JSON}


def test_local_stack_sends_checked_dashboard_json_depending_on_its_connections(
    deploy: Callable[..., ProgramResult], datadog_emulator: Emulator
) -> None:
    preview = deploy(stack_program, preview=True)
    first = deploy(stack_program)
    second = deploy(stack_program)

    # First preview: the connections do not exist yet, so the check (and the JSON) waits for up.
    assert dashboards(preview)["fleet-overview"].inputs["dashboard"] == UNKNOWN
    sent = dashboards(first)
    fleet, audit = sent["fleet-overview"], sent["search-audit"]
    file_text = (ROOT / "stacks" / "dashboards" / "fleet-overview.json").read_text()
    assert fleet.inputs["dashboard"] == file_text  # the exported file, byte for byte
    audit_doc = json.loads(audit.inputs["dashboard"])
    audit_query = audit_doc["widgets"][0]["definition"]["requests"][0]["queries"][0]
    assert audit_query["cross_org_uuids"] == [datadog_emulator.org_uuid("search")]
    for resource in (fleet, audit):
        assert set(resource.dependency_names) == {"payments-to-hub", "search-to-hub", "edge-to-hub"}
        assert resource.parent.split("::")[-2] == COMPONENT
    assert [s.op for s in first.result.steps if ":OrgConnection::" in s.urn] == ["create"] * 3
    assert not second.result.changed
    assert {n: r.inputs for n, r in dashboards(second).items()} == {
        n: r.inputs for n, r in sent.items()
    }
    assert set(second.outputs["dashboard_ids"]) == {"fleet-overview", "search-audit"}


def connection_program(
    types: list[str], query: Callable[[OrgConnection], Any]
) -> Callable[[], None]:
    def program() -> None:
        hub = pulumi.Config("datadog-crossorg").require_object("orgUuids")["hub"]
        edge = OrgConnection("edge-to-hub", sink_org_id=hub, connection_types=types, org="edge")
        CrossOrgDashboard("edge-view", Dashboard("Edge", [Timeseries("W", [query(edge)])]))

    return program


def test_dashboard_reading_an_org_connection_depends_on_it_and_embeds_its_source_uuid(
    deploy: Callable[..., ProgramResult], datadog_emulator: Emulator
) -> None:
    program = connection_program(["metrics"], lambda c: MetricsQuery("e", "avg:x{*}", source=c))

    result = deploy(program)

    dashboard = dashboards(result)["edge-view"]
    query = json.loads(dashboard.inputs["dashboard"])["widgets"][0]["definition"]["requests"][0]
    assert query["queries"][0]["cross_org_uuids"] == [datadog_emulator.org_uuid("edge")]
    assert dashboard.dependency_names == ("edge-to-hub",)
    assert dashboard.property_dependencies["dashboard"] == dashboard.dependencies


def test_dashboard_reading_logs_over_a_metrics_only_connection_fails_before_it_is_sent(
    deploy: Callable[..., ProgramResult], datadog_emulator: Emulator
) -> None:
    program = connection_program(["metrics"], lambda c: LogsQuery("e", "status:error", source=c))

    with pytest.raises(DashboardInvalid) as failure:  # a pulumi.RunError too: no traceback
        deploy(program)

    edge, hub = datadog_emulator.org_uuid("edge"), datadog_emulator.org_uuid("hub")
    assert str(failure.value).endswith(
        'dashboard "edge-view" has 1 cross-org problem(s):\n'
        f'  - widgets[0].requests[0].queries[0] (name "e") in widget "W": reads logs of org {edge} '
        f"but connection edge-to-hub from that org to the dashboard's org {hub} shares only "
        "metrics: add logs to its connection_types"
    )
    assert not [r for r in datadog_emulator.requests if r.path.startswith("/api/v1/dashboard")]


def test_malformed_uuid_in_a_json_dashboard_fails_the_program_at_once(
    deploy: Callable[..., ProgramResult],
) -> None:
    bad = {"data_source": "metrics", "name": "q", "query": "avg:x{*}", "cross_org_uuids": ["edge"]}
    document = {
        "title": "T",
        "layout_type": "ordered",
        "widgets": [{"definition": {"type": "timeseries", "requests": [{"queries": [bad]}]}}],
    }

    with pytest.raises(
        DashboardInvalid, match=r"queries\[0\] \(name \"q\"\): cross_org_uuids 'edge'"
    ):
        deploy(lambda: CrossOrgDashboard("bad", document), preview=True)


def test_typed_dashboard_registers_cross_org_uuids_as_one_string_under_wire_names(
    deploy: Callable[..., ProgramResult], datadog_emulator: Emulator
) -> None:
    def program() -> None:
        hub = pulumi.Config("datadog-crossorg").require_object("orgUuids")["hub"]
        edge = OrgConnection(
            "edge-to-hub", sink_org_id=hub, connection_types=["metrics"], org="edge"
        )
        query = MetricsQuery("e", "avg:x{*}", source=edge)
        CrossOrgDashboard("typed", Dashboard("Edge", [Timeseries("W", [query])]), typed=True)

    result = deploy(program)

    (typed,) = [r for r in result.resources if r.type == TYPED_DASHBOARDS[0]]
    query = typed.inputs["widgets"][0]["timeseriesDefinition"]["requests"][0]["queries"][0]
    assert typed.type == TYPED_DASHBOARDS[0]
    assert query["metricQuery"]["crossOrgUuids"] == datadog_emulator.org_uuid("edge")
    assert typed.dependency_names == ("edge-to-hub",)
    found: list[str] = []
    validate_query_uuids(_args(typed), lambda message, _urn: found.append(message))
    assert found == []


def _args(resource: Any) -> Any:
    from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    return ResourceValidationArgs(
        resource.type, resource.inputs, resource.urn, resource.name, opts, None
    )


def test_an_explicit_provider_with_the_sink_orgs_keys_creates_the_dashboard(
    deploy: Callable[..., ProgramResult], datadog_emulator: Emulator
) -> None:
    document = json.loads((ROOT / "stacks" / "dashboards" / "fleet-overview.json").read_text())

    def program() -> None:
        hub = pulumi.Config("datadog-crossorg").require_object("orgUuids")["hub"]
        CrossOrgDashboard(
            "keyed",
            document,
            sink_org_id=hub,
            provider=key_pair_provider("payments-keys", "payments"),
        )

    result = deploy(program)

    provider = result.resource("payments-keys")
    assert provider.type == "pulumi:providers:datadog"
    assert dashboards(result)["keyed"].options["provider"].startswith(provider.urn + "::")
    assert datadog_emulator.keys("payments").app_key not in json.dumps(result.outputs)


def test_a_pulumi_output_as_source_is_resolved_and_checked_against_the_given_connections(
    deploy: Callable[..., ProgramResult], datadog_emulator: Emulator
) -> None:
    def program() -> None:
        hub = pulumi.Config("datadog-crossorg").require_object("orgUuids")["hub"]
        edge = OrgConnection(
            "edge-to-hub", sink_org_id=hub, connection_types=["metrics"], org="edge"
        )
        query = MetricsQuery("e", "avg:x{*}", source=edge.source_org_id.apply(str.upper))
        board = Dashboard("Edge", [Timeseries("W", [query])])
        CrossOrgDashboard("by-output", board, connections=[edge], sink_org_id=hub)

    result = deploy(program)

    sent = dashboards(result)["by-output"]
    document = json.loads(sent.inputs["dashboard"])
    query = document["widgets"][0]["definition"]["requests"][0]["queries"][0]
    assert query["cross_org_uuids"] == [datadog_emulator.org_uuid("edge").upper()]
    assert sent.dependency_names == ("edge-to-hub",)


def test_logs_over_a_metrics_only_connection_of_the_same_program_fails_at_the_first_preview(
    deploy: Callable[..., ProgramResult], datadog_emulator: Emulator
) -> None:
    # given: the connection does not exist yet, so its source org is unknown at preview; its
    # declared sink and types are known
    program = connection_program(["metrics"], lambda c: LogsQuery("e", "status:error", source=c))

    # when / then: the first preview already fails, naming the connection and the fix
    with pytest.raises(DashboardInvalid) as failure:
        deploy(program, preview=True)

    hub = datadog_emulator.org_uuid("hub")
    assert str(failure.value).endswith(
        'dashboard "edge-view" has 1 cross-org problem(s):\n'
        '  - widgets[0].requests[0].queries[0] (name "e") in widget "W": reads logs of org '
        f"<source of edge-to-hub> but connection edge-to-hub from that org to the dashboard's "
        f"org {hub} shares only metrics: add logs to its connection_types"
    )
    assert datadog_emulator.connections() == []


def test_a_preview_of_a_connection_that_shares_the_type_passes(
    deploy: Callable[..., ProgramResult],
) -> None:
    program = connection_program(["logs"], lambda c: LogsQuery("e", "status:error", source=c))

    preview = deploy(program, preview=True)

    assert dashboards(preview)["edge-view"].inputs["dashboard"] == UNKNOWN


def test_a_key_pair_naming_its_site_gives_the_explicit_provider_that_url(
    datadog_emulator: Emulator, tmp_path: Path
) -> None:
    """key_pair_provider reads a pair as the key ring does: `site` as well as `apiUrl`."""
    config = emulator_config(datadog_emulator)
    orgs = json.loads(config["datadog-crossorg:orgs"])
    orgs["payments"]["site"] = orgs["payments"].pop("apiUrl")
    config["datadog-crossorg:orgs"] = json.dumps(orgs)

    def program() -> None:
        key_pair_provider("payments-keys", "payments")

    with ProviderServer(cwd=ROOT) as server:
        engine = Engine(server, stack="local", state_path=tmp_path / "state.json")
        result = run_program(program, engine, config=config, secret_keys=SECRET_KEYS)

    inputs = result.resource("payments-keys").inputs
    assert datadog_emulator.url in json.dumps(inputs), inputs
