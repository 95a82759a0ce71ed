"""`crossorg review --live`: the dashboards and notebooks in Datadog that read a flow the change
stops, made by anyone (the UI, another team's stack), and the cross-org queries that already read
nothing today. Read-only: listings and GETs, never a write.

Per affected sink org (the sink of a flow that stops or may stop), with a key pair of that org:
one connections listing (what flows today), the dashboards listing and the notebooks listing
(which carries every notebook's cells), then one GET per dashboard the listing cannot rule out:
a dashboard summary carries no widgets, so only the stack's own dashboards (judged from the
preview already) are skipped. The GETs run concurrently; the client paces itself on Datadog's
rate-limit headers.

Which key pair is which org: a key pair named like an entry of `datadog-crossorg:orgUuids` is
that org (the convention `crossorg connections verify` uses), and so is one the preview proves
(the stack made a connection with it, see `analysis`); any other is placed by its own
connections listing (`org_of_listing`), which is then reused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.reports.documents import MAX_IN_FLIGHT, org_dashboards, org_notebooks
from datadog_crossorg.reports.review.analysis import Review, breaks_of
from datadog_crossorg.rules.queries import Document, FlowIndex, links_from_connections


@dataclass(frozen=True)
class OrgKeys:
    """A key pair whose org is known, its client, and its connections listing if already read."""

    name: str | None
    org_id: str
    client: Any
    connections: tuple[Any, ...] | None = None


def place_key_pairs(
    clients: Mapping[str | None, Any], known: Mapping[str | None, str]
) -> tuple[list[OrgKeys], list[str]]:
    """The org of each key pair (see the module doc); notes for the ones that cannot be placed.
    `known`: key pair -> org, from orgUuids names and from what the preview proved."""
    from datadog_crossorg.process.org_view import org_of_listing

    placed: list[OrgKeys] = []
    notes: list[str] = []
    for name, client in clients.items():
        if name in known:
            placed.append(OrgKeys(name, known[name].lower(), client))
            continue
        listing = tuple(client.list_connections())
        org = org_of_listing(listing)
        if org is None:
            pair = f"key pair {name!r}" if name else "the default key pair"
            notes.append(
                f"cannot tell which org {pair} belongs to (name its UUID under its name in "
                "datadog-crossorg:orgUuids): not searched"
            )
            continue
        placed.append(OrgKeys(name, org, client, listing))
    return placed, notes


def sink_orgs(review: Review) -> tuple[list[str], list[str]]:
    """The orgs to search (sinks of flows that stop or may stop), and notes for flows whose
    sink is not known."""
    orgs = sorted({f.flow.sink_org_id for f in review.stopping if f.flow.sink_org_id})
    notes = [
        f"a flow through {', '.join(f.connections)} may stop into an org not known until up: "
        "not searched live"
        for f in review.stopping
        if not f.flow.sink_org_id
    ]
    return orgs, notes


def org_documents(
    keys: OrgKeys,
    skip: frozenset[str],
    stack_names: Mapping[str, str | None] | None = None,
    workers: int = MAX_IN_FLIGHT,
) -> list[Document]:
    """Every dashboard and notebook of the key pair's org, but those in `skip` (ids the stack
    holds): notebooks from their listing, dashboards by one GET each. `stack_names` names the
    stack resource of a document found here."""
    client, org = keys.client, keys.org_id
    return [
        *org_notebooks(client, org, skip, stack_names),
        *org_dashboards(client, org, skip, stack_names, workers),
    ]


def search(
    review: Review,
    clients: Mapping[str | None, Any],
    org_uuids: Mapping[str, str],
    *,
    progress: Callable[[str], None] | None = None,
) -> Review:
    """The review with what breaks live, what reads nothing today, and notes for orgs that could
    not be searched."""
    wanted, notes = sink_orgs(review)
    if not wanted:  # nothing stops into a known org: nothing to search, no call
        return dataclasses.replace(review, live=True, notes=(*review.notes, *notes))
    known: dict[str | None, str] = {**review.key_pair_orgs, **org_uuids}
    placed, more_notes = place_key_pairs(clients, known)
    notes = [*more_notes, *notes]
    by_org: dict[str, OrgKeys] = {}
    for keys in placed:
        by_org.setdefault(keys.org_id, keys)
    # the stack's documents judged in a known org are not read again; one whose org the plan
    # does not tell is, and found in its org it is judged exactly (named by its resource)
    skip = frozenset(d.id for d in review.documents if d.id and d.org_id)
    stack_names = {d.id: d.resource for d in review.documents if d.id and not d.org_id}
    breaks, dead, searched = [], [], []
    for org in wanted:
        keys = by_org.get(org)
        if keys is None:
            name = review.org_names.get(org, org)
            notes.append(
                f"no key pair of {name} ({org[:8]}) was given: its dashboards and notebooks "
                "were not searched (add it under datadog-crossorg:orgs, and --org NAME)"
            )
            continue
        if progress:
            progress(org)
        connections = keys.connections
        if connections is None:
            connections = tuple(keys.client.list_connections())
        index = FlowIndex(org_documents(keys, skip, stack_names))
        breaks += breaks_of(index, review.stopping)
        dead += index.dead(links_from_connections(connections))
        searched.append(org)
    return dataclasses.replace(
        review,
        live_breaks=tuple(breaks),
        live_dead=tuple(dead),
        live_orgs=tuple(searched),
        live=True,
        notes=(*review.notes, *notes),
    )
