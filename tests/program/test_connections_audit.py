"""`crossorg connections audit` through the CLI against the offline Datadog: each finding is
planted in the emulated world (or the stack given) and found; its clean counterpart is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.cli import main
from datadog_crossorg.client.api import DatadogClient
from datadog_crossorg.client.records import Binding
from datadog_crossorg.emulator import Emulator, load_seed
from datadog_crossorg.emulator.seed import with_key_pair
from datadog_crossorg.rules.fleet import KINDS
from datadog_crossorg.testing.stack import emulator_stack_config, write_stack_file

ORGS = ("hub", "payments", "payments-sa", "search", "edge")


def client(emu: Emulator, name: str) -> DatadogClient:
    keys = emu.keys(name)
    return DatadogClient(keys.api_key, keys.app_key, emu.url)


def connect(emu: Emulator, source: str, sink: str, types: list[str]) -> Any:
    with client(emu, source) as c:
        return c.create_connection(emu.org_uuid(sink), types)


def restrict(emu: Emulator, side: str, connection_id: str) -> None:
    with client(emu, side) as c:
        c.set_restriction_policy(
            f"cross-org-connection:{connection_id}",
            [Binding("editor", (f"org:{emu.keys(side).org_uuid}",))],
            allow_self_lockout=True,
        )


def audit(
    emu: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
    orgs: tuple[str, ...] = ORGS,
    **structured: Any,
) -> tuple[int, dict[str, Any]]:
    config = emulator_stack_config(emu, None, orgs, org_uuids=orgs, **structured)
    path = write_stack_file(tmp_path / "Pulumi.audit.yaml", config)
    code = main(["connections", "audit", "--config", str(path), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def kinds(body: dict[str, Any]) -> list[str]:
    return [f["kind"] for f in body["findings"]]


def test_a_clean_fleet_exits_0_with_every_kind_counted_zero(datadog_emulator, tmp_path, capsys):
    emu = datadog_emulator
    conn = connect(emu, "payments-sa", "hub", ["metrics"])  # a service account's, restricted
    restrict(emu, "payments", conn.id)
    code, body = audit(emu, tmp_path, capsys)
    assert (code, body["findings"], body["connections"]) == (0, [], 1)
    assert body["counts"] == {kind: 0 for kind in KINDS} and body["schema"] == 1
    assert set(body) == {"schema", "failing", "fail_on", "connections", "key_pairs", "counts",
                         "partners", "findings", "not_read"}  # fmt: skip
    assert (body["failing"], body["key_pairs"], body["not_read"]) == (False, len(ORGS), [])


def test_a_person_created_connection_says_who_and_what_moving_it_costs(
    datadog_emulator, tmp_path, capsys
):
    emu = datadog_emulator
    conn = connect(emu, "payments", "hub", ["metrics"])
    restrict(emu, "payments", conn.id)
    code, body = audit(emu, tmp_path, capsys)
    assert code == 3 and kinds(body) == ["person-created"]
    finding = body["findings"][0]
    assert finding["connection_id"] == conn.id
    assert "disappears when Pat Payments (pat@acme.example) is deactivated" in finding["message"]
    assert "service account" in finding["fix"] and "Gap: yes" in finding["fix"]
    # and it is true: deactivating Pat deletes it
    assert emu.deactivate_user("pat@acme.example") == [conn.id]


def test_a_disabled_creator_is_its_own_finding(datadog_emulator_factory, tmp_path, capsys):
    seed = load_seed()
    payments = seed["accounts"][0]["orgs"][1]
    payments["users"][1]["active"] = False  # Quinn left; Datadog has not deleted it yet
    seed["connections"] = [
        {"source": "Acme Payments", "sink": "Acme Hub", "connection_types": ["metrics"],
         "created_by": "quinn@acme.example"}
    ]  # fmt: skip
    emu = datadog_emulator_factory(seed=seed)
    code, body = audit(emu, tmp_path, capsys, "--no-policies")
    assert code == 3 and kinds(body) == ["creator-disabled"]
    assert "Quinn Queue (quinn@acme.example), who is disabled" in body["findings"][0]["message"]


def limited_seed() -> dict[str, Any]:
    """Edge (not Enterprise) with five more orgs of its account on its site to connect to."""
    seed = load_seed()
    orgs = seed["accounts"][0]["orgs"]
    for index in range(3):
        orgs.append(
            {
                "name": f"Acme Extra {index}",
                "uuid": f"00000000-0000-4000-8000-00000000000{index}",
                "users": [{"id": f"extra-{index}", "name": f"X {index}", "handle": f"x{index}@a"}],
            }
        )
    return seed


def test_a_non_enterprise_org_at_five_partners_and_a_declared_sixth(
    datadog_emulator_factory, tmp_path, capsys
):
    emu = datadog_emulator_factory(seed=limited_seed())
    sinks = ["hub", "payments", "search", "Acme Extra 0", "Acme Extra 1"]
    for sink in sinks:
        connect(emu, "edge", sink, ["metrics"])
    facts = {"edge": {"plan": "pro"}}
    code, body = audit(emu, tmp_path, capsys, "--no-policies", "--fail-on", "limit-reached",
                       orgFacts=facts)  # fmt: skip
    assert code == 3 and "limit-reached" in kinds(body)
    assert body["partners"] == [
        {"org": emu.org_uuid("edge"), "name": "Acme Edge (710ae7b4)", "used": 5, "declared": 0,
         "limit": 5}
    ]  # fmt: skip
    sixth = [{"name": "edge-to-extra", "org": "edge", "sink": "00000000-0000-4000-8000-000000000002",
              "types": ["metrics"]}]  # fmt: skip
    code, body = audit(emu, tmp_path, capsys, "--no-policies", "--fail-on", "over-limit",
                       orgFacts=facts, connections=sixth)  # fmt: skip
    over = [f for f in body["findings"] if f["kind"] == "over-limit"]
    assert code == 3 and len(over) == 1 and "would be partner 6 of Acme Edge" in over[0]["message"]
    # Datadog agrees: the sixth is refused
    with client(emu, "edge") as c, pytest.raises(Exception, match="not on an Enterprise plan"):
        c.create_connection("00000000-0000-4000-8000-000000000002", ["metrics"])


def test_declared_connections_across_accounts_or_sites_and_hipaa(
    datadog_emulator, tmp_path, capsys
):
    emu = datadog_emulator
    declared = [
        {"name": "to-eu", "org": "payments", "sink": "eu", "types": ["metrics"]},
        {"name": "to-globex", "org": "payments", "sink": "globex", "types": ["metrics"]},
        {"name": "from-search", "org": "search", "sink": "hub", "types": ["logs"]},
    ]
    facts = {
        "payments": {"site": "datadoghq.com", "account": "acme"},
        "eu": {"site": "datadoghq.eu", "account": "acme"},
        "globex": {"site": "datadoghq.com", "account": "globex"},
        "search": {"hipaa": True},
    }
    orgs = (*ORGS, "eu", "globex")
    code, body = audit(emu, tmp_path, capsys, orgs=orgs, orgFacts=facts, connections=declared)
    by_subject = {(f["kind"], f["subject"]) for f in body["findings"]}
    assert {("cross-site", "to-eu"), ("cross-account", "to-globex"), ("hipaa", "from-search")} <= (
        by_subject
    )
    assert code == 3
    # and Datadog refuses both: another site (400), another account (404)
    with client(emu, "payments") as c:
        for sink in ("eu", "globex"):
            with pytest.raises(Exception):  # noqa: B017 - the status differs per rule
                c.create_connection(emu.org_uuid(sink), ["metrics"])


def export_of(resources: list[tuple[str, str | None]]) -> dict[str, Any]:
    token = "pulumi-python:dynamic/datadog:OrgConnection"
    return {
        "deployment": {
            "resources": [
                {"urn": f"urn:pulumi:s::p::{token}::{name}", "type": token,
                 "outputs": {"connection_id": ident}}
                for name, ident in resources
            ]
        }
    }  # fmt: skip


def test_unmanaged_and_gone_need_a_stack_and_are_found_with_one(datadog_emulator, tmp_path, capsys):
    emu = datadog_emulator
    managed = connect(emu, "payments-sa", "hub", ["metrics"])
    stray = connect(emu, "payments-sa", "search", ["metrics"])
    restrict(emu, "payments", managed.id)
    restrict(emu, "payments", stray.id)
    code, body = audit(emu, tmp_path, capsys, "--fail-on", "hipaa")
    assert code == 0 and "unmanaged" not in kinds(body)  # no stack given: not judged
    export = tmp_path / "prod.json"
    gone_id = "0d8f1c33-0000-4000-8000-000000000001"
    export.write_text(json.dumps(export_of([("a", managed.id), ("b", gone_id)])))
    code, body = audit(emu, tmp_path, capsys, "--stack-file", str(export))
    found = {(f["kind"], f["connection_id"]) for f in body["findings"]}
    assert ("unmanaged", stray.id) in found and ("gone", gone_id) in found
    assert ("unmanaged", managed.id) not in found
    assert code == 3


def test_unrestricted_means_neither_side_has_a_policy(datadog_emulator, tmp_path, capsys):
    emu = datadog_emulator
    conn = connect(emu, "payments-sa", "hub", ["metrics"])
    code, body = audit(emu, tmp_path, capsys)
    assert (code, kinds(body)) == (3, ["unrestricted"])
    restrict(emu, "hub", conn.id)  # the sink side alone is enough
    code, body = audit(emu, tmp_path, capsys)
    assert (code, kinds(body)) == (0, [])


def test_a_dashboard_reading_a_type_no_connection_shares_is_a_dead_query(
    datadog_emulator, tmp_path, capsys
):
    emu = datadog_emulator
    conn = connect(emu, "payments-sa", "hub", ["metrics"])
    restrict(emu, "payments", conn.id)
    query = {"data_source": "logs", "name": "q", "compute": {"aggregation": "count"},
             "search": {"query": ""}, "cross_org_uuids": [emu.org_uuid("payments")]}  # fmt: skip
    widget = {"definition": {"type": "timeseries", "requests": [
        {"response_format": "timeseries", "queries": [query], "formulas": [{"formula": "q"}]}]}}  # fmt: skip
    with client(emu, "hub") as c:
        made = c.create_dashboard({"title": "Fleet", "layout_type": "ordered", "widgets": [widget]})
    code, body = audit(emu, tmp_path, capsys)
    assert code == 3 and kinds(body) == ["dead-query"]
    assert made["id"] in body["findings"][0]["subject"]
    assert "shares only metrics: add logs" in body["findings"][0]["message"]
    code, body = audit(emu, tmp_path, capsys, "--no-documents")
    assert code == 0


def test_fail_on_chooses_what_fails_and_bad_kinds_are_one_line(datadog_emulator, tmp_path, capsys):
    emu = datadog_emulator
    connect(emu, "payments", "hub", ["metrics"])  # person-created and unrestricted
    code, _ = audit(emu, tmp_path, capsys, "--fail-on", "dead-query,gone")
    assert code == 0
    code, _ = audit(emu, tmp_path, capsys, "--fail-on", "unrestricted")
    assert code == 3
    config = write_stack_file(tmp_path / "P.yaml", emulator_stack_config(emu, "hub"))
    code = main(["connections", "audit", "--config", str(config), "--fail-on", "peope"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--fail-on 'peope': unknown kind(s) peope" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--stack-file", "/nonexistent/x.json"], "--stack-file /nonexistent/x.json: cannot read"),
        (["--stack-file", "__CONFIG__"], "is not JSON"),
    ],
)
def test_bad_stack_input_is_one_line(datadog_emulator, tmp_path, capsys, args, says):
    config = write_stack_file(tmp_path / "P.yaml", emulator_stack_config(datadog_emulator, "hub"))
    argv = [str(config) if a == "__CONFIG__" else a for a in args]
    code = main(["connections", "audit", "--config", str(config), *argv])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1


def test_table_and_markdown_show_the_same_findings(datadog_emulator, tmp_path, capsys):
    emu = datadog_emulator
    connect(emu, "payments", "hub", ["metrics"])
    config = write_stack_file(
        tmp_path / "P.yaml", emulator_stack_config(emu, None, ORGS, org_uuids=ORGS)
    )
    assert main(["connections", "audit", "--config", str(config), "--format", "markdown"]) == 3
    text = capsys.readouterr().out
    assert text.startswith("## Cross-org fleet audit") and "| person-created |" in text
    assert main(["connections", "audit", "--config", str(config)]) == 3
    assert "person-created" in capsys.readouterr().out


def test_a_notebook_reading_an_org_that_shares_nothing_is_a_dead_query(
    datadog_emulator, tmp_path, capsys
):
    emu = datadog_emulator
    query = {"data_source": "metrics", "name": "q", "query": "avg:system.cpu.user{*}",
             "cross_org_uuids": [emu.org_uuid("edge")]}  # fmt: skip
    cell = {"type": "notebook_cells", "attributes": {"definition": {"type": "timeseries",
            "requests": [{"response_format": "timeseries", "queries": [query],
                          "formulas": [{"formula": "q"}]}]}}}  # fmt: skip
    body = {"data": {"type": "notebooks", "attributes": {"name": "Edge CPU", "cells": [cell],
            "time": {"live_span": "1h"}}}}  # fmt: skip
    with client(emu, "hub") as c:
        c.create_notebook(body)
    code, found = audit(emu, tmp_path, capsys)
    assert code == 3 and kinds(found) == ["dead-query"]
    assert found["findings"][0]["subject"].startswith('notebook "Edge CPU"')
    assert "no org connection from that org" in found["findings"][0]["message"]


def test_what_the_keys_cannot_read_is_said_not_guessed(datadog_emulator_factory, tmp_path, capsys):
    seed = with_key_pair(None, "payments-ro", "pat@acme.example", ["org_connections_read"])
    emu = datadog_emulator_factory(seed=seed)
    connect(emu, "payments-sa", "hub", ["metrics"])
    code, body = audit(emu, tmp_path, capsys, orgs=("payments-ro",))
    assert any("payments-ro: dashboards not read" in line for line in body["not_read"])
    assert any("payments-ro: notebooks not read" in line for line in body["not_read"])
    assert code == 3 and kinds(body) == ["unrestricted"]  # policies it could read


def test_datadog_failing_ends_the_audit_with_exit_1_and_one_line(
    datadog_emulator, tmp_path, capsys
):
    from datadog_crossorg.emulator.faults import Fault

    emu = datadog_emulator
    emu.add_fault(Fault("status", "GET", "org_connections", status=403, times=None))
    config = write_stack_file(tmp_path / "P.yaml", emulator_stack_config(emu, "hub"))
    code = main(["connections", "audit", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("crossorg connections audit: GET /api/v2/org_connections")
