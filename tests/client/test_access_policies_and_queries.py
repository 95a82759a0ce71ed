"""Restriction policies and timeseries queries through the client, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from datadog_crossorg.client import DatadogClient, Forbidden, Invalid, NotFound
from datadog_crossorg.client.api import connection_resource_id
from datadog_crossorg.client.records import Binding, Timeseries, TimeseriesQuery

PAT = "user:b85c9345-baea-4b87-847e-58d1278c5fc5"
PAYMENTS_TEAM = "team:3f449b62-4295-4209-998e-140e73fa1229"
QUINN = "user:d4b9855d-75b0-43f9-ac45-b2606db91d58"
START = 1_760_000_040_000
CPU = "avg:system.cpu.user{*}"
ClientFactory = Callable[..., DatadogClient]


def test_a_policy_round_trips_and_delete_restores_the_empty_policy(
    datadog_emulator, client_for: ClientFactory
) -> None:
    payments = client_for("payments")
    conn = payments.create_connection(datadog_emulator.org_uuid("hub"), ["metrics"])
    rid = connection_resource_id(conn.id)
    wanted = [Binding("editor", (PAT, PAYMENTS_TEAM)), Binding("viewer", (QUINN,))]

    stored = payments.set_restriction_policy(rid, wanted)
    read = payments.get_restriction_policy(rid)
    payments.delete_restriction_policy(rid)

    assert stored == read == wanted
    assert payments.get_restriction_policy(rid) == []


def test_self_lockout_is_invalid_unless_allowed(
    datadog_emulator, client_for: ClientFactory
) -> None:
    payments = client_for("payments")
    conn = payments.create_connection(datadog_emulator.org_uuid("hub"), ["metrics"])
    rid = connection_resource_id(conn.id)
    locked = [Binding("editor", (QUINN,))]

    with pytest.raises(Invalid, match="allow_self_lockout"):
        payments.set_restriction_policy(rid, locked)
    payments.set_restriction_policy(rid, locked, allow_self_lockout=True)

    assert payments.get_restriction_policy(rid) == locked
    with pytest.raises(Forbidden):
        payments.update_connection(conn.id, ["logs"])


def test_a_malformed_resource_id_is_invalid_and_a_strangers_connection_not_found(
    datadog_emulator, client_for: ClientFactory
) -> None:
    payments, search = client_for("payments"), client_for("search")
    conn = payments.create_connection(datadog_emulator.org_uuid("hub"), ["metrics"])

    with pytest.raises(Invalid, match="is not in a valid format"):
        payments.get_restriction_policy("malformed")
    with pytest.raises(NotFound):
        search.get_restriction_policy(connection_resource_id(conn.id))


def test_a_cross_org_query_reads_the_source_while_connected(
    datadog_emulator, client_for: ClientFactory
) -> None:
    hub, payments = client_for("hub"), client_for("payments")
    source = datadog_emulator.org_uuid("payments")
    conn = payments.create_connection(datadog_emulator.org_uuid("hub"), ["metrics", "logs"])
    window = {"start_ms": START, "end_ms": START + 300_000, "interval_ms": 60_000}

    shared = hub.query_timeseries([TimeseriesQuery("a", "metrics", CPU, source)], **window)
    own = payments.query_timeseries([TimeseriesQuery("a", "metrics", CPU)], **window)
    logs = hub.query_timeseries([TimeseriesQuery("l", "logs", "", source)], **window)
    payments.delete_connection(conn.id)

    assert isinstance(shared, Timeseries)
    assert shared == own
    assert len(shared.times) == 6 and shared.point_count == 6
    assert logs.point_count == 6
    with pytest.raises(Forbidden, match="no org connection"):
        hub.query_timeseries([TimeseriesQuery("a", "metrics", CPU, source)], **window)


def test_formulas_give_one_series_per_formula(client_for: ClientFactory) -> None:
    hub = client_for("hub")
    queries = [TimeseriesQuery("a", "metrics", CPU), TimeseriesQuery("b", "metrics", CPU)]

    answer = hub.query_timeseries(
        queries, start_ms=START, end_ms=START + 120_000, formulas=["a - b", "a"]
    )

    assert [s.query_index for s in answer.series] == [0, 1]
    assert all(v == 0 for v in answer.series[0].values)
    assert answer.series[1].values == tuple(v for v in answer.series[1].values if v is not None)


def test_timeseries_record_keeps_nulls_and_counts_only_real_points() -> None:
    answer = Timeseries.from_api(
        {
            "series": [{"group_tags": ["env:prod"], "query_index": 0, "unit": None}],
            "times": [1, 2, 3],
            "values": [[1.5, None, 87]],
        }
    )
    assert answer.times == (1, 2, 3)
    assert answer.series[0].values == (1.5, None, 87)
    assert answer.series[0].group_tags == ("env:prod",)
    assert answer.point_count == 2


def test_events_queries_render_compute_and_search() -> None:
    query = TimeseriesQuery("q", "audit", "@evt.name:login", cross_org_uuid="u-1")
    assert query.to_api() == {
        "data_source": "audit",
        "name": "q",
        "compute": {"aggregation": "count"},
        "search": {"query": "@evt.name:login"},
        "cross_org_uuids": ["u-1"],
    }
