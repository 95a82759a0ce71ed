"""`crossorg review`: the three formats, the exit codes, bad input in one line, and `--live`
against the offline Datadog (hand-made dashboards and notebooks in the sink org, read-only)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.cli import main
from datadog_crossorg.dashboards import (
    CIPipelinesQuery,
    Dashboard,
    LogsQuery,
    MetricsQuery,
    Timeseries,
)
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.notebooks import Cell, Markdown, Notebook
from tests.review.support import fixture_path, fixture_text
from tests.support.probe import Probe, out_of_band, write_config
from tests.support.seed import EDGE, HUB, PAY


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["review", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_markdown_starts_with_one_summary_line_then_tables_then_the_graph(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "--from", str(fixture_path("demo-combined")), "--format", "markdown"
    )

    assert code == 0 and err == ""
    first, second, *rest = out.splitlines()
    assert first.startswith("**Cross-org review:** BREAKS: ") and second == ""
    assert "read a flow that stops" in first and "flow(s) stop" in first
    body = "\n".join(rest)
    assert body.index("### Flows that change") < body.index("### Who gains or loses access")
    assert body.index("### What breaks in the stack") < body.index("```mermaid")
    assert (
        "| stops | logs | Acme Payments (7bd471e8) | Acme Hub (ba11379d) | payments-to-hub |"
        in body
    )
    assert "| ci-health" not in body  # resources are named in brackets after the document
    assert "[ci-health]" in body and "[fleet-overview]" in body
    graph = body.split("```mermaid\n", 1)[1]
    assert 'o7bd471e8 -->|"narrowed: metrics; - logs"| oba11379d' in graph
    assert 'o8e5fed0c ==>|"new: + audit, logs, metrics"| o7bd471e8' in graph
    assert 'o8e5fed0c -.->|"removed: - audit, logs, metrics"| oba11379d' in graph
    assert "linkStyle" in graph


def test_json_follows_the_documented_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--from", str(fixture_path("demo-narrow")), "--format", "json")

    document = json.loads(out)
    assert code == 0
    assert document["version"] == 1
    assert set(document) == {
        "version",
        "summary",
        "connections",
        "flows",
        "access",
        "breaks",
        "reads_nothing_today",
        "notes",
        "live",
        "org_names",
    }
    assert document["summary"]["flows"] == {"stops": 1, "unknown": 0, "starts": 0, "stays": 5}
    assert document["summary"]["broken"] is True and document["summary"]["breaks"] == 3
    stop = document["flows"][0]
    assert stop == {
        "source_org_id": PAY,
        "sink_org_id": HUB,
        "connection_type": "logs",
        "status": "stops",
        "connections": ["payments-to-hub"],
        "note": "type removed from the connection",
    }
    brk = document["breaks"][0]
    assert set(brk) == {"where", "certain", "flow", "document", "query", "note"}
    assert brk["where"] == "stack" and brk["document"]["org_id"] == HUB
    assert set(brk["query"]) == {"path", "name", "widget", "data_source"}
    payments = next(c for c in document["connections"] if c["name"] == "payments-to-hub")
    assert payments["before"]["connection_types"] == ["logs", "metrics"]
    assert payments["after"] == {
        "source_org_id": PAY,
        "sink_org_id": HUB,
        "connection_types": ["metrics"],
    }
    assert document["live"] is None


def test_table_is_the_default_and_names_the_flow_and_the_documents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--from", str(fixture_path("demo-narrow")))

    assert code == 0
    assert out.startswith("Cross-org review: BREAKS: 3 queries in 2 dashboard(s)/notebook(s)")
    assert "Flows that change" in out and "payments-to-hub" in out and "Error logs" in out


def test_fail_on_break_exits_3_only_when_something_reads_a_flow_that_stops(
    capsys: pytest.CaptureFixture[str],
) -> None:
    narrow = run(capsys, "--from", str(fixture_path("demo-narrow")), "--fail-on-break")
    access = run(capsys, "--from", str(fixture_path("demo-access")), "--fail-on-break")
    delete = run(capsys, "--from", str(fixture_path("demo-delete")), "--fail-on-break")
    without = run(capsys, "--from", str(fixture_path("demo-narrow")))

    assert (narrow[0], access[0], delete[0], without[0]) == (3, 0, 0, 0)


def test_reads_the_preview_from_stdin_and_writes_to_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(fixture_text("demo-access")))
    target = tmp_path / "comment.md"

    code, out, _ = run(capsys, "--from", "-", "--format", "markdown", "-o", str(target))

    assert code == 0 and out == ""
    text = target.read_text()
    assert "### Who gains or loses access" in text and "team:c64c2d7e" in text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--from", "missing.json"], "cannot read missing.json"),
        (["--from", "FIXTURE:failed"], 'the preview failed (dashboard "fleet-overview"'),
        (["--from", "FIXTURE:not-ours"], "holds none of datadog-crossorg's resources"),
        (["--from", "FIXTURE:demo-narrow", "--", "--refresh"], "go with --stack, not --from"),
        (["--from", "FIXTURE:demo-narrow", "--cwd", "."], "--cwd goes with --stack"),
    ],
)
def test_bad_usage_and_bad_input_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    args = [str(fixture_path(a.split(":", 1)[1])) if a.startswith("FIXTURE:") else a for a in args]

    code, out, err = run(capsys, *args)

    assert code == 2 and out == ""
    assert err.startswith("crossorg review: ") and expected in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_not_a_preview_on_stdin_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"deployment": {"resources": []}})))

    code, _, err = run(capsys, "--from", "-")

    assert code == 2 and "`pulumi stack export` output" in err


# -- --live ------------------------------------------------------------------------------------
def _dashboard(title: str, *queries: Any) -> dict[str, Any]:
    return Dashboard(title, [Timeseries("W", list(queries))]).to_dict()


def hand_made(emu: Emulator) -> dict[str, Any]:
    """What people made in the hub's UI: documents reading payments' logs (which the narrowing
    stops), payments' metrics (which stay), and edge's metrics (no edge connection exists in this
    Datadog: it reads nothing today)."""
    with out_of_band(emu, "payments") as payments:
        payments.create_connection(HUB, ["metrics", "logs"])
    with out_of_band(emu, "hub") as hub:
        # the emulator numbers notebooks from 100001, the id the fixture's stack notebook had
        hub.create_notebook(Notebook("Notes", [Markdown("# not cross-org")]).request_body())
        made = {
            "errors": hub.create_dashboard(
                _dashboard("Payments errors", LogsQuery("err", "status:error", source=PAY))
            ),
            "cpu": hub.create_dashboard(
                _dashboard(
                    "Payments CPU", MetricsQuery("cpu", "avg:system.cpu.user{*}", source=PAY)
                )
            ),
            "edge": hub.create_dashboard(
                _dashboard("Edge CPU", MetricsQuery("edge", "avg:system.cpu.user{*}", source=EDGE))
            ),
            "ci": hub.create_notebook(
                Notebook(
                    "Payments CI",
                    [
                        Cell(
                            Timeseries(
                                "Failed", [CIPipelinesQuery("f", "@ci.status:error", source=PAY)]
                            )
                        )
                    ],
                ).request_body()
            ),
        }
    return made


def test_live_lists_hand_made_documents_reading_the_flow_that_stops_and_writes_nothing(
    datadog_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    made = hand_made(datadog_emulator)
    config = write_config(datadog_emulator, tmp_path / "config.json")
    probe = Probe(datadog_emulator)
    probe.api_calls()

    code, out, err = run(
        capsys,
        "--from",
        str(fixture_path("demo-narrow")),
        "--live",
        "--config",
        str(config),
        "--format",
        "json",
        "--fail-on-break",
    )

    document = json.loads(out)
    assert code == 3, err
    live = [b for b in document["breaks"] if b["where"] == "live"]
    found = {(b["document"]["kind"], b["document"]["id"], b["query"]["name"]) for b in live}
    assert found == {
        ("dashboard", made["errors"]["id"], "err"),
        ("notebook", str(made["ci"]["id"]), "f"),
    }
    assert all(b["certain"] and b["document"]["org_id"] == HUB for b in live)
    assert {b["query"]["path"] for b in live} == {
        "widgets[0].requests[0].queries[0]",
        "cells[0].requests[0].queries[0]",
    }
    dead = document["reads_nothing_today"]
    assert [(d["document"]["id"], d["problem"]["code"]) for d in dead] == [
        (made["edge"]["id"], "no-connection")
    ]
    assert document["live"] == {"searched_orgs": [HUB]}
    calls = probe.api_calls()
    # the hub only: its connections, one notebooks page (cells included), one dashboards page,
    # and one GET per dashboard; never a write
    assert calls == {"GET": 1 + 1 + 1 + 3}, calls
    methods = {r.method for r in datadog_emulator.requests}
    assert methods <= {"GET", "POST"}  # the POSTs are hand_made's, before the review


def test_live_with_pulumi_config_json_output_and_markdown_sections(
    datadog_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    hand_made(datadog_emulator)
    config = write_config(datadog_emulator, tmp_path / "config.json")
    shaped = {
        k: {"value": v, "secret": "Key" in k} for k, v in json.loads(config.read_text()).items()
    }
    pulumi_json = tmp_path / "pulumi-config.json"  # `pulumi config --show-secrets --json` shape
    pulumi_json.write_text(json.dumps(shaped))

    code, out, _ = run(
        capsys,
        "--from",
        str(fixture_path("demo-narrow")),
        "--live",
        "--config",
        str(pulumi_json),
        "--format",
        "markdown",
    )

    assert code == 0
    assert "### What breaks in Datadog (searched Acme Hub (ba11379d))" in out
    assert "Payments errors" in out and "Payments CI" in out
    assert "### Cross-org queries that read nothing today" in out and "Edge CPU" in out


def test_live_without_a_key_pair_of_the_sink_says_it_did_not_search(
    datadog_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")

    code, out, _ = run(
        capsys,
        "--from",
        str(fixture_path("demo-narrow")),
        "--live",
        "--config",
        str(config),
        "--org",
        "payments",
        "--format",
        "json",
    )

    document = json.loads(out)
    assert code == 0 and document["live"] == {"searched_orgs": []}
    assert any("no key pair of Acme Hub (ba11379d) was given" in n for n in document["notes"])


def test_live_when_datadog_refuses_exits_1(
    datadog_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    values = json.loads(config.read_text())
    values["datadog:appKey"] = "not-the-hub-app-key"
    config.write_text(json.dumps(values))

    code, out, err = run(
        capsys, "--from", str(fixture_path("demo-narrow")), "--live", "--config", str(config)
    )

    assert code == 1 and out == "" and "Traceback" not in err
    assert "not-the-hub-app-key" not in err


def test_stack_without_a_pulumi_cli_on_path_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pulumi here

    code, out, err = run(capsys, "--stack", "prod")

    assert code == 2 and out == ""
    assert (
        err == "crossorg review: no `pulumi` on PATH: install the Pulumi CLI, or use --from FILE\n"
    )


def test_stack_whose_preview_prints_no_json_exits_2_with_its_last_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "pulumi"  # a CLI that fails before any JSON, as with no such stack
    fake.write_text("#!/bin/sh\necho 'error: no stack named prod found' >&2\nexit 255\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    code, _, err = run(capsys, "--stack", "prod", "--cwd", str(tmp_path))

    assert code == 2
    assert err == (
        "crossorg review: pulumi preview on stack prod failed (exit 255): "
        "error: no stack named prod found\n"
    )
