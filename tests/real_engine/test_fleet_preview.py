"""`pulumi preview` of stacks/ refuses a plan Datadog would refuse in part, from the stack's own
declarations and org facts (datadog-crossorg:orgFacts), with 0 API calls, under the real CLI;
and the fleet audit reads a deployed stack through the real `pulumi stack export`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from tests.real_engine.cli_world import PAYMENTS, SEARCH, CliStack

EXTRA = {f"x{i}": f"00000000-0000-4000-8000-00000000000{i}" for i in range(3)}


def edge_to(sink: str) -> dict[str, object]:
    return {"name": f"edge-to-{sink}", "org": "edge", "sink": sink, "types": ["metrics"]}


def test_preview_refuses_a_sixth_partner_and_another_site_naming_rule_and_orgs(
    py_stack: CliStack,
) -> None:
    s = py_stack
    declared = [edge_to(sink) for sink in ("hub", "payments", "search", *EXTRA)]
    to_eu = {"name": "payments-to-eu", "org": "payments", "sink": "eu", "types": ["metrics"]}
    facts = {"edge": {"plan": "pro"}, "payments": {"site": "datadoghq.com"},
             "eu": {"site": "datadoghq.eu"}}  # fmt: skip
    uuids = {n: s.emu.org_uuid(n) for n in ("hub", "payments", "search", "edge", "eu")}
    s.hub_and_spokes(
        [*declared, to_eu],
        **{"datadog-crossorg:orgFacts": facts, "datadog-crossorg:orgUuids": {**uuids, **EXTRA}},
    )

    result = s.pulumi("preview", check=False)

    assert result.code != 0
    text = " ".join(result.output.split())
    assert "2 declared connection(s) Datadog would refuse" in text, result.output
    assert "[over-limit] edge-to-x2 (edge (710ae7b4) -> x2 (00000000)) would be partner 6" in text
    assert "[cross-site] payments-to-eu" in text and "datadoghq.eu" in text
    assert "Traceback" not in result.output
    assert s.api_calls() == Counter()

    # without the two refused connections it previews; a HIPAA source is only a warning
    s.hub_and_spokes(
        [*declared[:5], SEARCH],
        **{
            "datadog-crossorg:orgFacts": {**facts, "search": {"hipaa": True}},
            "datadog-crossorg:orgUuids": {**uuids, **EXTRA},
        },
    )
    passed = s.pulumi("preview")
    assert passed.code == 0
    assert "[hipaa] search-to-hub" in " ".join(passed.output.split())
    assert s.api_calls() == Counter()


def test_audit_of_a_deployed_stack_finds_the_stray_and_the_gone(py_stack: CliStack) -> None:
    """`crossorg connections audit --stack test` runs the real `pulumi stack export`."""
    s = py_stack
    s.hub_and_spokes([PAYMENTS, SEARCH])
    s.pulumi("up", "--yes")
    ids = {name: r["outputs"]["connection_id"] for name, r in s.resources().items()}
    with s.client("payments") as payments, s.client("edge") as edge:
        payments.delete_connection(ids["payments-to-hub"])  # out of band: the stack's is gone
        stray = edge.create_connection(s.emu.org_uuid("hub"), ["metrics"])  # nobody's

    done = subprocess.run(
        [sys.executable, "-m", "datadog_crossorg.cli", "connections", "audit", "--config",
         str(s.stack_file), "--stack", "test", "--format", "json", "--fail-on", "unmanaged,gone"],
        cwd=s.cli.project_dir, env=s.cli.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert done.returncode == 3, done.stderr
    found = {(f["kind"], f["connection_id"]) for f in json.loads(done.stdout)["findings"]}
    assert ("gone", ids["payments-to-hub"]) in found and ("unmanaged", stray.id) in found
    assert ("unmanaged", ids["search-to-hub"]) not in found
    assert ("gone", ids["search-to-hub"]) not in found
