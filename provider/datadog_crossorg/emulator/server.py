"""HTTP translation only: routes -> Backend -> JSON, plus faults, rate limits and the request log.

HTTP/1.1 with keep-alive (clients reuse connections), `Content-Length` on every response, one
thread per connection. Loopback control endpoints under /_emulator/ (no auth, not logged, not
rate limited) let tests in other processes steer the emulator.

A request that cannot be read as one (bad framing, a body over the size limit, bytes that stop
coming) gets a JSON answer like every other (400, 413, 408) and the connection closes: its
framing can no longer be trusted. Every read of a request ends by its deadline, so a slow or
broken client holds its own thread for at most the request timeout and never anyone else's.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from datadog_crossorg.emulator.errors import (
    ApiError,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    TooManyRequests,
    UriTooLong,
)
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
NOTEBOOKS, NOTEBOOK = "/api/v1/notebooks", "/api/v1/notebooks/{id}"
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
    _route("GET", NOTEBOOKS, "notebooks", lambda b, c: b.list_notebooks(_kp(c), c.query)),
    _route("POST", NOTEBOOKS, "notebooks", lambda b, c: b.create_notebook(_kp(c), c.body)),
    _route("GET", NOTEBOOK, "notebooks", lambda b, c: b.get_notebook(_kp(c), c.params["id"])),
    _route(
        "PUT",
        NOTEBOOK,
        "notebooks",
        lambda b, c: b.update_notebook(_kp(c), c.params["id"], c.body),
    ),
    _route(
        "DELETE",
        NOTEBOOK,
        "notebooks",
        lambda b, c: b.delete_notebook(_kp(c), c.params["id"]),
        status=204,
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


API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
KEY_PARAMS = ("api_key", "application_key")  # query-string keys, as Datadog's API pages show


def allowed_methods(path: str) -> tuple[str, ...]:
    """The methods some route serves at `path` (all of them for a path no route knows)."""
    served = tuple(m for m in API_METHODS if match(m, path) is not None)
    return served or API_METHODS


@dataclass(frozen=True)
class WireLimits:
    """How long and how large a request may be.

    `request_timeout` runs from a request's first byte to its last; `idle_timeout` is how long
    a kept-alive connection may wait for its next request (nginx's default keep-alive timeout)
    before it is closed without a word. `max_body` is the largest body Datadog documents for its
    intake APIs (5 MB for logs); `max_json_depth` bounds nesting far above any real dashboard,
    so no rule recurses into a pathological document.
    """

    request_timeout: float = 10.0
    idle_timeout: float = 75.0
    max_body: int = 5 * 1024 * 1024
    max_json_depth: int = 64

    def __post_init__(self) -> None:
        if not (self.request_timeout > 0 and self.idle_timeout > 0):
            raise ValueError("timeouts must be positive (seconds)")
        if self.max_body < 0 or self.max_json_depth < 1:
            raise ValueError("max_body must be >= 0 and max_json_depth >= 1")


@dataclass(frozen=True)
class Context:
    """Everything a request may touch; the Emulator owns one and so does its server."""

    backend: Backend
    faults: FaultPlan
    limiter: RateLimiter
    log: RequestLog
    wire: WireLimits = field(default_factory=WireLimits)

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
    """Close the connection without any response, or after the first bytes of `partial`."""

    def __init__(self, partial: Reply | None = None) -> None:
        super().__init__()
        self.partial = partial


LINGER = 2.0  # seconds to read what a refused client still sends before closing
MAX_BLANK_LINES = 8  # empty lines tolerated before a request line (RFC 9112 2.2)
MAX_LINE = 65536  # request line, header, chunk-size and trailer lines
MAX_TRAILERS = 100


class _DeadlineReader:
    """The connection's rfile, every read of a request bounded by that request's deadline.

    A socket timeout alone restarts with every byte, so a client trickling one byte a second
    would never time out; here each read waits only for what is left until the deadline.
    """

    def __init__(self, buffered: io.BufferedReader, sock: socket.socket) -> None:
        self._buffered = buffered
        self._sock = sock
        self.deadline = 0.0

    def wait_for_request(self, idle_timeout: float) -> bool:
        """Wait for the first byte of the next request; False when the client closed or idled."""
        self._sock.settimeout(idle_timeout)
        try:
            return bool(self._buffered.peek(1))
        except OSError:  # timed out, or reset
            return False

    def _available(self) -> bytes:
        """Buffered bytes; when there are none, one read from the socket until the deadline."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout()
        self._sock.settimeout(left)
        try:
            return self._buffered.peek(1)
        except TimeoutError:
            raise RequestTimeout() from None

    def readline(self, limit: int = -1) -> bytes:
        line = bytearray()
        while limit < 0 or len(line) < limit:
            available = self._available()
            if not available:
                break
            room = len(available) if limit < 0 else min(len(available), limit - len(line))
            end = available.find(b"\n", 0, room)
            line += self._buffered.read(room if end < 0 else end + 1)
            if end >= 0:
                break
        return bytes(line)

    def read(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            available = self._available()
            if not available:
                break
            data += self._buffered.read(min(len(available), size - len(data)))
        return bytes(data)

    @property
    def closed(self) -> bool:
        return self._buffered.closed

    def close(self) -> None:
        self._buffered.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "datadog-crossorg-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer
    rfile: Any  # a _DeadlineReader once set up

    def setup(self) -> None:
        super().setup()
        self.rfile = _DeadlineReader(self.rfile, self.connection)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request log is the record, and headers carry keys."""

    # -- one request -----------------------------------------------------------------------
    def handle_one_request(self) -> None:
        """Read one request within the deadline and answer it; a request that cannot be read
        is answered too (JSON, like every answer) and ends the connection."""
        wire = self.server.context.wire
        self.close_connection = True
        self.command, self.requestline, self.request_version = "", "", "HTTP/1.1"
        try:
            if not self.rfile.wait_for_request(wire.idle_timeout):
                return
            self.rfile.deadline = time.monotonic() + wire.request_timeout
            try:
                if not self._read_request_line() or not self.parse_request():
                    return
                raw = self._read_body()
                target = urlsplit(self.path)
            except ApiError as error:
                self._refuse(error)
                return
            except ValueError:  # urlsplit: a request target that is no URL at all
                self._refuse(BadRequest("Bad Request: malformed request target"))
                return
            self.connection.settimeout(wire.request_timeout)  # for writing the answer
            self._dispatch(target.path, target.query, raw)
            self.wfile.flush()
        except OSError:  # the client went away, or stopped reading the answer
            self.close_connection = True

    def _read_request_line(self) -> bool:
        """The request line, after at most a few empty lines; False when the client is gone."""
        line = b""
        for _ in range(MAX_BLANK_LINES + 1):
            line = self.rfile.readline(MAX_LINE + 1)
            if line not in (b"\r\n", b"\n"):
                break
        self.raw_requestline = line
        if not line:
            return False
        if len(line) > MAX_LINE:
            raise UriTooLong()
        if not line.endswith(b"\n"):
            raise BadRequest("Bad Request: the request line ended before its end of line")
        if len(line.split()) != 3:  # no HTTP/0.9 requests: method, target and version
            raise BadRequest("Bad Request: malformed request line")
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """parse_request's refusals (bad version, header lines too long or too many), as JSON."""
        refusal = ApiError(message or HTTPStatus(code).phrase)
        refusal.status = code
        self._refuse(refusal)

    def _refuse(self, error: ApiError) -> None:
        """Answer a request that could not be read, then close (after letting the client finish
        sending, so that closing with unread bytes does not reset the answer away)."""
        self.close_connection = True
        if not self.request_version.startswith("HTTP/1."):
            self.request_version = "HTTP/1.1"  # no HTTP/0.9 answers: always a status line
        with contextlib.suppress(OSError):
            self.connection.settimeout(self.server.context.wire.request_timeout)
            self._send(Reply(error.status, error.body(), {"Connection": "close"}))
            self.wfile.flush()
            self._linger()

    def _linger(self) -> None:
        self.connection.shutdown(socket.SHUT_WR)
        end = time.monotonic() + min(LINGER, self.server.context.wire.request_timeout)
        while (left := end - time.monotonic()) > 0:
            self.connection.settimeout(left)
            if not self.connection.recv(65536):
                return

    def _dispatch(self, path: str, query_text: str, raw: bytes) -> None:
        query = dict(parse_qsl(query_text, keep_blank_values=True))
        body = parse_json(raw, self.server.context.wire.max_json_depth)
        try:
            if path.startswith("/_emulator/"):
                reply = self._control(self.command, path, body)
            else:
                reply = self._api(self.command, path, query, body)
        except _Drop as drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                if drop.partial is not None:
                    self._send_broken(drop.partial)
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        except Exception:  # a bug in the emulator: say so on stderr, answer like Datadog would
            traceback.print_exc()
            reply = Reply(500, {"errors": ["Internal Server Error"]}, {})
        self._send(reply)

    # -- API -------------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        self.server.context.log.begin()
        try:
            return self._answer(method, path, query, body)
        finally:
            self.server.context.log.end()

    def _answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Reply:
        context = self.server.context
        # Keys come in headers, or in the query string as Datadog's API pages show them; they
        # never reach a rule or the request log.
        api_key = self.headers.get("DD-API-KEY") or query.get("api_key")
        app_key = self.headers.get("DD-APPLICATION-KEY") or query.get("application_key")
        query = {name: value for name, value in query.items() if name not in KEY_PARAMS}
        pair_name, org_uuid = context.backend.identify(api_key, app_key)

        def record(status: int) -> None:
            context.log.append(RequestRecord(method, path, query, status, pair_name, org_uuid))

        if method not in API_METHODS:
            reply = _error_reply(MethodNotAllowed(allowed_methods(path)))
            record(reply.status)
            return reply
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
            raise _Drop(self._partial(fault, api_key, app_key))
        if fault is not None and fault.kind == "status":
            headers = context.limiter.exhausted_headers(route.group) if fault.status == 429 else {}
            body = fault.response_body(api_key, app_key)
            reply = Reply(fault.status, body, fault.response_headers(headers))
        else:
            reply = self._apply(route, Call(None, api_key, params, query, body), app_key)
            if fault is not None and fault.kind == "commit_then_drop":
                record(NO_RESPONSE)
                raise _Drop(self._partial(fault, api_key, app_key))
            if fault is not None and fault.kind == "commit_then_status":
                body = fault.response_body(api_key, app_key)
                reply = Reply(fault.status, body, fault.response_headers(reply.headers))
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
        if method not in API_METHODS:
            return _error_reply(MethodNotAllowed(("GET", "POST", "PUT", "DELETE")))
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
    def _read_body(self) -> bytes:
        """The body as framed by Transfer-Encoding or Content-Length, within the size limit."""
        limit = self.server.context.wire.max_body
        codings = _tokens(self.headers.get_all("Transfer-Encoding") or [])
        if codings:
            if codings != ["chunked"]:
                raise BadRequest("Bad Request: only the chunked Transfer-Encoding is supported")
            return self._read_chunked(limit)
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if not lengths:
            return b""
        text = lengths.pop()
        if lengths or not re.fullmatch(r"[0-9]+", text):
            raise BadRequest("Bad Request: invalid Content-Length")
        text = text.lstrip("0") or "0"
        if len(text) > 15 or int(text) > limit:
            raise PayloadTooLarge(limit)
        length = int(text)
        raw = self.rfile.read(length)
        if len(raw) < length:
            raise BadRequest("Bad Request: the body ended before its Content-Length")
        return raw

    def _read_chunked(self, limit: int) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            size_text = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not re.fullmatch(rb"[0-9A-Fa-f]{1,15}", size_text):
                raise BadRequest("Bad Request: invalid chunk size")
            size = int(size_text, 16)
            if size == 0:
                break
            if len(body) + size > limit:
                raise PayloadTooLarge(limit)
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise BadRequest("Bad Request: the body ended inside a chunk")
            body += chunk
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest("Bad Request: a chunk is longer than its size")
        for _ in range(MAX_TRAILERS):  # trailers, then the empty line
            line = self.rfile.readline(MAX_LINE + 1)
            if not line.endswith(b"\n"):
                raise BadRequest("Bad Request: the body ended inside its trailers")
            if not line.strip():
                return bytes(body)
        raise BadRequest("Bad Request: too many trailer lines")

    def _partial(self, fault: Fault, api_key: str | None, app_key: str | None) -> Reply | None:
        """What a dropping fault sends before it closes: nothing, or an echoing answer's start."""
        if not fault.echo_keys:
            return None
        return Reply(fault.status, fault.response_body(api_key, app_key), fault.headers or {})

    def _send_broken(self, reply: Reply) -> None:
        """The start of a chunked answer whose first chunk-size line is the body itself: what a
        client reads from a server that breaks down mid-answer (its parser quotes the line)."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(json.dumps(reply.body).encode() + b"\r\n")
        self.wfile.flush()

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
        if self.command != "HEAD":  # a HEAD answer says the length of a body it does not send
            self.wfile.write(payload)


def _error_reply(error: ApiError) -> Reply:
    headers = {"Allow": ", ".join(error.allow)} if isinstance(error, MethodNotAllowed) else {}
    return Reply(error.status, error.body(), headers)


def _tokens(values: Iterable[str]) -> list[str]:
    return [t.strip().lower() for value in values for t in value.split(",") if t.strip()]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes, max_depth: int) -> Any:
    """A request body as JSON: None when empty, INVALID_JSON when it is not strict JSON (NaN and
    Infinity are not) or nests deeper than `max_depth`; the rules refuse INVALID_JSON as
    malformed, each with its own 400."""
    if not raw.strip():
        return None
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return INVALID_JSON
    return value if _nests_within(value, max_depth) else INVALID_JSON


def _nests_within(value: Any, max_depth: int) -> bool:
    """Iterative, so checking a deep document cannot itself overflow the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


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
