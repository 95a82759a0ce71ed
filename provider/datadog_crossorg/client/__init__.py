"""The only module of datadog_crossorg that knows HTTP: a Datadog API client.

    with DatadogClient(api_key, app_key, site="datadoghq.eu") as client:
        for conn in client.list_connections(sink_org_id=hub_uuid):
            ...

Layers, as in `requests`: `api` (endpoints -> records), `transport` (Session, retries, timeouts,
deadline, error mapping), `errors` (the exception tree), `records` (typed results), `sites`
(site name or URL -> base URL).
"""

from __future__ import annotations

from datadog_crossorg.client.api import CONNECTION_TYPES, DatadogClient
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

__all__ = [
    "CONNECTION_TYPES",
    "SITES",
    "Conflict",
    "Connection",
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
