"""Org facts a stack states in config: what Datadog's API does not list but its limits turn on.

`datadog-crossorg:orgFacts` maps an org (a UUID, a name from `datadog-crossorg:orgUuids`, or a
key-pair name; `default` is the `datadog:*` pair) to its facts::

    datadog-crossorg:orgFacts:
      hub:  {plan: enterprise, site: datadoghq.com, account: acme}
      edge: {plan: pro, account: acme}
      search: {hipaa: true}

`plan` (Datadog's subscription type: `enterprise`, or any other plan, held to 5 partners),
`site`, `account` (any label; orgs of one account share it), `hipaa` (true/false). A fact left
out is not known, and no rule that needs it is judged. The stack program checks its declared
connections against these at preview; `crossorg connections audit --config` reads them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.config import keys

DEFAULT_PAIR = "default"  # how orgFacts names the org of the `datadog:*` key pair
_FIELDS = {"plan": str, "site": str, "account": str, "hipaa": bool}


class OrgFactsError(ValueError):
    """`datadog-crossorg:orgFacts` is malformed; the message names the entry and the fix."""


@dataclass(frozen=True)
class OrgFacts:
    """An org's plan, site, account and HIPAA flag; None where not known."""

    plan: str | None = None
    site: str | None = None
    account: str | None = None
    hipaa: bool = False

    @property
    def limited(self) -> bool:
        """Known not to be on an Enterprise plan (so held to 5 partners)."""
        return self.plan is not None and self.plan.lower() != "enterprise"


def org_facts_from(value: Any, org_uuids: Mapping[str, str] | None = None) -> dict[str, OrgFacts]:
    """The facts by org: names from `orgUuids` become their UUIDs, others stay as given."""
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise OrgFactsError(
            f"{keys.ORG_FACTS} must map orgs to facts such as {{edge: {{plan: pro}}}}; "
            f"got {type(value).__name__}"
        )
    org_uuids = dict(org_uuids or {})
    facts: dict[str, OrgFacts] = {}
    for org, entry in value.items():
        where = f"{keys.ORG_FACTS}.{org}"
        if not isinstance(entry, Mapping):
            raise OrgFactsError(f"{where} must be an object such as {{plan: pro, site: ...}}")
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            raise OrgFactsError(
                f"{where} has unknown field(s) {', '.join(unknown)}; use {', '.join(_FIELDS)}"
            )
        for field, kind in _FIELDS.items():
            given = entry.get(field)
            if given is not None and not isinstance(given, kind):
                shape = "true or false" if kind is bool else "a string"
                raise OrgFactsError(f"{where}.{field} {given!r} must be {shape}")
        facts[str(org_uuids.get(str(org), org))] = OrgFacts(
            plan=entry.get("plan"),
            site=entry.get("site"),
            account=entry.get("account"),
            hipaa=bool(entry.get("hipaa", False)),
        )
    return facts
