"""Plain-`requests` helpers for the emulator's wire tests (never our client: the emulator is
tested on its own reading of the API) and request bodies shared by rule and wire tests."""

from __future__ import annotations

from typing import Any

import requests

from datadog_crossorg.emulator import Emulator

CONNECTIONS = "/api/v2/org_connections"
DASHBOARDS = "/api/v1/dashboard"


class Api:
    """Requests to one emulator as one key pair (or with raw headers)."""

    def __init__(self, emu: Emulator, headers: dict[str, str]) -> None:
        self.emu = emu
        self.session = requests.Session()
        self.session.headers.update(headers)

    @classmethod
    def as_pair(cls, emu: Emulator, name: str) -> Api:
        keys = emu.keys(name)
        return cls(emu, {"DD-API-KEY": keys.api_key, "DD-APPLICATION-KEY": keys.app_key})

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.emu.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.session.close()


def connection_body(sink_uuid: str, types: list[str] | None = None) -> dict[str, Any]:
    return {
        "data": {
            "type": "org_connection",
            "attributes": {"connection_types": ["logs"] if types is None else types},
            "relationships": {"sink_org": {"data": {"type": "orgs", "id": sink_uuid}}},
        }
    }


def update_body(connection_id: str, types: list[str]) -> dict[str, Any]:
    return {
        "data": {
            "type": "org_connection",
            "id": connection_id,
            "attributes": {"connection_types": types},
        }
    }


def timeseries_widget(*cross_org_uuids: list[str] | None) -> dict[str, Any]:
    """One timeseries widget with one metrics query per argument (None = no cross_org_uuids)."""
    queries = []
    for index, uuids in enumerate(cross_org_uuids):
        query: dict[str, Any] = {
            "data_source": "metrics",
            "name": f"query{index + 1}",
            "query": "avg:system.cpu.user{*}",
        }
        if uuids is not None:
            query["cross_org_uuids"] = uuids
        queries.append(query)
    return {
        "definition": {
            "type": "timeseries",
            "requests": [{"response_format": "timeseries", "queries": queries}],
        }
    }


def dashboard_body(title: str = "CPU across orgs", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": title,
        "layout_type": "ordered",
        "widgets": [timeseries_widget(None)],
    }
    body.update(extra)
    return body
