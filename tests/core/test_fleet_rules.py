"""rules.fleet on plain records, no HTTP: the preview's check of declared connections against
the org facts, the facts' config, and the partner counts."""

from __future__ import annotations

import json

import pytest

from datadog_crossorg.client.records import Connection, Creator
from datadog_crossorg.config.org_facts import OrgFacts
from datadog_crossorg.config.stack_program import StackConfigError, read_stack_program
from datadog_crossorg.rules.fleet import (
    Fleet,
    Names,
    Pair,
    audit,
    check_declared,
    creator_findings,
    preview_findings,
    refusal_text,
)

EDGE = "710ae7b4-0000-4000-8000-000000000000"


def sinks(n: int) -> list[str]:
    return [f"00000000-0000-4000-8000-{i:012d}" for i in range(n)]


def program(connections: list[dict], facts: dict, uuids: dict | None = None):
    config = {
        "datadog-crossorg:connections": json.dumps(connections),
        "datadog-crossorg:orgFacts": json.dumps(facts),
        "datadog-crossorg:orgUuids": json.dumps(uuids or {}),
    }
    return read_stack_program(config.get)


def test_five_partners_pass_and_the_sixth_is_refused_naming_rule_and_orgs():
    declared = [{"name": f"e{i}", "org": "edge", "sink": s, "types": ["metrics"]}
                for i, s in enumerate(sinks(6))]  # fmt: skip
    found = preview_findings(program(declared, {"edge": {"plan": "pro"}}, {"edge": EDGE}))
    assert [(f.kind, f.subject) for f in found] == [("over-limit", "e5")]
    assert found[0].refused and found[0].orgs == (EDGE, sinks(6)[5])
    text = refusal_text(found)
    assert "1 declared connection(s) Datadog would refuse" in text
    assert "[over-limit] e5 (edge (710ae7b4) -> " in text and "would be partner 6" in text


def test_an_enterprise_org_or_one_without_facts_is_not_held_to_five():
    declared = [{"name": f"e{i}", "org": "edge", "sink": s, "types": ["metrics"]}
                for i, s in enumerate(sinks(7))]  # fmt: skip
    assert preview_findings(program(declared, {"edge": {"plan": "enterprise"}})) == []
    assert preview_findings(program(declared, {})) == []


def test_the_sink_side_counts_too_and_existing_partners_count_first():
    limited = {"hub": OrgFacts(plan="free")}
    existing = [Pair(s, "hub") for s in sinks(5)]
    new = [Pair("other", "hub", ("metrics",), None, "sixth"), Pair(sinks(5)[0], "hub")]
    found = check_declared(new, limited, existing)
    assert [(f.kind, f.subject) for f in found] == [("over-limit", "sixth")]


def test_accounts_sites_and_hipaa_from_the_facts_of_either_name_or_uuid():
    facts = {
        "a": OrgFacts(account="acme", site="datadoghq.com", hipaa=True),
        "B": OrgFacts(account="globex", site="datadoghq.eu"),
    }
    found = check_declared([Pair("a", "b", ("logs",), None, "x")], facts)
    assert [f.kind for f in found] == ["cross-account", "cross-site", "hipaa"]
    assert [f.refused for f in found] == [True, True, False]


def test_org_facts_config_errors_name_the_entry_and_the_fix():
    with pytest.raises(StackConfigError, match=r"orgFacts.edge has unknown field\(s\) plna"):
        program([], {"edge": {"plna": "pro"}})
    with pytest.raises(StackConfigError, match=r"orgFacts.edge.hipaa 'yes' must be true or false"):
        program([], {"edge": {"hipaa": "yes"}})
    with pytest.raises(StackConfigError, match="orgFacts must map orgs to facts"):
        program([], ["edge"])  # type: ignore[arg-type]


def conn(ident: str, creator: Creator | None) -> Connection:
    return Connection(ident, "src", "sink", ("metrics",), "", creator=creator)


def person(**kw) -> Creator:
    values = {"id": "u", "name": "Pat", "handle": "pat@x", "email": "pat@x",
              "service_account": False, "disabled": False, "status": "Active"}  # fmt: skip
    return Creator(**{**values, **kw})


def test_creators_a_person_a_disabled_user_a_service_account_and_unknown():
    conns = [
        conn("1", person()),
        conn("2", person(disabled=True, status="Disabled")),
        conn("3", person(service_account=True)),
        conn("4", None),  # no included entry: not judged
    ]
    found = creator_findings(conns, Names())
    assert [(f.kind, f.subject) for f in found] == [
        ("person-created", "1"),
        ("creator-disabled", "2"),
    ]
    assert "disappears when Pat (pat@x) is deactivated" in found[0].message


def test_a_full_audit_orders_findings_by_kind_and_counts_partners():
    conns = [conn("1", person()), conn("2", person(service_account=True))]
    result = audit(Fleet(tuple(conns), facts={"src": OrgFacts(plan="pro")}, resources=()))
    assert [f.kind for f in result.findings] == ["person-created", "unmanaged", "unmanaged"]
    assert [(u.org, u.used, u.declared) for u in result.partners] == [("src", 1, 0)]


def test_a_stack_export_gives_either_adapters_connections_and_nothing_else():
    from datadog_crossorg.reports.audit import StackExportError, resources_of_export

    export = {"deployment": {"resources": [
        {"urn": "urn:pulumi:s::p::pulumi-python:dynamic/datadog:OrgConnection::dyn",
         "type": "pulumi-python:dynamic/datadog:OrgConnection", "id": "1",
         "outputs": {"connection_id": "1", "source_org_id": "a", "sink_org_id": "b"}},
        {"urn": "urn:pulumi:s::p::datadog-crossorg:index:OrgConnection::nat",
         "type": "datadog-crossorg:index:OrgConnection", "id": "2",
         "outputs": {"connectionId": "2", "sourceOrgId": "c", "sinkOrgId": "d"}},
        {"urn": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "type": "pulumi:pulumi:Stack"},
    ]}}  # fmt: skip
    found = resources_of_export("s", export)
    assert [(r.name, r.connection_id, r.source, r.sink) for r in found] == [
        ("dyn", "1", "a", "b"),
        ("nat", "2", "c", "d"),
    ]
    with pytest.raises(StackExportError, match="not a `pulumi stack export` document"):
        resources_of_export("s", {"nope": 1})
