"""What the engine is told to show for a change: the truth of it, not an index-by-index list."""

from __future__ import annotations

import asyncio

from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import DiffRequest, PropertyDiffKind

from datadog_crossorg.native.provider import CrossOrgProvider
from datadog_crossorg.resources.org_connection import ORG_CONNECTION

HUB = "83999dcd-7f97-11f0-8de1-1ecf66f1aa85"
URN = f"urn:pulumi:dev::p::{ORG_CONNECTION.native_token}::payments-to-hub"


def _diff(old_types: list[str], new_types: list[str], old_adopt: bool, new_adopt: bool):
    def props(types: list[str], adopt: bool) -> dict[str, PropertyValue]:
        return {
            "sinkOrgId": PropertyValue(HUB),
            "connectionTypes": PropertyValue([PropertyValue(t) for t in types]),
            "adopt": PropertyValue(adopt),
        }

    request = DiffRequest(URN, "c1", props(old_types, old_adopt), props(new_types, new_adopt), [])
    return asyncio.run(CrossOrgProvider().diff(request))


def test_adding_a_type_is_one_element_added_not_every_index_changed() -> None:
    diff = _diff(["logs", "metrics"], ["audit", "logs", "metrics"], False, False)
    assert diff.changes and diff.replaces == []
    assert {path: d.kind for path, d in diff.detailed_diff.items()} == {
        "connectionTypes[0]": PropertyDiffKind.ADD
    }


def test_one_type_for_another_is_one_element_changed() -> None:
    diff = _diff(["audit", "metrics"], ["logs", "metrics"], False, False)
    assert {path: d.kind for path, d in diff.detailed_diff.items()} == {
        "connectionTypes[0]": PropertyDiffKind.UPDATE  # audit => logs; metrics untouched
    }


def test_removing_a_type_is_one_element_deleted() -> None:
    diff = _diff(["audit", "logs", "metrics"], ["logs", "metrics"], False, False)
    assert {path: d.kind for path, d in diff.detailed_diff.items()} == {
        "connectionTypes[0]": PropertyDiffKind.DELETE
    }


def test_clearing_adopt_after_adopting_is_no_change() -> None:
    """adopt acts at create only: clearing it later must show nothing (and call nothing)."""
    diff = _diff(["logs"], ["logs"], True, False)
    assert not diff.changes and diff.detailed_diff == {}
