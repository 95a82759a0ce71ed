"""The only module of datadog_crossorg that knows HTTP: a Datadog API client.

    with DatadogClient(api_key, app_key, site="datadoghq.eu") as client:
        for conn in client.list_connections(sink_org_id=hub_uuid):
            ...

Layers, as in `requests`: `api` (endpoints -> records), `transport` (Session, retries, timeouts,
deadline, error mapping), `errors` (the exception tree), `records` (typed results), `sites`
(site name or URL -> base URL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from datadog_crossorg.client.errors import (
    Conflict,
    DatadogError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
)
from datadog_crossorg.client.records import Connection, Org
from datadog_crossorg.client.sites import SITES, resolve_base_url
from datadog_crossorg.data_sources import CONNECTION_TYPES, ConnectionTypes

if TYPE_CHECKING:
    from datadog_crossorg.client.api import DatadogClient


def __getattr__(name: str) -> Any:
    # DatadogClient brings requests and urllib3 (tens of ms): only code that makes calls pays
    # for them, never Check or Diff, which need only the errors and records above.
    if name == "DatadogClient":
        from datadog_crossorg.client.api import DatadogClient

        return DatadogClient
    raise AttributeError(f"module 'datadog_crossorg.client' has no attribute {name!r}")


__all__ = [
    "CONNECTION_TYPES",
    "SITES",
    "Conflict",
    "Connection",
    "ConnectionTypes",
    "DatadogClient",
    "DatadogError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Org",
    "RateLimited",
    "Unavailable",
    "resolve_base_url",
]
