"""`cross-org-flow-still-read` (opt-in): after the change no connection of the stack may carry
what a dashboard or notebook reads. The planned state of a narrowed connection has no source
yet (an update's outputs are unknown at preview), which `cross-org-source-connected` lets pass;
this policy judges its planned types."""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, StackValidationArgs

from datadog_crossorg.dashboards import LogsQuery, Timeseries
from datadog_crossorg.notebooks import Cell, Notebook
from datadog_crossorg.policy.flow_rules import flow_still_read, validate_flows_still_read
from datadog_crossorg.resources.tokens import (
    CROSS_ORG_DASHBOARD,
    CROSS_ORG_NOTEBOOK,
    DASHBOARD_JSON,
    NATIVE_ORG_CONNECTION,
    ORG_CONNECTION,
)
from datadog_crossorg.rules.values import UNKNOWN
from tests.dashboards.policy_support import policy_resource, stack_violations
from tests.support.seed import EDGE, HUB, PAY

LOGS_OF_PAYMENTS = {
    "data_source": "logs",
    "name": "err",
    "cross_org_uuids": [PAY],
    "search": {"query": "status:error"},
    "indexes": ["*"],
    "compute": {"aggregation": "count"},
}


def dashboard(sink: Any = HUB) -> PolicyResource:
    request = {"response_format": "timeseries", "queries": [LOGS_OF_PAYMENTS]}
    widget = {"definition": {"type": "timeseries", "title": "Errors", "requests": [request]}}
    document = {"title": "Payments", "layout_type": "ordered", "widgets": [widget]}
    parent = policy_resource(CROSS_ORG_DASHBOARD, "fleet", {"sink_org_id": sink})
    return policy_resource(DASHBOARD_JSON, "fleet", {"dashboard": json.dumps(document)}, parent)


def planned(types: list[str], source: Any = UNKNOWN, sink: str = HUB) -> PolicyResource:
    """payments-to-hub as a preview plans it: an update's source is not known yet."""
    props = {"source_org_id": source, "sink_org_id": sink, "connection_types": types}
    return policy_resource(ORG_CONNECTION, "payments-to-hub", {**props, "org": "payments"})


def violations(*resources: PolicyResource) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    validate_flows_still_read(
        StackValidationArgs(list(resources)), lambda m, u: found.append((m, u))
    )
    return found


def test_a_narrowed_connection_whose_source_is_unknown_fails_the_dashboard_that_reads_it() -> None:
    found = violations(planned(["metrics"]), dashboard())

    assert len(found) == 1
    message, urn = found[0]
    assert message.startswith(
        'dashboard fleet: widgets[0].requests[0].queries[0] (name "err") in widget "Errors" reads '
        f"logs of org {PAY} into org {HUB}, which no connection of the stack carries after this "
        "change"
    )
    assert "connection payments-to-hub from a source not known at preview shares metrics" in message
    assert "add logs back" in message and urn is not None and urn.endswith("::fleet")
    # the stack rule the pack enforces by default lets it pass: the source may be anything
    assert stack_violations(planned(["metrics"]), dashboard()) == []


def test_connections_that_may_still_carry_the_flow_pass() -> None:
    assert violations(planned(["metrics", "logs"]), dashboard()) == []
    assert violations(planned(["logs"], source=PAY), dashboard()) == []
    assert violations(planned([UNKNOWN]), dashboard()) == []  # types not known: no claim


def test_the_key_pair_proves_the_source_of_a_connection_still_to_be_known() -> None:
    elsewhere = policy_resource(
        ORG_CONNECTION,
        "payments-to-edge",
        {
            "source_org_id": PAY,
            "sink_org_id": EDGE,
            "connection_types": ["logs"],
            "org": "payments",
        },
    )
    other_source_logs = policy_resource(
        NATIVE_ORG_CONNECTION,
        "edge-to-hub",
        {"sourceOrgId": EDGE, "sinkOrgId": HUB, "connectionTypes": ["logs"]},
    )

    found = violations(planned(["metrics"]), elsewhere, other_source_logs, dashboard())

    assert len(found) == 1
    assert f"connection payments-to-hub from {PAY} shares metrics" in found[0][0]
    assert f"connection edge-to-hub from {EDGE} shares logs" in found[0][0]


def test_a_document_whose_org_the_plan_does_not_tell_is_not_judged() -> None:
    assert violations(planned(["metrics"]), dashboard(sink=UNKNOWN)) == []


def test_notebooks_are_judged_in_the_org_of_their_key_pair() -> None:
    book = Notebook("CI", [Cell(Timeseries("W", [LogsQuery("err", "status:error", source=PAY)]))])
    props = {"notebook": json.dumps(book.to_dict()), "org": None}
    hub_proved = policy_resource(
        ORG_CONNECTION,
        "hub-to-edge",
        {"source_org_id": HUB, "sink_org_id": EDGE, "connection_types": ["metrics"], "org": None},
    )
    notebook = policy_resource(CROSS_ORG_NOTEBOOK, "ci", props)

    found = violations(planned(["metrics"]), hub_proved, notebook)

    assert [m.split(":")[0] for m, _ in found] == ["notebook ci"]


def test_the_policy_is_off_unless_the_pack_config_enables_it() -> None:
    assert flow_still_read.enforcement_level == EnforcementLevel.DISABLED
