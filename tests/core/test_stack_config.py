"""The stack program's declarative config: clear errors that name the entry, field and fix."""

from __future__ import annotations

import pytest

from datadog_crossorg.config.stack_program import (
    ConnectionDecl,
    StackConfigError,
    access_specs,
    connection_specs,
)
from tests.support.seed import HUB


def test_sink_names_resolve_through_org_uuids() -> None:
    decls = connection_specs(
        [{"name": "p", "org": "payments", "sink": "hub", "types": ["metrics"]}], {"hub": HUB}
    )
    assert decls == [ConnectionDecl("p", HUB, ("metrics",), "payments", False)]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"name": "x"}, "must be a list"),
        ([{"org": "a", "sink": HUB, "types": ["logs"]}], r"connections\[0\].name is missing"),
        ([{"name": "a", "types": ["logs"]}], r"\(a\) has no sink"),
        ([{"name": "a", "sink": HUB, "types": 3}], r"\(a\).types 3 must be a list"),
        ([{"name": "a", "sink": HUB, "types": ["logs"], "adopt": "no"}], "adopt 'no'"),
        ([{"name": "a", "sink": HUB, "types": ["logs"], "color": 1}], "unknown field.*color"),
        (
            [{"name": "a", "sink": HUB, "types": ["logs"]}] * 2,
            r"connections\[1\].name 'a' is used twice",
        ),
    ],
)
def test_malformed_entries_are_refused_with_a_pointed_message(
    entries: object, message: str
) -> None:
    with pytest.raises(StackConfigError, match=message):
        connection_specs(entries)  # type: ignore[arg-type]


ROLE = "role:e5a00c43-d0d5-4dd5-bea0-1462ee8b9015"


def test_access_entries_name_one_policy_per_org_and_connection() -> None:
    decls = access_specs(
        [
            {"connection": "p", "org": "payments", "editors": [ROLE], "deployer": [ROLE]},
            {"connection": "p", "editors": [ROLE], "viewers": ["team:t"], "deployer": [ROLE]},
        ],
        {"p"},
    )
    assert [d.resource_name for d in decls] == ["p-access-payments", "p-access-default"]
    assert decls[1].viewers == ("team:t",)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            [{"connection": "nope", "editors": [ROLE]}],
            r"'nope' is not a connection of this stack \(p\)",
        ),
        ([{"connection": "p", "editors": ROLE}], r"access\[0\].editors .* must be a list"),
        ([{"connection": "p", "editors": [ROLE], "owner": 1}], "unknown field.*owner"),
        ([{"connection": "p"}, {"connection": "p"}], "one policy per connection"),
    ],
)
def test_malformed_access_entries_are_refused_with_a_pointed_message(
    entries: list, message: str
) -> None:
    with pytest.raises(StackConfigError, match=message):
        access_specs(entries, {"p"})
