"""Rules of `/api/v1/notebooks`: create, get, update (full PUT), delete, list; per org.

Plain functions over a `World` (the Backend holds the lock). Shapes follow Datadog's recorded
answers (datadog-api-client-python's cassettes of the notebook scenarios): `data` is type, id
(an integer), attributes; attributes are name, cells, time, status, modified, created, author;
a cell is attributes (as sent), type, id (8 lowercase letters and digits); a list answer is
`meta.page` (total_filtered_count, total_count) then `data`, latest change first; an unknown
notebook is 404 "Notebook not found". `metadata` (not in those older recordings) follows the
model's defaults. Validation follows the API reference's model (six cell types, a `live_span`
or `start`/`end` time, status "published", names of at most 80 characters); Datadog's texts are
not recorded, so each names the offending field. Graph cells hold widget definitions, so their
queries follow the dashboards' cross-org rule (`rules_dashboards.validate_cross_org`).

Permissions are checked as Datadog does: reads need `notebooks_read`, writes `notebooks_write`
(`model.require`); a key pair without them gets the 403 Datadog gives.
"""

from __future__ import annotations

import copy
import re
import string
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from datadog_crossorg.emulator.errors import BadRequest, NotFound
from datadog_crossorg.emulator.model import KeyPair, Notebook, Org, User, World, require
from datadog_crossorg.emulator.people import author_of
from datadog_crossorg.emulator.rules_dashboards import paging_param, validate_cross_org

READ = "notebooks_read"
WRITE = "notebooks_write"
RESOURCE_TYPE = "notebooks"
CELL_TYPE = "notebook_cells"
MARKDOWN = "markdown"
LOG_STREAM = "log_stream"
GRAPH_CELL_TYPES = ("timeseries", "toplist", "heatmap", "distribution", LOG_STREAM)
CELL_TYPES = (MARKDOWN, *GRAPH_CELL_TYPES)
STATUSES = ("published",)  # "For now, always published" (the API reference)
GRAPH_SIZES = ("xs", "s", "m", "l", "xl")
LIVE_SPANS = (
    "1m",
    "5m",
    "10m",
    "15m",
    "30m",
    "1h",
    "4h",
    "1d",
    "2d",
    "1w",
    "1mo",
    "3mo",
    "6mo",
    "week_to_date",
    "month_to_date",
    "1y",
    "alert",
)
METADATA_TYPES = ("postmortem", "runbook", "investigation", "documentation", "report")
METADATA_DEFAULTS: dict[str, Any] = {"is_template": False, "take_snapshots": False, "type": None}
NAME_MAX = 80
FIRST_ID = 100_001  # integer ids, counted up across orgs like Datadog's
CELL_ID_LENGTH = 8
_CELL_ID_ALPHABET = string.ascii_lowercase + string.digits
_ID_TEXT = re.compile(r"[0-9]{1,18}")  # int64 range: longer is no notebook id
# List parameters with a fixed set of values; the first is the documented default.
SORT_FIELDS = ("modified", "name", "created")
SORT_DIRS = ("desc", "asc")
NOT_FOUND = "Notebook not found"  # recorded


# -- validation ------------------------------------------------------------------------------
def _invalid(text: str) -> BadRequest:
    return BadRequest(f"Invalid notebook: {text}")


def _invalid_cell(where: str, text: str) -> BadRequest:
    return BadRequest(f"Invalid notebook cell {where}: {text}")


def attributes_of(body: Any) -> dict[str, Any]:
    """`data.attributes` of a create or update body (JSON:API: `data.type` is "notebooks")."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != RESOURCE_TYPE:
        raise _invalid("the body must be {'data': {'type': 'notebooks', 'attributes': {...}}}")
    attributes = data.get("attributes")
    if not isinstance(attributes, dict):
        raise _invalid("'data.attributes' is required and must be an object")
    return attributes


def validate(attributes: dict[str, Any]) -> None:
    """Refuse what the model refuses: no name, no cells, no time, an unknown cell type, ..."""
    name = attributes.get("name")
    if not isinstance(name, str) or len(name) > NAME_MAX:
        raise _invalid(f"'name' is required and must be a string of at most {NAME_MAX} characters")
    _validate_time(attributes.get("time"), "'time'")
    if "status" in attributes and attributes["status"] not in STATUSES:
        raise _invalid(f"'status' must be one of {', '.join(STATUSES)}")
    _validate_metadata(attributes.get("metadata", {}))
    variables = attributes.get("template_variables")
    if variables is not None and not isinstance(variables, list):
        raise _invalid("'template_variables' must be a list")
    cells = attributes.get("cells")
    if not isinstance(cells, list):
        raise _invalid("'cells' is required and must be a list")
    for index, cell in enumerate(cells):
        _validate_cell(cell, f"cells[{index}]")


def _validate_time(value: Any, what: str, error: Callable[[str], BadRequest] = _invalid) -> None:
    """A relative time (`live_span`) or an absolute one (`start`, `end`, optional `live`)."""
    if not isinstance(value, dict):
        raise error(f"{what} is required: {{'live_span': ...}} or {{'start': ..., 'end': ...}}")
    if "live_span" in value:
        if value["live_span"] not in LIVE_SPANS:
            raise error(f"{what}: 'live_span' must be one of {', '.join(LIVE_SPANS)}")
        return
    for bound in ("start", "end"):
        if not _is_datetime(value.get(bound)):
            raise error(f"{what}: {bound!r} must be an ISO 8601 date and time")
    if not isinstance(value.get("live", False), bool):
        raise error(f"{what}: 'live' must be a boolean")


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _validate_metadata(metadata: Any) -> None:
    if not isinstance(metadata, dict):
        raise _invalid("'metadata' must be an object")
    for flag in ("is_template", "take_snapshots"):
        if not isinstance(metadata.get(flag, False), bool):
            raise _invalid(f"'metadata.{flag}' must be a boolean")
    if metadata.get("type") not in (None, *METADATA_TYPES):
        raise _invalid(f"'metadata.type' must be null or one of {', '.join(METADATA_TYPES)}")


def _validate_cell(cell: Any, where: str) -> None:
    if not isinstance(cell, dict) or cell.get("type") != CELL_TYPE:
        raise _invalid_cell(where, f"a cell is an object with 'type': {CELL_TYPE!r}")
    if "id" in cell and not isinstance(cell["id"], str):
        raise _invalid_cell(where, "'id' must be a string")
    attributes = cell.get("attributes")
    definition = attributes.get("definition") if isinstance(attributes, dict) else None
    if not isinstance(attributes, dict) or not isinstance(definition, dict):
        raise _invalid_cell(where, "'attributes.definition' is required and must be an object")
    kind = definition.get("type")
    if kind not in CELL_TYPES:
        raise _invalid_cell(
            where, f"unknown cell type {kind!r}; valid types: {', '.join(CELL_TYPES)}"
        )
    if kind == MARKDOWN:
        if not isinstance(definition.get("text"), str):
            raise _invalid_cell(where, "a markdown cell needs 'definition.text' (a string)")
        return
    if kind != LOG_STREAM and not isinstance(definition.get("requests"), list):
        raise _invalid_cell(where, f"a {kind} cell needs 'definition.requests' (a list)")
    if "graph_size" in attributes and attributes["graph_size"] not in GRAPH_SIZES:
        raise _invalid_cell(where, f"'graph_size' must be one of {', '.join(GRAPH_SIZES)}")
    if "split_by" in attributes and not _is_split_by(attributes["split_by"]):
        raise _invalid_cell(where, "'split_by' must be {'keys': [str], 'tags': [str]}")
    if attributes.get("time") is not None:
        _validate_time(attributes["time"], "'time'", lambda text: _invalid_cell(where, text))
    validate_cross_org(definition, f"{where}.attributes.definition", f"notebook cell {where}")


def _is_split_by(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(part), list) and all(isinstance(v, str) for v in value[part])
        for part in ("keys", "tags")
    )


# -- rendering -------------------------------------------------------------------------------
def _new_cell_id(world: World, taken: Collection[str]) -> str:
    while True:
        candidate = "".join(world.rng.choice(_CELL_ID_ALPHABET) for _ in range(CELL_ID_LENGTH))
        if candidate not in taken:
            return candidate


def _cells(world: World, cells: list[dict[str, Any]], keep: Collection[str]) -> list[dict]:
    """The cells in the answer's shape. A cell keeps its `id` when `keep` holds it (once per
    notebook: a repeated id gets a new one); every other cell gets a new id."""
    used: set[str] = set()
    result = []
    for cell in cells:
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or cell_id not in keep or cell_id in used:
            cell_id = _new_cell_id(world, used | set(keep))
        used.add(cell_id)
        result.append(
            {"attributes": copy.deepcopy(cell["attributes"]), "type": CELL_TYPE, "id": cell_id}
        )
    return result


def _stored(
    world: World,
    given: dict[str, Any],
    *,
    keep_cell_ids: Collection[str],
    created: str,
    modified: str,
) -> dict[str, Any]:
    """The attributes Datadog answers (in its key order), less `author`; other input is dropped."""
    attributes: dict[str, Any] = {
        "name": given["name"],
        "cells": _cells(world, given["cells"], keep_cell_ids),
        "time": copy.deepcopy(given["time"]),
        "status": given.get("status", STATUSES[0]),
        "metadata": METADATA_DEFAULTS | copy.deepcopy(given.get("metadata", {})),
    }
    if "template_variables" in given:
        attributes["template_variables"] = copy.deepcopy(given["template_variables"])
    attributes["modified"] = modified
    attributes["created"] = created
    return attributes


def _data(world: World, notebook: Notebook, include_cells: bool = True) -> dict[str, Any]:
    attributes = copy.deepcopy(notebook.attributes)
    if not include_cells:  # "excludes the cells and global time" (the API reference)
        del attributes["cells"], attributes["time"]
    attributes["author"] = author_of(world.users[notebook.author_id])
    return {"type": RESOURCE_TYPE, "id": notebook.id, "attributes": attributes}


# -- operations ------------------------------------------------------------------------------
def _new_notebook_id(world: World) -> int:
    world.last_notebook_id = max(world.last_notebook_id, FIRST_ID - 1) + 1
    return world.last_notebook_id


def _owned(world: World, key_pair: KeyPair, notebook_id: str) -> Notebook:
    """The caller's org's notebook; another org's is as unknown as a missing one (404)."""
    if not _ID_TEXT.fullmatch(notebook_id):
        raise BadRequest(f"Invalid notebook_id: {notebook_id!r} is not an integer")
    notebook = world.notebooks.get(int(notebook_id))
    if notebook is None or notebook.org_uuid != key_pair.org_uuid:
        raise NotFound(NOT_FOUND)
    return notebook


def create_notebook(world: World, key_pair: KeyPair, body: Any) -> dict[str, Any]:
    """New id, new cell ids, `created` = `modified` = now; the key pair's user is the author."""
    require(key_pair, WRITE)
    given = attributes_of(body)
    validate(given)
    now = world.now()
    attributes = _stored(world, given, keep_cell_ids=(), created=now, modified=now)
    notebook = Notebook(_new_notebook_id(world), key_pair.org_uuid, key_pair.user_id, attributes)
    world.notebooks[notebook.id] = notebook
    return {"data": _data(world, notebook)}


def get_notebook(world: World, key_pair: KeyPair, notebook_id: str) -> dict[str, Any]:
    require(key_pair, READ)
    return {"data": _data(world, _owned(world, key_pair, notebook_id))}


def update_notebook(world: World, key_pair: KeyPair, notebook_id: str, body: Any) -> dict[str, Any]:
    """Full replacement: cells that name one of the notebook's cell ids keep it, the others are
    new; cells left out are deleted. Keeps id, author and `created`; `modified` moves."""
    require(key_pair, WRITE)
    old = _owned(world, key_pair, notebook_id)
    given = attributes_of(body)
    validate(given)
    attributes = _stored(
        world,
        given,
        keep_cell_ids={cell["id"] for cell in old.attributes["cells"]},
        created=old.attributes["created"],
        modified=world.now(),
    )
    notebook = replace(old, attributes=attributes)
    world.notebooks[notebook.id] = notebook
    return {"data": _data(world, notebook)}


def delete_notebook(world: World, key_pair: KeyPair, notebook_id: str) -> None:
    require(key_pair, WRITE)
    del world.notebooks[_owned(world, key_pair, notebook_id).id]


def _flag(query: dict[str, str], name: str, default: bool) -> bool:
    raw = query.get(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise BadRequest(f"Invalid query parameter '{name}': must be true or false")
    return raw.lower() == "true"


def _choice(query: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    """The parameter's value, its first choice (the documented default) when absent."""
    value = query.get(name, choices[0])
    if value not in choices:
        raise BadRequest(f"Invalid query parameter '{name}': must be one of {', '.join(choices)}")
    return value


def _matches(world: World, notebook: Notebook, query: dict[str, str], template: bool) -> bool:
    """The documented filters: `query` (in the name or the author's handle, any case), author
    handle, its exclusion, metadata `type`, and `is_template`."""
    handle = world.users[notebook.author_id].handle
    metadata = notebook.attributes["metadata"]
    text = query.get("query", "").lower()
    return (
        (text in notebook.attributes["name"].lower() or text in handle.lower())
        and query.get("author_handle", handle) == handle
        and query.get("exclude_author_handle") != handle
        and query.get("type", metadata["type"]) == metadata["type"]
        and bool(metadata["is_template"]) == template
    )


def list_notebooks(world: World, key_pair: KeyPair, query: dict[str, str]) -> dict[str, Any]:
    """This org's notebooks, filtered, sorted (default: `modified`, `desc`), then paged by
    `start`/`count`. Without `count` every match is listed (no default page size is
    documented). `total_count` counts the org's notebooks, `total_filtered_count` the matches."""
    require(key_pair, READ)
    start = paging_param(query, "start") or 0
    count = paging_param(query, "count")
    field = _choice(query, "sort_field", SORT_FIELDS)
    direction = _choice(query, "sort_dir", SORT_DIRS)
    include_cells = _flag(query, "include_cells", True)
    template = _flag(query, "is_template", False)
    mine = [n for n in world.notebooks.values() if n.org_uuid == key_pair.org_uuid]
    matching = [n for n in mine if _matches(world, n, query, template)]

    def order(notebook: Notebook) -> tuple[str, int]:
        value = notebook.attributes[field]
        return (value.lower() if field == "name" else value), notebook.id

    matching.sort(key=order, reverse=direction == "desc")
    page = matching[start:] if count is None else matching[start : start + count]
    return {
        "meta": {"page": {"total_filtered_count": len(matching), "total_count": len(mine)}},
        "data": [_data(world, notebook, include_cells) for notebook in page],
    }


def import_notebook(world: World, org: Org, author: User, entry: dict[str, Any]) -> Notebook:
    """A notebook from a seed or saved state (its attributes, flat, with an optional `id`):
    keeps the id, cell ids and timestamps it has, computes the rest.

    `author` is the user the entry's `author_handle` names (the seed resolves it).
    """
    validate(entry)
    notebook_id = entry.get("id")
    if notebook_id is None:
        notebook_id = _new_notebook_id(world)
    elif isinstance(notebook_id, bool) or not isinstance(notebook_id, int) or notebook_id < 1:
        raise _invalid("'id' must be a positive integer")
    created = entry.get("created") or world.now()
    attributes = _stored(
        world,
        entry,
        keep_cell_ids={cell["id"] for cell in entry["cells"] if isinstance(cell.get("id"), str)},
        created=created,
        modified=entry.get("modified") or created,
    )
    world.last_notebook_id = max(world.last_notebook_id, notebook_id)
    return Notebook(notebook_id, org.uuid, author.id, attributes)
