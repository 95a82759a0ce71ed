"""CI Visibility pipelines and Test Optimization tests across orgs: the offline Datadog serves
`ci_pipelines` and `ci_tests` timeseries queries (over HTTP), reading another org only through a
connection sharing `logs`, the one assumption it shares with the checks; and `crossorg
connections verify` proves them flowing on every `logs` connection, one row each."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from datadog_crossorg.cli import main
from datadog_crossorg.client import DatadogClient, Forbidden
from datadog_crossorg.client.records import TimeseriesQuery
from datadog_crossorg.data_sources import CONNECTION_TYPE_FOR, CONNECTION_TYPES, carried_by
from datadog_crossorg.emulator import Emulator, SeedError, load_seed, rules_queries
from datadog_crossorg.reports.verify import (
    Expectation,
    FlowCheck,
    print_flow_table,
    rows_json,
    verify_stack,
)
from datadog_crossorg.rules import queries as validate
from datadog_crossorg.testing.stack import emulator_stack_config

NOW = 1_760_000_100_000  # a whole 5 minutes: verify's hour holds 13 points
WINDOW = {"start_ms": NOW - 3_600_000, "end_ms": NOW, "interval_ms": 300_000}
CI_SOURCES = ("ci_pipelines", "ci_tests")
EMULATOR_PROBE = (
    "import sys, datadog_crossorg.emulator;"
    "print(sorted(m for m in sys.modules if m.startswith('datadog_crossorg.')"
    " and not m.startswith('datadog_crossorg.emulator')))"
)


def client(emu: Emulator, name: str) -> DatadogClient:
    keys = emu.keys(name)
    return DatadogClient(keys.api_key, keys.app_key, emu.url, deadline=10)


def count(source: str, org: str | None = None, search: str = "") -> TimeseriesQuery:
    return TimeseriesQuery("q", source, search, org)


def values(emu: Emulator, key_pair: str, query: TimeseriesQuery) -> tuple[float | None, ...]:
    with client(emu, key_pair) as caller:
        answer = caller.query_timeseries([query], **WINDOW)
    return answer.series[0].values


# -- one mapping -----------------------------------------------------------------------------
def test_the_emulator_and_the_checks_take_the_mapping_from_one_place() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", EMULATOR_PROBE], capture_output=True, text=True, check=True
    )

    assert rules_queries.CONNECTION_TYPE_FOR is validate.CONNECTION_TYPE_FOR is CONNECTION_TYPE_FOR
    assert set(rules_queries.DATA_SOURCES) == set(CONNECTION_TYPE_FOR)
    assert set(CONNECTION_TYPE_FOR.values()) == set(CONNECTION_TYPES)
    assert carried_by("logs") == ("logs", "ci_pipelines", "ci_tests")
    assert carried_by("metrics") == ("metrics",) and carried_by("rum") == ()
    assert loaded.stdout.strip() == "['datadog_crossorg.data_sources']"  # and nothing else of ours


# -- data ------------------------------------------------------------------------------------
def test_ci_sources_get_deterministic_series_of_their_own_as_logs_do(
    datadog_emulator_factory: Callable[..., Emulator],
) -> None:
    first, second = datadog_emulator_factory(), datadog_emulator_factory()

    logs = values(first, "hub", count("logs"))
    pipelines = values(first, "hub", count("ci_pipelines"))
    tests = values(first, "hub", count("ci_tests"))

    assert len(pipelines) == len(tests) == len(logs) == 13
    assert all(isinstance(v, int) and 0 <= v < 50 for v in (*pipelines, *tests))
    assert len({logs, pipelines, tests}) == 3  # each source its own data
    assert values(second, "hub", count("ci_pipelines")) == pipelines
    assert values(first, "payments", count("ci_pipelines")) != pipelines  # each org its own


def test_a_seeded_ci_series_is_served_as_given(
    datadog_emulator_factory: Callable[..., Emulator],
) -> None:
    seed = load_seed()
    points = [[NOW - 600_000, 4], [NOW - 300_000, 0], [NOW, 7]]
    seed["series"] = [
        {
            "org": "Acme Payments",
            "data_source": "ci_tests",
            "name": "@test.status:fail",
            "points": points,
        }
    ]
    emu = datadog_emulator_factory(seed=seed)
    with client(emu, "payments") as payments:
        payments.create_connection(emu.org_uuid("hub"), ["logs"])

    read = values(emu, "hub", count("ci_tests", emu.org_uuid("payments"), "@test.status:fail"))

    assert read == (4, 0, 7)


def test_a_seed_series_of_a_source_the_emulator_does_not_serve_is_refused() -> None:
    seed = load_seed()
    seed["series"] = [{"org": "Acme Hub", "data_source": "rum", "name": "*", "points": []}]

    with pytest.raises(SeedError) as refused:
        load_seed(seed)

    assert "data_source must be one of metrics, audit, ci_pipelines, ci_tests, logs" in str(
        refused.value
    )


# -- access ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "needed"), sorted(CONNECTION_TYPE_FOR.items()))
def test_a_cross_org_query_reads_the_source_only_while_the_carrying_type_is_shared(
    datadog_emulator: Emulator, source: str, needed: str
) -> None:
    emu = datadog_emulator
    hub, pay = emu.org_uuid("hub"), emu.org_uuid("payments")
    others = [t for t in CONNECTION_TYPES if t != needed]
    query = TimeseriesQuery(
        "q", source, "avg:system.cpu.user{*}" if source == "metrics" else "", pay
    )
    with client(emu, "payments") as payments:
        connection = payments.create_connection(hub, [needed])
        shared = values(emu, "hub", query)
        payments.update_connection(connection.id, others)
        with client(emu, "hub") as caller, pytest.raises(Forbidden) as refused:
            caller.query_timeseries([query], **WINDOW)

    assert sum(v is not None for v in shared) == 13
    assert f"reads {source} of org {pay}" in str(refused.value)
    assert f"shares only {', '.join(sorted(others))}" in str(refused.value)
    assert (f"{source} needs logs; assumed:" in str(refused.value)) == (source in CI_SOURCES)


# -- verify ----------------------------------------------------------------------------------
def verify_config(emu: Emulator) -> dict[str, str]:
    """Every key pair named, with its org's UUID (so one connection is enough to tell them)."""
    names = ("hub", "payments", "search")
    return emulator_stack_config(emu, None, names, org_uuids=names)


def rows_of(rows: list[FlowCheck], connection_id: str) -> list[tuple[str, str, bool]]:
    return [(r.data_type, r.data_source, r.flows) for r in rows if r.connection == connection_id]


def test_verify_proves_ci_data_on_logs_connections_one_row_per_source(
    datadog_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu, hub = datadog_emulator, datadog_emulator.org_uuid("hub")
    with client(emu, "payments") as payments, client(emu, "search") as search:
        pay_to_hub = payments.create_connection(hub, ["metrics", "logs"])
        search_to_hub = search.create_connection(hub, ["audit"])

    rows = verify_stack(verify_config(emu), now_ms=NOW)
    print_flow_table(rows)
    table = capsys.readouterr().out

    assert rows_of(rows, pay_to_hub.id) == [
        ("logs", "logs", True),
        ("logs", "ci_pipelines", True),
        ("logs", "ci_tests", True),
        ("metrics", "metrics", True),
    ]
    assert rows_of(rows, search_to_hub.id) == [("audit", "audit", True)]  # no CI without logs
    details = {r.data_source: r.detail for r in rows}
    assert details["logs"] == "13 points in the last hour (count of logs)"  # as before
    assert details["ci_pipelines"] == (
        "13 points in the last hour (count of ci_pipelines, assumed carried by logs)"
    )
    assert "(5/5 flowing)" in table
    assert "logs: ci_pipelines" in table and "logs: ci_tests" in table
    pipelines = {r.data_source: r for r in rows}["ci_pipelines"]
    assert pipelines.kind == "logs: ci_pipelines"
    assert json.loads(rows_json([pipelines]))[0] | {"detail": ""} == {
        "connection": pay_to_hub.id,
        "data_source": "ci_pipelines",
        "data_type": "logs",
        "detail": "",
        "flows": True,
        "sink": pipelines.sink,
        "source": pipelines.source,
    }
    queries = [r for r in emu.requests if r.path == "/api/v2/query/timeseries"]
    assert [(r.method, r.key_pair, r.status) for r in queries] == [("POST", "hub", 200)] * 5


def test_verify_says_why_ci_does_not_flow_once_logs_are_taken_off(
    datadog_emulator: Emulator,
) -> None:
    emu = datadog_emulator
    hub, pay = emu.org_uuid("hub"), emu.org_uuid("payments")
    with client(emu, "payments") as payments:
        connection = payments.create_connection(hub, ["logs", "metrics"])
        declared = [Expectation("payments-to-hub", pay, hub, connection.connection_types)]
        before = verify_stack(verify_config(emu), now_ms=NOW, expected=declared)
        payments.update_connection(connection.id, ["metrics"])
    after = verify_stack(verify_config(emu), now_ms=NOW, expected=declared)

    assert [r.flows for r in before] == [True, True, True, True]
    refused = {r.data_source: r.detail for r in after if not r.flows}
    assert sorted(refused) == ["ci_pipelines", "ci_tests", "logs"]
    assert refused["ci_pipelines"].startswith("the sink may not read it: ")
    assert "shares only metrics (ci_pipelines needs logs; assumed:" in refused["ci_pipelines"]
    assert [r.flows for r in after if r.data_type == "metrics"] == [True]


def test_verify_shows_no_data_for_an_org_that_runs_no_ci(
    datadog_emulator_factory: Callable[..., Emulator],
) -> None:
    seed = load_seed()
    long_ago = [[NOW - 24 * 3_600_000, 5]]  # one old pipeline run: none in the last hour
    seed["series"] = [
        {"org": "Acme Payments", "data_source": "ci_pipelines", "name": "*", "points": long_ago}
    ]
    emu = datadog_emulator_factory(seed=seed)
    with client(emu, "payments") as payments:
        payments.create_connection(emu.org_uuid("hub"), ["logs"])

    rows = {r.data_source: r for r in verify_stack(verify_config(emu), now_ms=NOW)}

    assert [(s, r.flows) for s, r in rows.items()] == [
        ("logs", True),
        ("ci_pipelines", False),
        ("ci_tests", True),
    ]
    assert rows["ci_pipelines"].detail == (
        "the query ran but found no ci_pipelines in the last hour (count of ci_pipelines, "
        "assumed carried by logs)"
    )


def test_the_verify_command_prints_the_ci_rows_and_fails_on_one_that_does_not_flow(
    datadog_emulator_factory: Callable[..., Emulator],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed = load_seed()
    seed["series"] = [
        {"org": "Acme Payments", "data_source": "ci_tests", "name": "*", "points": []}
    ]
    emu = datadog_emulator_factory(seed=seed)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(verify_config(emu)))
    with client(emu, "payments") as payments:
        payments.create_connection(emu.org_uuid("hub"), ["logs"])

    code = main(["connections", "verify", "--config", str(config), "--json"])

    rows = json.loads(capsys.readouterr().out)
    assert code == 1  # no test runs in the payments org: that row does not flow
    assert [(r["data_type"], r["data_source"], r["flows"]) for r in rows] == [
        ("logs", "logs", True),
        ("logs", "ci_pipelines", True),
        ("logs", "ci_tests", False),
    ]
