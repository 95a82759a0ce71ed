"""`ConnectionTypes`: a connection's types as one value, the same in records, rules and reports."""

from __future__ import annotations

import json
import pickle

import pytest

from datadog_crossorg.client import Connection, ConnectionTypes
from datadog_crossorg.reports.graph import build_graph
from datadog_crossorg.rules import connections
from datadog_crossorg.rules.queries import Link

HUB = "83999dcd-7f97-11f0-8de1-1ecf66f1aa85"
PAY = "a1b2c3d4-0000-4000-8000-000000000001"


def test_order_and_repeats_make_one_value() -> None:
    types = ConnectionTypes(["metrics", "logs", "metrics"])
    assert list(types) == ["logs", "metrics"]
    assert types == ConnectionTypes(("logs", "metrics")) == ("logs", "metrics")
    assert "logs" in types and "audit" not in types
    assert ConnectionTypes(types) is types  # built once; building again is free


def test_json_and_pickle_keep_the_sorted_list() -> None:
    types = ConnectionTypes(["metrics", "audit"])
    assert json.dumps(types) == '["audit", "metrics"]'
    assert pickle.loads(pickle.dumps(types)) == types
    assert repr(types) == "('audit', 'metrics')"  # messages and snapshots read as before


def test_a_bare_string_is_refused() -> None:
    with pytest.raises(TypeError, match="not the string 'logs'"):
        ConnectionTypes("logs")


def test_every_layer_holds_the_same_type() -> None:
    """Datadog's answer, the checked spec, the checks' link and the graph's edge: one type,
    whatever order each was given in."""
    record = Connection.from_api(
        {
            "id": "c1",
            "attributes": {"connection_types": ["metrics", "logs"], "created_at": "x"},
            "relationships": {
                "source_org": {"data": {"id": PAY, "type": "orgs"}},
                "sink_org": {"data": {"id": HUB, "type": "orgs"}},
            },
        }
    )
    spec = connections.ConnectionSpec.from_inputs(
        {"sink_org_id": HUB, "connection_types": ["metrics", "logs"]}
    )
    link = Link.of(PAY, HUB, ["metrics", "logs"])
    edge = build_graph([record]).edges[0]
    for held in (record.connection_types, spec.connection_types, link.connection_types):
        assert type(held) is ConnectionTypes and held == ("logs", "metrics")
    assert type(edge.connection_types) is ConnectionTypes
    outs = connections.outputs(record, None, False)
    assert type(outs["connection_types"]) is list and outs["connection_types"] == [
        "logs",
        "metrics",
    ]
