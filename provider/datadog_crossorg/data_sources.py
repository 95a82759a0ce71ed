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
serves the same assumption the checks make rather than a second guess of its own. This module
imports nothing.
"""

from __future__ import annotations

CONNECTION_TYPES = ("audit", "logs", "metrics")  # what a connection can share
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
