"""A dashboard's or notebook's document inside a Pulumi program: its sources resolved, then checked.

A query's source may be an `OrgConnection` or a `pulumi.Output[str]`, known only while the program
runs. `resolve_checked` turns a model (`Dashboard`, `Notebook`) or a document into an Output of the
document with every source's UUID in place, checked against the connections it is given (and those
its queries read) before anything is sent: a problem fails the program with the kind's
`CrossOrgInvalid`, naming the widget or cell and the query. Where the sources are unknown (the
connections' first preview), queries reading a connection into the document's org are still
checked against that connection's declared types, with a stand-in UUID. `CrossOrgDashboard` and
`CrossOrgNotebook` both use it.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import pulumi

from datadog_crossorg.dashboards import model
from datadog_crossorg.rules.queries import (
    CrossOrgInvalid,
    Link,
    Problem,
    QueryRef,
    check_all,
    check_connections,
    check_queries,
)

QueriesOf = Callable[[Mapping[str, Any]], list[QueryRef]]


class Document(Protocol):
    """A model whose queries may read other orgs: `Dashboard` or `Notebook`."""

    def iter_queries(self) -> Any: ...

    def to_dict(self, uuid_of: model.UuidOf = ...) -> dict[str, Any]: ...


@dataclasses.dataclass(frozen=True)
class Resolved:
    """The checked document, what a resource sending it must depend on, and its org."""

    document: pulumi.Output[dict[str, Any]]
    depends_on: list[Any]
    org_id: Any  # the document's org: given, or the sink of the first connection read


def resolve_checked(
    name: str,
    source: Document | Mapping[str, Any],
    *,
    queries_of: QueriesOf,
    invalid: type[CrossOrgInvalid],
    connections: Sequence[Any] | None,
    org_id: pulumi.Input[str] | None,
) -> Resolved:
    """`source` resolved and checked; see the module docstring. `queries_of` finds the queries
    of the kind's JSON, `invalid` is the error the kind raises."""
    owner = invalid.kind
    sources = [] if isinstance(source, Mapping) else model.distinct_sources(source.iter_queries())
    uuids = pulumi.Output.all(*[uuid_output(s) for s in sources])
    resolved: Any
    if sources:
        resolved = uuids.apply(lambda values: source.to_dict(uuid_of(sources, values)))
    else:  # every rule that needs no Output runs right away
        resolved = dict(source) if isinstance(source, Mapping) else source.to_dict()
        _raise(name, invalid, check_queries(queries_of(resolved)))
    read = [s for s in sources if model.is_org_connection(s)]
    depends = _unique([*read, *(connections or ())])
    if org_id is None and read:
        org_id = read[0].sink_org_id
    against = connections is not None or bool(read)

    def checked(args: list[Any]) -> dict[str, Any]:
        document, links, sink = args
        sink = sink if isinstance(sink, str) else None
        problems = check_all(queries_of(document), links if against else None, sink, owner=owner)
        _raise(name, invalid, problems)
        return document

    result = pulumi.Output.all(resolved, _links(depends), org_id).apply(checked)
    if read and pulumi.runtime.is_dry_run():  # read: a model whose queries read connections
        assert not isinstance(source, Mapping)
        early = _preview_check(name, source, read, org_id, uuids, queries_of, invalid)
        result = pulumi.Output.all(result, early).apply(lambda a: a[0])
    return Resolved(result, depends, org_id)


def _raise(name: str, invalid: type[CrossOrgInvalid], problems: list[Problem]) -> None:
    if problems:
        raise _ending_the_program(invalid)(f'"{name}"', problems)


@functools.cache
def _ending_the_program(invalid: type[CrossOrgInvalid]) -> type[CrossOrgInvalid]:
    """`invalid` that is also a `pulumi.RunError`: a user's mistake, so `pulumi up` prints its
    message alone, without the traceback it prints for a bug in the program."""
    return type(invalid.__name__, (invalid, pulumi.RunError), {"__module__": invalid.__module__})


def uuid_output(source: Any) -> Any:
    return source.source_org_id if model.is_org_connection(source) else source


def uuid_of(sources: list[Any], values: list[Any]) -> model.UuidOf:
    by_id = {id(s): v for s, v in zip(sources, values, strict=True)}
    return lambda s: s if isinstance(s, str) else by_id[id(s)]


def _links(connections: Sequence[Any]) -> Any:
    """Output of the connections as `Link`s (named by resource name for messages)."""

    def link(connection: Any) -> Any:
        name = getattr(connection, "_name", None)
        fields = (connection.source_org_id, connection.sink_org_id, connection.connection_types)
        return pulumi.Output.all(*fields).apply(lambda v: Link.of(v[0], v[1], v[2], name))

    return pulumi.Output.all(*[link(c) for c in connections])


def _preview_check(
    name: str,
    source: Document,
    read: list[Any],
    sink: Any,
    uuids: pulumi.Output[Any],
    queries_of: QueriesOf,
    invalid: type[CrossOrgInvalid],
) -> pulumi.Output[None]:
    """At a preview where the source UUIDs are unknown (the connections are not created yet):
    each query reading an OrgConnection into the document's org is checked against that
    connection's declared sink and types, which are known. That connection is the only one
    that can serve the query (Datadog allows one connection per source and sink); a query
    reading one into another org waits for `up`."""

    async def check() -> None:
        if await uuids.is_known():
            return  # the full check runs on the real UUIDs
        sink_id = await pulumi.Output.from_input(sink).future()
        fields = [await pulumi.Output.all(c.sink_org_id, c.connection_types).future() for c in read]
        # A stand-in UUID per judged connection for its unknown source org.
        judged = {
            id(c): (str(uuid.uuid4()), c._name, f)
            for c, f in zip(read, fields, strict=True)
            if f is not None and isinstance(sink_id, str) and f[0] == sink_id
        }
        links = [Link.of(stand_in, f[0], f[1], conn) for stand_in, conn, f in judged.values()]
        document = source.to_dict(
            lambda s: judged[id(s)][0] if id(s) in judged else s if isinstance(s, str) else ""
        )
        stand_ins = {stand_in: f"<source of {conn}>" for stand_in, conn, _ in judged.values()}
        queries = [q for q in queries_of(document) if q.source_org_id in stand_ins]
        problems = [
            dataclasses.replace(p, message=_relabel(p.message, stand_ins))
            for p in check_connections(queries, links, sink_id, owner=invalid.kind)
        ]
        _raise(name, invalid, problems)

    return pulumi.Output.from_input(check())


def _relabel(text: str, labels: Mapping[str, str]) -> str:
    for stand_in, label in labels.items():
        text = text.replace(stand_in, label)
    return text


def _unique(resources: Sequence[Any]) -> list[Any]:
    return list({id(r): r for r in resources}.values())
