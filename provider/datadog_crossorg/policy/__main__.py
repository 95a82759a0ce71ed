"""Entry point of the policy pack: the Pulumi CLI runs this file with the pack's virtualenv."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack

from datadog_crossorg.policy.flow_rules import FLOW_POLICIES
from datadog_crossorg.policy.rules import POLICIES

if __name__ == "__main__":
    PolicyPack(
        name="datadog-crossorg",
        policies=[*POLICIES, *FLOW_POLICIES],
        enforcement_level=EnforcementLevel.MANDATORY,
        description=(
            "Cross-org Datadog dashboards and notebooks read only orgs connected with the data "
            "type."
        ),
    )
