"""Fleet health: what puts a fleet's org connections at risk, judged from facts already read.

Pulumi-free and call-free: the audit (`reports/audit.py`) reads Datadog once and hands the
records here; the stack program hands its declarations here at preview (0 API calls). Every rule
comes from Datadog's cross-org visibility page:

- a connection belongs to the user who created it and is deleted when that user is deactivated
  (service accounts are not people: they do not leave);
- an org that is not on an Enterprise plan may be connected to at most 5 other orgs;
- both ends must be in one account and on one site;
- connections created from a HIPAA-enabled org may share PHI with the sink (allowed; the customer
  is responsible);
- a connection with no restriction policy on either side may be changed or deleted by anyone with
  `org_connections_write` in either org;
- a query reads another org only while a connection carries its data type (`rules.queries`).

Each finding has a `kind` (one of `KINDS`), the orgs and connection it is about, a message saying
what goes wrong, and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from datadog_crossorg.config.org_facts import DEFAULT_PAIR, OrgFacts
from datadog_crossorg.rules.queries import Document, FlowIndex, links_from_connections
from datadog_crossorg.rules.values import is_uuid

PARTNER_LIMIT = 5  # product docs: "non-Enterprise orgs can share with at most 5 other orgs"

# Every kind of finding, with what it means (README's audit section repeats these lines).
KINDS: dict[str, str] = {
    "person-created": "created by a person: Datadog deletes it when that person is deactivated",
    "creator-disabled": "its creator is already disabled: Datadog deletes it, or has kept it "
    "only for now",
    "limit-reached": "a non-Enterprise org is connected to 5 other orgs: the next is refused",
    "over-limit": "a declared connection would take a non-Enterprise org past 5 partners",
    "cross-account": "a declared connection joins orgs of different accounts: refused",
    "cross-site": "a declared connection joins orgs on different sites: refused",
    "hipaa": "a connection from a HIPAA-enabled org: PHI may reach the sink",
    "unmanaged": "a connection in Datadog that no given stack manages",
    "gone": "a stack resource whose connection Datadog no longer has",
    "unrestricted": "no restriction policy on either side: anyone with org_connections_write "
    "may change or delete it",
    "dead-query": "a dashboard or notebook query reads a flow no connection carries",
}
# Declared connections Datadog would refuse: the preview stops on these.
REFUSED = frozenset({"over-limit", "cross-account", "cross-site"})


@dataclass(frozen=True)
class Pair:
    """A connection reduced to what the rules read: its id (None: declared, not created yet),
    source, sink (UUIDs, or names where the preview knows no UUID), types, and its name."""

    source: str
    sink: str
    connection_types: tuple[str, ...] = ()
    id: str | None = None
    name: str | None = None

    @classmethod
    def of(cls, conn: Any) -> Pair:
        """From a `client.Connection` record."""
        return cls(
            conn.source_org_id, conn.sink_org_id, tuple(conn.connection_types), conn.id, None
        )

    @property
    def label(self) -> str:
        return self.name or self.id or f"{self.source} -> {self.sink}"


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str  # the connection, org, resource or document it is about
    message: str
    fix: str
    orgs: tuple[str, ...] = ()
    connection_id: str | None = None
    stack: str | None = None

    @property
    def refused(self) -> bool:
        """Datadog would refuse it (a declared connection): a preview stops on it."""
        return self.kind in REFUSED

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "orgs": list(self.orgs),
            "connection_id": self.connection_id,
            "stack": self.stack,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class PartnerUse:
    """How many distinct partners a non-Enterprise org has (existing, and with the declared)."""

    org: str
    used: int
    declared: int
    limit: int = PARTNER_LIMIT


@dataclass(frozen=True)
class StackResource:
    """An OrgConnection resource of a stack's state: what it manages."""

    stack: str
    name: str
    connection_id: str | None
    source: str | None
    sink: str | None


class Names:
    """Org labels for messages: `Acme Edge (4a1f…)` when a name is known, else the UUID."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self._names = dict(names or {})

    def __call__(self, org: str) -> str:
        name = self._names.get(org)
        return f"{name} ({org[:8]})" if name and name != org else org


def facts_of(facts: Mapping[str, OrgFacts], org: str) -> OrgFacts:
    """The facts of `org` (a UUID or a name; any case), else none known."""
    found = facts.get(org)
    if found is None:
        wanted = org.lower()
        found = next((v for k, v in facts.items() if k.lower() == wanted), None)
    return found or OrgFacts()


# -- creators --------------------------------------------------------------------------------
def creator_findings(conns: Iterable[Any], names: Names) -> list[Finding]:
    """A connection made by a person vanishes with them; one whose creator is disabled is
    already going. Connections whose creator Datadog did not describe are not judged."""
    findings = []
    for conn in conns:
        creator = getattr(conn, "creator", None)
        if creator is None:
            continue
        route = f"{names(conn.source_org_id)} -> {names(conn.sink_org_id)}"
        types = ", ".join(conn.connection_types)
        orgs = (conn.source_org_id, conn.sink_org_id)
        if creator.disabled:
            findings.append(
                Finding(
                    "creator-disabled",
                    conn.id,
                    f"{route} ({types}) was created by {creator.label}, who is disabled: "
                    "Datadog deletes the connections of a deactivated user, so it is gone or "
                    "about to go",
                    _move_fix(conn, names),
                    orgs,
                    conn.id,
                )
            )
        elif not creator.service_account:
            findings.append(
                Finding(
                    "person-created",
                    conn.id,
                    f"{route} ({types}) disappears when {creator.label} is deactivated "
                    "(Datadog deletes the connections a user created)",
                    _move_fix(conn, names),
                    orgs,
                    conn.id,
                )
            )
    return findings


def _move_fix(conn: Any, names: Names) -> str:
    """How to move a connection to a service account, and what it costs."""
    types = ", ".join(conn.connection_types)
    return (
        f"move it to a service account: delete it, then create it with a service account's "
        f"key pair of {names(conn.source_org_id)} (Datadog refuses a second connection of the "
        f"pair while this one exists). Gap: yes, between the delete and the create "
        f"{names(conn.sink_org_id)} reads no {types} of the source (seconds). In a stack: set "
        "the resource's org to that key pair and run `pulumi up` (it replaces, delete first)"
    )


# -- limits, accounts, sites, HIPAA ------------------------------------------------------------
def partner_use(
    existing: Iterable[Pair], declared: Iterable[Pair], facts: Mapping[str, OrgFacts]
) -> list[PartnerUse]:
    """Partners of each org known not to be on Enterprise, sorted by org."""
    existing, declared = list(existing), list(declared)
    orgs = {o for p in existing + declared for o in (p.source, p.sink)}
    rows = []
    for org in sorted(orgs):
        if not facts_of(facts, org).limited:
            continue
        now = _partners(existing, org)
        rows.append(PartnerUse(org, len(now), len(_partners(declared, org) - now)))
    return rows


def _partners(pairs: Iterable[Pair], org: str) -> set[str]:
    return {p.sink if p.source == org else p.source for p in pairs if org in (p.source, p.sink)}


def limit_findings(uses: Iterable[PartnerUse], names: Names) -> list[Finding]:
    """A non-Enterprise org at its limit (existing connections only)."""
    return [
        Finding(
            "limit-reached",
            use.org,
            f"{names(use.org)} is not on an Enterprise plan and is connected to {use.used} of "
            f"{use.limit} other orgs: Datadog refuses its next partner",
            "move the org to an Enterprise plan, or remove a partner before adding one",
            (use.org,),
        )
        for use in uses
        if use.used >= use.limit and not use.declared
    ]


def check_declared(
    declared: Sequence[Pair],
    facts: Mapping[str, OrgFacts],
    existing: Sequence[Pair] = (),
    names: Names | None = None,
    stack: str | None = None,
) -> list[Finding]:
    """What Datadog would refuse of the declared connections (beside `existing` ones), and the
    HIPAA warning: judged from the org facts alone, before any call.

    A declared connection already in `existing` (same source and sink) is not new: it is judged
    as an existing one. Partner
    counts take the existing connections and the declared ones in order: the first that takes
    an org past 5 is named, with every one after it.
    """
    names = names or Names()
    findings: list[Finding] = []
    known = {(p.source, p.sink) for p in existing}
    partners: dict[str, set[str]] = {}
    for pair in existing:
        partners.setdefault(pair.source, set()).add(pair.sink)
        partners.setdefault(pair.sink, set()).add(pair.source)
    for pair in declared:
        if (pair.source, pair.sink) in known:
            continue  # exists already: judged as an existing connection
        known.add((pair.source, pair.sink))
        source, sink = facts_of(facts, pair.source), facts_of(facts, pair.sink)
        route = f"{pair.label} ({names(pair.source)} -> {names(pair.sink)})"
        orgs = (pair.source, pair.sink)
        if source.account and sink.account and source.account != sink.account:
            findings.append(
                Finding(
                    "cross-account",
                    pair.label,
                    f"{route} joins account {source.account} to account {sink.account}: "
                    "Datadog connects orgs of one account only",
                    "connect orgs of the same account (or fix the org facts in "
                    "datadog-crossorg:orgFacts)",
                    orgs,
                    pair.id,
                    stack,
                )
            )
        if source.site and sink.site and source.site != sink.site:
            findings.append(
                Finding(
                    "cross-site",
                    pair.label,
                    f"{route} joins site {source.site} to site {sink.site}: Datadog connects "
                    "orgs on one site only",
                    "connect orgs on the same site",
                    orgs,
                    pair.id,
                    stack,
                )
            )
        if source.hipaa:
            findings.append(_hipaa(pair, route, stack))
        for org, other in ((pair.source, pair.sink), (pair.sink, pair.source)):
            mine = partners.setdefault(org, set())
            if other not in mine and facts_of(facts, org).limited and len(mine) >= PARTNER_LIMIT:
                findings.append(
                    Finding(
                        "over-limit",
                        pair.label,
                        f"{route} would be partner {len(mine) + 1} of {names(org)}, which is not "
                        f"on an Enterprise plan (at most {PARTNER_LIMIT} other orgs): Datadog "
                        "refuses it, and a run that creates the others first half-applies",
                        f"drop a partner of {names(org)}, or move it to an Enterprise plan",
                        orgs,
                        pair.id,
                        stack,
                    )
                )
            mine.add(other)
    return findings


def declared_pairs(connections: Iterable[Any], org_uuids: Mapping[str, str]) -> list[Pair]:
    """A stack program's `ConnectionDecl`s as pairs: the source is the org of the key pair
    (`orgUuids` entry of that name, else the key-pair name; `default` for `datadog:*`)."""

    def org(value: str) -> str:
        value = str(org_uuids.get(value, value))
        return value.lower() if is_uuid(value) else value

    return [
        Pair(
            org(d.org or DEFAULT_PAIR), org(d.sink_org_id), tuple(d.connection_types), None, d.name
        )
        for d in connections
    ]


def preview_findings(program: Any) -> list[Finding]:
    """What the stack program's declarations break, from its own config (0 API calls): a
    `StackProgram`'s connections against its `org_facts`."""
    names = Names({uuid.lower(): name for name, uuid in program.org_uuids.items()})
    pairs = declared_pairs(program.connections, program.org_uuids)
    return check_declared(pairs, program.org_facts, names=names)


def refusal_text(findings: Iterable[Finding]) -> str:
    """The preview's one error: every refused declared connection, rule and orgs named."""
    refused = [f for f in findings if f.refused]
    lines = "\n".join(f"  - [{f.kind}] {f.message}; fix: {f.fix}" for f in refused)
    return (
        f"{len(refused)} declared connection(s) Datadog would refuse, so this plan cannot be "
        f"applied whole (checked from {'datadog-crossorg:orgFacts'}, no API call):\n{lines}"
    )


def _hipaa(pair: Pair, route: str, stack: str | None) -> Finding:
    return Finding(
        "hipaa",
        pair.label,
        f"{route} shares data of a HIPAA-enabled org: protected health information may reach "
        "the sink, and the customer is responsible for it (Datadog's note)",
        "share only what the sink may hold (drop logs if they carry PHI), or accept it knowingly",
        (pair.source, pair.sink),
        pair.id,
        stack,
    )


def hipaa_findings(
    existing: Iterable[Pair], facts: Mapping[str, OrgFacts], names: Names
) -> list[Finding]:
    return [
        _hipaa(p, f"{names(p.source)} -> {names(p.sink)}", None)
        for p in existing
        if facts_of(facts, p.source).hipaa
    ]


# -- who manages what ------------------------------------------------------------------------
def management_findings(
    conns: Sequence[Any], resources: Sequence[StackResource], names: Names
) -> list[Finding]:
    """Connections no given stack manages, and stack resources whose connection is gone."""
    listed = {c.id: c for c in conns}
    managed = {r.connection_id for r in resources if r.connection_id}
    stacks = ", ".join(sorted({r.stack for r in resources})) or "none"
    findings = [
        Finding(
            "unmanaged",
            conn.id,
            f"{names(conn.source_org_id)} -> {names(conn.sink_org_id)} "
            f"({', '.join(conn.connection_types)}) is managed by no given stack ({stacks})",
            "declare it in a stack with adopt=True (or `crossorg connections import-file` then "
            "`pulumi import --file` for the native resource), or delete it if nobody needs it",
            (conn.source_org_id, conn.sink_org_id),
            conn.id,
        )
        for conn in conns
        if conn.id not in managed
    ]
    findings += [
        Finding(
            "gone",
            res.name,
            f"stack {res.stack} resource {res.name} manages connection {res.connection_id}, "
            "which Datadog no longer lists (deleted out of band, or its creator was deactivated)",
            f"run `pulumi refresh` then `pulumi up` on stack {res.stack} to create it again",
            tuple(o for o in (res.source, res.sink) if o),
            res.connection_id,
            res.stack,
        )
        for res in resources
        if res.connection_id and res.connection_id not in listed
    ]
    return findings


# -- restriction policies --------------------------------------------------------------------
def restriction_findings(
    conns: Iterable[Any], restricted: Mapping[str, bool | None], names: Names
) -> list[Finding]:
    """`restricted[id]`: some side restricts who may edit it (True), neither (False), or not
    read (None, no key pair of either side): only False is a finding."""
    return [
        Finding(
            "unrestricted",
            conn.id,
            f"{names(conn.source_org_id)} -> {names(conn.sink_org_id)} has no restriction "
            "policy on either side: anyone with org_connections_write in either org may change "
            "or delete it",
            "give it a ConnectionAccess (datadog-crossorg:access) with editors on each side",
            (conn.source_org_id, conn.sink_org_id),
            conn.id,
        )
        for conn in conns
        if restricted.get(conn.id) is False
    ]


# -- dead queries ------------------------------------------------------------------------------
def dead_query_findings(documents: Iterable[Document], conns: Iterable[Any]) -> list[Finding]:
    """Queries that read a source with no connection, or without the needed type, today."""
    index = FlowIndex(documents)
    return [
        Finding(
            "dead-query",
            reader.document.label,
            f"{reader.document.label}: {problem}",
            "connect the source org to the document's org with the type the query reads, or "
            "drop the query",
            tuple(o for o in (reader.flow.source_org_id, reader.flow.sink_org_id) if o)
            if reader.flow
            else (),
        )
        for reader, problem in index.dead(links_from_connections(conns))
    ]


# -- the whole audit -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Fleet:
    """Everything the audit read: Datadog's connections (client records), the org facts, which
    connections some side restricts, the given stacks' resources (None: no stack given) and
    declared connections, and the documents with cross-org queries."""

    connections: tuple[Any, ...]
    facts: Mapping[str, OrgFacts] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    restricted: Mapping[str, bool | None] = field(default_factory=dict)
    resources: tuple[StackResource, ...] | None = None
    declared: tuple[Pair, ...] = ()
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Audit:
    findings: tuple[Finding, ...]
    partners: tuple[PartnerUse, ...]
    connections: int


def audit(fleet: Fleet) -> Audit:
    """Every finding of the fleet, grouped by kind in `KINDS` order."""
    names = Names(fleet.names)
    conns = list(fleet.connections)
    existing = [Pair.of(c) for c in conns]
    uses = partner_use(existing, fleet.declared, fleet.facts)
    findings = creator_findings(conns, names)
    findings += limit_findings(uses, names)
    findings += check_declared(fleet.declared, fleet.facts, existing, names)
    findings += hipaa_findings(existing, fleet.facts, names)
    if fleet.resources is not None:
        findings += management_findings(conns, fleet.resources, names)
    findings += restriction_findings(conns, fleet.restricted, names)
    findings += dead_query_findings(fleet.documents, conns)
    order = list(KINDS)
    findings.sort(key=lambda f: order.index(f.kind))
    return Audit(tuple(findings), tuple(uses), len(conns))
