"""Export against the offline Datadog: server fields dropped, notes on org-bound fields, and
export -> create -> export gives identical bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.dashboards import Dashboard, Group, LogsQuery, MetricsQuery, Timeseries
from datadog_crossorg.dashboards.export import export_cross_org, export_dashboard, normalize
from datadog_crossorg.emulator import Emulator


@pytest.fixture
def hub(datadog_emulator: Emulator) -> Iterator[DatadogClient]:
    keys = datadog_emulator.keys("hub")
    with DatadogClient(keys.api_key, keys.app_key, datadog_emulator.url, deadline=10) as client:
        yield client


def cross_org_document(emu: Emulator) -> dict[str, Any]:
    pay = emu.org_uuid("payments")
    built = Dashboard(
        "Payments from the hub",
        [
            Timeseries("CPU", [MetricsQuery("pay", "avg:system.cpu.user{*}", source=pay)]),
            Group("Logs", [Timeseries("Errors", [LogsQuery("err", "status:error", source=pay)])]),
        ],
        description="exported",
    ).to_dict()
    built["notify_list"] = ["zoe@acme.example", "al@acme.example"]  # unsorted, as a UI may save it
    return built


def test_export_create_export_gives_identical_bytes(
    datadog_emulator: Emulator, hub: DatadogClient
) -> None:
    original = hub.create_dashboard(cross_org_document(datadog_emulator))

    first = export_dashboard(hub, original["id"])
    copy = hub.create_dashboard(json.loads(first.text))
    second = export_dashboard(hub, copy["id"])

    assert copy["id"] != original["id"]
    assert second.text.encode() == first.text.encode()
    assert first.notes == ()


def test_export_drops_server_fields_echoed_nulls_and_widget_ids_inside_groups(
    datadog_emulator: Emulator, hub: DatadogClient
) -> None:
    sent = cross_org_document(datadog_emulator)
    created = hub.create_dashboard(sent)
    assert created["widgets"][1]["definition"]["widgets"][0]["id"]  # the server assigned ids

    exported = export_dashboard(hub, created["id"])

    assert exported.document == sent | {"notify_list": ["al@acme.example", "zoe@acme.example"]}
    assert not {"id", "url", "author_handle", "author_name", "created_at", "modified_at"} & set(
        exported.document
    )
    assert "template_variables" not in exported.document
    assert "restricted_roles" not in exported.document


def test_export_keeps_org_bound_fields_and_says_so() -> None:
    fetched = {
        "id": "abc-def-ghi",
        "title": "Alerts",
        "layout_type": "ordered",
        "description": None,
        "is_read_only": False,
        "restricted_roles": ["2a6c9a0e-0000-4000-8000-000000000001"],
        "widgets": [
            {
                "id": 1,
                "definition": {"type": "alert_graph", "alert_id": "123", "viz_type": "timeseries"},
            },
            {
                "id": 2,
                "definition": {
                    "type": "group",
                    "layout_type": "ordered",
                    "widgets": [{"id": 3, "definition": {"type": "slo", "slo_id": "56789"}}],
                },
            },
        ],
    }

    document, notes = normalize(fetched)

    assert document == {
        "title": "Alerts",
        "layout_type": "ordered",
        "restricted_roles": ["2a6c9a0e-0000-4000-8000-000000000001"],
        "widgets": [
            {"definition": {"type": "alert_graph", "alert_id": "123", "viz_type": "timeseries"}},
            {
                "definition": {
                    "type": "group",
                    "layout_type": "ordered",
                    "widgets": [{"definition": {"type": "slo", "slo_id": "56789"}}],
                }
            },
        ],
    }
    assert [n.where for n in notes] == [
        "restricted_roles",
        "widgets[0].definition.alert_id",
        "widgets[1].definition.widgets[0].definition.slo_id",
    ]
    assert "names a monitor of this org" in str(notes[1])


def test_export_cross_org_picks_only_dashboards_with_a_cross_org_query(
    datadog_emulator: Emulator, hub: DatadogClient
) -> None:
    own = Dashboard("Own only", [Timeseries("CPU", [MetricsQuery("a", "avg:x{*}")])]).to_dict()
    plain = hub.create_dashboard(own)
    cross = hub.create_dashboard(cross_org_document(datadog_emulator))

    exported = list(export_cross_org(hub, [plain["id"], cross["id"]]))

    assert [e.dashboard_id for e in exported] == [cross["id"]]
    assert exported[0].file_name == f"{cross['id']}.json"


def test_the_stack_example_file_is_what_export_writes_for_its_dashboard(
    hub: DatadogClient,
) -> None:
    example = Path(__file__).resolve().parents[2] / "stacks" / "dashboards" / "fleet-overview.json"
    text = example.read_text()

    created = hub.create_dashboard(json.loads(text))

    assert export_dashboard(hub, created["id"]).text == text
