"""Typed records for what Datadog returns, built from its JSON in one place.

Field names are the API's own so code reads next to the Datadog docs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from datadog_crossorg.data_sources import ConnectionTypes


@dataclass(frozen=True)
class Connection:
    """One org connection: `source_org_id` shares `connection_types` with `sink_org_id`.

    Names are None when Datadog did not send them (the PATCH response never does).
    """

    id: str
    source_org_id: str
    sink_org_id: str
    connection_types: ConnectionTypes
    created_at: str
    source_org_name: str | None = None
    sink_org_name: str | None = None
    created_by_id: str | None = None
    created_by_name: str | None = None
    # Who created it, from the listing's `included` entry (None when Datadog sent none: a
    # create or PATCH answer). Not compared: a record's identity is the connection's.
    creator: Creator | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "connection_types", ConnectionTypes(self.connection_types))

    @classmethod
    def from_api(
        cls, obj: Mapping[str, Any], included: Iterable[Mapping[str, Any]] | None = None
    ) -> Connection:
        """Build from one `org_connection` object; names come from its relationships, else from
        the list response's `included` array of `orgs`/`users` objects."""
        entries = {(item.get("type"), item.get("id")): item for item in included or ()}
        names = {key: (item.get("attributes") or {}).get("name") for key, item in entries.items()}
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
            connection_types=ConnectionTypes(attrs.get("connection_types") or ()),
            created_at=attrs.get("created_at") or "",
            source_org_name=source_name,
            sink_org_name=sink_name,
            created_by_id=user_id,
            created_by_name=user_name,
            creator=Creator.from_included(entries.get(("users", user_id))),
        )


@dataclass(frozen=True)
class Creator:
    """The user who created a connection, as a listing's `included` entry describes them: a
    person or a service account, and whether Datadog has disabled them. Datadog deletes the
    connections a user created when the user is deactivated, so this is what says whether a
    connection outlives a person (read at no extra call)."""

    id: str
    name: str | None
    handle: str | None
    email: str | None
    service_account: bool
    disabled: bool
    status: str | None

    @classmethod
    def from_included(cls, entry: Mapping[str, Any] | None) -> Creator | None:
        if not entry or not entry.get("id"):
            return None
        attrs = entry.get("attributes") or {}
        return cls(
            id=str(entry["id"]),
            name=attrs.get("name"),
            handle=attrs.get("handle"),
            email=attrs.get("email"),
            service_account=bool(attrs.get("service_account")),
            disabled=bool(attrs.get("disabled")) or attrs.get("status") == "Disabled",
            status=attrs.get("status"),
        )

    @property
    def label(self) -> str:
        """`Pat Payments (pat@acme.example)`: what a report calls them."""
        if self.name and self.handle and self.name != self.handle:
            return f"{self.name} ({self.handle})"
        return self.name or self.handle or self.id


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


@dataclass(frozen=True)
class Binding:
    """One binding of a restriction policy: `relation` (viewer, editor) granted to `principals`
    (`role:<id>`, `team:<id>`, `user:<id>`, `org:<uuid>`), in Datadog's order."""

    relation: str
    principals: tuple[str, ...]

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> Binding:
        return cls(str(obj.get("relation") or ""), tuple(obj.get("principals") or ()))

    def to_api(self) -> dict[str, Any]:
        return {"relation": self.relation, "principals": list(self.principals)}


@dataclass(frozen=True)
class TimeseriesQuery:
    """One query of `POST /api/v2/query/timeseries`, named for formulas.

    `data_source` "metrics" takes a metric `query` (`avg:system.cpu.user{*}`); event sources
    ("logs", "audit") take a search `query` ("" = everything) counted by `aggregation`.
    `cross_org_uuid` reads another org through an org connection (Datadog allows one).
    """

    name: str
    data_source: str
    query: str = ""
    cross_org_uuid: str | None = None
    aggregation: str = "count"

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"data_source": self.data_source, "name": self.name}
        if self.data_source == "metrics":
            body["query"] = self.query
        else:
            body["compute"] = {"aggregation": self.aggregation}
            body["search"] = {"query": self.query}
        if self.cross_org_uuid:
            body["cross_org_uuids"] = [self.cross_org_uuid]
        return body


@dataclass(frozen=True)
class Series:
    """One series of a timeseries answer: the formula's (or query's) index and its values,
    aligned with `Timeseries.times` (None where there is no point)."""

    query_index: int
    values: tuple[float | None, ...]
    unit: Any = None
    group_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Timeseries:
    """A timeseries answer: one `times` list (epoch ms) shared by every series."""

    times: tuple[int, ...]
    series: tuple[Series, ...]

    @classmethod
    def from_api(cls, attributes: Mapping[str, Any]) -> Timeseries:
        values = attributes.get("values") or []
        series = attributes.get("series") or []
        return cls(
            times=tuple(int(t) for t in attributes.get("times") or ()),
            series=tuple(
                Series(
                    query_index=int(meta.get("query_index") or 0),
                    values=tuple(values[index]) if index < len(values) else (),
                    unit=meta.get("unit"),
                    group_tags=tuple(meta.get("group_tags") or ()),
                )
                for index, meta in enumerate(series)
            ),
        )

    @property
    def point_count(self) -> int:
        """How many non-null values all series hold together: 0 means no data."""
        return sum(v is not None for s in self.series for v in s.values)
