"""Plain-`requests` helpers for the emulator's wire tests (never our client: the emulator is
tested on its own reading of the API) and request bodies shared by rule and wire tests."""

from __future__ import annotations

import http.client
import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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


def timeseries_body(**attributes: Any) -> dict[str, Any]:
    """A POST /api/v2/query/timeseries body over one metrics query; `attributes` override."""
    return {
        "data": {
            "type": "timeseries_request",
            "attributes": {
                "from": 1_700_000_000_000,
                "to": 1_700_003_600_000,
                "queries": [{"data_source": "metrics", "name": "a", "query": "avg:x{*}"}],
            }
            | attributes,
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


@dataclass(frozen=True)
class RawAnswer:
    """What came back on a raw socket: a parsed response, or why there was none."""

    status: int | None  # None: no response (closed, reset or timed out); `error` says which
    headers: dict[str, str]  # names lowercased
    body: bytes
    seconds: float  # from the last byte sent to the end of the response
    error: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)


def raw_exchange(
    emu: Emulator,
    data: bytes,
    *,
    method: str = "GET",
    timeout: float = 5.0,
    half_close: bool = False,
) -> RawAnswer:
    """Send `data` as is on a new loopback connection and read one response (`method` tells
    the parser whether a body follows, as for HEAD); `half_close` then says "no more bytes"."""
    split = urlsplit(emu.url)
    assert split.hostname is not None and split.port is not None
    with socket.create_connection((split.hostname, split.port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError as error:  # the server answered and closed before reading it all
            return _read_answer(sock, method, time.monotonic(), f"send: {error!r}")
        return _read_answer(sock, method, time.monotonic(), None)


def _read_answer(sock: socket.socket, method: str, sent: float, error: str | None) -> RawAnswer:
    response = http.client.HTTPResponse(sock, method=method)
    try:
        response.begin()
        body = response.read()
    except (OSError, http.client.HTTPException) as failure:
        reason = f"{error}; " if error else ""
        return RawAnswer(None, {}, b"", time.monotonic() - sent, f"{reason}{failure!r}")
    headers = {name.lower(): value for name, value in response.getheaders()}
    return RawAnswer(response.status, headers, body, time.monotonic() - sent, error)


def raw_request(
    emu: Emulator,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    key_pair: str | None = "hub",
    timeout: float = 5.0,
) -> RawAnswer:
    """One request written by hand: `headers` go out exactly as given (no Content-Length is
    added), preceded by the key pair's headers unless `key_pair` is None."""
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    if key_pair is not None:
        keys = emu.keys(key_pair)
        lines += [f"DD-API-KEY: {keys.api_key}", f"DD-APPLICATION-KEY: {keys.app_key}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return raw_exchange(emu, head + body, method=method, timeout=timeout)


def with_length(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "Content-Length": str(len(body))}
