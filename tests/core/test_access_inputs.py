"""The access core without any API: check (principals, self-lockout, unknowns) and the diff decision."""

from __future__ import annotations

from typing import Any

import pytest

from datadog_crossorg.rules import access
from datadog_crossorg.rules.inputs import InputProblem
from datadog_crossorg.rules.values import UNKNOWN
from tests.support.access import PAT, PAYMENTS_ADMIN, PAYMENTS_TEAM, QUINN

CONN = "5b1f04c2-3c9f-4bd0-9a43-3e6f5f0c8a11"


def check(**news: Any) -> tuple[dict[str, Any], list[InputProblem]]:
    news.setdefault("connection_id", CONN)
    return access.check_inputs(news, frozenset({"payments"}))


def test_principals_are_normalized_so_case_order_and_repeats_make_no_diff() -> None:
    inputs, problems = check(
        editors=[PAYMENTS_TEAM, PAYMENTS_ADMIN.upper(), PAYMENTS_TEAM],
        deployer=[PAYMENTS_ADMIN],
        connection_id=CONN.upper(),
    )
    assert problems == []
    assert inputs["editors"] == sorted([PAYMENTS_ADMIN, PAYMENTS_TEAM])
    assert inputs["connection_id"] == CONN
    assert not access.decide_diff(inputs, check(**_as_news(inputs))[0]).has_changes


def _as_news(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: list(reversed(v)) if isinstance(v, list) else v for k, v in inputs.items()}


@pytest.mark.parametrize(
    "principal",
    ["role:Datadog Admin Role", "team:payments-platform", "group:" + CONN, "user:pat@acme"],
)
def test_a_principal_that_is_not_kind_and_uuid_fails_naming_it(principal: str) -> None:
    _, problems = check(editors=[principal], deployer=[PAT])
    assert [p.property for p in problems] == ["editors"]
    assert repr(principal) in problems[0].reason and "UUID" in problems[0].reason


def test_a_connection_id_that_is_not_a_uuid_fails() -> None:
    _, problems = check(connection_id="payments-to-hub", editors=[PAT], deployer=[PAT])
    assert [p.property for p in problems] == ["connection_id"]


def test_an_unknown_key_pair_fails_naming_the_configured_ones() -> None:
    _, problems = check(editors=[PAT], deployer=[PAT], org="nope")
    assert [p.property for p in problems] == ["org"]
    assert "payments" in problems[0].reason


def test_no_principal_at_all_is_refused_as_restricting_nothing() -> None:
    _, problems = check(deployer=[PAT])
    assert "remove the resource" in problems[0].reason


@pytest.mark.parametrize(
    ("news", "prop", "text"),
    [
        ({"editors": [QUINN]}, "deployer", "declare deployer"),
        ({"editors": [QUINN], "deployer": [PAT]}, "editors", "would lose edit access"),
        ({"viewers": [PAT], "deployer": [PAT]}, "editors", "would lose edit access"),
    ],
)
def test_a_policy_without_the_deployer_among_editors_is_refused(
    news: dict[str, Any], prop: str, text: str
) -> None:
    _, problems = check(**news)
    assert [p.property for p in problems] == [prop]
    assert text in problems[0].reason and "allow_self_lockout" in problems[0].reason


def test_allow_self_lockout_accepts_it() -> None:
    _, problems = check(editors=[QUINN], allow_self_lockout=True)
    assert problems == []


def test_unknown_values_at_preview_pass_and_are_judged_at_up() -> None:
    inputs, problems = check(connection_id=UNKNOWN, editors=[UNKNOWN], deployer=[PAT])
    assert problems == []
    assert inputs["connection_id"] is UNKNOWN


@pytest.mark.parametrize(
    ("change", "replaces", "delete_first"),
    [
        ({"editors": [PAT, QUINN]}, (), False),
        ({"deployer": [PAYMENTS_TEAM]}, (), False),
        ({"org": "payments-dev"}, ("org",), True),  # maybe the same org: the same policy
        ({"connection_id": "6c2e15d3-4da0-4ce1-8b54-4f707a1d9b22"}, ("connection_id",), False),
    ],
)
def test_the_diff_replaces_only_for_another_policy(
    change: dict[str, Any], replaces: tuple[str, ...], delete_first: bool
) -> None:
    olds = {"connection_id": CONN, "editors": [PAT], "deployer": [PAT], "org": "payments"}
    decision = access.decide_diff(olds, {**olds, **change})
    assert decision.has_changes
    assert decision.replaces == replaces
    assert decision.delete_before_replace is delete_first
