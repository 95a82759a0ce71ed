"""What every resource's rules share about inputs: a problem found at check, a diff decision, and
the checks of inputs that several resources take (`org`, a boolean flag). No API call, no Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.rules.values import is_unknown, is_uuid


@dataclass(frozen=True)
class InputProblem:
    """One invalid input: the property, and a reason naming the bad value and the fix."""

    property: str
    reason: str


@dataclass(frozen=True)
class DiffDecision:
    """Which inputs differ from what Datadog last reported, and whether that needs a replacement."""

    changed: tuple[str, ...]
    replaces: tuple[str, ...]
    delete_before_replace: bool
    # A changed list that is a set (sorted, each once) changes in place by its elements:
    # (input, index, "add" at the new list's index | "delete" at the old's | "update" where one
    # value took the place of another). Without it a
    # display compares the lists index by index, as if every element after the first change had.
    elements: tuple[tuple[str, int, str], ...] = ()

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)

    def shown(self) -> dict[str, tuple[str, bool]]:
        """What the engine is to show, by property path: (kind, compared with the old inputs).
        Each changed input is an "update" ("update_replace" when it replaces); a set-valued list
        is its elements instead (`connection_types[0]`: "add", "delete" or "update"), compared
        with the old outputs, as the rules compared them."""
        by_element = {name for name, _, _ in self.elements}
        shown = {
            name: ("update_replace" if name in self.replaces else "update", True)
            for name in self.changed
            if name not in by_element
        }
        shown.update({f"{name}[{i}]": (change, False) for name, i, change in self.elements})
        return shown


def check_org(
    org: Any,
    known_orgs: frozenset[str] | None,
    inputs: dict[str, Any],
    problems: list[InputProblem],
) -> None:
    """The `org` input every resource shares: a configured key-pair name, or unset."""
    if is_unknown(org):
        inputs["org"] = org
    elif org in (None, ""):
        return
    elif not isinstance(org, str):
        problems.append(
            InputProblem("org", f"org {org!r} must be the name of a key pair (a string)")
        )
    elif known_orgs is not None and org not in known_orgs:
        from datadog_crossorg.config.credentials import unknown_org_message

        problems.append(InputProblem("org", unknown_org_message(org, known_orgs)))
    else:
        inputs["org"] = org


def check_uuid(
    name: str, value: Any, fix: str, inputs: dict[str, Any], problems: list[InputProblem]
) -> None:
    """A UUID input (an org's or a connection's), kept lowercase; `fix` says where to find one."""
    if is_unknown(value):
        inputs[name] = value
    elif not isinstance(value, str) or not is_uuid(value.strip()):
        problems.append(InputProblem(name, f"{name} {value!r} {fix}"))
    else:
        inputs[name] = value.strip().lower()


def check_flag(
    name: str,
    value: Any,
    inputs: dict[str, Any],
    problems: list[InputProblem],
) -> None:
    """A boolean input (unset is false)."""
    if is_unknown(value):
        inputs[name] = value
    elif value not in (None, True, False):
        problems.append(InputProblem(name, f"{name} {value!r} must be true or false"))
    else:
        inputs[name] = bool(value)


def changed_inputs(
    names: Sequence[str],
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    normalizers: Mapping[str, Callable[[Any], Any]],
) -> tuple[str, ...]:
    """Inputs whose new value differs from the old output once both are normalized
    (`normalizers` per name; by default None, "" and missing are the same)."""
    changed: list[str] = []
    for name in names:
        old, new = olds.get(name), news.get(name)
        normalize = normalizers.get(name, lambda v: v or None)
        if is_unknown(new) or normalize(old) != normalize(new):
            changed.append(name)
    return tuple(changed)


def decide(
    changed: tuple[str, ...],
    replace_on: Sequence[str],
    delete_first: Callable[[set[str]], bool],
    elements: tuple[tuple[str, int, str], ...] = (),
) -> DiffDecision:
    """The decision for `changed` inputs: those in `replace_on` replace; `delete_first` says,
    from the replacing names, whether the old resource must go before the new one is made."""
    replaces = tuple(n for n in changed if n in replace_on)
    return DiffDecision(changed, replaces, bool(replaces) and delete_first(set(replaces)), elements)


def set_changes(
    name: str, old: Sequence[Any], new: Sequence[Any]
) -> tuple[tuple[str, int, str], ...]:
    """How a set-valued list input changed, element by element (see `DiffDecision.elements`):
    each element added at its index in `new`, each removed at its index in `old`."""
    added = {i for i, value in enumerate(new) if value not in old}
    removed = {i for i, value in enumerate(old) if value not in new}
    kinds = {**dict.fromkeys(added, "add"), **dict.fromkeys(removed, "delete")}
    kinds.update(dict.fromkeys(added & removed, "update"))  # one place, one value for another
    return tuple((name, i, kinds[i]) for i in sorted(kinds))
