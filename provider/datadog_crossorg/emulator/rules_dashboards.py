"""Rules of `/api/v1/dashboard`: create, get, update (full PUT), delete, list; per org.

Plain functions over a `World` (the Backend holds the lock). Server-computed fields, key order
and echoed nulls follow the recorded responses in shared/datadog-api/recorded. Validation texts
are undocumented (Datadog's are not recorded): each names the offending field.
"""

from __future__ import annotations

import copy
import re
import string
from typing import Any

from datadog_crossorg.emulator.errors import BadRequest, NotFound
from datadog_crossorg.emulator.model import Dashboard, KeyPair, Org, User, World, require

READ = "dashboards_read"
WRITE = "dashboards_write"
LAYOUT_TYPES = ("ordered", "free")
# Response key order as recorded; other input fields follow, in input order.
ORDER = (
    "id",
    "title",
    "description",
    "author_handle",
    "author_name",
    "layout_type",
    "url",
    "template_variables",
    "widgets",
    "notify_list",
    "created_at",
    "modified_at",
    "restricted_roles",
)
SUMMARY = (
    "id",
    "title",
    "description",
    "layout_type",
    "url",
    "created_at",
    "modified_at",
    "author_handle",
)
# Computed by the server, ignored on input; `is_read_only` is deprecated and no longer sent.
SERVER_FIELDS = frozenset(
    {"id", "author_handle", "author_name", "url", "created_at", "modified_at", "is_read_only"}
)
ECHOED_DEFAULTS: dict[str, Any] = {
    "description": None,
    "template_variables": None,
    "notify_list": None,
    "restricted_roles": [],
}
_ID_ALPHABET = string.ascii_lowercase + string.digits
_SLUG_DROP = re.compile(r"[^a-z0-9-]")
SLUG_LENGTH = 80
WIDGET_ID_LOW, WIDGET_ID_HIGH = 10**15, 2**53  # 16-digit ids, exact in JavaScript numbers


def slug(title: str) -> str:
    """Lowercase, spaces to hyphens, only ASCII letters, digits and hyphens, at most 80."""
    return _SLUG_DROP.sub("", title.lower().replace(" ", "-"))[:SLUG_LENGTH]


def dashboard_url(dashboard_id: str, title: str) -> str:
    return f"/dashboard/{dashboard_id}/{slug(title)}"


def _new_dashboard_id(world: World) -> str:
    while True:
        groups = ("".join(world.rng.choice(_ID_ALPHABET) for _ in range(3)) for _ in range(3))
        candidate = "-".join(groups)
        if candidate not in world.dashboards:
            return candidate


# -- validation ------------------------------------------------------------------------------
def validate(body: Any) -> None:
    """Refuse what Datadog refuses: missing title/layout_type/widgets, >1 cross_org_uuids."""
    if not isinstance(body, dict):
        raise BadRequest("Invalid dashboard: the body must be a JSON object")
    title = body.get("title")
    if not isinstance(title, str) or not title:
        raise BadRequest("Invalid dashboard: 'title' is required and must be a non-empty string")
    if body.get("layout_type") not in LAYOUT_TYPES:
        raise BadRequest("Invalid dashboard: 'layout_type' must be one of 'ordered', 'free'")
    widgets = body.get("widgets")
    if not isinstance(widgets, list):
        raise BadRequest("Invalid dashboard: 'widgets' is required and must be a list")
    _validate_widgets(widgets, "widgets")


def _validate_widgets(widgets: list[Any], path: str) -> None:
    for index, widget in enumerate(widgets):
        where = f"{path}[{index}]"
        definition = widget.get("definition") if isinstance(widget, dict) else None
        if not isinstance(definition, dict) or not isinstance(definition.get("type"), str):
            raise BadRequest(f"Invalid widget {where}: 'definition' with a 'type' is required")
        if definition["type"] == "group":
            nested = definition.get("widgets")
            if not isinstance(nested, list):
                raise BadRequest(f"Invalid widget {where}: a group needs a 'widgets' list")
            _validate_widgets(nested, f"{where}.definition.widgets")
            continue
        validate_cross_org(definition, f"{where}.definition", f"widget {where}")


def validate_cross_org(value: Any, path: str, owner: str) -> None:
    """Each query reads at most one other org: `cross_org_uuids` holds at most one UUID.

    Shared with notebooks, whose graph cells hold the same widget definitions; `owner` names
    the widget or cell in the message ("widget widgets[0]").
    """
    if isinstance(value, list):
        for index, item in enumerate(value):
            validate_cross_org(item, f"{path}[{index}]", owner)
        return
    if not isinstance(value, dict):
        return
    if "cross_org_uuids" in value:
        uuids = value["cross_org_uuids"]
        name = value.get("name")
        query = f"query {name!r} at {path}" if isinstance(name, str) else f"query at {path}"
        if not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
            raise BadRequest(
                f"Invalid {owner}: {query}: 'cross_org_uuids' must be a list of org UUIDs"
            )
        if len(uuids) > 1:
            # Documented as a 400; the text is undocumented.
            raise BadRequest(
                f"Invalid {owner}: {query}: 'cross_org_uuids' accepts at most one "
                f"org UUID, got {len(uuids)}"
            )
    for key, item in value.items():
        validate_cross_org(item, f"{path}.{key}", owner)


# -- rendering -------------------------------------------------------------------------------
def _with_widget_ids(world: World, widgets: list[Any], keep: bool) -> list[dict[str, Any]]:
    """Copies of the widgets with an `id` last on each, nested group widgets included.

    Datadog assigns new ids on every create and update (`keep=False`); restoring a saved state
    keeps the ids it holds (`keep=True`).
    """
    result = []
    for widget in widgets:
        copied = {k: copy.deepcopy(v) for k, v in widget.items() if k != "id"}
        definition = copied["definition"]
        if definition.get("type") == "group":
            definition["widgets"] = _with_widget_ids(world, definition["widgets"], keep)
        old_id = widget.get("id")
        keep_id = keep and isinstance(old_id, int) and not isinstance(old_id, bool)
        copied["id"] = old_id if keep_id else world.rng.randrange(WIDGET_ID_LOW, WIDGET_ID_HIGH)
        result.append(copied)
    return result


def _document(
    world: World,
    body: dict[str, Any],
    *,
    dashboard_id: str,
    author: tuple[str, str | None],
    created_at: str,
    modified_at: str,
    keep_widget_ids: bool = False,
) -> dict[str, Any]:
    computed = {
        "id": dashboard_id,
        "author_handle": author[0],
        "author_name": author[1],
        "url": dashboard_url(dashboard_id, body["title"]),
        "widgets": _with_widget_ids(world, body["widgets"], keep_widget_ids),
        "created_at": created_at,
        "modified_at": modified_at,
    }
    document: dict[str, Any] = {}
    for key in ORDER:
        if key in computed:
            document[key] = computed[key]
        else:
            document[key] = copy.deepcopy(body.get(key, ECHOED_DEFAULTS.get(key)))
    for key, value in body.items():
        if key not in document and key not in SERVER_FIELDS:
            document[key] = copy.deepcopy(value)
    return document


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    summary = {key: document[key] for key in SUMMARY}
    summary["deleted_at"] = None
    return summary


def _author(user: User) -> tuple[str, str | None]:
    return user.handle, user.name


# -- operations ------------------------------------------------------------------------------
def _owned(world: World, key_pair: KeyPair, dashboard_id: str) -> Dashboard:
    dashboard = world.dashboards.get(dashboard_id)
    if dashboard is None or dashboard.org_uuid != key_pair.org_uuid:
        raise NotFound(f"Dashboard with ID {dashboard_id} not found")
    return dashboard


def create_dashboard(world: World, key_pair: KeyPair, body: Any) -> dict[str, Any]:
    require(key_pair, WRITE)
    validate(body)
    now = world.now()
    document = _document(
        world,
        body,
        dashboard_id=_new_dashboard_id(world),
        author=_author(world.users[key_pair.user_id]),
        created_at=now,
        modified_at=now,
    )
    world.dashboards[document["id"]] = Dashboard(document["id"], key_pair.org_uuid, document)
    return copy.deepcopy(document)


def get_dashboard(world: World, key_pair: KeyPair, dashboard_id: str) -> dict[str, Any]:
    require(key_pair, READ)
    return copy.deepcopy(_owned(world, key_pair, dashboard_id).document)


def update_dashboard(
    world: World, key_pair: KeyPair, dashboard_id: str, body: Any
) -> dict[str, Any]:
    """Full replacement: keeps id, author and created_at; new url, modified_at, widget ids."""
    require(key_pair, WRITE)
    old = _owned(world, key_pair, dashboard_id).document
    validate(body)
    document = _document(
        world,
        body,
        dashboard_id=dashboard_id,
        author=(old["author_handle"], old["author_name"]),
        created_at=old["created_at"],
        modified_at=world.now(),
    )
    world.dashboards[dashboard_id] = Dashboard(dashboard_id, key_pair.org_uuid, document)
    return copy.deepcopy(document)


def delete_dashboard(world: World, key_pair: KeyPair, dashboard_id: str) -> dict[str, Any]:
    require(key_pair, WRITE)
    _owned(world, key_pair, dashboard_id)
    del world.dashboards[dashboard_id]
    return {"deleted_dashboard_id": dashboard_id}


def paging_param(query: dict[str, str], name: str) -> int | None:
    """A `start`/`count` query parameter: absent is None, anything but digits a 400."""
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadRequest(f"Invalid query parameter '{name}': must be a non-negative integer")
    return int(raw)


def list_dashboards(world: World, key_pair: KeyPair, query: dict[str, str]) -> dict[str, Any]:
    """Summaries of this org's dashboards in creation order; `start`/`count` page them.

    Without `count` every dashboard is listed (Datadog documents no default page size). No
    emulated dashboard is shared or soft-deleted, so `filter[shared]=true` and
    `filter[deleted]=true` list nothing.
    """
    require(key_pair, READ)
    start = paging_param(query, "start") or 0
    count = paging_param(query, "count")
    if "true" in (query.get("filter[shared]"), query.get("filter[deleted]")):
        return {"dashboards": []}
    mine = [d.document for d in world.dashboards.values() if d.org_uuid == key_pair.org_uuid]
    page = mine[start:] if count is None else mine[start : start + count]
    return {"dashboards": [_summary(doc) for doc in page]}


def import_dashboard(world: World, org: Org, author: User, entry: dict[str, Any]) -> Dashboard:
    """A dashboard from a seed or saved state: keeps the server fields it has, computes the rest.

    `author` is the user the entry's `author_handle` names (the seed resolves it).
    """
    validate(entry)
    dashboard_id = entry.get("id") or _new_dashboard_id(world)
    created_at = entry.get("created_at") or world.now()
    document = _document(
        world,
        entry,
        dashboard_id=dashboard_id,
        author=(author.handle, entry.get("author_name", author.name)),
        created_at=created_at,
        modified_at=entry.get("modified_at") or created_at,
        keep_widget_ids=True,
    )
    return Dashboard(dashboard_id, org.uuid, document)
