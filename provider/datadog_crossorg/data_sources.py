"""Which org-connection type carries each data source a cross-org query may read, stated once.

Datadog names three connection types (audit, logs, metrics: the v2 API's OrgConnectionTypeEnum),
yet its page on cross-org visibility (shared/datadog-docs/004, "Contexto") lists CI Visibility
pipelines and Test Optimization tests among what connections share, without naming a type for
them. Pipeline and test runs are stored and queried as log-like events of the event platform
(the same event query as logs, FormulaAndFunctionEventQueryDefinition, with data_source
ci_pipelines or ci_tests), so we read them as carried by a `logs` connection. This is our
assumption, not Datadog's word: every message built on it says so (`ASSUMED`).

Every side that needs the mapping takes it from here: the cross-org checks
(`rules.queries`: dashboards, notebooks, the policy pack, `lint`), the proof that data
flows (`reports.verify`), and the offline Datadog (`emulator.rules_queries`), which otherwise
imports nothing of this project. It is the one reading of Datadog the emulator shares with the
client on purpose: Datadog's behaviour here is neither documented nor recorded, so the emulator
serves the same assumption the checks make rather than a second guess of its own.

`ConnectionTypes` is the one value a connection's types have on our side of the wire (records,
rules, reports), built where a value enters: checked inputs, stored outputs, Datadog's answers.
This module imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CONNECTION_TYPES = ("audit", "logs", "metrics")  # what a connection can share


class ConnectionTypes(tuple[str, ...]):
    """A connection's types: each once, sorted, whatever order or repeats it was given in.

    Datadog keeps a set, so order never makes a diff. A tuple, so it iterates, tests membership,
    equals the sorted tuple of the same names, and is JSON (and a wire or output value, via
    `list`) as the sorted list; its repr is the tuple's. Built from itself, it is itself.
    """

    __slots__ = ()

    def __new__(cls, types: Iterable[Any] = ()) -> ConnectionTypes:
        if isinstance(types, ConnectionTypes):
            return types
        if isinstance(types, str):
            raise TypeError(f"connection types must be a list of names, not the string {types!r}")
        return super().__new__(cls, sorted({str(t) for t in types}))


CONNECTION_TYPE_FOR = {
    "audit": "audit",
    "ci_pipelines": "logs",
    "ci_tests": "logs",
    "logs": "logs",
    "metrics": "metrics",
}
ASSUMED = {
    source: "assumed: Datadog documents no connection type for CI Visibility; pipelines and "
    "tests events travel with logs"
    for source in ("ci_pipelines", "ci_tests")
}


def carried_by(connection_type: str) -> tuple[str, ...]:
    """The data sources a connection sharing `connection_type` lets the sink read: the type's own
    first, then the others it carries, sorted (`logs`: logs, ci_pipelines, ci_tests)."""
    others = sorted(
        source
        for source, carrier in CONNECTION_TYPE_FOR.items()
        if carrier == connection_type and source != connection_type
    )
    own = (connection_type,) if CONNECTION_TYPE_FOR.get(connection_type) == connection_type else ()
    return (*own, *others)
