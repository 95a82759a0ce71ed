"""check_inputs: no network, normalized, and every failure names the property, the value and the fix."""

from __future__ import annotations

import pytest

from datadog_crossorg.rules.connections import check_inputs, decide_diff
from datadog_crossorg.rules.values import UNKNOWN

SINK = "BA11379D-38DB-492A-A71E-7F33D3254A94"


def test_valid_inputs_are_normalized_so_order_and_case_never_diff() -> None:
    inputs, problems = check_inputs(
        {"sink_org_id": SINK, "connection_types": ["metrics", "audit", "logs"]}, frozenset()
    )
    assert problems == []
    assert inputs == {
        "sink_org_id": SINK.lower(),
        "connection_types": ["audit", "logs", "metrics"],
        "adopt": False,
    }


@pytest.mark.parametrize(
    ("news", "prop", "fragments"),
    [
        ({"sink_org_id": "Acme Hub"}, "sink_org_id", ["'Acme Hub'", "UUID"]),
        ({"sink_org_id": 42}, "sink_org_id", ["42", "UUID"]),
        ({"connection_types": []}, "connection_types", ["[]", "non-empty", "audit, logs, metrics"]),
        ({"connection_types": "logs"}, "connection_types", ["'logs'", "list"]),
        ({"connection_types": ["logs", "traces"]}, "connection_types", ["'traces'", "use only"]),
        ({"connection_types": ["logs", "logs"]}, "connection_types", ["'logs'", "more than once"]),
        ({"org": "nope"}, "org", ["'nope'", "datadog-crossorg:orgs", "pulumi config set"]),
        ({"adopt": "yes"}, "adopt", ["'yes'", "true or false"]),
    ],
)
def test_each_bad_input_fails_naming_property_value_and_fix(
    news: dict, prop: str, fragments: list[str]
) -> None:
    given = {"sink_org_id": SINK, "connection_types": ["logs"], **news}
    _, problems = check_inputs(given, frozenset({"payments"}))
    assert [p.property for p in problems] == [prop]
    for fragment in fragments:
        assert fragment in problems[0].reason


def test_preview_unknowns_pass_unchecked() -> None:
    news = {"sink_org_id": UNKNOWN, "connection_types": [UNKNOWN], "org": UNKNOWN}
    inputs, problems = check_inputs(news, frozenset())
    assert problems == []
    assert inputs["sink_org_id"] is UNKNOWN and inputs["org"] is UNKNOWN


def test_org_is_not_checked_when_configured_names_are_unknown() -> None:
    _, problems = check_inputs(
        {"sink_org_id": SINK, "connection_types": ["logs"], "org": "x"}, None
    )
    assert problems == []


OLD = {
    "sink_org_id": SINK.lower(),
    "connection_types": ["logs", "metrics"],
    "org": "payments",
    "adopt": False,
    "connection_id": "c",
    "__provider": "blob-from-an-older-version",
}


def test_same_inputs_in_another_order_make_no_diff_and_ignore_the_provider_blob() -> None:
    news = {**OLD, "connection_types": ["metrics", "logs"], "__provider": "another-blob"}
    assert not decide_diff(OLD, news).has_changes


def test_types_change_updates_in_place() -> None:
    decision = decide_diff(OLD, {**OLD, "connection_types": ["logs"]})
    assert decision.changed == ("connection_types",) and decision.replaces == ()


def test_adopt_set_or_cleared_after_create_makes_no_diff() -> None:
    """adopt acts at create only (issue 27): clearing it after adopting changes nothing."""
    assert not decide_diff({**OLD, "adopt": True}, {**OLD, "adopt": False}).has_changes
    assert not decide_diff(OLD, {**OLD, "adopt": True}).has_changes


def test_added_type_is_one_element_of_the_list_not_each_index() -> None:
    decision = decide_diff(OLD, {**OLD, "connection_types": ["audit", "logs", "metrics"]})
    assert decision.changed == ("connection_types",)
    assert decision.elements == (("connection_types", 0, "add"),)


def test_new_sink_replaces_creating_first_because_the_pair_differs() -> None:
    decision = decide_diff(OLD, {**OLD, "sink_org_id": "8e5fed0c-251e-4d58-8a8a-fcfe90980b4a"})
    assert decision.replaces == ("sink_org_id",)
    assert decision.delete_before_replace is False


def test_new_key_pair_for_same_sink_replaces_deleting_first_to_avoid_a_409() -> None:
    decision = decide_diff(OLD, {**OLD, "org": "search"})
    assert decision.replaces == ("org",)
    assert decision.delete_before_replace is True


def test_unknown_sink_at_preview_is_a_replacement() -> None:
    decision = decide_diff(OLD, {**OLD, "sink_org_id": UNKNOWN})
    assert decision.replaces == ("sink_org_id",)
