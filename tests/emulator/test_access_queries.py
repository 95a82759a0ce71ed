"""`POST /api/v2/query/timeseries` on the Backend (rules) and on the wire: deterministic data per
org, and a cross-org query that reads the source only through a connection sharing its type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from datadog_crossorg.emulator import ApiError, Backend, Emulator
from datadog_crossorg.emulator.seed import with_key_pair

START = 1_760_000_040_000  # a whole minute
END = START + 600_000  # ten minutes later
METRIC = "avg:system.cpu.user{*}"


def metrics_query(name: str = "a", query: str = METRIC, org: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"data_source": "metrics", "name": name, "query": query}
    if org is not None:
        found["cross_org_uuids"] = [org]
    return found


def events_query(source: str, name: str = "a", org: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "data_source": source,
        "name": name,
        "compute": {"aggregation": "count"},
        "search": {"query": "service:web"},
    }
    if org is not None:
        found["cross_org_uuids"] = [org]
    return found


def request(*queries: dict[str, Any], formulas: list[str] = (), interval: int = 60_000) -> dict:
    attributes: dict[str, Any] = {
        "from": START,
        "to": END,
        "interval": interval,
        "queries": list(queries),
    }
    if formulas:
        attributes["formulas"] = [{"formula": f} for f in formulas]
    return {"data": {"type": "timeseries_request", "attributes": attributes}}


def values(answer: dict[str, Any]) -> list[list[Any]]:
    return answer["data"]["attributes"]["values"]


def error_of(call: Callable[..., Any], *args: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        call(*args)
    return info.value


@pytest.fixture
def backend() -> Backend:
    return Backend()


def connect(backend: Backend, types: list[str], source: str = "payments", sink: str = "hub") -> str:
    body = {
        "data": {
            "type": "org_connection",
            "attributes": {"connection_types": types},
            "relationships": {"sink_org": {"data": {"type": "orgs", "id": backend.org_uuid(sink)}}},
        }
    }
    return backend.create_connection(backend.key_pairs[source], body)["data"]["id"]


# -- data ------------------------------------------------------------------------------------
def test_an_orgs_own_series_is_deterministic_and_differs_between_orgs(backend: Backend) -> None:
    hub, payments = backend.key_pairs["hub"], backend.key_pairs["payments"]

    first = backend.query_timeseries(hub, request(metrics_query()))
    again = Backend().query_timeseries(hub, request(metrics_query()))
    other = backend.query_timeseries(payments, request(metrics_query()))

    attributes = first["data"]["attributes"]
    assert first == again
    assert len(attributes["times"]) == 11  # every minute of [from, to]
    assert attributes["times"][0] == START and attributes["times"][-1] == END
    assert attributes["series"] == [{"group_tags": [], "query_index": 0, "unit": None}]
    assert values(first) != values(other)
    assert all(0 <= v < 100 for v in values(first)[0])


def test_formulas_combine_queries_point_by_point(backend: Backend) -> None:
    hub = backend.key_pairs["hub"]
    q_a, q_b = metrics_query("a"), metrics_query("b", "avg:system.load.1{*}")
    alone = values(backend.query_timeseries(hub, request(q_a, q_b)))

    combined = backend.query_timeseries(hub, request(q_a, q_b, formulas=["a + b", "2 * a"]))

    sums, doubles = values(combined)
    assert sums == pytest.approx([a + b for a, b in zip(*alone, strict=True)])
    assert doubles == pytest.approx([2 * a for a in alone[0]])
    assert [s["query_index"] for s in combined["data"]["attributes"]["series"]] == [0, 1]


@pytest.mark.parametrize(
    ("attributes", "text"),
    [
        ({"from": END, "to": START}, "'to' must be after 'from'"),
        ({"queries": []}, "'queries' must be a non-empty list"),
        ({"queries": [metrics_query(query="cpu")]}, "is not a metric query"),
        ({"queries": [{"data_source": "rum", "name": "a"}]}, "'rum' is not served"),
        ({"formulas": [{"formula": "abs(a)"}]}, "only + - * /"),
        ({"formulas": [{"formula": "a + z"}]}, "names no query 'z'"),
    ],
)
def test_a_malformed_request_is_400_naming_the_field(
    backend: Backend, attributes: dict[str, Any], text: str
) -> None:
    body = request(metrics_query())
    body["data"]["attributes"].update(attributes)
    error = error_of(backend.query_timeseries, backend.key_pairs["hub"], body)
    assert error.status == 400 and text in error.message


def test_more_than_one_cross_org_uuid_is_400(backend: Backend) -> None:
    query = metrics_query()
    query["cross_org_uuids"] = [backend.org_uuid("payments"), backend.org_uuid("search")]
    error = error_of(backend.query_timeseries, backend.key_pairs["hub"], request(query))
    assert error.status == 400 and "at most one" in error.message


def test_the_query_needs_the_timeseries_query_permission(backend: Backend) -> None:
    error = error_of(
        backend.query_timeseries, backend.key_pairs["hub-readonly"], request(metrics_query())
    )
    assert error.status == 403 and "timeseries_query" in error.message


# -- cross-org access ------------------------------------------------------------------------
def test_a_connected_sink_reads_exactly_what_the_source_sees(backend: Backend) -> None:
    connect(backend, ["metrics"])
    source = backend.org_uuid("payments")

    from_sink = backend.query_timeseries(
        backend.key_pairs["hub"], request(metrics_query(org=source))
    )
    at_source = backend.query_timeseries(backend.key_pairs["payments"], request(metrics_query()))

    assert from_sink == at_source


def test_without_a_connection_a_cross_org_query_is_403(backend: Backend) -> None:
    connect(backend, ["metrics"], source="hub", sink="payments")  # the other direction only
    query = metrics_query(org=backend.org_uuid("payments"))
    error = error_of(backend.query_timeseries, backend.key_pairs["hub"], request(query))
    assert error.status == 403 and "no org connection" in error.message


def test_a_type_the_connection_does_not_share_is_403_naming_what_it_shares(
    backend: Backend,
) -> None:
    connect(backend, ["metrics", "audit"])
    source = backend.org_uuid("payments")
    hub = backend.key_pairs["hub"]

    logs = error_of(backend.query_timeseries, hub, request(events_query("logs", org=source)))
    audit = backend.query_timeseries(hub, request(events_query("audit", org=source)))

    assert logs.status == 403 and "shares only metrics, audit" in logs.message
    assert all(isinstance(v, int) and 0 <= v < 50 for v in values(audit)[0])


def test_after_the_connection_is_deleted_the_sink_reads_nothing(backend: Backend) -> None:
    conn = connect(backend, ["metrics"])
    query = request(metrics_query(org=backend.org_uuid("payments")))
    hub = backend.key_pairs["hub"]
    backend.query_timeseries(hub, query)

    backend.delete_connection(hub, conn)

    assert error_of(backend.query_timeseries, hub, query).status == 403


def test_the_sink_policy_limits_who_may_view_the_shared_data() -> None:
    backend = Backend(with_key_pair(None, "hub-viewer", "vic@acme.example"))
    conn = connect(backend, ["metrics"])
    rid = f"cross-org-connection:{conn}"
    query = request(metrics_query(org=backend.org_uuid("payments")))
    hana, vic = backend.key_pairs["hub"], backend.key_pairs["hub-viewer"]
    observability = "team:523ec244-dc6a-4a0b-b6d3-77f889d0dedf"  # Hana's team, not Vic's
    finance = "team:c64c2d7e-93a5-4d66-8dd8-bf0698876c8d"  # Vic's team

    def restrict(viewers: list[str]) -> None:
        bindings = [{"relation": "editor", "principals": [observability]}]
        bindings.append({"relation": "viewer", "principals": viewers}) if viewers else None
        body = {
            "data": {"type": "restriction_policy", "id": rid, "attributes": {"bindings": bindings}}
        }
        backend.replace_restriction_policy(hana, rid, body, {})

    restrict([])
    refused = error_of(backend.query_timeseries, vic, query)
    restrict([finance])
    allowed = backend.query_timeseries(vic, query)

    assert refused.status == 403 and "viewer" in refused.message
    assert values(allowed) == values(backend.query_timeseries(hana, query))  # editors view too


# -- wire ------------------------------------------------------------------------------------
def test_on_the_wire_the_answer_is_json_api(
    datadog_emulator_factory: Callable[..., Emulator],
) -> None:
    emu = datadog_emulator_factory()
    hub = emu.keys("hub")
    answer = requests.post(
        emu.url + "/api/v2/query/timeseries",
        json=request(metrics_query()),
        headers={"DD-API-KEY": hub.api_key, "DD-APPLICATION-KEY": hub.app_key},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/vnd.api+json"
    assert answer.json()["data"]["type"] == "timeseries_response"
