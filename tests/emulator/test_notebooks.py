"""Notebooks (`/api/v1/notebooks`): rules on the Backend, the wire over HTTP, and Datadog's own
client (datadog-api-client) reading every answer into its models."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from datadog_crossorg.emulator import ApiError, Backend, Emulator, load_seed
from datadog_crossorg.emulator.errors import Forbidden
from datadog_crossorg.emulator.rules_notebooks import FIRST_ID
from datadog_crossorg.emulator.server import INVALID_JSON
from tests.emulator.plain_http import Api, timeseries_widget

NOTEBOOKS = "/api/v1/notebooks"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
CELL_ID = re.compile(r"^[a-z0-9]{8}$")


def markdown_cell(text: str = "## Findings") -> dict[str, Any]:
    return {
        "type": "notebook_cells",
        "attributes": {"definition": {"type": "markdown", "text": text}},
    }


def graph_cell(*cross_org_uuids: list[str] | None, **attributes: Any) -> dict[str, Any]:
    """A timeseries cell with one formula-and-function query per argument (see plain_http)."""
    return {
        "type": "notebook_cells",
        "attributes": timeseries_widget(*cross_org_uuids) | attributes,
    }


def notebook_body(name: str = "Incident 42", **attributes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "cells": [markdown_cell(), graph_cell(None)],
        "time": {"live_span": "1h"},
    }
    return {"data": {"type": "notebooks", "attributes": body | attributes}}


def error_of(call: Callable[..., Any], *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def cell_ids(answer: dict[str, Any]) -> list[str]:
    return [cell["id"] for cell in answer["data"]["attributes"]["cells"]]


# -- create and get ------------------------------------------------------------------------------
def test_create_answers_the_recorded_shape_with_server_fields(backend: Backend):
    created = backend.create_notebook(backend.key_pairs["hub"], notebook_body())
    data = created["data"]
    assert list(created) == ["data"] and list(data) == ["type", "id", "attributes"]
    assert data["type"] == "notebooks" and data["id"] == FIRST_ID
    attributes = data["attributes"]
    assert list(attributes) == [
        "name",
        "cells",
        "time",
        "status",
        "metadata",
        "modified",
        "created",
        "author",
    ]
    assert (attributes["name"], attributes["time"]) == ("Incident 42", {"live_span": "1h"})
    assert attributes["status"] == "published"  # the default, as recorded
    assert attributes["metadata"] == {"is_template": False, "take_snapshots": False, "type": None}
    assert (
        TIMESTAMP.match(attributes["created"]) and attributes["modified"] == attributes["created"]
    )
    assert [list(cell) for cell in attributes["cells"]] == [["attributes", "type", "id"]] * 2
    assert all(CELL_ID.match(i) for i in cell_ids(created)) and len(set(cell_ids(created))) == 2
    assert attributes["cells"][1]["attributes"] == graph_cell(None)["attributes"]
    author = attributes["author"]
    assert (author["handle"], author["email"], author["name"]) == (
        "hana@acme.example",
        "hana@acme.example",
        "Hana Hub",
    )
    assert (author["title"], author["verified"], author["disabled"], author["status"]) == (
        None,
        True,
        False,
        "Active",
    )


def test_get_answers_what_create_answered(backend: Backend):
    hub = backend.key_pairs["hub"]
    created = backend.create_notebook(hub, notebook_body(metadata={"type": "investigation"}))
    fetched = backend.get_notebook(hub, str(created["data"]["id"]))
    assert fetched == created
    assert fetched["data"]["attributes"]["metadata"]["type"] == "investigation"


def test_ids_count_up_across_orgs_and_are_never_reused(backend: Backend):
    hub, payments = backend.key_pairs["hub"], backend.key_pairs["payments"]
    first = backend.create_notebook(hub, notebook_body())["data"]["id"]
    second = backend.create_notebook(payments, notebook_body())["data"]["id"]
    backend.delete_notebook(payments, str(second))
    third = backend.create_notebook(hub, notebook_body())["data"]["id"]
    assert (first, second, third) == (FIRST_ID, FIRST_ID + 1, FIRST_ID + 2)


def test_cell_ids_sent_on_create_are_replaced(backend: Backend):
    cell = markdown_cell() | {"id": "mine0001"}
    created = backend.create_notebook(backend.key_pairs["hub"], notebook_body(cells=[cell]))
    assert cell_ids(created) != ["mine0001"] and CELL_ID.match(cell_ids(created)[0])


def test_an_absolute_time_is_accepted_and_echoed(backend: Backend):
    span = {"start": "2025-08-26T20:00:00Z", "end": "2025-08-26T21:00:00Z", "live": False}
    created = backend.create_notebook(backend.key_pairs["hub"], notebook_body(time=span))
    assert created["data"]["attributes"]["time"] == span


# -- update and delete ----------------------------------------------------------------------------
def test_put_replaces_the_notebook_keeping_cell_ids_that_are_sent(backend: Backend):
    # given a notebook with a markdown cell and a graph cell
    hub = backend.key_pairs["hub"]
    created = backend.create_notebook(hub, notebook_body("Before"))
    markdown_id, graph_id = cell_ids(created)
    notebook_id = str(created["data"]["id"])
    # when it is replaced by: the graph cell (with its id), a new cell, a cell naming an id the
    # notebook never had; the markdown cell left out
    kept = graph_cell(None, graph_size="l") | {"id": graph_id}
    body = notebook_body(
        "After", cells=[kept, markdown_cell("new"), markdown_cell() | {"id": "zzzz9999"}]
    )
    updated = backend.update_notebook(hub, notebook_id, body)
    # then the graph cell kept its id, the others got new ones, the markdown cell is gone
    ids = cell_ids(updated)
    assert ids[0] == graph_id and markdown_id not in ids and "zzzz9999" not in ids
    assert len(set(ids)) == 3 and all(CELL_ID.match(i) for i in ids)
    assert updated["data"]["attributes"]["cells"][0]["attributes"]["graph_size"] == "l"
    # and id, author and created stay while name and modified change
    before, after = created["data"], updated["data"]
    assert after["id"] == before["id"] and after["attributes"]["name"] == "After"
    assert after["attributes"]["created"] == before["attributes"]["created"]
    assert after["attributes"]["author"] == before["attributes"]["author"]
    assert after["attributes"]["modified"] > before["attributes"]["modified"]
    assert backend.get_notebook(hub, notebook_id) == updated


def test_a_cell_id_sent_twice_is_kept_only_once(backend: Backend):
    hub = backend.key_pairs["hub"]
    created = backend.create_notebook(hub, notebook_body())
    first = cell_ids(created)[0]
    twice = [markdown_cell() | {"id": first}, markdown_cell() | {"id": first}]
    updated = backend.update_notebook(hub, str(created["data"]["id"]), notebook_body(cells=twice))
    assert cell_ids(updated)[0] == first and cell_ids(updated)[1] != first


def test_delete_answers_nothing_and_the_notebook_is_gone(backend: Backend):
    hub = backend.key_pairs["hub"]
    notebook_id = str(backend.create_notebook(hub, notebook_body())["data"]["id"])
    assert backend.delete_notebook(hub, notebook_id) is None
    for call, args in ((backend.get_notebook, ()), (backend.delete_notebook, ())):
        error = error_of(call, hub, notebook_id, *args)
        assert (error.status, error.body()) == (404, {"errors": ["Notebook not found"]})


def test_notebooks_belong_to_the_org_of_the_key_pair(backend: Backend):
    created = backend.create_notebook(backend.key_pairs["hub"], notebook_body())
    notebook_id, other = str(created["data"]["id"]), backend.key_pairs["payments"]
    for call, args in (
        (backend.get_notebook, ()),
        (backend.update_notebook, (notebook_body(),)),
        (backend.delete_notebook, ()),
    ):
        error = error_of(call, other, notebook_id, *args)
        assert (error.status, error.body()) == (404, {"errors": ["Notebook not found"]})
    assert backend.list_notebooks(other, {})["data"] == []
    assert backend.get_notebook(backend.key_pairs["hub"], notebook_id) == created


@pytest.mark.parametrize("notebook_id", ["abc", "12a", "1" * 19, "-1"])
def test_an_id_that_is_no_integer_is_a_bad_request(backend: Backend, notebook_id: str):
    error = error_of(backend.get_notebook, backend.key_pairs["hub"], notebook_id)
    assert error.status == 400 and "notebook_id" in error.message


# -- validation -----------------------------------------------------------------------------------
def _attributes(body: dict[str, Any]) -> dict[str, Any]:
    return body["data"]["attributes"]


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda b: _attributes(b).pop("name"), "'name'"),
        (lambda b: _attributes(b).update(name=None), "'name'"),
        (lambda b: _attributes(b).update(name="x" * 81), "'name'"),
        (lambda b: _attributes(b).pop("cells"), "'cells'"),
        (lambda b: _attributes(b).update(cells={}), "'cells'"),
        (lambda b: _attributes(b).pop("time"), "'time'"),
        (lambda b: _attributes(b).update(time={"live_span": "2h"}), "live_span"),
        (lambda b: _attributes(b).update(time={"start": "yesterday", "end": "now"}), "'start'"),
        (lambda b: _attributes(b).update(status="draft"), "'status'"),
        (lambda b: _attributes(b).update(metadata={"type": "novel"}), "metadata.type"),
        (lambda b: _attributes(b).update(metadata={"is_template": "yes"}), "is_template"),
        (lambda b: _attributes(b).update(template_variables="env"), "template_variables"),
        (lambda b: b["data"].update(type="dashboards"), "'notebooks'"),
        (lambda b: b["data"].pop("attributes"), "data.attributes"),
        (lambda b: b.pop("data"), "'data'"),
    ],
)
def test_a_body_the_model_refuses_is_a_bad_request_naming_the_field(backend, mutate, named):
    body = notebook_body()
    mutate(body)
    error = error_of(backend.create_notebook, backend.key_pairs["hub"], body)
    assert error.status == 400 and error.message.startswith("Invalid notebook")
    assert named in error.message
    assert backend.list_notebooks(backend.key_pairs["hub"], {})["data"] == []


@pytest.mark.parametrize(
    ("cell", "named"),
    [
        (
            {"type": "notebook_cells", "attributes": {"definition": {"type": "query_value"}}},
            "'query_value'",
        ),
        ({"type": "cells", "attributes": markdown_cell()["attributes"]}, "notebook_cells"),
        ({"type": "notebook_cells", "attributes": {}}, "definition"),
        ({"type": "notebook_cells", "attributes": {"definition": {"type": "markdown"}}}, "text"),
        ({"type": "notebook_cells", "attributes": {"definition": {"type": "toplist"}}}, "requests"),
        (graph_cell(None, graph_size="xxl"), "graph_size"),
        (graph_cell(None, split_by={"keys": "host"}), "split_by"),
        (graph_cell(None, time={"live_span": "forever"}), "live_span"),
        (markdown_cell() | {"id": 7}, "'id'"),
    ],
)
def test_a_cell_the_model_refuses_is_a_bad_request_naming_the_cell(backend, cell, named):
    body = notebook_body(cells=[markdown_cell(), cell])
    error = error_of(backend.create_notebook, backend.key_pairs["hub"], body)
    assert error.status == 400 and error.message.startswith("Invalid notebook cell cells[1]:")
    assert named in error.message


def test_every_documented_cell_type_is_accepted(backend: Backend):
    requests_of = [{"response_format": "scalar", "queries": []}]
    cells = [markdown_cell()] + [
        {
            "type": "notebook_cells",
            "attributes": {"definition": {"type": kind, "requests": requests_of}},
        }
        for kind in ("timeseries", "toplist", "heatmap", "distribution")
    ]
    cells.append(
        {
            "type": "notebook_cells",
            "attributes": {"definition": {"type": "log_stream", "query": "x"}, "time": None},
        }
    )
    created = backend.create_notebook(backend.key_pairs["hub"], notebook_body(cells=cells))
    kinds = [c["attributes"]["definition"]["type"] for c in created["data"]["attributes"]["cells"]]
    assert kinds == ["markdown", "timeseries", "toplist", "heatmap", "distribution", "log_stream"]


def test_invalid_json_is_a_bad_request(backend: Backend):
    error = error_of(backend.create_notebook, backend.key_pairs["hub"], INVALID_JSON)
    assert error.status == 400


# -- cross-org queries ----------------------------------------------------------------------------
def test_a_query_with_more_than_one_cross_org_uuid_is_refused_naming_cell_and_query(backend):
    orgs = [backend.org_uuid("payments"), backend.org_uuid("search")]
    body = notebook_body(cells=[markdown_cell(), graph_cell([orgs[0]], orgs)])
    error = error_of(backend.create_notebook, backend.key_pairs["hub"], body)
    assert error.status == 400
    assert error.message == (
        "Invalid notebook cell cells[1]: query 'query2' at "
        "cells[1].attributes.definition.requests[0].queries[1]: "
        "'cross_org_uuids' accepts at most one org UUID, got 2"
    )


def test_cross_org_uuids_must_be_a_list_of_strings(backend: Backend):
    cell = graph_cell(None)
    cell["attributes"]["definition"]["requests"][0]["queries"][0]["cross_org_uuids"] = "payments"
    error = error_of(backend.create_notebook, backend.key_pairs["hub"], notebook_body(cells=[cell]))
    assert error.status == 400 and "must be a list of org UUIDs" in error.message


def test_the_cross_org_rule_also_guards_updates(backend: Backend):
    hub = backend.key_pairs["hub"]
    created = backend.create_notebook(hub, notebook_body())
    orgs = [backend.org_uuid("payments"), backend.org_uuid("search")]
    body = notebook_body(cells=[graph_cell(orgs)])
    error = error_of(backend.update_notebook, hub, str(created["data"]["id"]), body)
    assert error.status == 400 and "cells[0]" in error.message
    assert backend.get_notebook(hub, str(created["data"]["id"])) == created


def test_one_cross_org_uuid_per_query_is_accepted_and_kept(backend: Backend):
    orgs = [backend.org_uuid("payments"), backend.org_uuid("search")]
    body = notebook_body(cells=[graph_cell([orgs[0]], [orgs[1]])])
    created = backend.create_notebook(backend.key_pairs["hub"], body)
    queries = created["data"]["attributes"]["cells"][0]["attributes"]["definition"]["requests"][0]
    assert [q["cross_org_uuids"] for q in queries["queries"]] == [[orgs[0]], [orgs[1]]]


# -- list -----------------------------------------------------------------------------------------
def _ids(answer: dict[str, Any]) -> list[int]:
    return [notebook["id"] for notebook in answer["data"]]


def test_list_sorts_by_latest_change_first_by_default(backend: Backend):
    hub = backend.key_pairs["hub"]
    made = [backend.create_notebook(hub, notebook_body(f"Nb {i}"))["data"]["id"] for i in range(3)]
    backend.update_notebook(hub, str(made[0]), notebook_body("Nb 0 again"))
    listed = backend.list_notebooks(hub, {})
    assert _ids(listed) == [made[0], made[2], made[1]]
    assert listed["meta"] == {"page": {"total_filtered_count": 3, "total_count": 3}}
    assert list(listed) == ["meta", "data"]


def test_list_sorts_by_the_requested_field_and_direction(backend: Backend):
    hub = backend.key_pairs["hub"]
    names = ["bravo", "Alpha", "charlie"]
    made = {n: backend.create_notebook(hub, notebook_body(n))["data"]["id"] for n in names}
    by_name = backend.list_notebooks(hub, {"sort_field": "name", "sort_dir": "asc"})
    assert _ids(by_name) == [made["Alpha"], made["bravo"], made["charlie"]]
    oldest_first = backend.list_notebooks(hub, {"sort_field": "created", "sort_dir": "asc"})
    assert _ids(oldest_first) == [made["bravo"], made["Alpha"], made["charlie"]]


def test_list_pages_with_start_and_count_and_counts_every_match(backend: Backend):
    hub = backend.key_pairs["hub"]
    made = [backend.create_notebook(hub, notebook_body(f"Nb {i}"))["data"]["id"] for i in range(5)]
    query = {"sort_field": "created", "sort_dir": "asc", "start": "1", "count": "2"}
    page = backend.list_notebooks(hub, query)
    assert _ids(page) == made[1:3]
    assert page["meta"]["page"] == {"total_filtered_count": 5, "total_count": 5}
    assert backend.list_notebooks(hub, query | {"start": "5"})["data"] == []


def test_list_query_matches_name_or_author_handle_in_any_case():
    seed = load_seed()  # Olga of Hub gets a key pair, to author a notebook of the same org
    seed["accounts"][0]["orgs"][0]["key_pairs"].append(
        {
            "name": "olga",
            "user": "olga@acme.example",
            "api_key": "emu-hub-api-key",
            "app_key": "emu-olga-app-key",
            "permissions": ["notebooks_read", "notebooks_write"],
        }
    )
    backend = Backend(seed)
    hub, olga = backend.key_pairs["hub"], backend.key_pairs["olga"]
    postmortem = backend.create_notebook(hub, notebook_body("Q3 Postmortem"))["data"]["id"]
    runbook = backend.create_notebook(olga, notebook_body("Runbook"))["data"]["id"]
    by_name = backend.list_notebooks(hub, {"query": "postMORTEM"})
    assert _ids(by_name) == [postmortem]
    assert by_name["meta"]["page"] == {"total_filtered_count": 1, "total_count": 2}
    assert _ids(backend.list_notebooks(hub, {"query": "olga@"})) == [runbook]
    assert _ids(backend.list_notebooks(hub, {"author_handle": "olga@acme.example"})) == [runbook]
    excluded = backend.list_notebooks(hub, {"exclude_author_handle": "olga@acme.example"})
    assert _ids(excluded) == [postmortem]


def test_list_without_cells_leaves_out_cells_and_global_time(backend: Backend):
    hub = backend.key_pairs["hub"]
    backend.create_notebook(hub, notebook_body())
    (summary,) = backend.list_notebooks(hub, {"include_cells": "false"})["data"]
    assert "cells" not in summary["attributes"] and "time" not in summary["attributes"]
    (full,) = backend.list_notebooks(hub, {"include_cells": "true"})["data"]
    assert len(full["attributes"]["cells"]) == 2 and full["attributes"]["time"]


def test_list_shows_templates_only_when_asked_and_filters_by_metadata_type(backend: Backend):
    hub = backend.key_pairs["hub"]
    plain = backend.create_notebook(hub, notebook_body(metadata={"type": "runbook"}))
    template = backend.create_notebook(hub, notebook_body(metadata={"is_template": True}))
    assert _ids(backend.list_notebooks(hub, {})) == [plain["data"]["id"]]
    assert _ids(backend.list_notebooks(hub, {"is_template": "true"})) == [template["data"]["id"]]
    assert _ids(backend.list_notebooks(hub, {"type": "runbook"})) == [plain["data"]["id"]]
    assert backend.list_notebooks(hub, {"type": "report"})["data"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"count": "many"},
        {"start": "-1"},
        {"sort_field": "author"},
        {"sort_dir": "up"},
        {"include_cells": "0"},
    ],
)
def test_list_refuses_parameters_outside_their_documented_values(backend: Backend, query):
    error = error_of(backend.list_notebooks, backend.key_pairs["hub"], query)
    assert error.status == 400 and next(iter(query)) in error.message


# -- authors, seeds and state ---------------------------------------------------------------------
def test_a_deactivated_author_shows_as_disabled(backend: Backend):
    hub = backend.key_pairs["hub"]
    notebook_id = str(backend.create_notebook(hub, notebook_body())["data"]["id"])
    backend.deactivate_user("hana@acme.example")
    author = backend.get_notebook(hub, notebook_id)["data"]["attributes"]["author"]
    assert (author["disabled"], author["status"]) == (True, "Disabled")


def test_a_snapshot_with_notebooks_rebuilds_the_same_world(backend: Backend):
    hub = backend.key_pairs["hub"]
    created = backend.create_notebook(hub, notebook_body(template_variables=[{"name": "env"}]))
    doomed = backend.create_notebook(hub, notebook_body())["data"]["id"]
    backend.delete_notebook(hub, str(doomed))
    snapshot = backend.snapshot()
    again = Backend(snapshot)
    assert again.snapshot() == snapshot
    assert again.get_notebook(hub, str(created["data"]["id"])) == created
    # the deleted notebook's id is not given out again
    assert again.create_notebook(hub, notebook_body())["data"]["id"] == doomed + 1


def test_a_seeded_notebook_is_served_with_its_author_and_ids():
    seed = load_seed()
    seed["notebooks"] = [
        {
            "org": "Acme Payments",
            "id": 774056,
            "author_handle": "pat@acme.example",
            **_attributes(notebook_body("Seeded", cells=[markdown_cell() | {"id": "avx0umk1"}])),
        }
    ]
    backend = Backend(seed)
    payments = backend.key_pairs["payments"]
    seeded = backend.get_notebook(payments, "774056")["data"]
    assert seeded["attributes"]["author"]["handle"] == "pat@acme.example"
    assert [c["id"] for c in seeded["attributes"]["cells"]] == ["avx0umk1"]
    assert backend.create_notebook(payments, notebook_body())["data"]["id"] == 774057


def test_a_seeded_notebook_the_model_refuses_is_a_seed_error():
    seed = load_seed()
    seed["notebooks"] = [{"org": "Acme Hub", "name": "No cells", "time": {"live_span": "1h"}}]
    with pytest.raises(ValueError, match="'cells'"):
        load_seed(seed)


def test_reset_forgets_notebooks(backend: Backend):
    hub = backend.key_pairs["hub"]
    backend.create_notebook(hub, notebook_body())
    backend.reset()
    assert backend.list_notebooks(hub, {})["data"] == []
    assert backend.create_notebook(hub, notebook_body())["data"]["id"] == FIRST_ID


def test_notebooks_survive_a_restart_on_a_state_file(tmp_path: Path):
    state = tmp_path / "emulator.json"
    with Emulator(state_file=state) as emu:
        made = Api.as_pair(emu, "hub").post(NOTEBOOKS, json=notebook_body()).json()
    with Emulator(state_file=state) as again:
        fetched = Api.as_pair(again, "hub").get(f"{NOTEBOOKS}/{made['data']['id']}")
    assert fetched.json() == made


# -- the wire -------------------------------------------------------------------------------------
def test_the_routes_answer_over_http(datadog_emulator: Emulator, api):
    hub = api("hub")
    created = hub.post(NOTEBOOKS, json=notebook_body())
    assert created.status_code == 200 and created.headers["Content-Type"] == "application/json"
    notebook = f"{NOTEBOOKS}/{created.json()['data']['id']}"
    assert hub.get(notebook).json() == created.json()
    assert hub.get(f"{notebook}/").status_code == 200
    listed = hub.get(NOTEBOOKS, params={"query": "incident", "count": 10})
    assert [n["id"] for n in listed.json()["data"]] == [created.json()["data"]["id"]]
    updated = hub.put(notebook, json=notebook_body("Renamed"))
    assert updated.json()["data"]["attributes"]["name"] == "Renamed"
    deleted = hub.delete(notebook)
    assert (deleted.status_code, deleted.content) == (204, b"")
    gone = hub.get(notebook)
    assert (gone.status_code, gone.json()) == (404, {"errors": ["Notebook not found"]})


def test_wire_refusals_are_json_errors(datadog_emulator: Emulator, api):
    hub = api("hub")
    broken = hub.post(NOTEBOOKS, data=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["errors"]
    unknown_cell = notebook_body(
        cells=[{"type": "notebook_cells", "attributes": {"definition": {"type": "iframe"}}}]
    )
    refused = hub.post(NOTEBOOKS, json=unknown_cell)
    assert refused.status_code == 400 and "'iframe'" in refused.json()["errors"][0]
    stranger = Api(datadog_emulator, {"DD-API-KEY": "emu-hub-api-key", "DD-APPLICATION-KEY": "x"})
    assert stranger.get(NOTEBOOKS).status_code == 403
    stranger.close()
    options = hub.request("OPTIONS", f"{NOTEBOOKS}/{FIRST_ID}")
    assert options.status_code == 405 and options.headers["Allow"] == "GET, PUT, DELETE"
    assert hub.request("OPTIONS", NOTEBOOKS).headers["Allow"] == "GET, POST"


def test_answers_carry_the_notebooks_rate_limit_group(datadog_emulator: Emulator, api):
    answer = api("hub").get(NOTEBOOKS)
    assert answer.headers["X-RateLimit-Name"] == "notebooks"
    assert int(answer.headers["X-RateLimit-Remaining"]) < int(answer.headers["X-RateLimit-Limit"])


def test_the_control_state_holds_notebooks_and_reset_clears_them(datadog_emulator: Emulator, api):
    made = api("hub").post(NOTEBOOKS, json=notebook_body()).json()["data"]
    state = requests.get(f"{datadog_emulator.url}/_emulator/state", timeout=5).json()
    assert [(n["org"], n["id"], n["name"]) for n in state["notebooks"]] == [
        ("Acme Hub", made["id"], "Incident 42")
    ]
    assert state["last_notebook_id"] == made["id"]
    requests.post(f"{datadog_emulator.url}/_emulator/reset", timeout=5).raise_for_status()
    assert api("hub").get(NOTEBOOKS).json()["data"] == []


# -- Datadog's own client -------------------------------------------------------------------------
def test_datadog_api_client_runs_the_whole_cycle_with_its_models(datadog_emulator: Emulator):
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.exceptions import NotFoundException
    from datadog_api_client.v1.api.notebooks_api import NotebooksApi
    from datadog_api_client.v1.model.formula_and_function_metric_data_source import (
        FormulaAndFunctionMetricDataSource,
    )
    from datadog_api_client.v1.model.formula_and_function_metric_query_definition import (
        FormulaAndFunctionMetricQueryDefinition,
    )
    from datadog_api_client.v1.model.formula_and_function_response_format import (
        FormulaAndFunctionResponseFormat,
    )
    from datadog_api_client.v1.model.notebook_cell_create_request import NotebookCellCreateRequest
    from datadog_api_client.v1.model.notebook_cell_resource_type import NotebookCellResourceType
    from datadog_api_client.v1.model.notebook_cell_update_request import NotebookCellUpdateRequest
    from datadog_api_client.v1.model.notebook_create_data import NotebookCreateData
    from datadog_api_client.v1.model.notebook_create_data_attributes import (
        NotebookCreateDataAttributes,
    )
    from datadog_api_client.v1.model.notebook_create_request import NotebookCreateRequest
    from datadog_api_client.v1.model.notebook_graph_size import NotebookGraphSize
    from datadog_api_client.v1.model.notebook_markdown_cell_attributes import (
        NotebookMarkdownCellAttributes,
    )
    from datadog_api_client.v1.model.notebook_markdown_cell_definition import (
        NotebookMarkdownCellDefinition,
    )
    from datadog_api_client.v1.model.notebook_markdown_cell_definition_type import (
        NotebookMarkdownCellDefinitionType,
    )
    from datadog_api_client.v1.model.notebook_relative_time import NotebookRelativeTime
    from datadog_api_client.v1.model.notebook_resource_type import NotebookResourceType
    from datadog_api_client.v1.model.notebook_response import NotebookResponse
    from datadog_api_client.v1.model.notebook_status import NotebookStatus
    from datadog_api_client.v1.model.notebook_timeseries_cell_attributes import (
        NotebookTimeseriesCellAttributes,
    )
    from datadog_api_client.v1.model.notebook_update_data import NotebookUpdateData
    from datadog_api_client.v1.model.notebook_update_data_attributes import (
        NotebookUpdateDataAttributes,
    )
    from datadog_api_client.v1.model.notebook_update_request import NotebookUpdateRequest
    from datadog_api_client.v1.model.notebooks_response import NotebooksResponse
    from datadog_api_client.v1.model.timeseries_widget_definition import (
        TimeseriesWidgetDefinition,
    )
    from datadog_api_client.v1.model.timeseries_widget_definition_type import (
        TimeseriesWidgetDefinitionType,
    )
    from datadog_api_client.v1.model.timeseries_widget_request import TimeseriesWidgetRequest
    from datadog_api_client.v1.model.widget_formula import WidgetFormula
    from datadog_api_client.v1.model.widget_live_span import WidgetLiveSpan

    payments_uuid = datadog_emulator.org_uuid("payments")
    keys = datadog_emulator.keys("hub")
    config = Configuration(host=datadog_emulator.url)
    config.api_key["apiKeyAuth"], config.api_key["appKeyAuth"] = keys.api_key, keys.app_key

    def timeseries() -> NotebookTimeseriesCellAttributes:
        query = FormulaAndFunctionMetricQueryDefinition(
            data_source=FormulaAndFunctionMetricDataSource.METRICS,
            name="payments_cpu",
            query="avg:system.cpu.user{*}",
            cross_org_uuids=[payments_uuid],
        )
        request = TimeseriesWidgetRequest(
            response_format=FormulaAndFunctionResponseFormat.TIMESERIES,
            queries=[query],
            formulas=[WidgetFormula(formula="payments_cpu")],
        )
        definition = TimeseriesWidgetDefinition(
            type=TimeseriesWidgetDefinitionType.TIMESERIES, requests=[request]
        )
        return NotebookTimeseriesCellAttributes(
            definition=definition, graph_size=NotebookGraphSize.MEDIUM
        )

    markdown = NotebookMarkdownCellAttributes(
        definition=NotebookMarkdownCellDefinition(
            type=NotebookMarkdownCellDefinitionType.MARKDOWN, text="## CPU of Payments"
        )
    )
    cell_type = NotebookCellResourceType.NOTEBOOK_CELLS
    with ApiClient(config) as client:
        notebooks = NotebooksApi(client)
        # create: a markdown cell and a timeseries cell reading Payments
        created = notebooks.create_notebook(
            body=NotebookCreateRequest(
                data=NotebookCreateData(
                    type=NotebookResourceType.NOTEBOOKS,
                    attributes=NotebookCreateDataAttributes(
                        name="Cross-org CPU",
                        status=NotebookStatus.PUBLISHED,
                        time=NotebookRelativeTime(live_span=WidgetLiveSpan.PAST_ONE_HOUR),
                        cells=[
                            NotebookCellCreateRequest(type=cell_type, attributes=markdown),
                            NotebookCellCreateRequest(type=cell_type, attributes=timeseries()),
                        ],
                    ),
                )
            )
        )
        assert isinstance(created, NotebookResponse)
        notebook_id = created.data.id
        assert isinstance(notebook_id, int) and created.data.attributes.name == "Cross-org CPU"
        # every part matched a schema of the model: nothing was left unparsed
        assert not created._unparsed
        cells = created.data.attributes.cells
        assert [[type(i) for i in c.attributes._composed_instances] for c in cells] == [
            [NotebookMarkdownCellAttributes],
            [NotebookTimeseriesCellAttributes],
        ]
        assert [type(i) for i in created.data.attributes.time._composed_instances] == [
            NotebookRelativeTime
        ]
        query = cells[1].attributes.definition.requests[0].queries[0]
        assert query.cross_org_uuids == [payments_uuid]
        assert created.data.attributes.author.handle == "hana@acme.example"
        assert created.data.attributes.created == created.data.attributes.modified

        # get
        fetched = notebooks.get_notebook(notebook_id=notebook_id)
        assert not fetched._unparsed and fetched.to_dict() == created.to_dict()

        # list
        listed = notebooks.list_notebooks(query="cross-org", include_cells=True, count=10)
        assert isinstance(listed, NotebooksResponse) and not listed._unparsed
        assert [n.id for n in listed.data] == [notebook_id]
        assert listed.meta.page.total_count == 1
        summaries = notebooks.list_notebooks(include_cells=False)
        assert "cells" not in summaries.data[0].attributes.to_dict()

        # update: keep the timeseries cell by its id, drop the markdown cell
        graph_id = cells[1].id
        updated = notebooks.update_notebook(
            notebook_id=notebook_id,
            body=NotebookUpdateRequest(
                data=NotebookUpdateData(
                    type=NotebookResourceType.NOTEBOOKS,
                    attributes=NotebookUpdateDataAttributes(
                        name="Cross-org CPU v2",
                        time=NotebookRelativeTime(live_span=WidgetLiveSpan.PAST_FOUR_HOURS),
                        cells=[
                            NotebookCellUpdateRequest(
                                id=graph_id, type=cell_type, attributes=timeseries()
                            )
                        ],
                    ),
                )
            ),
        )
        assert not updated._unparsed and updated.data.attributes.name == "Cross-org CPU v2"
        assert [c.id for c in updated.data.attributes.cells] == [graph_id]
        assert updated.data.attributes.modified > created.data.attributes.modified

        # delete, then the notebook is gone
        assert notebooks.delete_notebook(notebook_id=notebook_id) is None
        with pytest.raises(NotFoundException):
            notebooks.get_notebook(notebook_id=notebook_id)


def test_notebook_writes_need_notebooks_write_and_reads_notebooks_read(backend: Backend):
    readonly = backend.key_pairs[
        "hub-readonly"
    ]  # org_connections_read, dashboards_read, notebooks_read
    made = backend.create_notebook(backend.key_pairs["hub"], notebook_body())["data"]["id"]

    assert backend.get_notebook(readonly, str(made))["data"]["id"] == made
    with pytest.raises(Forbidden, match="notebooks_write"):
        backend.create_notebook(readonly, notebook_body())
    with pytest.raises(Forbidden, match="notebooks_write"):
        backend.delete_notebook(readonly, str(made))
