"""Read the real CLI's `pulumi preview --json` into our resources' before and after, Pulumi-free.

The document (pulumi v3's `PreviewDigest`) holds `steps[]`, each with `op`, `urn`, `provider`
and `oldState`/`newState` (`type`, `inputs`, `outputs`, `parent`, `propertyDependencies`),
`diffReasons`, `replaceReasons`, plus `changeSummary` and `diagnostics`. What a preview shows
depends on its flags, and this module says what it could not see rather than guess:

- `--show-sames` lists the resources that do not change. Without it an unchanged connection or
  dashboard is missing; `Preview.hidden_sames` counts them (from `changeSummary.same`).
- `--show-replacement-steps` adds a replace's `create-replacement` and `delete-replaced` steps,
  in the order the engine runs them: create first is create-before-delete (no gap). Without it a
  replace's order is not known (`Replace.order` is None).
- A value not known at preview (Pulumi's unknown marker, `rules.values`) is None here.

Field names come from the resources' declarations (`resources/`): the dynamic resources keep the
API's snake_case, the native plugin's the declaration's wire names (camelCase).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from datadog_crossorg.resources.connection_access import CONNECTION_ACCESS
from datadog_crossorg.resources.declaration import ResourceDeclaration
from datadog_crossorg.resources.notebook import CROSS_ORG_NOTEBOOK
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.resources.tokens import (
    CROSS_ORG_DASHBOARD,
    DASHBOARD_JSON,
    TYPED_DASHBOARDS,
)
from datadog_crossorg.rules.values import is_unknown

# Steps that say what a resource is before and after the change. `read`/`import` resources exist
# and stay; the replacement steps only tell a replace's order.
_BOTH = frozenset({"same", "update", "replace", "read", "import", "refresh"})
_BEFORE_ONLY = frozenset({"delete", "discard", "read-discard"})
_AFTER_ONLY = frozenset({"create"})
_ORDER_ONLY = frozenset(
    {"create-replacement", "delete-replaced", "read-replacement", "remove-pending-replace"}
)
KNOWN_OPS = _BOTH | _BEFORE_ONLY | _AFTER_ONLY | _ORDER_ONLY
EXPECTED = "the output of `pulumi preview --json` (pulumi v3)"

OURS = {
    ORG_CONNECTION.dynamic_token: (ORG_CONNECTION, False),
    ORG_CONNECTION.native_token: (ORG_CONNECTION, True),
    CONNECTION_ACCESS.dynamic_token: (CONNECTION_ACCESS, False),
    CONNECTION_ACCESS.native_token: (CONNECTION_ACCESS, True),
    CROSS_ORG_NOTEBOOK.dynamic_token: (CROSS_ORG_NOTEBOOK, False),
}
DOCUMENT_TYPES = frozenset({DASHBOARD_JSON, *TYPED_DASHBOARDS, CROSS_ORG_NOTEBOOK.dynamic_token})


class PreviewInvalid(ValueError):
    """The input is not a preview this review reads; the message says what was expected."""


@dataclass(frozen=True)
class State:
    """A resource on one side of the change: its inputs and outputs (None: not known yet),
    named as the declaration names its fields (snake_case), whatever the adapter."""

    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    provider: str | None
    parent: str | None
    property_dependencies: Mapping[str, tuple[str, ...]]
    id: str | None = None  # the resource's id in Datadog, once it exists

    def value(self, name: str) -> Any:
        """An output if known, else the input; None when neither is known."""
        for source in (self.outputs, self.inputs):
            if name in source and known(source[name]):
                return source[name]
        return None


@dataclass(frozen=True)
class Resource:
    """One of our resources (or a document) as a step shows it."""

    urn: str
    type: str
    op: str
    before: State | None
    after: State | None
    native: bool = False
    replace_reasons: tuple[str, ...] = ()
    index: int = 0  # the step's place in the plan
    order: str | None = None  # a replace: "create-before-delete", "delete-before-create", None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def id(self) -> str | None:
        for state in (self.after, self.before):
            if state is not None and state.id:
                return state.id
        return None

    def latest(self, name: str) -> Any:
        """A field's value after the change if known, else before (None: known on neither)."""
        for state in (self.after, self.before):
            value = state.value(name) if state is not None else None
            if value is not None:
                return value
        return None

    @property
    def kind(self) -> str:
        return self.type.rsplit(":", 1)[-1].rsplit("/", 1)[-1]

    @property
    def key_pair(self) -> tuple[str, str | None] | None:
        """Who makes the resource: a dynamic resource's `org` key pair (None: the default pair),
        or a native resource's provider instance (its URN). Two resources with the same key pair
        act as the same org. None when not known (an `org` input not known yet)."""
        state = self.after or self.before
        if state is None:
            return None
        if self.native or self.type in (DASHBOARD_JSON, *TYPED_DASHBOARDS):
            return ("provider", _provider_urn(state.provider))
        org = state.inputs.get("org")
        if org is not None and not known(org):
            return None
        return ("key-pair", org or None)


@dataclass(frozen=True)
class Preview:
    """A preview read: our resources and documents, what the preview could not show."""

    resources: tuple[Resource, ...]
    components: Mapping[str, Resource]  # CrossOrgDashboard components by URN
    hidden_sames: int
    replacement_steps: bool  # the preview listed replacement steps (their order is known)
    config: Mapping[str, str] = field(default_factory=dict)

    def of(self, declaration: ResourceDeclaration) -> list[Resource]:
        tokens = (declaration.dynamic_token, declaration.native_token)
        return [r for r in self.resources if r.type in tokens]

    @property
    def documents(self) -> list[Resource]:
        return [r for r in self.resources if r.type in DOCUMENT_TYPES]


def known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def _provider_urn(provider: Any) -> str | None:
    """`urn:...::name::<id>` -> `urn:...::name` (the id changes when the provider is replaced)."""
    if not isinstance(provider, str) or not provider:
        return None
    return provider.rsplit("::", 1)[0] if provider.count("::") >= 2 else provider


def parse(text: str, where: str = "the input") -> Preview:
    """Read a preview from its JSON text; PreviewInvalid names what is wrong in one line."""
    if not text.strip():
        raise PreviewInvalid(f"{where} is empty: expected {EXPECTED}")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise PreviewInvalid(
            f"{where} is not JSON ({error.msg}, line {error.lineno}): expected {EXPECTED}"
        ) from None
    return read(document, where)


def read(document: Any, where: str = "the input") -> Preview:
    """Read a preview already parsed from JSON."""
    if not isinstance(document, Mapping):
        raise PreviewInvalid(f"{where} holds a JSON {type(document).__name__}: expected {EXPECTED}")
    if "deployment" in document:
        raise PreviewInvalid(
            f"{where} is `pulumi stack export` output (a state), not a plan: expected {EXPECTED}"
        )
    _refuse_failed(document, where)
    steps = document.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, Mapping) for s in steps):
        raise PreviewInvalid(f"{where} has no `steps` list: expected {EXPECTED}")
    for index, step in enumerate(steps):
        op, urn = step.get("op"), step.get("urn")
        if not isinstance(op, str) or not isinstance(urn, str) or not urn.startswith("urn:"):
            raise PreviewInvalid(
                f"{where}: steps[{index}] has no `op` and `urn`: expected {EXPECTED}"
            )
        if op not in KNOWN_OPS:
            raise PreviewInvalid(
                f"{where}: steps[{index}] has op {op!r}, which this review does not know "
                f"(it reads {', '.join(sorted(KNOWN_OPS))}): expected {EXPECTED}"
            )
    resources, components = _resources(steps)
    summary = document.get("changeSummary") or {}
    sames = sum(1 for s in steps if s["op"] == "same")
    hidden = max(0, int(summary.get("same") or 0) - sames) if isinstance(summary, Mapping) else 0
    config = document.get("config") or {}
    return Preview(
        resources=tuple(resources),
        components=components,
        hidden_sames=hidden,
        replacement_steps=any(s["op"] in _ORDER_ONLY for s in steps)
        or not any(s["op"] == "replace" for s in steps),
        config=config if isinstance(config, Mapping) else {},
    )


def _refuse_failed(document: Mapping[str, Any], where: str) -> None:
    """A preview whose program or plan failed lists no plan worth reviewing: say its first error."""
    for diagnostic in document.get("diagnostics") or ():
        if isinstance(diagnostic, Mapping) and diagnostic.get("severity") == "error":
            lines = [line.strip() for line in str(diagnostic.get("message") or "").splitlines()]
            lines = [line for line in lines if line] or ["error"]
            # a program's traceback names its cause last; an engine error names it first
            reason = lines[-1] if "Traceback" in lines[0] + "".join(lines[1:2]) else lines[0]
            reason = reason.removeprefix("error: ")
            raise PreviewInvalid(
                f"{where}: the preview failed ({reason.rstrip(':')}): fix the stack and preview "
                "again"
            )


def _resources(steps: Sequence[Mapping[str, Any]]) -> tuple[list[Resource], dict[str, Resource]]:
    order: dict[str, list[str]] = {}
    for step in steps:
        if step["op"] in ("create-replacement", "delete-replaced"):
            order.setdefault(step["urn"], []).append(step["op"])
    found: list[Resource] = []
    components: dict[str, Resource] = {}
    for index, step in enumerate(steps):
        op, type_ = step["op"], _type(step)
        if op in _ORDER_ONLY or type_ is None:
            continue
        declaration, native = OURS.get(type_, (None, False))
        if declaration is None and type_ not in DOCUMENT_TYPES and type_ != CROSS_ORG_DASHBOARD:
            continue
        before = (
            _state(step.get("oldState"), declaration, native) if op not in _AFTER_ONLY else None
        )
        after = (
            _state(step.get("newState"), declaration, native) if op not in _BEFORE_ONLY else None
        )
        if op in ("same", "read", "import", "refresh") and after is not None and before is None:
            before = after
        seen = order.get(step["urn"], [])
        resource = Resource(
            urn=step["urn"],
            type=type_,
            op=op,
            before=before,
            after=after,
            native=native,
            replace_reasons=tuple(_names(step.get("replaceReasons"), declaration, native)),
            index=index,
            order=_replace_order(seen) if op == "replace" else None,
        )
        if type_ == CROSS_ORG_DASHBOARD:
            components[resource.urn] = resource
        else:
            found.append(resource)
    return found, components


def _replace_order(seen: list[str]) -> str | None:
    if not seen:
        return None
    return "create-before-delete" if seen[0] == "create-replacement" else "delete-before-create"


def _type(step: Mapping[str, Any]) -> str | None:
    for side in ("newState", "oldState"):
        state = step.get(side)
        if isinstance(state, Mapping) and isinstance(state.get("type"), str):
            return state["type"]
    head = step["urn"].rsplit("::", 2)
    return head[-2].rsplit("$", 1)[-1] if len(head) == 3 else None


def _state(raw: Any, declaration: ResourceDeclaration | None, native: bool) -> State | None:
    if not isinstance(raw, Mapping):
        return None
    renames = _renames(declaration) if native and declaration is not None else {}

    def named(values: Any) -> dict[str, Any]:
        if not isinstance(values, Mapping):
            return {}
        return {renames.get(k, k): v for k, v in values.items() if k != "__provider"}

    dependencies = raw.get("propertyDependencies") or {}
    return State(
        inputs=named(raw.get("inputs")),
        outputs=named(raw.get("outputs")),
        provider=raw.get("provider") if isinstance(raw.get("provider"), str) else None,
        parent=raw.get("parent") if isinstance(raw.get("parent"), str) else None,
        id=raw.get("id") if isinstance(raw.get("id"), str) and known(raw.get("id")) else None,
        property_dependencies={
            renames.get(k, k): tuple(v) for k, v in dependencies.items() if isinstance(v, list)
        }
        if isinstance(dependencies, Mapping)
        else {},
    )


def _renames(declaration: ResourceDeclaration) -> dict[str, str]:
    """Wire name -> declared name, for a native resource's props."""
    return {f.wire_name: f.name for f in declaration.fields}


def _names(reasons: Any, declaration: ResourceDeclaration | None, native: bool) -> list[str]:
    if not isinstance(reasons, list):
        return []
    renames = _renames(declaration) if native and declaration is not None else {}
    return [renames.get(str(r), str(r)) for r in reasons]
