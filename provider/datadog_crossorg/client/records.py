"""Typed records for what Datadog returns, built from its JSON in one place.

Field names are the API's own so code reads next to the Datadog docs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Connection:
    """One org connection: `source_org_id` shares `connection_types` (sorted) with `sink_org_id`.

    Names are None when Datadog did not send them (the PATCH response never does).
    """

    id: str
    source_org_id: str
    sink_org_id: str
    connection_types: tuple[str, ...]
    created_at: str
    source_org_name: str | None = None
    sink_org_name: str | None = None
    created_by_id: str | None = None
    created_by_name: str | None = None

    @classmethod
    def from_api(
        cls, obj: Mapping[str, Any], included: Iterable[Mapping[str, Any]] | None = None
    ) -> Connection:
        """Build from one `org_connection` object; names come from its relationships, else from
        the list response's `included` array of `orgs`/`users` objects."""
        names = {
            (item.get("type"), item.get("id")): (item.get("attributes") or {}).get("name")
            for item in included or ()
        }
        rels = obj.get("relationships") or {}

        def ref(rel: str) -> tuple[str | None, str | None]:
            data = (rels.get(rel) or {}).get("data") or {}
            key = (data.get("type"), data.get("id"))
            return data.get("id"), data.get("name") or names.get(key)

        attrs = obj.get("attributes") or {}
        source_id, source_name = ref("source_org")
        sink_id, sink_name = ref("sink_org")
        user_id, user_name = ref("created_by")
        return cls(
            id=obj["id"],
            source_org_id=source_id or "",
            sink_org_id=sink_id or "",
            connection_types=tuple(sorted(attrs.get("connection_types") or ())),
            created_at=attrs.get("created_at") or "",
            source_org_name=source_name,
            sink_org_name=sink_name,
            created_by_id=user_id,
            created_by_name=user_name,
        )


@dataclass(frozen=True)
class Org:
    """One org from `GET /api/v1/org`. For orgs created since 2025 `public_id` is the org UUID
    that connections and `cross_org_uuids` use; older orgs have a short public_id that is not."""

    public_id: str
    name: str
    description: str | None
    created: str

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> Org:
        return cls(
            public_id=obj["public_id"],
            name=obj.get("name") or "",
            description=obj.get("description"),
            created=obj.get("created") or "",
        )
