"""Dashboard rules, on the Backend directly (no HTTP)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from datadog_crossorg.emulator import ApiError, Backend, load_seed
from datadog_crossorg.emulator.rules_dashboards import ORDER, slug
from tests.emulator.plain_http import dashboard_body, timeseries_widget

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def error_of(call, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def widget_ids(widgets: list[dict]) -> list[int]:
    ids = []
    for widget in widgets:
        ids.append(widget["id"])
        if widget["definition"]["type"] == "group":
            ids.extend(widget_ids(widget["definition"]["widgets"]))
    return ids


def group_of(*widgets: dict) -> dict:
    return {"definition": {"type": "group", "layout_type": "ordered", "widgets": list(widgets)}}


def test_create_computes_the_server_fields_in_the_recorded_order(backend: Backend):
    hub = backend.key_pairs["hub"]
    body = dashboard_body("Payments: p99 latency", widgets=[group_of(timeseries_widget(None))])
    created = backend.create_dashboard(hub, body)
    assert list(created) == list(ORDER)
    assert re.fullmatch(r"[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}", created["id"])
    assert created["url"] == f"/dashboard/{created['id']}/payments-p99-latency"
    assert (created["author_handle"], created["author_name"]) == ("hana@acme.example", "Hana Hub")
    assert (
        TIMESTAMP.match(created["created_at"]) and created["modified_at"] == created["created_at"]
    )
    assert (created["description"], created["template_variables"], created["notify_list"]) == (
        None,
        None,
        None,
    )
    assert created["restricted_roles"] == []
    ids = widget_ids(created["widgets"])
    assert len(ids) == 2 and all(isinstance(i, int) and 10**15 <= i < 2**53 for i in ids)
    assert list(created["widgets"][0]) == ["definition", "id"]


def test_create_echoes_other_fields_after_the_known_ones_and_ignores_server_fields(backend):
    body = dashboard_body(
        reflow_type="fixed", tags=["team:obs"], id="abc-def-ghi", is_read_only=True, url="/x"
    )
    created = backend.create_dashboard(backend.key_pairs["hub"], body)
    assert list(created)[len(ORDER) :] == ["reflow_type", "tags"]
    assert created["id"] != "abc-def-ghi" and "is_read_only" not in created


def test_author_name_is_null_for_a_user_without_a_name():
    seed = load_seed()
    seed["accounts"][0]["orgs"][0]["users"][0]["name"] = None
    backend = Backend(seed)
    created = backend.create_dashboard(backend.key_pairs["hub"], dashboard_body())
    assert created["author_name"] is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Test-Get_a_dashboard_returns_author_name_-1641832482 with Profile Metrics Query",
            "test-getadashboardreturnsauthorname-1641832482-with-profile-metrics-query",
        ),
        ("Hello, World! (prod)", "hello-world-prod"),
        ("x" * 100, "x" * 80),
    ],
)
def test_the_url_slug_keeps_letters_digits_and_hyphens_and_is_cut_at_80(title, expected):
    assert slug(title) == expected


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("title"), "title"),
        (lambda b: b.update(title=""), "title"),
        (lambda b: b.pop("layout_type"), "layout_type"),
        (lambda b: b.update(layout_type="grid"), "layout_type"),
        (lambda b: b.pop("widgets"), "widgets"),
        (lambda b: b.update(widgets={}), "widgets"),
        (lambda b: b.update(widgets=[{"layout": {}}]), "widgets[0]"),
    ],
)
def test_create_without_a_required_field_is_a_bad_request_naming_it(backend, mutate, field):
    body = dashboard_body()
    mutate(body)
    error = error_of(backend.create_dashboard, backend.key_pairs["hub"], body)
    assert error.status == 400 and f"{field}" in error.message


def test_a_query_with_more_than_one_cross_org_uuid_is_refused_naming_widget_and_query(backend):
    orgs = [backend.org_uuid("payments"), backend.org_uuid("search")]
    body = dashboard_body(widgets=[timeseries_widget([orgs[0]], orgs)])
    error = error_of(backend.create_dashboard, backend.key_pairs["hub"], body)
    assert error.status == 400
    assert "widgets[0]" in error.message and "'query2'" in error.message
    assert "cross_org_uuids" in error.message


def test_the_cross_org_rule_also_applies_inside_group_widgets(backend):
    orgs = [backend.org_uuid("payments"), backend.org_uuid("search")]
    body = dashboard_body(widgets=[timeseries_widget(None), group_of(timeseries_widget(orgs))])
    error = error_of(backend.create_dashboard, backend.key_pairs["hub"], body)
    assert error.status == 400 and "widgets[1].definition.widgets[0]" in error.message


def test_one_cross_org_uuid_per_query_is_accepted(backend):
    orgs = [backend.org_uuid("payments"), backend.org_uuid("search")]
    body = dashboard_body(widgets=[timeseries_widget([orgs[0]], [orgs[1]])])
    created = backend.create_dashboard(backend.key_pairs["hub"], body)
    queries = created["widgets"][0]["definition"]["requests"][0]["queries"]
    assert [q["cross_org_uuids"] for q in queries] == [[orgs[0]], [orgs[1]]]


def test_put_replaces_the_document_and_keeps_id_author_and_created_at(backend: Backend):
    hub = backend.key_pairs["hub"]
    created = backend.create_dashboard(hub, dashboard_body("Before"))
    updated = backend.update_dashboard(
        hub, created["id"], dashboard_body("After it", description="new")
    )
    assert (updated["id"], updated["created_at"]) == (created["id"], created["created_at"])
    assert updated["author_handle"] == created["author_handle"]
    assert updated["url"] == f"/dashboard/{created['id']}/after-it"
    assert updated["description"] == "new"
    assert updated["modified_at"] > created["modified_at"]
    assert set(widget_ids(updated["widgets"])).isdisjoint(widget_ids(created["widgets"]))
    assert backend.get_dashboard(hub, created["id"]) == updated


def test_dashboards_belong_to_one_org(backend: Backend):
    created = backend.create_dashboard(backend.key_pairs["hub"], dashboard_body())
    other = backend.key_pairs["payments"]
    for call, args in (
        (backend.get_dashboard, ()),
        (backend.update_dashboard, (dashboard_body(),)),
        (backend.delete_dashboard, ()),
    ):
        error = error_of(call, other, created["id"], *args)
        assert (error.status, error.body()) == (
            404,
            {"errors": [f"Dashboard with ID {created['id']} not found"]},
        )
    assert backend.list_dashboards(other, {}) == {"dashboards": []}


def test_delete_answers_the_id_and_a_second_delete_is_not_found(backend: Backend):
    hub = backend.key_pairs["hub"]
    created = backend.create_dashboard(hub, dashboard_body())
    assert backend.delete_dashboard(hub, created["id"]) == {"deleted_dashboard_id": created["id"]}
    assert error_of(backend.delete_dashboard, hub, created["id"]).status == 404


def test_list_gives_summaries_in_creation_order_with_start_and_count(backend: Backend):
    hub = backend.key_pairs["hub"]
    made = [backend.create_dashboard(hub, dashboard_body(f"Board {i}")) for i in range(3)]
    listed = backend.list_dashboards(hub, {"filter[shared]": "false"})["dashboards"]
    assert [d["id"] for d in listed] == [d["id"] for d in made]
    assert list(listed[0]) == [
        "id",
        "title",
        "description",
        "layout_type",
        "url",
        "created_at",
        "modified_at",
        "author_handle",
        "deleted_at",
    ]
    assert listed[0]["deleted_at"] is None
    page = backend.list_dashboards(hub, {"start": "1", "count": "1"})["dashboards"]
    assert [d["id"] for d in page] == [made[1]["id"]]
    assert backend.list_dashboards(hub, {"filter[shared]": "true"}) == {"dashboards": []}
    assert error_of(backend.list_dashboards, hub, {"count": "many"}).status == 400


def test_reading_and_writing_need_their_permissions():
    seed = load_seed()
    seed["accounts"][0]["orgs"][0]["key_pairs"][1]["permissions"] = ["dashboards_read"]
    backend = Backend(seed)
    readonly = backend.key_pairs["hub-readonly"]
    error = error_of(backend.create_dashboard, readonly, dashboard_body())
    assert error.status == 403 and "dashboards_write" in error.message
    assert backend.list_dashboards(readonly, {}) == {"dashboards": []}
    seed["accounts"][0]["orgs"][0]["key_pairs"][1]["permissions"] = ["org_connections_read"]
    blind = Backend(seed)
    error = error_of(blind.list_dashboards, blind.key_pairs["hub-readonly"], {})
    assert error.status == 403 and "dashboards_read" in error.message
