"""What connections exist, seen from several key pairs at once, merged without duplicates.

A connection is visible from its source and from its sink; listing from both sides returns it
twice, so rows are merged by connection id. Used by `crossorg connections list`, the demo, and the
org graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict

from datadog_crossorg.client import Connection, DatadogClient
from datadog_crossorg.config.credentials import KeyRing


def clients_for(
    keys: KeyRing,
    names: Iterable[str | None],
    client_options: Mapping[str, float] | None = None,
) -> dict[str | None, DatadogClient]:
    """One client per key-pair name (None = the default pair), with the settings' limits
    (`ProviderSettings.client_options`: requestTimeout, requestDeadline); if a name cannot be
    resolved, the clients already made are closed before the error goes on."""
    clients: dict[str | None, DatadogClient] = {}
    try:
        for name in names:
            creds = keys.resolve(name)
            clients[name] = DatadogClient(
                creds.api_key, creds.app_key, creds.site, **(client_options or {})
            )
    except BaseException:
        for client in clients.values():
            client.close()
        raise
    return clients


def collect_connections(
    clients: Mapping[str | None, DatadogClient], *, quiet: bool = True
) -> list[Connection]:
    """Every connection any of the clients' orgs takes part in, once, in a stable order.

    With several clients and `quiet=False`, a progress bar shows on a terminal (see progress.py).
    """
    from datadog_crossorg.reports.progress import track

    merged: dict[str, Connection] = {}
    listing = track(
        clients.values(), "Listing connections", quiet=quiet or len(clients) < 2, total=len(clients)
    )
    for client in listing:
        for conn in client.list_connections():
            known = merged.get(conn.id)
            # Keep the richer record: names may be missing from one side's view.
            if known is None or (not known.source_org_name and conn.source_org_name):
                merged[conn.id] = conn
    return sorted(
        merged.values(),
        key=lambda c: (
            c.sink_org_name or c.sink_org_id,
            c.source_org_name or c.source_org_id,
            c.id,
        ),
    )


def connections_json(conns: Iterable[Connection]) -> str:
    """Stable JSON for scripts: one object per connection with the API's field names."""
    rows = [{**asdict(c), "connection_types": list(c.connection_types)} for c in conns]
    return json.dumps(rows, indent=2, sort_keys=True)


def print_connections_table(conns: list[Connection], title: str = "Org connections") -> None:
    """A terminal table: source -> sink with the data types shared."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{title} ({len(conns)})", title_justify="left")
    for column in ("source org", "sink org", "types"):
        table.add_column(column, overflow="fold")
    table.add_column("connection id", no_wrap=True)
    table.add_column("created by", overflow="fold")
    for c in conns:
        table.add_row(
            _org_label(c.source_org_name, c.source_org_id),
            _org_label(c.sink_org_name, c.sink_org_id),
            ", ".join(c.connection_types),
            c.id,
            c.created_by_name or c.created_by_id or "",
        )
    Console(width=max(Console().width, 140)).print(table)


def _org_label(name: str | None, uuid: str) -> str:
    return f"{name} ({uuid[:8]})" if name else uuid
