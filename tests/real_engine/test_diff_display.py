"""What `pulumi preview --diff` shows for a connection's changes under the real CLI (issue 27):
adding a type is one element added, not every index of the sorted list changed; clearing
`adopt` after adopting is no change at all (adopt acts at create only)."""

from __future__ import annotations

from collections import Counter

from tests.real_engine.cli_world import PAYMENTS, CliStack


def _types_block(stdout: str) -> list[str]:
    """The lines of the diff under `connection_types: [` up to its closing bracket."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "connection_types: [" in line)
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "]")
    return [line.strip() for line in lines[start + 1 : end]]


def test_adding_a_type_shows_one_element_added(py_stack: CliStack) -> None:
    s = py_stack
    s.hub_and_spokes([{**PAYMENTS, "types": ["logs", "metrics"]}])
    s.pulumi("up", "--yes")

    s.hub_and_spokes([{**PAYMENTS, "types": ["logs", "metrics", "audit"]}])
    diff = s.pulumi("preview", "--diff")

    assert _types_block(diff.stdout) == ['+ [0]: "audit"'], diff.stdout
    assert s.api_calls()["PATCH"] == 0


def test_clearing_adopt_after_adopting_is_no_change(py_stack: CliStack) -> None:
    s = py_stack
    s.hub_and_spokes([{**PAYMENTS, "adopt": True}])
    s.pulumi("up", "--yes")
    s.api_calls()

    s.hub_and_spokes([PAYMENTS])
    s.pulumi("preview", "--expect-no-changes")
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()
