"""Read `datadog-crossorg:dashboards` and `datadog-crossorg:notebooks` (the stack program's
dashboards and notebooks) with clear errors. Both take the same entries; a notebook's JSON is its
attributes (what `crossorg notebooks export` writes), inline under `notebook:`.

    datadog-crossorg:dashboards:
      - name: fleet-overview             # resource name (unique in the stack)
        file: dashboards/fleet.json      # a JSON file under stacks/ (e.g. from `crossorg dashboards
                                         # export`), or `dashboard:` with the document inline
        sink: hub                        # the dashboard's org: a UUID or a name from orgUuids
                                         # (default: the one sink all the stack's connections share)
        org: hub                         # optional key pair (datadog-crossorg:orgs.<org>) that
                                         # creates it; default: the datadog provider's keys

In `cross_org_uuids` a name from `datadog-crossorg:orgUuids` stands for its UUID, so inline
dashboards read as well as the connections do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datadog_crossorg.config import keys
from datadog_crossorg.config.stack_program import StackConfigError, config_entries, unique_name
from datadog_crossorg.dashboards.render import parse


@dataclass(frozen=True)
class DocumentDecl:
    """One dashboard or notebook the stack declares; `document` has org names already turned
    into UUIDs."""

    name: str
    document: dict[str, Any]
    sink_org_id: str | None = None
    org: str | None = None


def dashboard_specs(
    entries: Any, org_uuids: Mapping[str, str] | None, base_dir: str | Path
) -> list[DocumentDecl]:
    """`datadog-crossorg:dashboards` as declarations; `file` paths are relative to `base_dir`
    (stacks/)."""
    return _specs(keys.DASHBOARDS, "dashboard", entries, org_uuids, base_dir)


def notebook_specs(
    entries: Any, org_uuids: Mapping[str, str] | None, base_dir: str | Path
) -> list[DocumentDecl]:
    """`datadog-crossorg:notebooks` as declarations, read like the dashboards."""
    return _specs(keys.NOTEBOOKS, "notebook", entries, org_uuids, base_dir)


def _specs(
    key: str, kind: str, entries: Any, org_uuids: Mapping[str, str] | None, base_dir: str | Path
) -> list[DocumentDecl]:
    org_uuids = dict(org_uuids or {})
    seen: set[str] = set()
    decls = []
    allowed = {"name", "file", kind, "sink", "org"}
    walk = config_entries(key, entries, allowed, f"{{name, file or {kind}, sink, org}}")
    for where, entry in walk:
        name = unique_name(where, entry, seen, kind)
        where = f"{where} ({name})"
        document = _document(entry, where, Path(base_dir), kind)
        org = entry.get("org") or None
        sink = entry.get("sink") or (org if org in org_uuids else None)
        decls.append(
            DocumentDecl(
                name=name,
                document=_with_org_uuids(document, org_uuids),
                sink_org_id=org_uuids.get(sink, sink) if sink else None,
                org=org,
            )
        )
    return decls


def _document(entry: Mapping[str, Any], where: str, base_dir: Path, kind: str) -> dict[str, Any]:
    has_file, has_inline = "file" in entry, kind in entry
    if has_file == has_inline:
        raise StackConfigError(
            f"{where} needs exactly one of file (a JSON file under stacks/) or {kind} (inline)"
        )
    if has_inline:
        inline = entry[kind]
        if isinstance(inline, str):
            return _parsed(inline, f"{where}.{kind}")
        if not isinstance(inline, Mapping):
            raise StackConfigError(f"{where}.{kind} must be an object (the {kind} JSON)")
        return json.loads(json.dumps(inline))
    relative = entry["file"]
    if not isinstance(relative, str) or not relative:
        raise StackConfigError(f"{where}.file must be a path such as {kind}s/fleet.json")
    root = base_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise StackConfigError(
            f"{where}.file {relative!r} is outside {root}: keep it under stacks/"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StackConfigError(
            f"{where}.file {relative!r} cannot be read: {error.strerror}"
        ) from None
    return _parsed(text, f"{where}.file {relative!r}")


def _parsed(text: str, where: str) -> dict[str, Any]:
    try:
        return parse(text, where)
    except ValueError as error:
        raise StackConfigError(str(error)) from None


def _with_org_uuids(value: Any, org_uuids: Mapping[str, str]) -> Any:
    """Replace org names from orgUuids inside every `cross_org_uuids` list by their UUIDs."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key == "cross_org_uuids" and isinstance(item, list):
                result[key] = [org_uuids.get(u, u) if isinstance(u, str) else u for u in item]
            else:
                result[key] = _with_org_uuids(item, org_uuids)
        return result
    if isinstance(value, list):
        return [_with_org_uuids(item, org_uuids) for item in value]
    return value
