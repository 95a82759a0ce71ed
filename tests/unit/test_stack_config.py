"""The stack program's declarative config: clear errors that name the entry, field and fix."""

from __future__ import annotations

import pytest

from datadog_crossorg.stack_config import ConnectionDecl, StackConfigError, connection_specs

HUB = "ba11379d-38db-492a-a71e-7f33d3254a94"


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
