"""DatadogClient: the Datadog endpoints this project uses, as methods that return typed records.

Knows Datadog's paths and JSON; leaves the wire (retries, timeouts, errors) to `transport`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from datadog_crossorg.client.errors import Forbidden
from datadog_crossorg.client.records import (
    Binding,
    Connection,
    Org,
    Timeseries,
    TimeseriesQuery,
)
from datadog_crossorg.client.sites import resolve_base_url

if TYPE_CHECKING:
    from datadog_crossorg.client.transport import Transport

_CONNECTIONS = "/api/v2/org_connections"
_DASHBOARDS = "/api/v1/dashboard"
_NOTEBOOKS = "/api/v1/notebooks"
_POLICIES = "/api/v2/restriction_policy"
_TIMESERIES = "/api/v2/query/timeseries"


def connection_resource_id(connection_id: str) -> str:
    """The restriction-policy resource id of an org connection."""
    return f"cross-org-connection:{connection_id}"


class DatadogClient:
    """A Datadog API client for one key pair (so for one org: "this org" of every call).

    Thread-safe: one instance (one Session, `pool_size` pooled connections) may serve many
    threads. Every call is bounded by `deadline` seconds, retries and waits included; each attempt
    by (`connect_timeout`, `read_timeout`), the read part capped by the time left. `pause` spends
    each wait between attempts (`time.sleep`; a test records the waits instead). Failures raise
    the `DatadogError` tree; no message, log line or repr carries a key.
    """

    def __init__(
        self,
        api_key: str,
        app_key: str,
        site: str = "datadoghq.com",
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 30.0,
        deadline: float = 60.0,
        backoff_factor: float = 0.5,
        backoff_max: float = 8.0,
        pool_size: int = 32,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        from datadog_crossorg.client.transport import Transport  # requests: loaded on first use

        self.base_url = resolve_base_url(site)
        self._transport: Transport = Transport(
            self.base_url,
            api_key,
            app_key,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            deadline=deadline,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            pool_size=pool_size,
            pause=pause,
        )

    def __repr__(self) -> str:
        return f"DatadogClient(base_url={self.base_url!r})"

    def __enter__(self) -> DatadogClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections; the client must not be used afterwards."""
        self._transport.close()

    def validate(self) -> bool:
        """True if Datadog accepts the API key (`GET /api/v1/validate`), False if it refuses it."""
        try:
            body = self._transport.request("GET", "/api/v1/validate")
        except Forbidden:
            return False
        return bool(isinstance(body, dict) and body.get("valid"))

    # -- org connections ---------------------------------------------------------------------

    def list_connections(
        self,
        *,
        sink_org_id: str | None = None,
        source_org_id: str | None = None,
        page_size: int = 1000,
    ) -> list[Connection]:
        """Every connection this org takes part in (as source or sink), narrowed by the filters.

        Reads all pages (`limit`/`offset`). There is no GET by id: filter by sink and source.
        """
        filters = {"sink_org_id": sink_org_id, "source_org_id": source_org_id}
        params = {k: v for k, v in filters.items() if v}
        return [
            Connection.from_api(obj, body.get("included"))
            for body in self._pages(_CONNECTIONS, params, ("limit", "offset"), "data", page_size)
            for obj in body.get("data") or ()
        ]

    def create_connection(self, sink_org_id: str, connection_types: Sequence[str]) -> Connection:
        """Share `connection_types` of this org (the source) with `sink_org_id`.

        Never retried on 5xx or read errors: on `Unavailable(ambiguous=True)` look (list by
        sink) before creating again. 409 `Conflict` means a connection to that sink exists.
        """
        body = {
            "data": {
                "type": "org_connection",
                "attributes": {"connection_types": _types(connection_types)},
                "relationships": {"sink_org": {"data": {"type": "orgs", "id": sink_org_id}}},
            }
        }
        return Connection.from_api(
            self._transport.request("POST", _CONNECTIONS, json=body, key="data")
        )

    def update_connection(self, connection_id: str, connection_types: Sequence[str]) -> Connection:
        """Replace the connection's types (source org only). Datadog's answer has no names, so
        the returned record's names are None."""
        body = {
            "data": {
                "type": "org_connection",
                "id": connection_id,
                "attributes": {"connection_types": _types(connection_types)},
            }
        }
        path = _path(_CONNECTIONS, connection_id)
        return Connection.from_api(self._transport.request("PATCH", path, json=body, key="data"))

    def delete_connection(self, connection_id: str) -> None:
        """Delete the connection (from the source or the sink org); `NotFound` if already gone."""
        self._transport.request("DELETE", _path(_CONNECTIONS, connection_id))

    # -- orgs --------------------------------------------------------------------------------

    def list_orgs(self) -> list[Org]:
        """The orgs `GET /api/v1/org` shows these keys (needs `org_management`)."""
        orgs = self._transport.request("GET", "/api/v1/org", key="orgs")
        return [Org.from_api(obj) for obj in orgs or ()]

    # -- dashboards --------------------------------------------------------------------------

    def get_dashboard(self, dashboard_id: str) -> dict[str, Any]:
        return self._transport.request("GET", _path(_DASHBOARDS, dashboard_id))

    def create_dashboard(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """Create from a document with `title`, `layout_type`, `widgets`; returns Datadog's copy
        (with `id`, `url` and the other server-computed fields)."""
        return self._transport.request("POST", _DASHBOARDS, json=doc)

    def update_dashboard(self, dashboard_id: str, doc: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the whole dashboard (PUT); widget ids are reassigned by Datadog."""
        return self._transport.request("PUT", _path(_DASHBOARDS, dashboard_id), json=doc)

    def delete_dashboard(self, dashboard_id: str) -> None:
        self._transport.request("DELETE", _path(_DASHBOARDS, dashboard_id))

    def list_dashboards(self, *, page_size: int = 100) -> list[dict[str, Any]]:
        """Summaries (no widgets) of every dashboard of this org, all pages (`count`/`start`)."""
        return [
            summary
            for body in self._pages(_DASHBOARDS, {}, ("count", "start"), "dashboards", page_size)
            for summary in body.get("dashboards") or ()
        ]

    # -- notebooks ---------------------------------------------------------------------------
    # Datadog wraps a notebook in JSON:API's `data`; these methods take the whole request body
    # and return the `data` object (`id`, `type`, `attributes`): the notebook itself.

    def get_notebook(self, notebook_id: int) -> dict[str, Any]:
        return self._transport.request("GET", _path(_NOTEBOOKS, str(notebook_id)), key="data")

    def create_notebook(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create from `{"data": {"type": "notebooks", "attributes": {name, cells, time, ...}}}`;
        returns Datadog's copy (integer `id`, cell ids, author, `created`, `modified`)."""
        return self._transport.request("POST", _NOTEBOOKS, json=body, key="data")

    def update_notebook(self, notebook_id: int, body: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the whole notebook (PUT): cells carrying their `id` keep it, new cells get one,
        cells left out are deleted."""
        path = _path(_NOTEBOOKS, str(notebook_id))
        return self._transport.request("PUT", path, json=body, key="data")

    def delete_notebook(self, notebook_id: int) -> None:
        self._transport.request("DELETE", _path(_NOTEBOOKS, str(notebook_id)))

    def list_notebooks(
        self,
        *,
        query: str | None = None,
        include_cells: bool = True,
        page_size: int = 100,
    ) -> list[dict[str, Any]]:
        """Every notebook of this org (`query` narrows to names or author handles holding it),
        all pages (`count`/`start`). Pages are read oldest first (`created`, `asc`), so a
        notebook changed meanwhile cannot move into a page already read. `include_cells=False`
        leaves out each notebook's cells and global time."""
        params: dict[str, Any] = {"sort_field": "created", "sort_dir": "asc"}
        if query:
            params["query"] = query
        if not include_cells:
            params["include_cells"] = "false"
        return [
            notebook
            for body in self._pages(_NOTEBOOKS, params, ("count", "start"), "data", page_size)
            for notebook in body.get("data") or ()
        ]

    # -- restriction policies ----------------------------------------------------------------

    def get_restriction_policy(self, resource_id: str) -> list[Binding]:
        """The bindings of this org's policy on `resource_id` (`cross-org-connection:<id>`,
        `dashboard:<id>`); empty when none restricts it (everyone with the permission)."""
        data = self._transport.request("GET", _path(_POLICIES, resource_id), key="data")
        return _bindings(data)

    def set_restriction_policy(
        self,
        resource_id: str,
        bindings: Sequence[Binding],
        *,
        allow_self_lockout: bool = False,
    ) -> list[Binding]:
        """Replace the whole policy; returns what Datadog stored.

        Datadog refuses (`Invalid`) a policy that removes the caller's own edit access unless
        `allow_self_lockout`; an empty `bindings` list restricts nothing.
        """
        body = {
            "data": {
                "type": "restriction_policy",
                "id": resource_id,
                "attributes": {"bindings": [b.to_api() for b in bindings]},
            }
        }
        params = {"allow_self_lockout": "true"} if allow_self_lockout else None
        data = self._transport.request(
            "POST", _path(_POLICIES, resource_id), params=params, json=body, key="data"
        )
        return _bindings(data)

    def delete_restriction_policy(self, resource_id: str) -> None:
        """Remove the policy (204): everyone with the resource's permissions has access again."""
        self._transport.request("DELETE", _path(_POLICIES, resource_id))

    # -- timeseries --------------------------------------------------------------------------

    def query_timeseries(
        self,
        queries: Sequence[TimeseriesQuery],
        *,
        start_ms: int,
        end_ms: int,
        interval_ms: int | None = None,
        formulas: Sequence[str] = (),
    ) -> Timeseries:
        """Run `POST /api/v2/query/timeseries` over [start_ms, end_ms] (epoch milliseconds).

        A query with `cross_org_uuid` reads another org; Datadog answers only while a connection
        from that org to this one shares the query's data type (`Forbidden` otherwise).
        """
        attributes: dict[str, Any] = {
            "from": int(start_ms),
            "to": int(end_ms),
            "queries": [q.to_api() for q in queries],
        }
        if interval_ms is not None:
            attributes["interval"] = int(interval_ms)
        if formulas:
            attributes["formulas"] = [{"formula": f} for f in formulas]
        body = {"data": {"type": "timeseries_request", "attributes": attributes}}
        data = self._transport.request("POST", _TIMESERIES, json=body, key="data")
        return Timeseries.from_api((data or {}).get("attributes") or {})

    # -- helpers -----------------------------------------------------------------------------

    def _pages(
        self,
        path: str,
        params: Mapping[str, Any],
        names: tuple[str, str],
        items: str,
        page_size: int,
    ) -> Iterator[dict[str, Any]]:
        """GET every page: `names` are the (size, start) parameters, `items` the list's key.

        Stops at a short page, or when `meta.page.total_filtered_count` items have been seen.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        size_param, start_param = names
        seen = 0
        while True:
            query = {**params, size_param: page_size, start_param: seen}
            body = self._transport.request("GET", path, params=query)
            yield body
            count = len(body.get(items) or ())
            seen += count
            total = ((body.get("meta") or {}).get("page") or {}).get("total_filtered_count")
            if count < page_size or (total is not None and seen >= total):
                return


def _path(collection: str, object_id: str) -> str:
    """`collection/<id>` with the id quoted, so an odd id cannot reach another endpoint."""
    return f"{collection}/{quote(str(object_id), safe='')}"


def _bindings(data: Any) -> list[Binding]:
    attributes = (data or {}).get("attributes") or {}
    return [Binding.from_api(b) for b in attributes.get("bindings") or ()]


def _types(connection_types: Sequence[str]) -> list[str]:
    if isinstance(connection_types, str):
        raise TypeError(f"connection_types must be a sequence of strings, not {connection_types!r}")
    return list(connection_types)
