"""`cross-org-flow-still-read` (opt-in): a change must not leave a dashboard or notebook of the
stack reading a flow no connection of the stack carries any more.

What a policy can know: only the planned state. It sees every resource as it will be, values
not known yet included (an OrgConnection being updated has no outputs at preview, so its
`source_org_id` is unknown), and nothing of what was there before. So it cannot tell "this flow
stops" from "this flow never existed"; it can tell that after the change no connection of the
stack *may* carry what a query reads. Where `cross-org-source-connected` lets any connection
with an unknown field pass, this one judges each known field: a connection whose source is not
known yet still cannot carry `logs` when its planned `connection_types` lack `logs`, nor into
another sink. That is exactly the narrowing a `pulumi preview` of a type removal plans. The
review (`crossorg review`), which reads the plan's before and after, says which flow stops.

Off unless enabled (`EnforcementLevel.DISABLED`): turn it on with a policy config file,
`pulumi preview --policy-pack <pack> --policy-pack-config config.json` holding
`{"cross-org-flow-still-read": "mandatory"}` (or "advisory").
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from datadog_crossorg.data_sources import CONNECTION_TYPE_FOR
from datadog_crossorg.policy.rules import (
    CONNECTION_FIELDS,
    _dashboard_org,
    _label,
    _notebook_org,
    _owner,
    document_queries,
    key_pair_orgs,
    plain,
)
from datadog_crossorg.rules.queries import Flow, Link, flow_read_by, may_carry

NAME = "cross-org-flow-still-read"


def validate_flows_still_read(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    connections = [
        (r, p)
        for r in args.resources
        if r.resource_type in CONNECTION_FIELDS
        for p in [plain(r.props)]
    ]
    orgs = key_pair_orgs(connections)
    links = [_planned_link(r, p, orgs) for r, p in connections]
    for resource in args.resources:
        queries = document_queries(resource.resource_type, resource.props)
        if not queries:
            continue
        owner = _owner(resource.resource_type)
        org = _notebook_org(resource, orgs) if owner == "notebook" else _dashboard_org(resource)
        if org is None:
            continue  # a document whose org the plan does not tell could read into any org
        for query in queries:
            flow = flow_read_by(query, org)
            if flow is None or any(may_carry(link, flow) for link in links):
                continue
            report_violation(
                f"{_label(resource.resource_type, resource.name)}: {query.where} reads "
                f"{query.data_source} of org {flow.source_org_id} into org {org}, which no "
                f"connection of the stack carries after this change{_into(flow, links)}",
                resource.urn,
            )


def _planned_link(resource: Any, props: dict[str, Any], orgs: dict[str | None, str]) -> Link:
    """A connection as planned; an unknown source is the org of its key pair when the stack
    proves it (another connection made with the same key pair)."""
    source, sink, types = (props.get(name) for name in CONNECTION_FIELDS[resource.resource_type])
    link = Link.of(source, sink, types, resource.name)
    if link.source_org_id is None and "org" in props:
        key_pair = props.get("org") or None
        if key_pair in orgs:
            return Link(orgs[key_pair], link.sink_org_id, link.connection_types, link.name)
    return link


def _into(flow: Flow, links: list[Link]) -> str:
    """What the stack's connections into that org carry, to name them beside the document."""
    into = [link for link in links if link.sink_org_id in (None, flow.sink_org_id)]
    if not into:
        return ""
    needed = flow.connection_type or "?"
    described = []
    for link in into:
        source = link.source_org_id or "a source not known at preview"
        shares = ", ".join(sorted(link.connection_types)) if link.connection_types else "?"
        described.append(f"{link.label} from {source} shares {shares}")
    return f" ({'; '.join(described)}): add {needed} back, or change the query"


flow_still_read = StackValidationPolicy(
    name=NAME,
    description=(
        "Opt-in: after the change, each cross-org query of the stack's dashboards and notebooks "
        "reads a flow some OrgConnection of the stack may still carry (types and sinks as "
        f"planned; {', '.join(sorted(set(CONNECTION_TYPE_FOR.values())))})."
    ),
    validate=validate_flows_still_read,
    enforcement_level=EnforcementLevel.DISABLED,
)

FLOW_POLICIES = [flow_still_read]
