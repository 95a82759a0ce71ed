"""`CrossOrgNotebook` under the real `pulumi` CLI, through the stack program of stacks/: one API
call per operation (preview 0, create 1, no-op 0, update 1, refresh 1, delete 1), counted at the
offline Datadog, and a query breaking a rule refused at preview."""

from __future__ import annotations

from collections import Counter

from datadog_crossorg.dashboards import CIPipelinesQuery, MetricsQuery, Timeseries
from datadog_crossorg.notebooks import Cell, Markdown, Notebook
from tests.real_engine.cli_world import PAYMENTS, CliStack


def _notebook(name: str) -> dict:
    """The notebook entry of `datadog-crossorg:notebooks`, inline; `payments` is an orgUuids name."""
    book = Notebook(
        name,
        [
            Markdown("# Payments, from the hub"),
            Cell(
                Timeseries(
                    "CPU", [MetricsQuery("pay", "avg:system.cpu.user{*}", source="payments")]
                )
            ),
            Cell(
                Timeseries(
                    "Failed CI", [CIPipelinesQuery("ci", "@ci.status:error", source="payments")]
                )
            ),
        ],
    )
    return {"name": "payments-health", "sink": "hub", "notebook": book.to_dict(lambda s: s)}


def _calls(s: CliStack) -> Counter[str]:
    """Notebook API calls since the previous look (connections' calls are counted apart)."""
    start = s.__dict__.setdefault("_notebook_mark", 0)
    log = s.emu.requests
    s.__dict__["_notebook_mark"] = len(log)
    return Counter(r.method for r in log[start:] if r.path.startswith("/api/v1/notebooks"))


def test_notebook_preview_create_noop_update_refresh_destroy(py_stack: CliStack) -> None:
    s = py_stack
    s.hub_and_spokes([PAYMENTS], **{"datadog-crossorg:notebooks": [_notebook("Payments health")]})

    preview = s.pulumi("preview")
    assert "CrossOrgNotebook" in preview.stdout and _calls(s) == Counter()

    s.pulumi("up", "--yes")
    assert _calls(s) == Counter({"POST": 1})
    (notebook_id,) = s.cli.outputs()["notebook_ids"].values()
    found = s.client("hub").get_notebook(int(notebook_id))["attributes"]
    assert found["name"] == "Payments health"
    queries = [
        q
        for c in found["cells"]
        for r in c["attributes"]["definition"].get("requests", [])
        for q in r["queries"]
    ]
    assert {q["cross_org_uuids"][0] for q in queries} == {s.emu.org_uuid("payments")}
    _calls(s)

    s.pulumi("up", "--yes", "--expect-no-changes")
    assert _calls(s) == Counter()

    s.hub_and_spokes([PAYMENTS], **{"datadog-crossorg:notebooks": [_notebook("Payments, renamed")]})
    s.pulumi("up", "--yes")
    assert _calls(s) == Counter({"PUT": 1})
    assert s.cli.outputs()["notebook_ids"] == {"payments-health": notebook_id}

    s.pulumi("refresh", "--yes", "--skip-preview")
    assert _calls(s) == Counter({"GET": 1})

    s.pulumi("destroy", "--yes")
    assert _calls(s) == Counter({"DELETE": 1})
    assert s.client("hub").list_notebooks() == []


def test_a_notebook_query_over_a_missing_type_fails_at_preview(py_stack: CliStack) -> None:
    s = py_stack
    metrics_only = {**PAYMENTS, "types": ["metrics"]}
    s.hub_and_spokes([metrics_only])
    s.pulumi("up", "--yes")  # the connection exists: its outputs are known to the next preview
    s.hub_and_spokes([metrics_only], **{"datadog-crossorg:notebooks": [_notebook("Payments")]})
    _calls(s)

    preview = s.pulumi("preview", check=False)

    assert preview.code != 0
    text = preview.stdout + preview.stderr
    assert "cells[2]" in text and "ci_pipelines" in text and "add logs" in text, text
    assert "Traceback" not in text and 'notebook "payments-health" has 1 cross-org' in text
    assert _calls(s) == Counter()
