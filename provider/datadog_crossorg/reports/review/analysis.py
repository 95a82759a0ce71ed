"""What a preview does to who sees what: flows that start, stop or stay, principals that gain or
lose edit or view, and the stack's dashboards and notebooks that read a flow that stops.

Nothing here is guessed. An org is known from the state (a connection's `source_org_id`), from
the plan's inputs (`sink_org_id`), or from a key pair whose org the state proves: two resources
made with the same key pair act as the same org, so a new connection made with the key pair of
an existing one has that one's source, and a notebook made with it lives in that org. A
`CrossOrgDashboard` states its org (`sink_org_id`), which also names the org of the key pair its
`DashboardJson` is made with; the Datadog provider's default instance reads the same keys as
our default key pair (`datadog:apiKey`). Anything else stays unknown (None) and is shown so;
a document whose org is unknown may read a flow into any org (`Flow.matches`).

The who-reads-what index is `rules.queries` (`Flow`, `flows_of`, `Document`, `FlowIndex`),
shared with the fleet audit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from datadog_crossorg.config.keys import ORG_UUIDS
from datadog_crossorg.dashboards.typed import typed_queries
from datadog_crossorg.reports.review.preview import Preview, Resource, State, known
from datadog_crossorg.resources.connection_access import CONNECTION_ACCESS
from datadog_crossorg.resources.notebook import CROSS_ORG_NOTEBOOK
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.resources.tokens import CROSS_ORG_DASHBOARD, TYPED_DASHBOARDS
from datadog_crossorg.rules.queries import Document, Flow, FlowIndex, Link, Reader, flows_of
from datadog_crossorg.rules.values import is_uuid

STARTS, STOPS, STAYS, UNKNOWN = "starts", "stops", "stays", "unknown"
EDIT, VIEW = "edit", "view"
EVERYONE = "everyone"  # no policy: everyone with the org-connection permissions
EVERYONE_ELSE = "everyone not listed"
_SOURCE = ORG_CONNECTION["source_org_id"].name
_SINK = ORG_CONNECTION["sink_org_id"].name
_TYPES = ORG_CONNECTION["connection_types"].name
_SOURCE_NAME = ORG_CONNECTION["source_org_name"].name
_SINK_NAME = ORG_CONNECTION["sink_org_name"].name
_CONNECTION_ID = ORG_CONNECTION["connection_id"].name
_KEY_PAIR = ORG_CONNECTION["org"].name
_ACCESS_CONNECTION = CONNECTION_ACCESS["connection_id"].name
_EDITORS = CONNECTION_ACCESS["editors"].name
_VIEWERS = CONNECTION_ACCESS["viewers"].name
_NOTEBOOK_TEXT = CROSS_ORG_NOTEBOOK["notebook"].name
_DEFAULT_DATADOG_PROVIDER = "::pulumi:providers:datadog::default"


@dataclass(frozen=True)
class ConnectionChange:
    """One OrgConnection resource: what it carried before the change and what it will after."""

    name: str
    op: str
    native: bool
    before: Link | None
    after: Link | None
    order: str | None = None  # a replace: create-before-delete or delete-before-create
    index: int = 0

    @property
    def adapter(self) -> str:
        return "native" if self.native else "dynamic"


@dataclass(frozen=True)
class FlowChange:
    """Data of one type from one org to another: does it start, stop or stay, through which
    connection resources, and (a replace) is there a moment without it."""

    flow: Flow
    status: str  # starts, stops, stays, unknown (a value the preview does not know decides)
    connections: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class AccessChange:
    """Principals that gain or lose one relation (edit, view) on one connection in one org."""

    resource: str
    connection: str  # the OrgConnection resource's name (or the connection id)
    org_id: str | None  # whose policy
    side: str | None  # source, sink, or None when not known
    relation: str  # edit or view
    before: tuple[str, ...]  # principals; (EVERYONE,) when no policy restricts it
    after: tuple[str, ...] | None  # None: not known at preview
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    key_pair: str = "default"  # whose keys set the policy: a key-pair name or provider instance


@dataclass(frozen=True)
class Break:
    """A query of a document that reads a flow this change stops (or may stop)."""

    flow: Flow
    reader: Reader
    certain: bool  # False: an org the preview does not know decides
    note: str = ""


@dataclass(frozen=True)
class Review:
    """Everything the review reports, before rendering."""

    connections: tuple[ConnectionChange, ...]
    flows: tuple[FlowChange, ...]
    access: tuple[AccessChange, ...]
    breaks: tuple[Break, ...]  # the stack's own dashboards and notebooks
    documents: tuple[Document, ...]  # the stack's documents after the change
    org_names: Mapping[str, str]
    notes: tuple[str, ...]
    live_breaks: tuple[Break, ...] = ()
    live_dead: tuple[tuple[Reader, Any], ...] = ()  # (reader, Problem): reads nothing today
    live_orgs: tuple[str, ...] = ()  # the sink orgs searched live
    live: bool = False  # Datadog was searched (`--live`)
    key_pair_orgs: Mapping[str | None, str] = field(default_factory=dict)  # proved by the plan

    @property
    def stopping(self) -> list[FlowChange]:
        return [f for f in self.flows if f.status in (STOPS, UNKNOWN)]

    @property
    def broken(self) -> bool:
        """Something reads a flow that certainly stops."""
        return any(b.certain for b in (*self.breaks, *self.live_breaks))


# -- who is which org ----------------------------------------------------------------------
class Orgs:
    """The orgs the preview proves: per key pair (see the module doc), and names for labels."""

    def __init__(self, preview: Preview) -> None:
        self.by_key_pair: dict[Any, str] = {}
        self.names: dict[str, str] = {}
        ambiguous: set[Any] = set()
        for resource in preview.of(ORG_CONNECTION):
            state = resource.before
            if state is None:
                continue
            source = _org(state.value(_SOURCE))
            self._name(source, state.value(_SOURCE_NAME))
            self._name(_org(state.value(_SINK)), state.value(_SINK_NAME))
            self._learn(resource.key_pair, source, ambiguous)
        for component in preview.components.values():
            sink = _org(component.latest("sink_org_id"))
            for document in preview.documents:
                doc_state = document.after or document.before
                if doc_state is not None and doc_state.parent == component.urn:
                    self._learn(document.key_pair, sink, ambiguous)
        for key_pair in ambiguous:
            self.by_key_pair.pop(key_pair, None)

    def _learn(self, key_pair: Any, org: str | None, ambiguous: set[Any]) -> None:
        if key_pair is None or org is None:
            return
        for alias in _aliases(key_pair):
            if self.by_key_pair.setdefault(alias, org) != org:
                ambiguous.add(alias)

    def _name(self, org: str | None, name: Any) -> None:
        if org and isinstance(name, str) and known(name) and name:
            self.names.setdefault(org, name)

    def of(self, key_pair: Any) -> str | None:
        return None if key_pair is None else self.by_key_pair.get(key_pair)


def _aliases(key_pair: tuple[str, str | None]) -> list[Any]:
    """A key pair and the other names of the same keys: the Datadog provider's default instance
    and our default key pair both read `datadog:apiKey`."""
    kind, value = key_pair
    if kind == "key-pair" and value is None:
        return [key_pair, ("provider", "default-datadog")]
    if kind == "provider" and value and _DEFAULT_DATADOG_PROVIDER in value:
        return [key_pair, ("key-pair", None)]
    return [key_pair]


def _key_pair(resource: Resource) -> Any:
    key_pair = resource.key_pair
    if (
        key_pair
        and key_pair[0] == "provider"
        and key_pair[1]
        and _DEFAULT_DATADOG_PROVIDER in key_pair[1]
    ):
        return ("key-pair", None)
    return key_pair


def _key_pair_label(resource: Resource) -> str:
    """A key pair as a reviewer knows it: its name under datadog-crossorg:orgs, `default`, or a
    native provider instance's name."""
    key_pair = resource.key_pair
    if key_pair is None:
        return "not known at preview"
    kind, value = key_pair
    if kind == "provider":
        return f"provider {value.rsplit('::', 1)[-1]}" if value else "default provider"
    return value or "default"


def _org(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) and known(value) and value else None


# -- connections and flows -------------------------------------------------------------------
def connection_changes(preview: Preview, orgs: Orgs) -> list[ConnectionChange]:
    changes = []
    for resource in preview.of(ORG_CONNECTION):
        before = _link(resource.before, resource.name) if resource.before else None
        after = _after_link(resource, before, orgs) if resource.after else None
        changes.append(
            ConnectionChange(
                resource.name,
                resource.op,
                resource.native,
                before,
                after,
                resource.order,
                resource.index,
            )
        )
    return changes


def _link(state: State, name: str, source: Any = None) -> Link:
    return Link.of(
        source if source is not None else state.value(_SOURCE),
        state.value(_SINK),
        _types(state),
        name,
    )


def _types(state: State) -> Any:
    for values in (state.outputs, state.inputs):
        if _TYPES in values:
            return values[_TYPES] if known(values[_TYPES]) else None
    return None


def _after_link(resource: Resource, before: Link | None, orgs: Orgs) -> Link:
    state = resource.after
    assert state is not None
    source: Any = state.value(_SOURCE) if resource.op == "create" else None
    if source is None:
        keeps_key_pair = resource.op in ("same", "update", "read", "import", "refresh") or (
            resource.op == "replace" and _KEY_PAIR not in resource.replace_reasons
        )
        if before is not None and keeps_key_pair and before.source_org_id:
            source = before.source_org_id
        else:
            source = orgs.of(_key_pair(resource))
    if resource.op in ("same", "read", "import", "refresh") and resource.before is not None:
        return _link(resource.before, resource.name)
    return Link.of(source, state.value(_SINK), _types(state), resource.name)


def flow_changes(changes: Sequence[ConnectionChange]) -> list[FlowChange]:
    before: dict[Flow, list[ConnectionChange]] = {}
    after: dict[Flow, list[ConnectionChange]] = {}
    for change in changes:
        for link, into in ((change.before, before), (change.after, after)):
            if link is not None:
                for flow in flows_of(link.source_org_id, link.sink_org_id, link.connection_types):
                    into.setdefault(flow, []).append(change)
    found: list[FlowChange] = []
    for flow, carriers in before.items():
        names = _names(carriers)
        if flow in after:
            names = _names([*carriers, *after[flow]])
            found.append(FlowChange(flow, STAYS, names, _gap(carriers, after[flow])))
            continue
        maybe = [c for f, cs in after.items() if _partly_unknown(f) and f.matches(flow) for c in cs]
        if maybe:
            found.append(
                FlowChange(
                    flow,
                    UNKNOWN,
                    _names([*carriers, *maybe]),
                    f"may go on through {', '.join(_names(maybe))}, whose "
                    f"{_unknown_fields(maybe)} is not known until up",
                )
            )
        else:
            found.append(FlowChange(flow, STOPS, names, _stop_note(carriers, after)))
    for flow, carriers in after.items():
        if flow in before:
            continue
        if _partly_unknown(flow) and any(flow.matches(f) and f not in after for f in before):
            continue  # shown as the `unknown` flow it may continue
        found.append(FlowChange(flow, STARTS, _names(carriers), _start_note(flow, carriers)))
    return sorted(found, key=_flow_order)


_STATUS_ORDER = {STOPS: 0, UNKNOWN: 1, STARTS: 2, STAYS: 3}


def _flow_order(change: FlowChange) -> tuple[Any, ...]:
    flow = change.flow
    return (
        _STATUS_ORDER[change.status],
        flow.source_org_id or "~",
        flow.sink_org_id or "~",
        flow.connection_type or "~",
    )


def _names(changes: Iterable[ConnectionChange]) -> tuple[str, ...]:
    return tuple(sorted({c.name for c in changes}))


def _partly_unknown(flow: Flow) -> bool:
    return None in (flow.source_org_id, flow.sink_org_id, flow.connection_type)


def _unknown_fields(changes: Iterable[ConnectionChange]) -> str:
    missing = set()
    for change in changes:
        link = change.after
        if link is None:
            continue
        if link.source_org_id is None:
            missing.add("source org")
        if link.sink_org_id is None:
            missing.add("sink org")
        if link.connection_types is None:
            missing.add("connection types")
    return " and ".join(sorted(missing)) or "value"


def _gap(before: Sequence[ConnectionChange], after: Sequence[ConnectionChange]) -> str:
    """Whether a flow that stays is ever absent while the change runs."""
    replaced = [c for c in before if c.op == "replace"]
    if replaced and {c.name for c in before} == {c.name for c in after}:
        orders = {c.order for c in replaced}
        if orders == {"create-before-delete"}:
            return "no gap: replaced create-before-delete"
        if "delete-before-create" in orders:
            return "gap: deleted before it is created again (delete-before-replace)"
        return (
            "replaced; whether there is a gap is not known (preview with --show-replacement-steps)"
        )
    gone = [c for c in before if c.op == "delete"]
    new = [c for c in after if c.op == "create"]
    if gone and new:
        if max(c.index for c in new) < min(c.index for c in gone):
            created, deleted = ", ".join(_names(new)), ", ".join(_names(gone))
            return f"no gap: {created} is created before {deleted} is deleted"
        return f"gap: {', '.join(_names(gone))} is deleted before {', '.join(_names(new))} exists"
    return ""


def _stop_note(carriers: Sequence[ConnectionChange], after: Mapping[Flow, Any]) -> str:
    change = carriers[0]
    if change.op == "delete":
        return "connection deleted"
    if change.op == "replace" and change.after is not None:
        moved = change.after.sink_org_id != (change.before.sink_org_id if change.before else None)
        if moved and change.order == "create-before-delete":
            return "replaced (new sink): the new connection is created first"
        return "replaced (new sink)" if moved else "replaced"
    if change.op == "update":
        return "type removed from the connection"
    return ""


def _start_note(flow: Flow, carriers: Sequence[ConnectionChange]) -> str:
    parts = []
    if flow.source_org_id is None:
        parts.append("source org not known until up")
    if flow.sink_org_id is None:
        parts.append("sink org not known until up")
    if flow.connection_type is None:
        parts.append("types not known until up")
    change = carriers[0]
    if change.op == "update":
        parts.append("type added to the connection")
    elif change.op == "replace":
        parts.append("replaced (new sink)")
    return "; ".join(parts)


# -- access ----------------------------------------------------------------------------------
def access_changes(
    preview: Preview, orgs: Orgs, connections: Sequence[ConnectionChange]
) -> list[AccessChange]:
    by_urn = {r.urn: r for r in preview.of(ORG_CONNECTION)}
    by_id = {
        str(r.before.value(_CONNECTION_ID)).lower(): r
        for r in preview.of(ORG_CONNECTION)
        if r.before is not None and r.before.value(_CONNECTION_ID)
    }
    links = {c.name: c for c in connections}
    found: list[AccessChange] = []
    for resource in preview.of(CONNECTION_ACCESS):
        state = resource.after or resource.before
        assert state is not None
        connection = _access_connection(state, by_urn, by_id)
        before = _relations(resource.before) if resource.before else _unrestricted()
        after = _relations(resource.after) if resource.after else _unrestricted()
        policy_org = orgs.of(_key_pair(resource))
        side, org_id = _side(resource, connection, links, policy_org)
        label = connection.name if connection else str(state.value(_ACCESS_CONNECTION) or "?")
        for relation in (EDIT, VIEW):
            was, will = before[relation], after[relation]
            gained, lost = _difference(was, will)
            if will is not None and not gained and not lost:
                continue
            if relation == VIEW and side == "source":
                continue  # the source's policy says only who edits
            found.append(
                AccessChange(
                    resource.name,
                    label,
                    org_id,
                    side,
                    relation,
                    tuple(sorted(was)) if was is not None else (),
                    tuple(sorted(will)) if will is not None else None,
                    gained,
                    lost,
                    key_pair=_key_pair_label(resource),
                )
            )
    return found


def _access_connection(
    state: State, by_urn: Mapping[str, Resource], by_id: Mapping[str, Resource]
) -> Resource | None:
    for urn in state.property_dependencies.get(_ACCESS_CONNECTION, ()):
        if urn in by_urn:
            return by_urn[urn]
    value = state.value(_ACCESS_CONNECTION)
    return by_id.get(str(value).lower()) if value else None


def _relations(state: State) -> dict[str, frozenset[str] | None]:
    """Who may edit and view under a policy (editors view too); a policy with no bindings
    restricts nothing. None: not known at preview."""
    editors, viewers = state.inputs.get(_EDITORS), state.inputs.get(_VIEWERS)
    if not _known_list(editors) or not _known_list(viewers):
        return {EDIT: None, VIEW: None}
    edit = frozenset(str(p).strip().lower() for p in editors or ())
    view = edit | frozenset(str(p).strip().lower() for p in viewers or ())
    if not edit and not view:
        return _unrestricted()
    return {EDIT: edit, VIEW: view}


def _unrestricted() -> dict[str, frozenset[str] | None]:
    return {EDIT: frozenset({EVERYONE}), VIEW: frozenset({EVERYONE})}


def _known_list(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, list) and all(known(v) for v in value)


def _difference(
    was: frozenset[str] | None, will: frozenset[str] | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if was is None or will is None:
        return (), ()
    if EVERYONE in was and EVERYONE not in will:
        return (), (EVERYONE_ELSE,)
    if EVERYONE in will and EVERYONE not in was:
        return (EVERYONE,), ()
    return tuple(sorted(will - was)), tuple(sorted(was - will))


def _side(
    access: Resource,
    connection: Resource | None,
    links: Mapping[str, ConnectionChange],
    policy_org: str | None,
) -> tuple[str | None, str | None]:
    if connection is None:
        return None, policy_org
    change = links.get(connection.name)
    link = (change.after or change.before) if change else None
    if _key_pair(access) == _key_pair(connection) and _key_pair(access) is not None:
        return "source", link.source_org_id if link else policy_org
    if link is not None and policy_org is not None:
        if policy_org == link.sink_org_id:
            return "sink", policy_org
        if policy_org == link.source_org_id:
            return "source", policy_org
    return None, policy_org


# -- documents and what breaks ---------------------------------------------------------------
def stack_documents(
    preview: Preview, orgs: Orgs
) -> tuple[list[Document], dict[str, str], list[str]]:
    """The stack's dashboards and notebooks after the change (deleted ones left out); a document
    whose new content is not known at preview is read as it is now, with a note saying so; the
    names of new ones whose content is not known at all (not judged)."""
    documents: list[Document] = []
    notes: dict[str, str] = {}  # by resource name
    unjudged: list[str] = []
    for resource in preview.documents:
        if resource.after is None:
            continue
        note = ""
        content = _content(resource, resource.after)
        if content is None and resource.before is not None:
            content = _content(resource, resource.before)
            note = "its new JSON is not known at preview: judged as it is now"
        if content is None:
            unjudged.append(resource.name)
            continue
        document = _document(resource, content, _document_org(resource, preview, orgs))
        documents.append(document)
        if note:
            notes[resource.name] = note
    return documents, notes, unjudged


def _content(resource: Resource, state: State) -> Any:
    if resource.type in TYPED_DASHBOARDS:
        widgets = state.inputs.get("widgets")
        return widgets if known(widgets) else None
    text = state.inputs.get(
        _NOTEBOOK_TEXT if resource.kind == CROSS_ORG_NOTEBOOK.name else "dashboard"
    )
    if not isinstance(text, str) or not known(text):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _document(resource: Resource, content: Any, org: str | None) -> Document:
    identifier = resource.id
    if resource.type in TYPED_DASHBOARDS:
        title = resource.latest("title")
        return Document(
            "dashboard", identifier, title, org, tuple(typed_queries(content)), resource.name
        )
    kind = "notebook" if resource.kind == CROSS_ORG_NOTEBOOK.name else "dashboard"
    found = Document.of(kind, content, org, None, resource.name)
    return Document(found.kind, identifier, found.title, found.org_id, found.queries, resource.name)


def _document_org(resource: Resource, preview: Preview, orgs: Orgs) -> str | None:
    state = resource.after or resource.before
    parent = preview.components.get(state.parent) if state and state.parent else None
    if parent is not None and parent.type == CROSS_ORG_DASHBOARD:
        sink = _org(parent.latest("sink_org_id"))
        if sink:
            return sink
    return orgs.of(_key_pair(resource))


def breaks_of(
    index: FlowIndex, flows: Sequence[FlowChange], notes: Mapping[str, str] | None = None
) -> list[Break]:
    """The readers of each flow that stops (certain) or may stop (unknown)."""
    found: list[Break] = []
    for change in flows:
        if change.status not in (STOPS, UNKNOWN):
            continue
        for reader in index.reading([change.flow]):
            exact = reader.flow is not None and not _partly_unknown(reader.flow)
            found.append(
                Break(
                    change.flow,
                    reader,
                    certain=exact and change.status == STOPS,
                    note=(notes or {}).get(reader.document.resource or "", ""),
                )
            )
    return found


def review(preview: Preview) -> Review:
    """The whole review of a preview, without any API call."""
    orgs = Orgs(preview)
    connections = connection_changes(preview, orgs)
    flows = flow_changes(connections)
    documents, doc_notes, unjudged = stack_documents(preview, orgs)
    breaks = breaks_of(FlowIndex(documents), flows, doc_notes)
    return Review(
        connections=tuple(connections),
        flows=tuple(flows),
        access=tuple(access_changes(preview, orgs, connections)),
        breaks=tuple(breaks),
        documents=tuple(documents),
        org_names=dict(_config_names(preview.config), **orgs.names),
        notes=tuple(
            [
                *_notes(preview),
                *(
                    f"{name}: a new dashboard or notebook whose JSON is not known at preview "
                    "(it is resolved from outputs not known yet): not judged"
                    for name in unjudged
                ),
            ]
        ),
        key_pair_orgs={
            pair[1]: org for pair, org in orgs.by_key_pair.items() if pair[0] == "key-pair"
        },
    )


def named_orgs(config: Mapping[str, Any]) -> dict[str, str]:
    """Name -> org UUID from a stack config's `datadog-crossorg:orgUuids` (JSON text, as the
    engine and `pulumi config --json` give it); {} when absent or not a mapping."""
    raw = config.get(ORG_UUIDS)
    try:
        names = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return {}
    if not isinstance(names, Mapping):
        return {}
    return {str(k): v.lower() for k, v in names.items() if isinstance(v, str) and is_uuid(v)}


def _config_names(config: Mapping[str, Any]) -> dict[str, str]:
    """Labels for org UUIDs from the stack's orgUuids (the first name of each)."""
    found: dict[str, str] = {}
    for name, org in named_orgs(config).items():
        found.setdefault(org, name)
    return found


def _notes(preview: Preview) -> list[str]:
    notes = []
    if preview.hidden_sames:
        notes.append(
            f"{preview.hidden_sames} unchanged resource(s) are not in this preview: flows they "
            "carry and documents that read them are not seen (preview with --show-sames)"
        )
    if not preview.replacement_steps:
        notes.append(
            "a replace's order is not in this preview, so whether it leaves a gap is not known "
            "(preview with --show-replacement-steps)"
        )
    return notes
