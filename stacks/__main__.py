"""The stack program: declarative stack config in, org connections out.

Stack config (see Pulumi.local.yaml and Pulumi.hub-and-spoke.yaml)::

    datadog-crossorg:orgUuids:         # optional names for org UUIDs, so connections read well
      hub: ba11379d-38db-492a-a71e-7f33d3254a94
    datadog-crossorg:connections:
      - name: payments-to-hub          # resource name (unique in the stack)
        org: payments                  # key pair of the SOURCE org (datadog-crossorg:orgs.<org>)
        sink: hub                      # sink org: a UUID or a name from orgUuids
        types: [metrics, logs]         # connection_types
        adopt: false                   # take over a connection that already exists

Exports `connection_ids` (resource name -> Datadog connection id).
"""

from __future__ import annotations

import pulumi

from datadog_crossorg import OrgConnection
from datadog_crossorg.stack_config import connection_specs

config = pulumi.Config("datadog-crossorg")
specs = connection_specs(
    config.get_object("connections") or [],
    config.get_object("orgUuids") or {},
)

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
