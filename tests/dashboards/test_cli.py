"""`crossorg dashboards export|lint` against the offline Datadog, keys from a config file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.cli import main
from datadog_crossorg.dashboards import Dashboard, LogsQuery, MetricsQuery, Timeseries, render
from datadog_crossorg.emulator import Emulator
from tests.support.probe import out_of_band, write_config


def reading(emu: Emulator, data_source: str) -> dict[str, Any]:
    pay = emu.org_uuid("payments")
    query = (
        MetricsQuery("pay", "avg:system.cpu.user{*}", source=pay)
        if data_source == "metrics"
        else LogsQuery("pay", "status:error", source=pay)
    )
    return Dashboard(f"Payments {data_source}", [Timeseries("W", [query])]).to_dict()


def test_export_one_dashboard_to_stdout_and_to_a_file(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    with out_of_band(datadog_emulator, "hub") as hub:
        dashboard_id = hub.create_dashboard(reading(datadog_emulator, "metrics"))["id"]
    out = tmp_path / "out.json"

    to_stdout = main(["dashboards", "export", dashboard_id, "--config", str(config)])
    printed = capsys.readouterr().out
    to_file = main(["dashboards", "export", dashboard_id, "-o", str(out), "--config", str(config)])

    assert (to_stdout, to_file) == (0, 0)
    assert printed == render(reading(datadog_emulator, "metrics"))
    assert out.read_text() == printed


def test_export_warns_on_stderr_about_monitor_ids_it_keeps(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    alert = {"definition": {"type": "alert_graph", "alert_id": "4242", "viz_type": "timeseries"}}
    with out_of_band(datadog_emulator, "hub") as hub:
        doc = hub.create_dashboard({"title": "A", "layout_type": "ordered", "widgets": [alert]})

    code = main(["dashboards", "export", doc["id"], "--config", str(config)])

    captured = capsys.readouterr()
    assert code == 0
    assert (
        f"warning: dashboard {doc['id']}: widgets[0].definition.alert_id: kept '4242'"
        in captured.err
    )
    assert json.loads(captured.out)["widgets"] == [alert]


def test_export_cross_org_writes_one_file_per_cross_org_dashboard(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    with out_of_band(datadog_emulator, "hub") as hub:
        own = hub.create_dashboard(
            Dashboard("Own", [Timeseries("W", [MetricsQuery("a", "avg:x{*}")])]).to_dict()
        )
        cross = hub.create_dashboard(reading(datadog_emulator, "logs"))
    target = tmp_path / "exported"

    code = main(
        [
            "dashboards",
            "export",
            "--cross-org",
            "-d",
            str(target),
            "--quiet",
            "--config",
            str(config),
        ]
    )

    captured = capsys.readouterr()
    assert code == 0
    assert sorted(p.name for p in target.iterdir()) == [f"{cross['id']}.json"]
    assert captured.out.split() == [str(target / f"{cross['id']}.json")]
    assert own["id"] not in captured.out and captured.err == ""
    assert (target / f"{cross['id']}.json").read_text() == render(reading(datadog_emulator, "logs"))


@pytest.mark.parametrize("argv", [[], ["abc-def-ghi", "--cross-org"], ["--cross-org", "-o", "x"]])
def test_export_needs_exactly_one_of_id_or_cross_org(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dashboards", "export", *argv]) == 2
    assert "crossorg dashboards export:" in capsys.readouterr().err


def test_export_of_an_unknown_dashboard_fails_with_datadogs_message_and_no_key(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")

    code = main(["dashboards", "export", "nope-nop-nop", "--config", str(config)])

    err = capsys.readouterr().err
    assert code == 1
    assert "nope-nop-nop" in err
    assert datadog_emulator.keys("hub").app_key not in err


def test_lint_offline_reports_each_problem_with_widget_and_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        "title": "Bad",
        "layout_type": "ordered",
        "widgets": [
            {
                "definition": {
                    "type": "timeseries",
                    "requests": [
                        {
                            "queries": [
                                {"data_source": "metrics", "name": "q1", "query": "avg:x{*}"},
                                {
                                    "data_source": "metrics",
                                    "name": "q2",
                                    "query": "avg:x{*}",
                                    "cross_org_uuids": ["not-a-uuid"],
                                },
                            ]
                        }
                    ],
                }
            }
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))

    code = main(["dashboards", "lint", str(path)])

    assert code == 1
    assert capsys.readouterr().out == (
        f"{path}: widgets[0].requests[0].queries[1] (name \"q2\"): cross_org_uuids 'not-a-uuid' "
        "is not an org UUID (8-4-4-4-12 hex digits, as in the org's settings)\n"
    )


def test_lint_live_checks_sources_against_the_connections_of_the_dashboard_org(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    hub_uuid, pay_uuid = datadog_emulator.org_uuid("hub"), datadog_emulator.org_uuid("payments")
    with out_of_band(datadog_emulator, "payments") as payments:
        connection = payments.create_connection(hub_uuid, ["metrics"])
    metrics, logs = tmp_path / "metrics.json", tmp_path / "logs.json"
    metrics.write_text(render(reading(datadog_emulator, "metrics")))
    logs.write_text(render(reading(datadog_emulator, "logs")))

    offline = main(["dashboards", "lint", str(metrics), str(logs)])
    offline_out = capsys.readouterr().out
    live = main(["dashboards", "lint", str(metrics), str(logs), "--live", "--config", str(config)])
    live_out = capsys.readouterr().out.splitlines()

    assert offline == 0 and offline_out.count(": ok (1 cross-org queries checked)") == 2
    assert live == 1
    assert live_out == [
        f"{metrics}: ok (1 cross-org queries checked against 1 connection(s))",
        f'{logs}: widgets[0].requests[0].queries[0] (name "pay") in widget "W": reads logs of org '
        f"{pay_uuid} but connection {connection.id} from that org to the dashboard's org shares "
        "only metrics: "
        "add logs to its connection_types",
    ]
    listed = [r for r in datadog_emulator.requests if r.path == "/api/v2/org_connections"]
    assert [(r.method, r.key_pair) for r in listed][-1] == ("GET", "hub")
