"""`crossorg review` under the real `pulumi` CLI, on the offline Datadog: a stack (stacks/) that
narrows types, one that deletes a connection, one that replaces a sink, one that changes access,
with dashboards and notebooks made by hand in the hub (a person in the UI) reading the affected
flows. The preview is the real CLI's `preview --json --show-sames --show-replacement-steps`,
made by `crossorg review --stack` itself or saved and read with `--from`; rows, markdown, JSON
and exit codes are asserted, and the review never writes to Datadog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from datadog_crossorg.dashboards import (
    CIPipelinesQuery,
    Dashboard,
    LogsQuery,
    MetricsQuery,
    Timeseries,
)
from datadog_crossorg.notebooks import Cell, Notebook
from tests.real_engine.cli_world import PAYMENTS, SEARCH, CliStack
from tests.support.access import FINANCE, HUB_ADMIN, PAYMENTS_ADMIN
from tests.support.paths import ROOT

FLAGS = ("preview", "--json", "--show-sames", "--show-replacement-steps")


def crossorg(s: CliStack, *args: str) -> subprocess.CompletedProcess[str]:
    """`crossorg ARGS` as a user runs it, beside the stack (its PULUMI_HOME, backend, PATH)."""
    env = {**s.cli.env, "PYTHONPATH": os.pathsep.join([str(ROOT / "provider"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-m", "datadog_crossorg.cli", *args],
        cwd=s.cli.project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def save_preview(s: CliStack, path: Path) -> Path:
    path.write_text(s.pulumi(*FLAGS).stdout)
    return path


def by_hand(s: CliStack, title: str, query: Any, notebook: bool = False) -> str:
    """A dashboard (or notebook) made in the hub's UI, reading one query; its id."""
    with s.client("hub") as hub:
        if notebook:
            return str(
                hub.create_notebook(
                    Notebook(title, [Cell(Timeseries("W", [query]))]).request_body()
                )["id"]
            )
        return hub.create_dashboard(Dashboard(title, [Timeseries("W", [query])]).to_dict())["id"]


def review_json(s: CliStack, preview: Path, *more: str) -> tuple[int, dict[str, Any]]:
    done = crossorg(
        s,
        "review",
        "--from",
        str(preview),
        "--format",
        "json",
        "--live",
        "--config",
        str(s.stack_file),
        *more,
    )
    assert done.returncode in (0, 3), done.stderr
    return done.returncode, json.loads(done.stdout)


def flows(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (f["status"], f["connection_type"], f["source_org_id"], f["sink_org_id"])
        for f in document["flows"]
    }


def live_breaks(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (b["document"]["kind"], b["document"]["title"], b["query"]["name"])
        for b in document["breaks"]
        if b["where"] == "live" and b["certain"]
    }


def test_narrowing_types_breaks_the_stack_notebook_and_hand_made_documents(
    py_stack: CliStack, tmp_path: Path
) -> None:
    s = py_stack
    pay, hub = s.emu.org_uuid("payments"), s.emu.org_uuid("hub")
    notebook = Notebook(
        "Payments CI",
        [
            Cell(
                Timeseries(
                    "Failed", [CIPipelinesQuery("ci", "@ci.status:error", source="payments")]
                )
            )
        ],
    )
    entry = {"name": "payments-ci", "sink": "hub", "notebook": notebook.to_dict(lambda x: x)}
    s.hub_and_spokes([PAYMENTS, SEARCH], **{"datadog-crossorg:notebooks": [entry]})
    s.pulumi("up", "--yes")
    by_hand(s, "Payments errors", LogsQuery("err", "status:error", source=pay))
    by_hand(s, "Payments CPU", MetricsQuery("cpu", "avg:system.cpu.user{*}", source=pay))
    by_hand(s, "Payments tests", LogsQuery("t", "@test.status:fail", source=pay), notebook=True)
    s.hub_and_spokes(
        [{**PAYMENTS, "types": ["metrics"]}, SEARCH], **{"datadog-crossorg:notebooks": [entry]}
    )
    preview = save_preview(s, tmp_path / "narrow.json")
    before = len(s.emu.requests)

    code, document = review_json(s, preview, "--fail-on-break")
    markdown = crossorg(s, "review", "--from", str(preview), "--format", "markdown")
    table = crossorg(s, "review", "--from", str(preview))

    assert code == 3
    assert ("stops", "logs", pay, hub) in flows(document)
    assert ("stays", "metrics", pay, hub) in flows(document)
    stack = [b for b in document["breaks"] if b["where"] == "stack"]
    # the plan does not tell the default key pair's org (nothing else is made with it), so the
    # stack's notebook only may break; found in the hub by --live, it certainly breaks
    assert [(b["document"]["resource"], b["query"]["name"], b["certain"]) for b in stack] == [
        ("payments-ci", "ci", False)
    ]
    assert live_breaks(document) == {
        ("dashboard", "Payments errors", "err"),
        ("notebook", "Payments tests", "t"),
        ("notebook", "Payments CI", "ci"),
    }, json.dumps(document, indent=1)
    found = next(
        b for b in document["breaks"] if b["query"]["name"] == "ci" and b["where"] == "live"
    )
    assert found["document"]["resource"] == "payments-ci"
    assert {r.method for r in s.emu.requests[before:]} == {"GET"}  # read-only
    first = markdown.stdout.splitlines()[0]
    assert markdown.returncode == 0
    assert first.startswith("**Cross-org review:** may break: 1 query may read a flow that stops")
    assert (
        "| stops | logs | Acme Payments (7bd471e8) | Acme Hub (ba11379d) | payments-to-hub |"
        in markdown.stdout
    )
    assert 'o7bd471e8 -->|"narrowed: metrics; - logs"| oba11379d' in markdown.stdout
    assert table.returncode == 0 and "payments-to-hub" in table.stdout
    assert "What breaks in the stack" in table.stdout


def test_deleting_a_connection_breaks_a_hand_made_dashboard(
    py_stack: CliStack, tmp_path: Path
) -> None:
    s = py_stack
    search, hub = s.emu.org_uuid("search"), s.emu.org_uuid("hub")
    s.hub_and_spokes([PAYMENTS, SEARCH])
    s.pulumi("up", "--yes")
    by_hand(s, "Search CPU", MetricsQuery("cpu", "avg:system.cpu.user{*}", source=search))
    s.hub_and_spokes([PAYMENTS])
    preview = save_preview(s, tmp_path / "delete.json")

    code, document = review_json(s, preview, "--fail-on-break")
    without_gate, _ = review_json(s, preview)

    assert (code, without_gate) == (3, 0)
    assert ("stops", "metrics", search, hub) in flows(document)
    search_flow = next(f for f in document["flows"] if f["source_org_id"] == search)
    assert search_flow["note"] == "connection deleted"
    assert live_breaks(document) == {("dashboard", "Search CPU", "cpu")}
    assert document["summary"]["breaks"] == 0 and document["summary"]["live_breaks"] == 1


def test_replacing_a_sink_starts_the_new_flow_before_the_old_one_stops(
    py_stack: CliStack, tmp_path: Path
) -> None:
    s = py_stack
    search, hub, pay = (s.emu.org_uuid(n) for n in ("search", "hub", "payments"))
    s.hub_and_spokes([PAYMENTS, SEARCH])
    s.pulumi("up", "--yes")
    by_hand(
        s,
        "Search in the hub",
        MetricsQuery("m", "avg:system.cpu.user{*}", source=search),
        notebook=True,
    )
    s.hub_and_spokes([PAYMENTS, {**SEARCH, "sink": "payments"}])
    preview = save_preview(s, tmp_path / "replace.json")

    code, document = review_json(s, preview, "--fail-on-break")

    assert code == 3
    assert ("stops", "metrics", search, hub) in flows(document)
    assert ("starts", "metrics", search, pay) in flows(document)
    connection = next(c for c in document["connections"] if c["name"] == "search-to-hub")
    assert connection["op"] == "replace" and connection["replace_order"] == "create-before-delete"
    assert live_breaks(document) == {("notebook", "Search in the hub", "m")}
    edges = [
        line
        for line in crossorg(
            s, "review", "--from", str(preview), "--format", "markdown"
        ).stdout.splitlines()
        if '|"' in line
    ]
    assert any(
        line.strip().startswith("o8e5fed0c ==>") and "new: + metrics" in line for line in edges
    )
    assert any(
        line.strip().startswith("o8e5fed0c -.->") and "removed: - metrics" in line for line in edges
    )


def test_changing_access_names_who_gains_and_loses_through_review_stack(
    py_stack: CliStack, tmp_path: Path
) -> None:
    s = py_stack
    hub_side = {
        "connection": "payments-to-hub",
        "editors": [HUB_ADMIN],
        "viewers": [FINANCE],
        "deployer": [HUB_ADMIN],
    }
    source_side = {
        "connection": "payments-to-hub",
        "org": "payments",
        "editors": [PAYMENTS_ADMIN],
        "deployer": [PAYMENTS_ADMIN],
    }
    s.hub_and_spokes([PAYMENTS], **{"datadog-crossorg:access": [hub_side, source_side]})
    s.pulumi("up", "--yes")
    s.hub_and_spokes(
        [PAYMENTS], **{"datadog-crossorg:access": [{**hub_side, "viewers": []}]}
    )  # Finance no longer views; the source side's policy is removed
    secrets = tmp_path / "config.json"
    secrets.write_text(s.pulumi("config", "--show-secrets", "--json").stdout)
    before = len(s.emu.requests)

    done = crossorg(
        s,
        "review",
        "--stack",
        s.stack,
        "--format",
        "json",
        "--fail-on-break",
        "--live",
        "--config",
        str(secrets),
    )

    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    rows = {(a["resource"], a["relation"]): a for a in document["access"]}
    view = rows[("payments-to-hub-access-default", "view")]
    assert view["lost"] == [FINANCE]
    # nothing in this plan proves the default key pair's org (no connection or dashboard is made
    # with it), so the policy's side is not claimed: see the demo stack's fixture, where it is
    assert view["side"] is None and view["org_id"] is None
    edit = rows[("payments-to-hub-access-payments", "edit")]
    assert edit["gained"] == ["everyone"] and edit["side"] == "source"
    assert all(f["status"] == "stays" for f in document["flows"])
    assert document["live"] == {"searched_orgs": []}  # nothing stops: nothing to search
    assert len(s.emu.requests) == before  # the preview and the review made no API call
