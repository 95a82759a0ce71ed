"""The policies of the pack: the cross-org rules of `datadog_crossorg.dashboards.validate`.

Applied by `pulumi preview --policy-pack <this folder>` to every `DashboardJson` (its `dashboard`
input is the JSON text) and typed `Dashboard`/`DashboardV2` (their query args carry
`cross_org_uuids` as one string) of a stack:

- `cross-org-query-uuids` (each resource): at most one UUID per query, each a well-formed org
  UUID, from a data source an org connection can share.
- `cross-org-source-connected` (the whole stack): each query's source org has an OrgConnection in
  the stack (the dynamic resource or the native plugin's) to the dashboard's org that shares the
  query's data type. The dashboard's org is the
  `sink_org_id` output of its `CrossOrgDashboard` parent; a dashboard without one is checked
  against connections into any org.

Values not known yet (preview) are never judged. Policies here are plain objects: tests call
their `validate` with `ResourceValidationArgs` / `StackValidationArgs`.
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
from datadog_crossorg.dashboards.validate import (
    UNKNOWN,
    Link,
    QueryRef,
    check_connections,
    check_queries,
    is_unknown,
    json_queries,
)
from datadog_crossorg.native.schema import wire_name
from datadog_crossorg.tokens import (
    CROSS_ORG_DASHBOARD,
    DASHBOARD_JSON,
    NATIVE_ORG_CONNECTION,
    ORG_CONNECTION,
    TYPED_DASHBOARDS,
)

_LINK_FIELDS = ("source_org_id", "sink_org_id", "connection_types")
# Per OrgConnection type token, the names its props give the fields of a `Link`: the dynamic
# resource keeps the API's snake_case, the native plugin's schema uses camelCase.
CONNECTION_FIELDS: dict[str, tuple[str, ...]] = {
    ORG_CONNECTION: _LINK_FIELDS,
    NATIVE_ORG_CONNECTION: tuple(map(wire_name, _LINK_FIELDS)),
}


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


def dashboard_queries(resource_type: str, props: Mapping[str, Any]) -> list[QueryRef] | None:
    """The cross-org queries of a dashboard resource's props; None if it is not a dashboard or
    its document is not known (yet) or not JSON (the provider reports that)."""
    props = plain(props)
    if resource_type == DASHBOARD_JSON:
        text = props.get("dashboard")
        if not isinstance(text, str) or is_unknown(text):
            return None
        try:
            document = json.loads(text)
        except ValueError:
            return None
        return json_queries(document) if isinstance(document, Mapping) else None
    if resource_type in TYPED_DASHBOARDS:
        return typed_queries(props.get("widgets"))
    return None


def _label(name: str) -> str:
    return f"dashboard {name}"


# -- cross-org-query-uuids -------------------------------------------------------------------
def validate_query_uuids(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    queries = dashboard_queries(args.resource_type, args.props)
    for problem in check_queries(queries or ()):
        report_violation(f"{_label(args.name)}: {problem}", None)


query_uuids = ResourceValidationPolicy(
    name="cross-org-query-uuids",
    description=(
        "A cross-org dashboard query names at most one org, by a well-formed org UUID, and reads "
        "a data type org connections share (metrics, logs, audit)."
    ),
    validate=validate_query_uuids,
    enforcement_level=EnforcementLevel.MANDATORY,
)


# -- cross-org-source-connected --------------------------------------------------------------
def validate_sources_connected(
    args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    links = [
        Link.of(*(p.get(name) for name in CONNECTION_FIELDS[r.resource_type]), r.name)
        for r in args.resources
        if r.resource_type in CONNECTION_FIELDS
        for p in [plain(r.props)]
    ]
    for resource in args.resources:
        queries = dashboard_queries(resource.resource_type, resource.props)
        if not queries:
            continue
        sink = _dashboard_org(resource)
        for problem in check_connections(queries, links, sink):
            report_violation(f"{_label(resource.name)}: {problem}", resource.urn)


def _dashboard_org(resource: Any) -> str | None:
    parent = getattr(resource, "parent", None)
    if parent is None or parent.resource_type != CROSS_ORG_DASHBOARD:
        return None
    sink = plain(parent.props).get("sink_org_id")
    return None if is_unknown(sink) or not isinstance(sink, str) else sink


sources_connected = StackValidationPolicy(
    name="cross-org-source-connected",
    description=(
        "Each cross-org query reads an org that has an OrgConnection in the stack to the "
        "dashboard's org sharing the query's data type (metrics, logs or audit)."
    ),
    validate=validate_sources_connected,
    enforcement_level=EnforcementLevel.MANDATORY,
)

POLICIES = [query_uuids, sources_connected]
