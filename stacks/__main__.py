"""The stack program: declarative stack config in, org connections and cross-org dashboards out.

Stack config (see Pulumi.local.yaml and Pulumi.hub-and-spoke.yaml)::

    datadog-crossorg:orgUuids:         # optional names for org UUIDs, so connections read well
      hub: ba11379d-38db-492a-a71e-7f33d3254a94
    datadog-crossorg:connections:
      - name: payments-to-hub          # resource name (unique in the stack)
        org: payments                  # key pair of the SOURCE org (datadog-crossorg:orgs.<org>)
        sink: hub                      # sink org: a UUID or a name from orgUuids
        types: [metrics, logs]         # connection_types
        adopt: false                   # take over a connection that already exists
    datadog-crossorg:orgFacts:         # optional: plan, site, account, hipaa per org (preview
      edge: {plan: pro, account: acme} #   refuses what Datadog would: 6th partner, 2 accounts/sites)
    datadog-crossorg:access:           # who may edit (and, sink side, view) a connection
      - connection: payments-to-hub
        org: payments                  # whose policy: this key pair's org (default: datadog:*)
        editors: [role:<uuid>]         # role:, team:, user: or org: principals
        viewers: []
        deployer: [role:<uuid>]        # the deploying key pair's principals (lockout guard)
    datadog-crossorg:dashboards:
      - name: fleet-overview           # resource name (unique in the stack)
        file: dashboards/fleet.json    # dashboard JSON under stacks/, or `dashboard:` inline
        sink: hub                      # the dashboard's org (default: the connections' one sink)
        org: hub                       # optional key pair that creates it (default: datadog:*)
    datadog-crossorg:notebooks:        # the same entries; `notebook:` inline
      - name: ci-health
        file: notebooks/ci-health.json # notebook attributes (`crossorg notebooks export` writes)
        sink: hub

Each access entry is a `ConnectionAccess` (a restriction policy of one org on one connection).
Each dashboard is a `CrossOrgDashboard` and each notebook a `CrossOrgNotebook`: checked against
the stack's connections into its org (and depending on them) before Datadog sees it. In `cross_org_uuids` an orgUuids name stands for
its UUID. Exports `connection_ids` (resource name -> Datadog connection id), `dashboard_ids`,
`notebook_ids` and `graph_mermaid` (the org graph as mermaid text).
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from datadog_crossorg import OrgConnection
from datadog_crossorg.config import keys
from datadog_crossorg.config.stack_program import read_stack_program
from datadog_crossorg.dashboards.config import dashboard_specs, notebook_specs
from datadog_crossorg.reports.graph import mermaid_from_resources
from datadog_crossorg.rules.fleet import preview_findings, refusal_text

config = pulumi.Config(keys.NAMESPACE)
program = read_stack_program(lambda key: config.get(keys.in_namespace(key)))
specs = program.connections

# A plan Datadog would refuse in part (limits, accounts, sites: datadog-crossorg:orgFacts) stops
# here, before any resource is declared, so `pulumi preview` fails with 0 API calls.
findings = preview_findings(program)
for finding in findings:
    if not finding.refused:
        pulumi.log.warn(f"[{finding.kind}] {finding.message}; {finding.fix}")
if any(finding.refused for finding in findings):
    raise pulumi.RunError(refusal_text(findings))

created = {
    spec.name: OrgConnection(
        spec.name,
        sink_org_id=spec.sink_org_id,
        connection_types=list(spec.connection_types),
        org=spec.org,
        adopt=spec.adopt,
    )
    for spec in specs
}

pulumi.export("connection_ids", {name: conn.connection_id for name, conn in created.items()})
for decl in program.access:
    from datadog_crossorg.connection_access import ConnectionAccess

    ConnectionAccess(
        decl.resource_name,
        connection_id=created[decl.connection].connection_id,
        editors=list(decl.editors),
        viewers=list(decl.viewers),
        org=decl.org,
        deployer=list(decl.deployer),
        allow_self_lockout=decl.allow_self_lockout,
    )

# Who shares what, as a mermaid flowchart a pull-request comment renders.
pulumi.export("graph_mermaid", mermaid_from_resources(created.values()))

here = Path(__file__).parent
sinks = {spec.sink_org_id for spec in specs}


def org_of(decl_sink: str | None) -> str | None:
    """A document's org: declared, or the one sink every connection shares."""
    return decl_sink or (next(iter(sinks)) if len(sinks) == 1 else None)


def into(sink: str | None) -> list[OrgConnection]:
    """The stack's connections a document in `sink` is checked against."""
    return [created[s.name] for s in specs if sink in (None, s.sink_org_id)]


dashboards = dashboard_specs(program.dashboards, program.org_uuids, here)
if dashboards:
    from datadog_crossorg.dashboards import CrossOrgDashboard, key_pair_provider

    built = {}
    for decl in dashboards:
        sink = org_of(decl.sink_org_id)
        built[decl.name] = CrossOrgDashboard(
            decl.name,
            decl.document,
            connections=into(sink),
            sink_org_id=sink,
            provider=key_pair_provider(f"{decl.name}-keys", decl.org) if decl.org else None,
        )
    pulumi.export("dashboard_ids", {name: d.dashboard_id for name, d in built.items()})

notebooks = notebook_specs(program.notebooks, program.org_uuids, here)
if notebooks:
    from datadog_crossorg.notebooks import CrossOrgNotebook

    made = {
        decl.name: CrossOrgNotebook(
            decl.name,
            decl.document,
            org=decl.org,
            connections=into(org_of(decl.sink_org_id)),
            sink_org_id=org_of(decl.sink_org_id),
        )
        for decl in notebooks
    }
    pulumi.export("notebook_ids", {name: n.notebook_id for name, n in made.items()})
