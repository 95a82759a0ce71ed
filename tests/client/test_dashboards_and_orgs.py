"""Dashboards, orgs and key validation through real HTTP."""

from __future__ import annotations

from datadog_crossorg.client import DatadogClient, NotFound, Org


def _doc(title: str, source_uuid: str | None = None) -> dict:
    query = {"data_source": "metrics", "name": "query1", "query": "avg:system.cpu.user{*}"}
    if source_uuid:
        query["cross_org_uuids"] = [source_uuid]
    widget = {
        "definition": {
            "type": "timeseries",
            "requests": [
                {
                    "response_format": "timeseries",
                    "queries": [query],
                    "formulas": [{"formula": "query1"}],
                    "display_type": "line",
                }
            ],
        }
    }
    return {"title": title, "layout_type": "ordered", "widgets": [widget]}


def test_dashboard_create_get_update_delete_round_trip(datadog_emulator, hub) -> None:
    created = hub.create_dashboard(_doc("Payments CPU", datadog_emulator.org_uuid("payments")))
    dash_id = created["id"]
    assert created["title"] == "Payments CPU"
    assert created["url"].startswith(f"/dashboard/{dash_id}/")

    fetched = hub.get_dashboard(dash_id)
    assert fetched["widgets"][0]["definition"]["requests"][0]["queries"][0]["cross_org_uuids"] == [
        datadog_emulator.org_uuid("payments")
    ]

    updated = hub.update_dashboard(dash_id, _doc("Payments CPU v2"))
    assert (updated["id"], updated["title"]) == (dash_id, "Payments CPU v2")
    assert hub.get_dashboard(dash_id)["title"] == "Payments CPU v2"

    assert hub.delete_dashboard(dash_id) is None
    try:
        hub.get_dashboard(dash_id)
    except NotFound as exc:
        assert exc.errors == [f"Dashboard with ID {dash_id} not found"]
    else:
        raise AssertionError("a deleted dashboard must be NotFound")


def test_list_dashboards_reads_every_page_with_count_and_start(datadog_emulator, hub) -> None:
    ids = {hub.create_dashboard(_doc(f"Board {i}"))["id"] for i in range(5)}
    before = len(datadog_emulator.requests)

    listed = hub.list_dashboards(page_size=2)

    pages = [r.query for r in datadog_emulator.requests[before:]]
    assert {d["id"] for d in listed} == ids
    assert [(q.get("count"), q.get("start")) for q in pages] == [("2", "0"), ("2", "2"), ("2", "4")]


def test_list_orgs_shows_this_org_with_its_uuid_as_public_id(datadog_emulator, hub) -> None:
    keys = datadog_emulator.keys("hub")
    orgs = hub.list_orgs()
    assert all(isinstance(o, Org) for o in orgs)
    assert (keys.org_uuid, keys.org_name) in {(o.public_id, o.name) for o in orgs}


def test_validate_is_true_for_good_keys_and_false_for_unknown_keys(datadog_emulator, hub) -> None:
    assert hub.validate() is True
    with DatadogClient("unknown-api-key", "unknown-app-key", datadog_emulator.url) as stranger:
        assert stranger.validate() is False
