"""The policies of the pack: the cross-org rules of `datadog_crossorg.rules.queries`.

Applied by `pulumi preview --policy-pack <this folder>` to every `DashboardJson` (its `dashboard`
input is the JSON text), typed `Dashboard`/`DashboardV2` (their query args carry
`cross_org_uuids` as one string) and `CrossOrgNotebook` (its `notebook` input is the JSON text of
the notebook's attributes) of a stack:

- `cross-org-query-uuids` (each resource): at most one UUID per query, each a well-formed org
  UUID, from a data source an org connection can share.
- `cross-org-source-connected` (the whole stack): each query's source org has an OrgConnection in
  the stack (the dynamic resource or the native plugin's) to the document's org that shares the
  query's data type. A dashboard's org is the `sink_org_id` output of its `CrossOrgDashboard`
  parent. A notebook's org is the org of its key pair (`org`, unset for the default pair), known
  when a dynamic OrgConnection of the stack is made with the same key pair: its `source_org_id`.
  A dashboard without such a parent, or a notebook whose key pair's org the stack does not tell,
  is checked against connections into any org.

Which props of an OrgConnection hold a `Link`'s fields comes from the resource's declaration
(`resources.org_connection`): the dynamic resource keeps the API's snake_case, the native
plugin's schema its wire names. Values not known yet (preview) are never judged. Policies here
are plain objects: tests call their `validate` with `ResourceValidationArgs` /
`StackValidationArgs`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from datadog_crossorg.dashboards.typed import typed_queries
from datadog_crossorg.resources.notebook import CROSS_ORG_NOTEBOOK
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.resources.tokens import CROSS_ORG_DASHBOARD, DASHBOARD_JSON, TYPED_DASHBOARDS
from datadog_crossorg.rules.queries import (
    Link,
    QueryRef,
    check_connections,
    check_queries,
    json_queries,
    notebook_queries,
)
from datadog_crossorg.rules.values import UNKNOWN, is_unknown

_LINK_FIELDS = ("source_org_id", "sink_org_id", "connection_types")
# Per OrgConnection type token, the names its props give the fields of a `Link`: the dynamic
# resource keeps the declaration's (the API's snake_case), the native plugin's schema its wire
# names (camelCase).
CONNECTION_FIELDS: dict[str, tuple[str, ...]] = {
    ORG_CONNECTION.dynamic_token: tuple(ORG_CONNECTION[name].name for name in _LINK_FIELDS),
    ORG_CONNECTION.native_token: tuple(ORG_CONNECTION[name].wire_name for name in _LINK_FIELDS),
}
# The key pair a dynamic OrgConnection is made with, so the key pair of its source org (the
# native plugin's key pair is its provider's: no prop says it).
_CONNECTION_KEY_PAIR = ORG_CONNECTION["org"].name
_CONNECTION_SOURCE = ORG_CONNECTION["source_org_id"].name
NOTEBOOK = CROSS_ORG_NOTEBOOK.dynamic_token
_NOTEBOOK_TEXT = CROSS_ORG_NOTEBOOK["notebook"].name  # the attributes as JSON text
_NOTEBOOK_KEY_PAIR = CROSS_ORG_NOTEBOOK["org"].name


def plain(value: Any) -> Any:
    """Props as plain dicts and lists; a value unknown in preview becomes `UNKNOWN`."""
    if isinstance(value, Mapping):
        result = {}
        for key in value:
            try:
                result[key] = plain(value[key])
            except UnknownValueError:
                result[key] = UNKNOWN
        return result
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def document_queries(resource_type: str, props: Mapping[str, Any]) -> list[QueryRef] | None:
    """The cross-org queries of a dashboard's or notebook's props; None if it is neither or its
    document is not known (yet) or not a JSON object (the provider reports that)."""
    props = plain(props)
    if resource_type == DASHBOARD_JSON:
        document = _json_object(props.get("dashboard"))
        return None if document is None else json_queries(document)
    if resource_type == NOTEBOOK:
        document = _json_object(props.get(_NOTEBOOK_TEXT))
        return None if document is None else notebook_queries(document)
    if resource_type in TYPED_DASHBOARDS:
        return typed_queries(props.get("widgets"))
    return None


def _json_object(text: Any) -> Mapping[str, Any] | None:
    if not isinstance(text, str) or is_unknown(text):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, Mapping) else None


def _owner(resource_type: str) -> str:
    return "notebook" if resource_type == NOTEBOOK else "dashboard"


def _label(resource_type: str, name: str) -> str:
    return f"{_owner(resource_type)} {name}"


# -- cross-org-query-uuids -------------------------------------------------------------------
def validate_query_uuids(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    queries = document_queries(args.resource_type, args.props)
    for problem in check_queries(queries or ()):
        report_violation(f"{_label(args.resource_type, args.name)}: {problem}", None)


query_uuids = ResourceValidationPolicy(
    name="cross-org-query-uuids",
    description=(
        "A cross-org dashboard or notebook query names at most one org, by a well-formed org "
        "UUID, and reads a data type org connections share (metrics, logs, audit; CI pipelines "
        "and tests through logs, assumed)."
    ),
    validate=validate_query_uuids,
    enforcement_level=EnforcementLevel.MANDATORY,
)


# -- cross-org-source-connected --------------------------------------------------------------
def validate_sources_connected(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    connections = [
        (r, p)
        for r in args.resources
        if r.resource_type in CONNECTION_FIELDS
        for p in [plain(r.props)]
    ]
    links = [
        Link.of(*(p.get(name) for name in CONNECTION_FIELDS[r.resource_type]), r.name)
        for r, p in connections
    ]
    orgs = key_pair_orgs(connections)
    for resource in args.resources:
        queries = document_queries(resource.resource_type, resource.props)
        if not queries:
            continue
        owner = _owner(resource.resource_type)
        sink = _notebook_org(resource, orgs) if owner == "notebook" else _dashboard_org(resource)
        for problem in check_connections(queries, links, sink, owner):
            message = f"{_label(resource.resource_type, resource.name)}: {problem}"
            report_violation(message, resource.urn)


def key_pair_orgs(connections: Sequence[tuple[Any, Mapping[str, Any]]]) -> dict[str | None, str]:
    """The org of each key pair the stack's dynamic OrgConnections are made with (their source,
    `source_org_id`), where it is known; None is the default key pair. A key pair whose
    connections disagree is left out."""
    found: dict[str | None, set[str]] = {}
    for resource, props in connections:
        if resource.resource_type != ORG_CONNECTION.dynamic_token:
            continue
        key_pair, source = _key_pair(props.get(_CONNECTION_KEY_PAIR)), props.get(_CONNECTION_SOURCE)
        if key_pair is not _NOT_KNOWN and _is_org(source):
            found.setdefault(key_pair, set()).add(source.lower())
    return {key_pair: orgs.pop() for key_pair, orgs in found.items() if len(orgs) == 1}


_NOT_KNOWN: Any = object()


def _key_pair(value: Any) -> Any:
    """A key-pair prop as a name, None for the default pair, `_NOT_KNOWN` if not known yet."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) and not is_unknown(value) else _NOT_KNOWN


def _is_org(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and not is_unknown(value)


def _notebook_org(resource: Any, orgs: Mapping[str | None, str]) -> str | None:
    key_pair = _key_pair(plain(resource.props).get(_NOTEBOOK_KEY_PAIR))
    return None if key_pair is _NOT_KNOWN else orgs.get(key_pair)


def _dashboard_org(resource: Any) -> str | None:
    parent = getattr(resource, "parent", None)
    if parent is None or parent.resource_type != CROSS_ORG_DASHBOARD:
        return None
    sink = plain(parent.props).get("sink_org_id")
    return None if is_unknown(sink) or not isinstance(sink, str) else sink


sources_connected = StackValidationPolicy(
    name="cross-org-source-connected",
    description=(
        "Each cross-org query of a dashboard or notebook reads an org that has an OrgConnection "
        "in the stack to the document's org sharing the query's data type (metrics, logs or "
        "audit; logs for CI pipelines and tests, assumed)."
    ),
    validate=validate_sources_connected,
    enforcement_level=EnforcementLevel.MANDATORY,
)

POLICIES = [query_uuids, sources_connected]
