"""HTTP translation only: routes -> Backend -> JSON, plus faults, rate limits and the request log.

HTTP/1.1 with keep-alive (clients reuse connections), `Content-Length` on every response, one
thread per connection. Loopback control endpoints under /_emulator/ (no auth, not logged, not
rate limited) let tests in other processes steer the emulator.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from datadog_crossorg.emulator.errors import ApiError, Forbidden, NotFound, TooManyRequests
from datadog_crossorg.emulator.faults import Fault, FaultPlan
from datadog_crossorg.emulator.model import KeyPair
from datadog_crossorg.emulator.ratelimit import RateLimiter, parse_limits
from datadog_crossorg.emulator.requestlog import NO_RESPONSE, RequestLog, RequestRecord
from datadog_crossorg.emulator.state import Backend


class _InvalidJson:
    """The body of a request whose JSON does not parse; every rule refuses it as malformed."""

    def __repr__(self) -> str:
        return "<invalid JSON>"


INVALID_JSON = _InvalidJson()


@dataclass(frozen=True)
class Call:
    """One API request as a rule sees it."""

    key_pair: KeyPair | None
    api_key: str | None
    params: dict[str, str]
    query: dict[str, str]
    body: Any


JSON = "application/json"
JSON_API = "application/vnd.api+json"  # recorded for /api/v2/query/timeseries


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    group: str  # rate-limit group
    handler: Callable[[Backend, Call], Any]
    needs_key_pair: bool = True  # False: the API key alone identifies the org
    status: int = 200  # of a success; 204 answers without a body
    content_type: str = JSON


def _route(
    method: str,
    path: str,
    group: str,
    handler: Callable[[Backend, Call], Any],
    status: int = 200,
    content_type: str = JSON,
) -> Route:
    pattern = re.compile("^" + path.replace("{id}", "(?P<id>[^/]+)") + "/?$")
    return Route(method, pattern, group, handler, status=status, content_type=content_type)


def _kp(call: Call) -> KeyPair:
    assert call.key_pair is not None
    return call.key_pair


CONNECTIONS, CONNECTION = "/api/v2/org_connections", "/api/v2/org_connections/{id}"
DASHBOARDS, DASHBOARD = "/api/v1/dashboard", "/api/v1/dashboard/{id}"
POLICY = "/api/v2/restriction_policy/{id}"
ROUTES = (
    Route(
        "GET",
        re.compile(r"^/api/v1/validate/?$"),
        "validate",
        lambda b, c: b.validate(c.api_key),
        needs_key_pair=False,
    ),
    _route("GET", "/api/v1/org", "org", lambda b, c: b.list_orgs(_kp(c))),
    _route("GET", CONNECTIONS, "org_connections", lambda b, c: b.list_connections(_kp(c), c.query)),
    _route(
        "POST", CONNECTIONS, "org_connections", lambda b, c: b.create_connection(_kp(c), c.body)
    ),
    _route(
        "PATCH",
        CONNECTION,
        "org_connections",
        lambda b, c: b.update_connection(_kp(c), c.params["id"], c.body),
    ),
    _route(
        "DELETE",
        CONNECTION,
        "org_connections",
        lambda b, c: b.delete_connection(_kp(c), c.params["id"]),
    ),
    _route("GET", DASHBOARDS, "dashboards", lambda b, c: b.list_dashboards(_kp(c), c.query)),
    _route("POST", DASHBOARDS, "dashboards", lambda b, c: b.create_dashboard(_kp(c), c.body)),
    _route("GET", DASHBOARD, "dashboards", lambda b, c: b.get_dashboard(_kp(c), c.params["id"])),
    _route(
        "PUT",
        DASHBOARD,
        "dashboards",
        lambda b, c: b.update_dashboard(_kp(c), c.params["id"], c.body),
    ),
    _route(
        "DELETE", DASHBOARD, "dashboards", lambda b, c: b.delete_dashboard(_kp(c), c.params["id"])
    ),
    _route(
        "GET",
        POLICY,
        "restriction_policy",
        lambda b, c: b.get_restriction_policy(_kp(c), c.params["id"]),
    ),
    _route(
        "POST",
        POLICY,
        "restriction_policy",
        lambda b, c: b.replace_restriction_policy(_kp(c), c.params["id"], c.body, c.query),
    ),
    _route(
        "DELETE",
        POLICY,
        "restriction_policy",
        lambda b, c: b.delete_restriction_policy(_kp(c), c.params["id"]),
        status=204,
    ),
    _route(
        "POST",
        "/api/v2/query/timeseries",
        "query_timeseries",
        lambda b, c: b.query_timeseries(_kp(c), c.body),
        content_type=JSON_API,
    ),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in ROUTES:
        found = route.pattern.match(path) if route.method == method else None
        if found:
            return route, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


@dataclass(frozen=True)
class Context:
    """Everything a request may touch; the Emulator owns one and so does its server."""

    backend: Backend
    faults: FaultPlan
    limiter: RateLimiter
    log: RequestLog

    def reset(self) -> None:
        """Back to the seed; no faults, no logged requests, fresh rate-limit counters."""
        self.backend.reset()
        self.faults.clear()
        self.log.clear()
        self.limiter.reset()


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # None with status 204: no body at all
    headers: dict[str, str]
    content_type: str = JSON


class _Drop(Exception):
    """Close the connection without any response."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "datadog-crossorg-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log is the record, and headers carry keys."""

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body = self._read_body()
        try:
            if path.startswith("/_emulator/"):
                reply = self._control(self.command, path, body)
            else:
                reply = self._api(self.command, path, query, body)
        except _Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        except Exception:  # a bug in the emulator: say so on stderr, answer like Datadog would
            traceback.print_exc()
            reply = Reply(500, {"errors": ["Internal Server Error"]}, {})
        self._send(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    # -- API -------------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        context = self.server.context
        api_key = self.headers.get("DD-API-KEY")
        app_key = self.headers.get("DD-APPLICATION-KEY")
        pair_name, org_uuid = context.backend.identify(api_key, app_key)

        def record(status: int) -> None:
            context.log.append(RequestRecord(method, path, query, status, pair_name, org_uuid))

        found = match(method, path)
        if found is None:
            reply = Reply(404, NotFound().body(), {})
            record(reply.status)
            return reply
        route, params = found
        fault = context.faults.take(method, path, pair_name)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "drop":
            record(NO_RESPONSE)
            raise _Drop()
        if fault is not None and fault.kind == "status":
            headers = context.limiter.exhausted_headers(route.group) if fault.status == 429 else {}
            reply = Reply(fault.status, fault.response_body(), headers)
        else:
            reply = self._apply(route, Call(None, api_key, params, query, body), app_key)
            if fault is not None and fault.kind == "commit_then_drop":
                record(NO_RESPONSE)
                raise _Drop()
            if fault is not None and fault.kind == "commit_then_status":
                reply = Reply(fault.status, fault.response_body(), reply.headers)
        record(reply.status)
        return reply

    def _apply(self, route: Route, call: Call, app_key: str | None) -> Reply:
        """Authenticate, count against the rate limit, run the rule; errors become replies."""
        context = self.server.context
        headers: dict[str, str] = {}
        try:
            if route.needs_key_pair:
                key_pair = context.backend.authenticate(call.api_key, app_key)
                org_uuid = key_pair.org_uuid
                call = Call(key_pair, call.api_key, call.params, call.query, call.body)
            else:
                _, org_uuid = context.backend.identify(call.api_key, None)
                if org_uuid is None:
                    raise Forbidden()
            verdict = context.limiter.hit(org_uuid, route.group)
            headers = verdict.headers
            if not verdict.allowed:
                raise TooManyRequests()
            body = route.handler(context.backend, call)
            return Reply(route.status, body, headers, route.content_type)
        except ApiError as error:
            return Reply(error.status, error.body(), headers)

    # -- control ---------------------------------------------------------------------------
    def _control(self, method: str, path: str, body: Any) -> Reply:
        try:
            return Reply(200, self._control_op(method, path, body), {})
        except KeyError as error:
            return Reply(404, {"errors": [str(error.args[0]) if error.args else "Not found"]}, {})
        except (ValueError, TypeError) as error:
            return Reply(400, {"errors": [str(error)]}, {})

    def _control_op(self, method: str, path: str, body: Any) -> Any:
        context = self.server.context
        op = (method, path.rstrip("/"))
        if op == ("POST", "/_emulator/faults"):
            specs = body.get("faults") if isinstance(body, dict) else None
            if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
                raise ValueError('expected {"faults": [{"kind": ...}, ...]}')
            for fault in [Fault.from_dict(spec) for spec in specs]:
                context.faults.add(fault)
            return {"faults": context.faults.armed()}
        if op == ("GET", "/_emulator/faults"):
            return {"faults": context.faults.armed()}
        if op == ("DELETE", "/_emulator/faults"):
            context.faults.clear()
            return {}
        if op == ("GET", "/_emulator/requests"):
            return {"requests": [r.to_dict() for r in context.log.records()]}
        if op == ("DELETE", "/_emulator/requests"):
            context.log.clear()
            return {}
        if op == ("POST", "/_emulator/reset"):
            context.reset()
            return {}
        if op == ("PUT", "/_emulator/rate_limits"):
            if not isinstance(body, dict):
                raise ValueError('expected {"<group>": {"limit": N, "period": S}}')
            for name, limit in parse_limits(body).items():
                context.limiter.configure(name, limit)
            return _limits_body(context.limiter)
        if op == ("GET", "/_emulator/rate_limits"):
            return _limits_body(context.limiter)
        if op == ("GET", "/_emulator/state"):
            return context.backend.snapshot()
        deactivate = re.fullmatch(r"/_emulator/users/([^/]+)/deactivate", op[1])
        if method == "POST" and deactivate:
            revoke = bool(body.get("revoke_keys")) if isinstance(body, dict) else False
            gone = context.backend.deactivate_user(unquote(deactivate[1]), revoke_keys=revoke)
            return {"deleted_connections": gone}
        raise KeyError(f"no control endpoint {method} {path}")

    # -- bytes -----------------------------------------------------------------------------
    def _read_body(self) -> Any:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raw = self._read_chunked()
        else:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return INVALID_JSON

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers, then the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, reply: Reply) -> None:
        no_body = reply.status == 204
        payload = b"" if no_body else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if not no_body:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def _limits_body(limiter: RateLimiter) -> dict[str, Any]:
    return {
        "rate_limits": {
            name: {"limit": r.limit, "period": r.period} for name, r in limiter.limits.items()
        }
    }


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Binds only the given (loopback) host; closes live keep-alive connections on shutdown."""

    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 drops SYNs when an engine opens 16+ connections at
    # once; each dropped SYN stalls its client a second.
    request_queue_size = 128

    def __init__(self, host: str, port: int, context: Context) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.context = context
        self._live: set[socket.socket] = set()
        self._live_lock = threading.Lock()
        super().__init__((host, port), Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request is normal here (drop faults, stop()); be quiet."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def track(self, connection: socket.socket) -> None:
        with self._live_lock:
            self._live.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._live_lock:
            self._live.discard(connection)

    def close_live_connections(self) -> None:
        with self._live_lock:
            live, self._live = list(self._live), set()
        for connection in live:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
