"""Fuzzing what users type: whatever a program passes, Check never crashes, and every failure
names the property at fault; whatever a dashboard document holds, its validation never crashes,
and every problem names the query (its path) and the field.

Check is fuzzed three ways: the rules (`connections.check_inputs`), the provider's own `check`
(the adapter the engine calls), and the real provider process over the wire, where values arrive
as protobuf Structs (numbers as floats).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_crossorg.client import CONNECTION_TYPES
from datadog_crossorg.dashboards import Link, check_document
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.resources.tokens import ORG_CONNECTION
from datadog_crossorg.rules.connections import INPUT_NAMES, ConnectionSpec, check_inputs
from datadog_crossorg.testing.harness import ProviderServer
from tests.hardening.hardening_support import PROVIDER_BLOB
from tests.support.paths import ROOT

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # what the engine sends for a preview unknown
LOWER_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PROBLEM_CODES = {
    "not-a-list": "cross_org_uuids",
    "too-many-uuids": "cross_org_uuids",
    "malformed-uuid": "cross_org_uuids",
    "unsupported-data-source": "data_source",
    "no-connection": "connection",
    "missing-type": "connection_types",
    "other-sink": "connected to",
}

# Text that survives protobuf (no lone surrogates), so the wire test fuzzes the provider, not
# the encoder.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats() | text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
# A few orgs, so generated links and queries often meet.
ORGS = (
    "2b0a62f2-5bd5-4e2c-9a43-0e8f1c1d8a11",
    "8f5e7a3c-1b2d-4c6e-8a9f-0d1e2f3a4b5c",
    "c0ffee00-aaaa-4bbb-8ccc-123456789abc",
)
uuids = (
    st.sampled_from(ORGS)
    | st.uuids().map(str)
    | st.uuids().map(lambda u: str(u).upper())
    | st.just(UNKNOWN)
)
type_names = st.sampled_from((*CONNECTION_TYPES, "traces", "LOGS", "", " logs"))
valid_inputs = st.fixed_dictionaries(
    {
        "sink_org_id": uuids | uuids.map(lambda u: f" {u} "),
        "connection_types": st.lists(st.sampled_from(CONNECTION_TYPES), min_size=1, unique=True),
    },
    optional={
        "org": st.sampled_from(("payments", "search", "")) | st.none(),
        "adopt": st.booleans() | st.none(),
    },
)
arbitrary_inputs = st.fixed_dictionaries(
    {},
    optional={
        "sink_org_id": uuids | json_values,
        "connection_types": st.lists(type_names, max_size=4) | json_values,
        "org": st.sampled_from(("payments", "search", "nope", "")) | json_values,
        "adopt": json_values,
        "unexpected": json_values,
    },
)
# Valid inputs, the same with one value spoiled, and anything at all.
resource_inputs = (
    valid_inputs
    | st.tuples(valid_inputs, arbitrary_inputs).map(lambda pair: {**pair[0], **pair[1]})
    | arbitrary_inputs
)
known_orgs = st.none() | st.frozensets(st.sampled_from(("payments", "search", "edge")))


def assert_names_its_property(failures: list[tuple[str, str]]) -> None:
    """Each failure is about one input, and its text starts with that input's name."""
    properties = [prop for prop, _ in failures]
    assert set(properties) <= set(INPUT_NAMES)
    assert len(properties) == len(set(properties))
    for prop, reason in failures:
        assert reason.startswith(f"{prop} "), reason


@settings(max_examples=300, deadline=None)
@given(news=resource_inputs, known=known_orgs)
def test_check_inputs_never_crashes_and_each_failure_names_its_property(
    news: dict[str, Any], known: frozenset[str] | None
) -> None:
    inputs, problems = check_inputs(news, known)

    assert_names_its_property([(p.property, p.reason) for p in problems])
    if not problems:  # accepted: normalized, stable, and usable by create
        assert LOWER_UUID.match(inputs["sink_org_id"])
        assert inputs["connection_types"] == sorted(set(inputs["connection_types"]))
        assert set(inputs["connection_types"]) <= set(CONNECTION_TYPES)
        assert check_inputs(inputs, known) == (inputs, [])
        ConnectionSpec.from_inputs(inputs)


@settings(max_examples=200, deadline=None)
@given(news=resource_inputs)
def test_the_providers_check_never_crashes_and_each_failure_names_its_property(
    news: dict[str, Any],
) -> None:
    result = OrgConnectionProvider().check({}, news)

    assert_names_its_property([(f.property, f.reason) for f in result.failures or []])


@pytest.fixture(scope="module")
def checking_server() -> Iterator[ProviderServer]:
    """One provider process for the module: Check reads only the stack config's key-pair names
    and makes no API call, so examples cannot disturb each other."""
    with ProviderServer(cwd=ROOT) as server:
        server.configure({"datadog-crossorg:orgs": '{"payments": {}, "search": {}}'})
        yield server


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(news=resource_inputs)
def test_check_over_the_wire_never_crashes_and_each_failure_names_its_property(
    checking_server: ProviderServer, news: dict[str, Any]
) -> None:
    result = checking_server.check(
        f"urn:pulumi:fuzz::datadog-crossorg::{ORG_CONNECTION}::c",
        {},
        {**news, "__provider": PROVIDER_BLOB},
    )

    assert_names_its_property(result.failures)


# -- dashboards --------------------------------------------------------------------------------

queries = st.fixed_dictionaries(
    {
        "data_source": st.sampled_from(("metrics", "logs", "audit", "rum"))
        | st.sampled_from(("metrics", "logs"))
        | json_values,
        "cross_org_uuids": st.lists(uuids, min_size=1, max_size=2)
        | st.lists(uuids | text, max_size=3)
        | json_values,
    },
    optional={"name": text | json_values, "query": text},
)
leaf_widgets = st.fixed_dictionaries(
    {
        "definition": st.fixed_dictionaries(
            {
                "type": st.just("timeseries"),
                "requests": st.lists(
                    st.fixed_dictionaries({"queries": st.lists(queries, max_size=3)}), max_size=2
                ),
            },
            optional={"title": text | json_values},
        )
    }
)
widgets = st.recursive(
    leaf_widgets | json_values,
    lambda inner: st.fixed_dictionaries(
        {
            "definition": st.fixed_dictionaries(
                {"type": st.just("group"), "widgets": st.lists(inner, max_size=3)}
            )
        }
    ),
    max_leaves=6,
)
# Well-formed queries too, reading the orgs the links join, so the connection rule has work.
sound_queries = st.fixed_dictionaries(
    {
        "data_source": st.sampled_from(CONNECTION_TYPES),
        "cross_org_uuids": st.lists(st.sampled_from(ORGS), min_size=1, max_size=1),
    }
)
sound_widgets = st.lists(sound_queries, min_size=1, max_size=3).map(
    lambda qs: {"definition": {"type": "timeseries", "requests": [{"queries": qs}]}}
)
documents = st.fixed_dictionaries(
    {
        "title": text,
        "widgets": st.lists(widgets | sound_widgets, min_size=1, max_size=3) | json_values,
    }
)
links = st.none() | st.lists(
    st.builds(
        Link.of,
        st.sampled_from(ORGS) | uuids | json_values,
        st.sampled_from(ORGS) | uuids | json_values,
        st.lists(st.sampled_from(CONNECTION_TYPES), max_size=2)
        | st.lists(type_names)
        | json_values,
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    document=documents,
    known=links,
    dashboard_org=st.none() | st.sampled_from(ORGS) | uuids | json_values,
)
def test_dashboard_validation_never_crashes_and_each_problem_names_query_and_field(
    document: dict[str, Any], known: list[Link] | None, dashboard_org: Any
) -> None:
    problems = check_document(document, known, dashboard_org)

    for problem in problems:
        assert problem.where.startswith("widgets["), problem
        assert PROBLEM_CODES[problem.code] in problem.message, problem
        assert str(problem).startswith(problem.where)
