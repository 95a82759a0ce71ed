"""Notebooks through real HTTP: DatadogClient against the offline Datadog."""

from __future__ import annotations

from typing import Any

import pytest

from datadog_crossorg.client import DatadogClient, Invalid, NotFound


def _cell(source_uuid: str | None = None, cell_id: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "data_source": "metrics",
        "name": "query1",
        "query": "avg:system.cpu.user{*}",
    }
    if source_uuid:
        query["cross_org_uuids"] = [source_uuid]
    request = {
        "response_format": "timeseries",
        "queries": [query],
        "formulas": [{"formula": "query1"}],
    }
    cell: dict[str, Any] = {
        "type": "notebook_cells",
        "attributes": {"definition": {"type": "timeseries", "requests": [request]}},
    }
    if cell_id:
        cell["id"] = cell_id
    return cell


def _body(name: str, *cells: dict[str, Any]) -> dict[str, Any]:
    markdown = {
        "type": "notebook_cells",
        "attributes": {"definition": {"type": "markdown", "text": "## CPU"}},
    }
    attributes = {"name": name, "cells": list(cells or (markdown,)), "time": {"live_span": "1h"}}
    return {"data": {"type": "notebooks", "attributes": attributes}}


def test_notebook_create_get_update_delete_round_trip(datadog_emulator, hub) -> None:
    # given a notebook whose graph cell reads Payments
    payments = datadog_emulator.org_uuid("payments")
    created = hub.create_notebook(_body("Payments CPU", _cell(payments)))
    notebook_id = created["id"]
    assert isinstance(notebook_id, int) and created["type"] == "notebooks"
    assert created["attributes"]["author"]["handle"] == "hana@acme.example"
    (cell,) = created["attributes"]["cells"]
    query = cell["attributes"]["definition"]["requests"][0]["queries"][0]
    assert query["cross_org_uuids"] == [payments]

    # when it is read, then replaced keeping its cell, then deleted
    assert hub.get_notebook(notebook_id) == created
    updated = hub.update_notebook(
        notebook_id, _body("Payments CPU v2", _cell(payments, cell["id"]))
    )
    assert (updated["id"], updated["attributes"]["name"]) == (notebook_id, "Payments CPU v2")
    assert [c["id"] for c in updated["attributes"]["cells"]] == [cell["id"]]
    assert hub.get_notebook(notebook_id) == updated
    assert hub.delete_notebook(notebook_id) is None

    # then it is NotFound, with Datadog's recorded text
    with pytest.raises(NotFound) as gone:
        hub.get_notebook(notebook_id)
    assert gone.value.errors == ["Notebook not found"]
    with pytest.raises(NotFound):
        hub.delete_notebook(notebook_id)


def test_list_notebooks_reads_every_page_oldest_first(datadog_emulator, hub) -> None:
    made = [hub.create_notebook(_body(f"Notebook {i}"))["id"] for i in range(5)]
    before = len(datadog_emulator.requests)

    listed = hub.list_notebooks(page_size=2)

    pages = [r.query for r in datadog_emulator.requests[before:]]
    assert [n["id"] for n in listed] == made
    assert [(q["count"], q["start"]) for q in pages] == [("2", "0"), ("2", "2"), ("2", "4")]
    assert all((q["sort_field"], q["sort_dir"]) == ("created", "asc") for q in pages)


def test_list_notebooks_stops_when_every_match_was_read(datadog_emulator, hub) -> None:
    for i in range(4):
        hub.create_notebook(_body(f"Notebook {i}"))
    before = len(datadog_emulator.requests)

    listed = hub.list_notebooks(page_size=2)

    # two full pages hold all four: total_filtered_count spares a third, empty page
    assert len(listed) == 4 and len(datadog_emulator.requests) - before == 2


def test_list_notebooks_narrows_by_query_and_can_leave_out_cells(hub) -> None:
    wanted = hub.create_notebook(_body("Checkout latency"))["id"]
    hub.create_notebook(_body("Search errors"))

    found = hub.list_notebooks(query="checkout", include_cells=False)

    assert [n["id"] for n in found] == [wanted]
    assert "cells" not in found[0]["attributes"] and "time" not in found[0]["attributes"]
    assert len(hub.list_notebooks()[0]["attributes"]["cells"]) == 1


def test_a_query_with_two_cross_org_uuids_is_invalid(datadog_emulator, hub) -> None:
    cell = _cell(datadog_emulator.org_uuid("payments"))
    queries = cell["attributes"]["definition"]["requests"][0]["queries"]
    queries[0]["cross_org_uuids"].append(datadog_emulator.org_uuid("search"))

    with pytest.raises(Invalid) as refused:
        hub.create_notebook(_body("Two orgs in one query", cell))

    assert refused.value.status == 400 and "at most one org UUID" in refused.value.errors[0]
    assert hub.list_notebooks() == []


def test_another_orgs_notebook_is_not_found(client_for, hub) -> None:
    notebook_id = hub.create_notebook(_body("Hub only"))["id"]
    payments: DatadogClient = client_for("payments")

    with pytest.raises(NotFound):
        payments.get_notebook(notebook_id)
    with pytest.raises(NotFound):
        payments.update_notebook(notebook_id, _body("Taken over"))
    assert payments.list_notebooks() == []
    assert hub.get_notebook(notebook_id)["attributes"]["name"] == "Hub only"
