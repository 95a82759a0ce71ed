"""`crossorg connections audit`: read a fleet once, hand it to `rules.fleet`, read-only.

What it reads, and why no more: each key pair's connection listing once (its `included` entries
carry each creator's kind at no extra call); per org, one dashboard listing plus each dashboard
(a listing has no widgets) and one notebook listing (cells included); per connection, the
restriction policy of the sides whose keys are given, stopping at the first side that has one.
Two key pairs of one org share that org's documents. Nothing is written.

Stacks come as `pulumi stack export` JSON (files, or `--stack NAME`, which runs the export):
their OrgConnection resources (either adapter's) say what is managed. Declared connections come
from the stack config's `datadog-crossorg:connections`, org facts from `datadog-crossorg:orgFacts`.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datadog_crossorg.client import DatadogError
from datadog_crossorg.client.api import DatadogClient, connection_resource_id
from datadog_crossorg.client.records import Connection
from datadog_crossorg.reports.documents import org_dashboards, org_notebooks
from datadog_crossorg.reports.verify import identify_orgs
from datadog_crossorg.resources.tokens import ORG_CONNECTIONS
from datadog_crossorg.rules.fleet import Fleet, Pair, StackResource, declared_pairs
from datadog_crossorg.rules.queries import Document

KeyName = str | None
PARALLEL = 8  # calls in flight at once (each client is thread-safe; one pool per key pair)


class StackExportError(ValueError):
    """A stack export cannot be read; the message names the file or stack and the fix."""


@dataclass(frozen=True)
class Reading:
    """What the audit read: the fleet for the rules, and what it could not read (one line each)."""

    fleet: Fleet
    key_pairs: int
    not_read: tuple[str, ...] = ()


@dataclass
class _Notes:
    """What could not be read, each line once (added from the reading threads)."""

    lines: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, line: str) -> None:
        with self.lock:
            if line not in self.lines:
                self.lines.append(line)


def read_fleet(
    clients: Mapping[KeyName, DatadogClient],
    *,
    org_uuids: Mapping[str, str] | None = None,
    facts: Mapping[str, Any] | None = None,
    resources: Sequence[StackResource] | None = None,
    declared: Sequence[Any] = (),
    documents: bool = True,
    policies: bool = True,
) -> Reading:
    """Read everything the rules need through `clients` (one per key pair), once."""
    org_uuids = dict(org_uuids or {})
    notes = _Notes()
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        listed = pool.map(lambda client: client.list_connections(), clients.values())
        listings = dict(zip(clients, listed, strict=True))
    merged = _merge(listings)
    orgs = identify_orgs(listings, org_uuids)
    if None in clients and None not in orgs and "default" in org_uuids:
        orgs[None] = org_uuids["default"].lower()  # orgFacts' name for the datadog:* pair
    for name in clients:
        if name not in orgs:
            notes.add(
                f"key pair {name or 'default'}: its org is not known (name it in "
                "datadog-crossorg:orgUuids); its documents and policies were not read"
            )
    restricted = {c.id: _restricted(c, clients, orgs, notes) for c in merged} if policies else {}
    docs = _documents(clients, orgs, notes) if documents else []
    names = {**{uuid.lower(): n for n, uuid in org_uuids.items()}, **_names_from(merged)}
    pair_orgs = {str(name or "default"): org for name, org in orgs.items()}
    pairs = declared_pairs(declared, {**pair_orgs, **org_uuids})
    fleet = Fleet(
        connections=tuple(merged),
        facts=dict(facts or {}),
        names=names,
        restricted=restricted,
        resources=tuple(resources) if resources is not None else None,
        declared=tuple(pairs),
        documents=tuple(docs),
    )
    return Reading(fleet, len(clients), tuple(notes.lines))


def _merge(listings: Mapping[KeyName, Sequence[Connection]]) -> list[Connection]:
    """Each connection once (seen from both sides), keeping the record that names its creator."""
    merged: dict[str, Connection] = {}
    for conns in listings.values():
        for conn in conns:
            known = merged.get(conn.id)
            if known is None or (known.creator is None and conn.creator is not None):
                merged[conn.id] = conn
    return sorted(merged.values(), key=lambda c: (c.source_org_id, c.sink_org_id, c.id))


def _names_from(conns: Iterable[Connection]) -> dict[str, str]:
    names: dict[str, str] = {}
    for c in conns:
        for org, name in ((c.source_org_id, c.source_org_name), (c.sink_org_id, c.sink_org_name)):
            if name:
                names[org] = name
    return names


def _restricted(
    conn: Connection,
    clients: Mapping[KeyName, DatadogClient],
    orgs: Mapping[KeyName, str],
    notes: _Notes,
) -> bool | None:
    """True when the source's or the sink's policy restricts it, False when neither does, None
    when no key pair of either side could read its policy."""
    read_any = False
    for side in (conn.source_org_id, conn.sink_org_id):
        name = next((n for n, org in orgs.items() if org == side), _NONE)
        if name is _NONE:
            continue
        try:
            bindings = clients[name].get_restriction_policy(connection_resource_id(conn.id))
        except DatadogError as error:
            notes.add(f"key pair {name or 'default'}: restriction policies not read ({error})")
            continue
        if bindings:
            return True
        read_any = True
    return False if read_any else None


_NONE = object()


def _documents(
    clients: Mapping[KeyName, DatadogClient], orgs: Mapping[KeyName, str], notes: _Notes
) -> list[Document]:
    """Each org's dashboards and notebooks with cross-org queries, read once per org."""
    found: list[Document] = []
    done: set[str] = set()
    for name, client in clients.items():
        org = orgs.get(name)
        if org is None or org in done:
            continue
        done.add(org)
        label = f"key pair {name or 'default'}"
        try:
            found += [doc for doc in org_dashboards(client, org) if doc.queries]
        except DatadogError as error:
            notes.add(f"{label}: dashboards not read ({error})")
        try:
            found += [doc for doc in org_notebooks(client, org) if doc.queries]
        except DatadogError as error:
            notes.add(f"{label}: notebooks not read ({error})")
    return found


# -- stacks ------------------------------------------------------------------------------------
def resources_of_export(stack: str, export: Any) -> list[StackResource]:
    """The OrgConnection resources of one `pulumi stack export` document."""
    deployment = export.get("deployment") if isinstance(export, Mapping) else None
    listed = deployment.get("resources") if isinstance(deployment, Mapping) else None
    if not isinstance(listed, list):
        raise StackExportError(
            f"stack {stack}: not a `pulumi stack export` document (no deployment.resources); "
            "pass the output of `pulumi stack export --stack NAME`"
        )
    found = []
    for resource in listed:
        if not isinstance(resource, Mapping) or resource.get("type") not in ORG_CONNECTIONS:
            continue
        outputs = resource.get("outputs") or {}
        found.append(
            StackResource(
                stack=stack,
                name=str(resource.get("urn", "")).rsplit("::", 1)[-1],
                connection_id=_output(outputs, "connection_id", "connectionId")
                or resource.get("id"),
                source=_output(outputs, "source_org_id", "sourceOrgId"),
                sink=_output(outputs, "sink_org_id", "sinkOrgId"),
            )
        )
    return found


def _output(outputs: Mapping[str, Any], snake: str, camel: str) -> Any:
    """An output by the dynamic resource's name, else the native resource's."""
    return outputs.get(snake) or outputs.get(camel)


def read_export_file(path: str) -> list[StackResource]:
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise StackExportError(
            f"--stack-file {path}: cannot read it ({error.strerror or error}); pass a file "
            "written by `pulumi stack export`"
        ) from None
    try:
        export = json.loads(text)
    except ValueError:
        raise StackExportError(
            f"--stack-file {path} is not JSON; pass a file written by `pulumi stack export`"
        ) from None
    return resources_of_export(Path(path).stem, export)


def export_stack(
    stack: str, run: Callable[..., Any] = subprocess.run, cwd: str | None = None
) -> list[StackResource]:
    """`pulumi stack export --stack NAME` (in `cwd`), read."""
    try:
        done = run(
            ["pulumi", "stack", "export", "--stack", stack],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise StackExportError(
            f"--stack {stack}: cannot run `pulumi stack export` ({error}); is pulumi on PATH?"
        ) from None
    if done.returncode != 0:
        first = (done.stderr or done.stdout or "").strip().splitlines()
        raise StackExportError(
            f"--stack {stack}: `pulumi stack export` failed: {first[0] if first else 'no output'}"
        )
    try:
        export = json.loads(done.stdout)
    except ValueError:
        raise StackExportError(f"--stack {stack}: `pulumi stack export` gave no JSON") from None
    return resources_of_export(stack, export)


__all__ = [
    "Pair",
    "Reading",
    "StackExportError",
    "export_stack",
    "read_export_file",
    "read_fleet",
    "resources_of_export",
]
