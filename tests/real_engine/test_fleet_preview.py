"""`pulumi preview` of stacks/ refuses a plan Datadog would refuse in part, from the stack's own
declarations and org facts (datadog-crossorg:orgFacts), with 0 API calls, under the real CLI."""

from __future__ import annotations

from collections import Counter

from tests.real_engine.cli_world import CliStack

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

    # the same stack without the two refused connections previews
    s.hub_and_spokes(
        declared[:5],
        **{"datadog-crossorg:orgFacts": facts, "datadog-crossorg:orgUuids": {**uuids, **EXTRA}},
    )
    assert s.pulumi("preview").code == 0
    assert s.api_calls() == Counter()
