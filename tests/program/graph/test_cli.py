"""`crossorg connections graph` options: dashboards, the dashboard's org, errors, progress."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.cli import main
from datadog_crossorg.emulator import Emulator

SPOKE_PAIRS = ("--org", "payments", "--org", "search", "--org", "edge")


def dashboard_file(path: Path, emu: Emulator, *sources: str) -> Path:
    """A dashboard whose group widget holds one query per source org."""
    queries = [
        {"data_source": "metrics", "name": f"q{i}", "query": "avg:x{*}", "cross_org_uuids": [u]}
        for i, u in enumerate(emu.org_uuid(s) for s in sources)
    ]
    inner = {"definition": {"type": "timeseries", "requests": [{"queries": queries}]}}
    doc = {
        "title": path.stem.title(),
        "layout_type": "ordered",
        "widgets": [{"definition": {"type": "group", "widgets": [inner]}}],
    }
    path.write_text(json.dumps(doc))
    return path


def test_dashboards_in_the_hub_mark_the_connections_they_read(
    demo_emulator: Emulator, graph_cli: Callable[..., Any], tmp_path: Path
) -> None:
    board = dashboard_file(tmp_path / "fleet.json", demo_emulator, "search", "edge")

    tree = graph_cli(demo_emulator, "--dashboards", str(board))
    doc = json.loads(graph_cli(demo_emulator, "--format", "json", "--dashboards", str(board)).out)

    assert tree.code == 0
    assert "├── Acme Edge (710ae7b4)      metrics               dashboard\n" in tree.out
    assert "├── Acme Payments (7bd471e8)  logs, metrics\n" in tree.out
    assert "└── Acme Search (8e5fed0c)    audit, logs, metrics  dashboard\n" in tree.out
    assert [e["dashboards"] for e in doc["edges"]] == [["Fleet"], [], ["Fleet"]]


def test_the_dashboard_org_follows_the_first_key_pair_unless_given(
    demo_emulator: Emulator, graph_cli: Callable[..., Any], tmp_path: Path
) -> None:
    board = dashboard_file(tmp_path / "fleet.json", demo_emulator, "payments")
    edge_org = demo_emulator.org_uuid("edge")

    # The first pair is payments; its one connection fits Acme Payments and Acme Hub alike.
    ambiguous = graph_cli(demo_emulator, *SPOKE_PAIRS, "--dashboards", str(board))
    in_hub = graph_cli(
        demo_emulator,
        *SPOKE_PAIRS,
        "--dashboards",
        str(board),
        "--dashboard-org",
        demo_emulator.org_uuid("hub"),
    )
    in_edge = graph_cli(demo_emulator, "--dashboards", str(board), "--dashboard-org", edge_org)

    assert ambiguous.code == 2 and ambiguous.out == ""
    assert "key pair 'payments'" in ambiguous.err and "--dashboard-org UUID" in ambiguous.err
    assert "├── Acme Payments (7bd471e8)  logs, metrics         dashboard\n" in in_hub.out
    assert "dashboard" not in in_edge.out  # Acme Edge receives nothing from Acme Payments


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "No such file"), ("{not json", "not a dashboard JSON file")],
)
def test_an_unreadable_dashboard_file_is_refused_naming_it(
    demo_emulator: Emulator,
    graph_cli: Callable[..., Any],
    tmp_path: Path,
    content: str | None,
    message: str,
) -> None:
    board = tmp_path / "board.json"
    if content is not None:
        board.write_text(content)

    run = graph_cli(demo_emulator, "--dashboards", str(board))

    assert (run.code, run.out) == (2, "")
    assert run.err.startswith("crossorg connections graph: ") and message in run.err
    assert "board.json" in run.err


def test_keys_refused_by_datadog_fail_with_exit_1_and_no_key_in_the_message(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "Pulumi.bad.yaml"
    config.write_text(
        "config:\n"
        "  datadog:apiKey: wrong-api-key-123\n"
        "  datadog:appKey: wrong-app-key-456\n"
        f"  datadog:apiUrl: {datadog_emulator.url}\n"
    )

    code = main(["connections", "graph", "--config", str(config)])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("crossorg connections graph: ")
    assert "wrong-api-key-123" not in err and "wrong-app-key-456" not in err


def run_on_terminal(config: Path, *args: str) -> tuple[int, str, str]:
    """Run the command as a user would in a terminal: stderr on a pseudo-terminal."""
    command = [sys.executable, "-m", "datadog_crossorg.cli", "connections", *args]
    main_fd, terminal_fd = pty.openpty()
    done = subprocess.Popen(
        [*command, "--config", str(config), *SPOKE_PAIRS],
        stdout=subprocess.PIPE,
        stderr=terminal_fd,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(terminal_fd)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(main_fd)
    out = done.stdout.read() if done.stdout else b""
    return done.wait(timeout=30), out.decode(), seen.decode(errors="replace")


@pytest.mark.parametrize("action", ["graph", "list"])
def test_listing_several_orgs_shows_progress_on_a_terminal_only_without_quiet(
    demo_emulator: Emulator, stack_config: Callable[[Emulator], Path], action: str
) -> None:
    config = stack_config(demo_emulator)

    shown = run_on_terminal(config, action)
    quiet = run_on_terminal(config, action, "--quiet")

    assert shown[0] == 0 and quiet[0] == 0
    assert "Listing connections" in shown[2]
    assert quiet[2] == ""
    assert shown[1] == quiet[1] and "Acme Search" in shown[1]  # stdout carries no progress


def test_progress_stays_off_when_stderr_is_not_a_terminal(
    demo_emulator: Emulator, graph_cli: Callable[..., Any]
) -> None:
    run = graph_cli(demo_emulator, *SPOKE_PAIRS)

    assert run.code == 0 and run.err == ""
    assert "Acme Hub (ba11379d) receives from 3 orgs:" in run.out
