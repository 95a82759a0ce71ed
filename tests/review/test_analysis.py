"""The review of previews the real CLI made (tests/fixtures/review): flows that start, stop or
stay, access gained or lost, the stack's documents that read a flow that stops, and what a
preview cannot show."""

from __future__ import annotations

import json

import pytest

from datadog_crossorg.reports.review.analysis import (
    EDIT,
    EVERYONE,
    EVERYONE_ELSE,
    STARTS,
    STAYS,
    STOPS,
    VIEW,
    review,
)
from datadog_crossorg.reports.review.preview import PreviewInvalid, parse, read
from tests.review.support import fixture, fixture_text, flow_rows, reviewed
from tests.support.seed import EDGE, HUB, PAY, SEARCH

FINANCE = "team:c64c2d7e-93a5-4d66-8dd8-bf0698876c8d"
PAY_ADMIN = "role:e5a00c43-d0d5-4dd5-bea0-1462ee8b9015"


def test_narrowing_a_connection_stops_one_flow_read_by_two_stack_documents() -> None:
    result = reviewed("demo-narrow")

    assert (STOPS, "logs", PAY, HUB) in flow_rows(result)
    assert (STAYS, "metrics", PAY, HUB) in flow_rows(result)
    assert [f.status for f in result.flows].count(STOPS) == 1
    stopped = next(f for f in result.flows if f.status == STOPS)
    assert stopped.connections == ("payments-to-hub",)
    readers = {(b.reader.document.resource, b.reader.query.name, b.certain) for b in result.breaks}
    assert readers == {
        ("fleet-overview", "payments", True),  # Error logs and the CI pipelines widget
        ("ci-health", "failed", True),
    }
    assert len(result.breaks) == 3 and result.broken
    paths = {b.reader.query.path for b in result.breaks}
    assert "widgets[1].widgets[0].requests[0].queries[0]" in paths
    assert all(b.reader.document.org_id == HUB for b in result.breaks)
    assert not result.access and not result.notes


def test_deleting_a_connection_stops_each_of_its_types() -> None:
    result = reviewed("demo-delete")

    assert (STOPS, "metrics", EDGE, HUB) in flow_rows(result)
    stopped = [f for f in result.flows if f.status == STOPS]
    assert [f.note for f in stopped] == ["connection deleted"]
    # the one stack dashboard that read edge goes with it: nothing of the stack breaks
    assert result.breaks == () and not result.broken
    assert {c.name: c.op for c in result.connections}["edge-to-hub"] == "delete"


def test_replacing_the_sink_stops_the_old_flows_and_starts_new_ones_create_before_delete() -> None:
    result = reviewed("demo-replace")

    for data in ("audit", "logs", "metrics"):
        assert (STOPS, data, SEARCH, HUB) in flow_rows(result)
        assert (STARTS, data, SEARCH, PAY) in flow_rows(result)
    search = {c.name: c for c in result.connections}["search-to-hub"]
    assert search.op == "replace" and search.order == "create-before-delete"
    assert search.after is not None and search.after.source_org_id == SEARCH  # same key pair
    notes = {f.note for f in result.flows if f.status == STOPS}
    assert notes == {"replaced (new sink): the new connection is created first"}


def test_access_changes_name_the_principals_that_gain_and_lose_each_relation() -> None:
    result = reviewed("demo-access")

    rows = {(a.resource, a.relation): a for a in result.access}
    source = rows[("payments-to-hub-access-payments", EDIT)]
    assert source.gained == (FINANCE,) and source.lost == ()
    assert source.side == "source" and source.org_id == PAY
    assert source.connection == "payments-to-hub"
    sink_view = rows[("payments-to-hub-access-default", VIEW)]
    assert sink_view.lost == (FINANCE,) and sink_view.gained == ()
    assert sink_view.side == "sink" and sink_view.org_id == HUB
    assert ("payments-to-hub-access-default", EDIT) not in rows  # editors unchanged
    assert all(f.status == STAYS for f in result.flows)


def test_a_new_stack_starts_flows_whose_source_is_not_known_and_restricts_access() -> None:
    result = reviewed("demo-create")

    starts = [f for f in result.flows if f.status == STARTS]
    assert starts and all(f.flow.source_org_id is None for f in starts)  # never guessed
    assert {f.flow.sink_org_id for f in starts} == {HUB}
    assert all("source org not known until up" in f.note for f in starts)
    edit = [a for a in result.access if a.relation == EDIT]
    assert edit and all(a.before == (EVERYONE,) and a.lost == (EVERYONE_ELSE,) for a in edit)
    assert {a.resource: a.key_pair for a in edit} == {
        "payments-to-hub-access-payments": "payments",
        "payments-to-hub-access-default": "default",
    }
    assert result.breaks == ()
    # the documents are resolved from connection outputs not known yet: said, not judged
    unjudged = [n for n in result.notes if "not judged" in n]
    assert sorted(n.split(":")[0] for n in unjudged) == [
        "ci-health",
        "fleet-overview",
        "search-audit",
    ]


def test_without_show_sames_and_replacement_steps_the_review_says_what_it_cannot_see() -> None:
    plain = reviewed("demo-combined-plain")
    full = reviewed("demo-combined")

    assert any("--show-sames" in note for note in plain.notes)
    assert any("--show-replacement-steps" in note for note in plain.notes)
    assert full.notes == ()
    search = {c.name: c for c in plain.connections}["search-to-hub"]
    assert search.order is None
    # the dashboards' components are hidden: their org is not known, so they only may break
    assert plain.breaks and not any(b.certain for b in plain.breaks)
    assert full.breaks and all(b.certain for b in full.breaks)


def test_documents_whose_new_json_is_not_known_are_judged_as_they_are_now() -> None:
    preview = fixture("demo-narrow")
    dashboards = [
        s for s in preview["steps"] if s["op"] == "update" and "DashboardJson" in s["urn"]
    ]
    assert dashboards, "the fixture's dashboard is updated with an unknown document"
    assert all(s["newState"]["inputs"]["dashboard"].startswith("04da6b54") for s in dashboards)

    result = reviewed("demo-narrow")

    assert all("not known at preview" in b.note for b in result.breaks)


def test_the_native_plugin_s_camel_case_fields_are_read_from_the_declaration() -> None:
    result = reviewed("native-narrow")

    assert {c.adapter for c in result.connections} == {"native"}
    assert (STOPS, "logs", SEARCH, HUB) in flow_rows(result)
    assert (STOPS, "audit", SEARCH, HUB) in flow_rows(result)
    assert (STAYS, "metrics", SEARCH, HUB) in flow_rows(result)
    assert (STAYS, "logs", PAY, HUB) in flow_rows(result)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        ("not json", "is not JSON"),
        ("[]", "holds a JSON list"),
        ('{"deployment": {}}', "`pulumi stack export` output"),
        ('{"config": {}}', "has no `steps` list"),
        ('{"steps": [{"op": "create"}]}', "steps[0] has no `op` and `urn`"),
        ('{"steps": [{"op": "teleport", "urn": "urn:pulumi:a::b::t::n"}]}', "op 'teleport'"),
    ],
)
def test_input_that_is_not_a_preview_is_refused_in_one_line(text: str, expected: str) -> None:
    with pytest.raises(PreviewInvalid) as refused:
        parse(text, "plan.json")

    message = str(refused.value)
    assert expected in message and "\n" not in message
    if text:
        assert "expected the output of `pulumi preview --json`" in message


def test_a_failed_preview_is_refused_with_its_first_error() -> None:
    with pytest.raises(PreviewInvalid) as refused:
        parse(fixture_text("failed"), "failed.json")

    message = str(refused.value)
    assert 'the preview failed (dashboard "fleet-overview" has 1 cross-org problem(s))' in message


def test_a_stack_without_our_resources_reads_as_empty() -> None:
    preview = read(fixture("not-ours"))

    assert preview.resources == () and not preview.components
    assert review(preview).flows == ()


def test_unknown_markers_are_never_taken_for_org_ids() -> None:
    document = json.loads(fixture_text("demo-create"))
    marker = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's unknown, a UUID in shape
    for step in document["steps"]:
        if step["urn"].endswith("OrgConnection::payments-to-hub"):
            step["newState"]["inputs"]["sink_org_id"] = marker  # another resource's output

    result = review(read(document))

    orgs = {o for f in result.flows for o in (f.flow.source_org_id, f.flow.sink_org_id)}
    assert marker not in orgs
    unknown_sink = [f for f in result.flows if f.flow.sink_org_id is None]
    assert unknown_sink and all(f.status == STARTS for f in unknown_sink)
    assert all("sink org not known until up" in f.note for f in unknown_sink)
