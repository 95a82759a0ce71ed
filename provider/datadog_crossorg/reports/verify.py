"""Proof that sharing works: for each connection, a small cross-org query from the sink per type.

    rows = verify_stack(config)        # stack config as the engine hands it (namespaced keys)
    print_flow_table(rows)  # or: crossorg connections verify --config Pulumi.<stack>.yaml

For each expected connection (declared in `datadog-crossorg:connections`, or else every one the
key pairs see), each type it shares and each data source that type carries, the sink asks
`POST /api/v2/query/timeseries` for the last hour of the source's data with
`cross_org_uuids: [<source>]`:
- metrics: `avg:datadog.estimated_usage.metrics.custom{*}` (a usage metric every org reports);
- logs, audit: a count of every event (`search: ""`). Logs are an event source of the v2
  timeseries endpoint; audit is one in dashboards' event queries, and the emulator serves it here
  too. Should Datadog refuse the audit query as malformed, the row says so rather than "no access".
- ci_pipelines, ci_tests (CI Visibility pipelines, Test Optimization tests): a count of every
  event, one row each under a `logs` connection, since those data sources are taken to travel
  with logs (`datadog_crossorg.data_sources`: assumed, Datadog names no connection type for
  them; the row's detail says so). An org that runs no CI shows "no data" there.
A row flows when the query answers with data. Otherwise it says why: Datadog's refusal (no
connection, type not shared, not a viewer under the sink's restriction policy), no data, or that
no key pair of the sink org was given. A row's `data_type` is the connection type it proves and
`data_source` what its query read: the same, except on the CI rows (`logs`, `ci_pipelines`).

Which org a key pair belongs to is not something Datadog tells: it comes from
`datadog-crossorg:orgUuids` (names there that are key-pair names), else from the connections the
key pair sees (the one org common to all of them).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from datadog_crossorg.client import Connection, DatadogClient, DatadogError, Forbidden, Invalid
from datadog_crossorg.client.records import TimeseriesQuery
from datadog_crossorg.config.credentials import CredentialsError, KeyRing
from datadog_crossorg.config.settings import ProviderSettings
from datadog_crossorg.data_sources import ASSUMED, CONNECTION_TYPE_FOR, ConnectionTypes, carried_by
from datadog_crossorg.process.org_view import org_of_listing
from datadog_crossorg.reports.existing import clients_for

WINDOW_MS = 3_600_000
INTERVAL_MS = 300_000
METRICS_QUERY = "avg:datadog.estimated_usage.metrics.custom{*}"
KeyName = str | None


@dataclass(frozen=True)
class Expectation:
    """A connection that should share `connection_types` of the source with the sink."""

    name: str
    source_org_id: str | None  # None when the source key pair's org could not be told
    sink_org_id: str
    connection_types: ConnectionTypes
    source_key: KeyName = None  # the source's key pair, when declared


@dataclass(frozen=True)
class FlowCheck:
    """One row: does `data_source` of the source reach the sink through the connection's
    `data_type`? `data_source` is `data_type` itself unless the type carries another source
    (a `logs` connection: ci_pipelines, ci_tests). `detail` says what the query found, or why
    not."""

    connection: str
    source: str
    sink: str
    data_type: str  # the connection type the row proves
    flows: bool
    detail: str  # what was asked and found, or why not
    data_source: str = ""  # what the query read; "" means `data_type`

    def __post_init__(self) -> None:
        if not self.data_source:
            object.__setattr__(self, "data_source", self.data_type)

    @property
    def kind(self) -> str:
        """The table's type column: `logs`, or `logs: ci_tests` for a source the type carries."""
        if self.data_source == self.data_type:
            return self.data_type
        return f"{self.data_type}: {self.data_source}"


def query_for(data_source: str, source_org_id: str) -> TimeseriesQuery:
    """The small query that proves `data_source` (a connection type, or a data source one
    carries) flows from the source."""
    if data_source == "metrics":
        return TimeseriesQuery("q", "metrics", METRICS_QUERY, source_org_id)
    return TimeseriesQuery("q", data_source, "", source_org_id)


# -- which org is which key pair -----------------------------------------------------------------
def identify_orgs(
    listings: Mapping[KeyName, Sequence[Connection]], hints: Mapping[str, str]
) -> dict[KeyName, str]:
    """Org UUID per key pair: a hint with its name, else the one org all its connections share."""
    found: dict[KeyName, str] = {}
    for name, conns in listings.items():
        org = hints[name].lower() if name is not None and name in hints else org_of_listing(conns)
        if org is not None:
            found[name] = org
    return found


# -- expectations --------------------------------------------------------------------------------
def expectations_from_connections(conns: Iterable[Connection]) -> list[Expectation]:
    return [Expectation(c.id, c.source_org_id, c.sink_org_id, c.connection_types) for c in conns]


def expectations_from_decls(decls: Iterable[Any], orgs: Mapping[KeyName, str]) -> list[Expectation]:
    """From the stack's `ConnectionDecl`s: the source is the org of the declared key pair."""
    return [
        Expectation(
            d.name,
            orgs.get(d.org),
            d.sink_org_id.lower(),
            ConnectionTypes(d.connection_types),
            d.org,
        )
        for d in decls
    ]


def expectations_from_outputs(outputs: Mapping[str, Mapping[str, Any]]) -> list[Expectation]:
    """From OrgConnection outputs by resource name (a stack's state after `up`)."""
    return [
        Expectation(
            name,
            outs["source_org_id"],
            outs["sink_org_id"],
            ConnectionTypes(outs["connection_types"]),
            outs.get("org"),
        )
        for name, outs in outputs.items()
    ]


# -- checking --------------------------------------------------------------------------------
def check_flows(
    expected: Iterable[Expectation],
    clients: Mapping[KeyName, DatadogClient],
    orgs: Mapping[KeyName, str],
    listings: Mapping[KeyName, Sequence[Connection]],
    names: Mapping[str, str],
    *,
    now_ms: int | None = None,
) -> list[FlowCheck]:
    """One row per expected connection, type and data source the type carries (`logs`: logs,
    ci_pipelines, ci_tests); one query per row, from a sink key pair."""
    end = int(time.time() * 1000) if now_ms is None else now_ms
    window = {"start_ms": end - WINDOW_MS, "end_ms": end, "interval_ms": INTERVAL_MS}
    label = _labeller(names, listings)
    rows = []
    for exp in expected:
        sink_key = next((k for k, org in orgs.items() if org == exp.sink_org_id), _NO_KEY)
        for data_type in exp.connection_types:
            for data_source in carried_by(data_type) or (data_type,):
                if exp.source_org_id is None:
                    flows, detail = (
                        False,
                        (
                            f"cannot check: the org of source key pair {exp.source_key!r} is "
                            "unknown (name its UUID in datadog-crossorg:orgUuids)"
                        ),
                    )
                elif sink_key is _NO_KEY:
                    flows, detail = False, _without_sink(exp, data_type, orgs, listings, label)
                else:
                    flows, detail = _ask(clients[sink_key], exp, data_source, window)
                rows.append(
                    FlowCheck(
                        exp.name,
                        label(exp.source_org_id),
                        label(exp.sink_org_id),
                        data_type,
                        flows,
                        detail,
                        data_source,
                    )
                )
    return rows


_NO_KEY: Any = object()


def _ask(
    client: DatadogClient, exp: Expectation, data_source: str, window: Mapping[str, int]
) -> tuple[bool, str]:
    assert exp.source_org_id is not None
    query = query_for(data_source, exp.source_org_id)
    asked = query.query or f"count of {data_source}"
    if data_source in ASSUMED:  # Datadog names no connection type for it: say so on the row
        asked += f", assumed carried by {CONNECTION_TYPE_FOR[data_source]}"
    try:
        answer = client.query_timeseries([query], **window)
    except Forbidden as exc:
        return False, f"the sink may not read it: {'; '.join(exc.errors) or exc}"
    except Invalid as exc:
        return False, f"cannot check: Datadog refused the query ({'; '.join(exc.errors) or exc})"
    except DatadogError as exc:
        return False, f"cannot check: {exc}"
    if answer.point_count == 0:
        return False, f"the query ran but found no {data_source} in the last hour ({asked})"
    return True, f"{answer.point_count} points in the last hour ({asked})"


def _without_sink(
    exp: Expectation,
    data_type: str,
    orgs: Mapping[KeyName, str],
    listings: Mapping[KeyName, Sequence[Connection]],
    label: Callable[[str | None], str],
) -> str:
    """Why-not without a sink key pair: what the source's own listing says, if we have it."""
    source_keys = [k for k, org in orgs.items() if org == exp.source_org_id]
    for key in source_keys:
        conn = next((c for c in listings[key] if c.sink_org_id == exp.sink_org_id), None)
        if conn is None:
            return f"no connection from {label(exp.source_org_id)} to {label(exp.sink_org_id)}"
        if data_type not in conn.connection_types:
            return f"the connection shares only {', '.join(conn.connection_types)}"
    return (
        f"cannot check from the sink: no key pair of {label(exp.sink_org_id)} was given "
        "(add it with --org, and its UUID under its name in datadog-crossorg:orgUuids)"
    )


def _labeller(
    names: Mapping[str, str], listings: Mapping[KeyName, Sequence[Connection]]
) -> Callable[[str | None], str]:
    known: dict[str, str] = {}
    for name, uuid in names.items():
        known.setdefault(uuid.lower(), name)  # several key pairs of one org: the first name
    for conns in listings.values():
        for c in conns:
            for org_id, org_name in (
                (c.source_org_id, c.source_org_name),
                (c.sink_org_id, c.sink_org_name),
            ):
                if org_name:
                    known[org_id] = org_name

    def label(org_id: str | None) -> str:
        if org_id is None:
            return "?"
        name = known.get(org_id)
        return f"{name} ({org_id[:8]})" if name else org_id

    return label


# -- the whole job -----------------------------------------------------------------------------
def verify(
    keys: KeyRing,
    key_names: Sequence[KeyName],
    *,
    decls: Sequence[Any] | None = None,
    org_uuids: Mapping[str, str] | None = None,
    expected: Sequence[Expectation] | None = None,
    now_ms: int | None = None,
    client_options: Mapping[str, float] | None = None,
) -> list[FlowCheck]:
    """List from every key pair, tell their orgs, then check each expected connection.

    `expected` wins; else `decls` (the stack's declared connections); else every connection seen.
    `client_options`: the settings' per-call limits (`ProviderSettings.client_options`).
    """
    hints = dict(org_uuids or {})
    clients: dict[KeyName, DatadogClient] = clients_for(keys, key_names, client_options)
    try:
        listings = {name: client.list_connections() for name, client in clients.items()}
        orgs = identify_orgs(listings, hints)
        if expected is None:
            if decls is not None:
                expected = expectations_from_decls(decls, orgs)
            else:
                seen = {c.id: c for conns in listings.values() for c in conns}
                expected = expectations_from_connections(seen.values())
        return check_flows(expected, clients, orgs, listings, hints, now_ms=now_ms)
    finally:
        for client in clients.values():
            client.close()


def verify_stack(
    config: Mapping[str, Any],
    key_names: Sequence[KeyName] | None = None,
    *,
    expected: Sequence[Expectation] | None = None,
    now_ms: int | None = None,
) -> list[FlowCheck]:
    """`verify` from a stack config: the engine's namespaced keys with JSON for structured values
    (also `pulumi config --show-secrets --json` output, or Automation API `get_all_config()`).

    Uses every key pair the config names (and the default pair, if it has keys) unless
    `key_names` picks some; expects the connections of `datadog-crossorg:connections`.
    """
    from datadog_crossorg.config import keys as config_keys
    from datadog_crossorg.config.stack_program import read_stack_program

    values = {k: getattr(v, "value", v) for k, v in config.items()}
    settings = ProviderSettings.from_stack_config(values.get)
    keys = settings.key_ring
    program = read_stack_program(values.get)
    org_uuids = dict(program.org_uuids)
    decls = program.connections if config_keys.CONNECTIONS in values else None
    if key_names is None:
        key_names = [*_default_if_configured(keys), *sorted(keys.names)]
    return verify(
        keys,
        key_names,
        decls=decls,
        org_uuids=org_uuids,
        expected=expected,
        now_ms=now_ms,
        client_options=settings.client_options,
    )


def _default_if_configured(keys: KeyRing) -> list[KeyName]:
    try:
        keys.resolve(None)
    except CredentialsError:
        return []
    return [None]


# -- output ------------------------------------------------------------------------------------
def rows_json(rows: Iterable[FlowCheck]) -> str:
    return json.dumps([asdict(r) for r in rows], indent=2, sort_keys=True)


def print_flow_table(rows: Sequence[FlowCheck], title: str = "Cross-org data flow") -> None:
    """A terminal table: connection, source -> sink, type (and the data source it carries, when
    another: `logs: ci_tests`), flows yes/no, and what was found."""
    from rich.console import Console
    from rich.table import Table

    flowing = sum(r.flows for r in rows)
    table = Table(title=f"{title} ({flowing}/{len(rows)} flowing)", title_justify="left")
    for column in ("connection", "source org", "sink org", "type", "flows", "detail"):
        table.add_column(column, overflow="fold")
    for r in rows:
        mark = "[green]yes[/green]" if r.flows else "[red]no[/red]"
        table.add_row(r.connection, r.source, r.sink, r.kind, mark, r.detail)
    Console(width=max(Console().width, 140)).print(table)
