"""HTTP transport: one `requests.Session` with auth, timeouts, retries, deadline and error mapping.

Everything about the wire lives here, as in `requests` itself: callers hand in a method, a path
and JSON, and get JSON back or a typed `DatadogError`.

Retries are urllib3's (`_DatadogRetry`, mounted through `HTTPAdapter(max_retries=...)`):
- 429 for every method (Datadog did not apply it), waiting `X-RateLimit-Reset` (else
  `Retry-After`) plus jitter, or one backoff step when neither header came;
- 500/502/503/504 and read errors for GET, PUT, PATCH, DELETE, never POST: a create that failed
  ambiguously must not be repeated blindly; the caller looks first;
- connect errors for every method (nothing was sent);
- never past the call's deadline: a wait that would cross it ends the call at once.
The deadline reaches urllib3 through a ContextVar set around `session.request` (urllib3 runs in
the caller's thread), and caps each attempt's timeouts through `_DeadlineTimeout`.
"""

from __future__ import annotations

import contextvars
import http.cookiejar
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.util import Retry, Timeout

from datadog_crossorg.client.errors import (
    DatadogError,
    Unavailable,
    error_for_status,
    failure_message,
)
from datadog_crossorg.client.pacing import pacer_for

log = logging.getLogger("datadog_crossorg.client")

RETRY_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
RATE_LIMIT_JITTER = 0.25  # seconds added at random to a 429's wait, so threads do not wake at once
MIN_ATTEMPT = 0.1  # seconds an attempt needs at least; less left after a wait ends the call
_ERROR_TEXT_MAX = 300


@dataclass
class _Call:
    """What one client call shares with urllib3 while it runs (one per call, one thread)."""

    method: str
    path: str
    started: float  # time.monotonic() values
    deadline_at: float
    observe: Callable[[Mapping[str, str]], None]  # the pacer learns from every response
    attempts: int = 1
    maybe_applied: bool = False  # set once an attempt ended in anything but a connect error


_CALL: contextvars.ContextVar[_Call | None] = contextvars.ContextVar(
    "datadog_crossorg_client_call", default=None
)


class _DatadogRetry(Retry):
    """urllib3 Retry with Datadog's rate-limit header, 429 for every method and a deadline."""

    def __init__(
        self,
        *args: Any,
        rate_limit_jitter: float = RATE_LIMIT_JITTER,
        pause: Callable[[float], None] = time.sleep,
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.rate_limit_jitter = rate_limit_jitter
        self.pause = pause  # how a wait between attempts is spent (tests record it)
        self.planned_wait = 0.0  # decided in increment(), slept in sleep()

    def new(self, **kw: Any) -> _DatadogRetry:
        kw.setdefault("rate_limit_jitter", self.rate_limit_jitter)
        kw.setdefault("pause", self.pause)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429:
            return True  # refused before it was applied: safe to repeat, even a POST
        return super().is_retry(method, status_code, has_retry_after)

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> _DatadogRetry:
        call = _CALL.get()
        if call is not None:
            if response is not None:
                call.observe(response.headers)
            if (error is not None and not self._is_connection_error(error)) or (
                response is not None and response.status >= 500
            ):
                call.maybe_applied = True
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = new._wait_for(response)
        cause = _cause(response, error)
        if call is not None:
            if time.monotonic() + wait + MIN_ATTEMPT > call.deadline_at:
                log.info(
                    "%s %s: %s; giving up: a retry in %.2fs would pass the deadline",
                    method,
                    url,
                    cause,
                    wait,
                )
                raise MaxRetryError(_pool, url, error or ResponseError(cause))
            call.attempts += 1
        log.info("%s %s: %s; retry %d in %.2fs", method, url, cause, len(new.history), wait)
        new.planned_wait = wait
        return new

    def sleep(self, response: Any = None) -> None:
        if self.planned_wait > 0:
            self.pause(self.planned_wait)

    def _wait_for(self, response: Any) -> float:
        """Seconds to wait before the next attempt: for a 429, Datadog's `X-RateLimit-Reset`
        (else `Retry-After`) plus jitter, or without either at least one backoff step (a 429
        is never repeated at once); otherwise the backoff."""
        if response is not None and response.status == 429:
            headers = response.headers
            reset = _seconds(headers.get("X-RateLimit-Reset"))
            if reset is None:
                reset = _seconds(headers.get("Retry-After"))
            if reset is not None:
                return reset + random.uniform(0, self.rate_limit_jitter)
            return max(self.get_backoff_time(), self.backoff_factor)
        return self.get_backoff_time()


class _DeadlineTimeout(Timeout):
    """(connect, read) timeouts that urllib3 re-reads before every attempt, capped by the time
    left until the call's deadline (urllib3 calls clone() once per attempt)."""

    def __init__(self, connect: float, read: float, deadline_at: float) -> None:
        super().__init__(connect=connect, read=read)
        self._deadline_at = deadline_at

    def clone(self) -> Timeout:
        left = max(self._deadline_at - time.monotonic(), 0.001)
        connect, read = min(self._connect, left), min(self._read, left)
        return Timeout(connect=connect, read=read)  # type: ignore[type-var]


def check_key(which: str, key: str) -> None:
    """Refuse keys that are empty or could break (or smuggle) a header; never echo the key."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"{which} is empty: set the Datadog {which.replace('_', ' ')}")
    if not (key.isascii() and key.isprintable()) or any(c.isspace() for c in key):
        raise ValueError(
            f"{which} contains whitespace, a control character (CR, LF, ...) or a non-ASCII "
            f"character; copy the key again without surrounding spaces or line breaks"
        )


class Transport:
    """The one Session of a client: safe to share between threads (cookies are refused, so the
    only shared state is the connection pool, which urllib3 locks)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        app_key: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        deadline: float,
        backoff_factor: float,
        backoff_max: float,
        pool_size: int,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        check_key("api_key", api_key)
        check_key("app_key", app_key)
        for name, value in (
            ("connect_timeout", connect_timeout),
            ("read_timeout", read_timeout),
            ("deadline", deadline),
            ("pool_size", pool_size),
        ):
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        self.base_url = base_url
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.deadline = deadline
        self._secrets = tuple(k for k in (api_key, app_key) if len(k) >= 8)
        self._pacer = pacer_for(base_url, api_key)
        retry = _DatadogRetry(
            total=10,
            connect=4,
            read=3,
            status=8,
            other=0,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            backoff_jitter=backoff_factor,
            raise_on_status=False,
            respect_retry_after_header=False,
            pause=pause,
        )
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=retry)
        session = requests.Session()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        session.headers.update(
            {
                "DD-API-KEY": api_key,
                "DD-APPLICATION-KEY": app_key,
                "Accept": "application/json",
                "User-Agent": "datadog-crossorg",
            }
        )
        self._session = session

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        key: str | None = None,
    ) -> Any:
        """Send one call (with retries) and return its JSON body (or the body's `key` member),
        or raise a typed DatadogError."""
        now = time.monotonic()
        grant = self._pacer.acquire(path, now + self.deadline)
        if grant.waited:
            log.info("%s %s: waited %.2fs for the rate-limit window", method, path, grant.waited)
        observe = partial(self._pacer.observe, path, grant=grant)
        call = _Call(method, path, now, now + self.deadline, observe)
        try:
            return self._request(call, params=params, json=json, key=key)
        finally:
            self._pacer.done(grant)

    def _request(self, call: _Call, *, params: Any, json: Any, key: str | None) -> Any:
        method, path = call.method, call.path
        timeout = _DeadlineTimeout(self.connect_timeout, self.read_timeout, call.deadline_at)
        failure: DatadogError | None = None
        token = _CALL.set(call)
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                timeout=timeout,
                allow_redirects=False,  # a redirect would carry the key headers elsewhere
            )
        except requests.RequestException as exc:
            # Built here, raised below: the requests exception (whose PreparedRequest holds the
            # key headers) must not ride along as __context__.
            failure = self._transport_failure(call, exc)
        finally:
            _CALL.reset(token)
        if failure is not None:
            raise failure
        call.observe(response.headers)
        body = self._read(call, response)
        if key is None:
            return body
        if not isinstance(body, dict) or key not in body:
            raise DatadogError(
                failure_message(method, path, f"{response.status_code} answer without {key!r}"),
                status=response.status_code,
                method=method,
                path=path,
            )
        return body[key]

    def close(self) -> None:
        self._session.close()

    def _read(self, call: _Call, response: requests.Response) -> Any:
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if 200 <= response.status_code < 300:
            if body is None and response.content:
                raise DatadogError(
                    failure_message(call.method, call.path, f"{response.status_code} not JSON"),
                    status=response.status_code,
                    method=call.method,
                    path=call.path,
                )
            return body
        errors = [self._scrub(e) for e in _error_texts(body, response.text)]
        note = f" (after {call.attempts} attempts)" if call.attempts > 1 else ""
        raise error_for_status(
            response.status_code,
            errors,
            method=call.method,
            path=call.path,
            reason=response.reason or "",
            retry_after=_seconds(response.headers.get("X-RateLimit-Reset")),
            note=note,
        )

    def _transport_failure(self, call: _Call, exc: requests.RequestException) -> Unavailable:
        """Unavailable with sanitized text; ambiguous unless nothing can have reached Datadog."""
        reason = _root(exc)
        never_sent = isinstance(reason, ConnectTimeoutError)
        ambiguous = call.maybe_applied or not never_sent
        if isinstance(reason, ReadTimeoutError) or isinstance(exc, requests.ReadTimeout):
            what = "no answer within the read timeout"
        elif never_sent:
            what = f"could not connect to {self.base_url} ({_os_error_text(reason)})"
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            what = "the answer broke off midway"  # its raw text quotes what arrived: not shown
        elif isinstance(exc, requests.exceptions.SSLError):
            what = "TLS failed (check the URL and the certificate store)"
        else:
            what = f"connection dropped ({_os_error_text(reason)})"
        spent = time.monotonic() - call.started
        detail = f"{what} after {call.attempts} attempt(s) in {spent:.1f}s; " + (
            "the request may have been applied" if ambiguous else "the request was not sent"
        )
        return Unavailable(
            self._scrub(failure_message(call.method, call.path, detail)),
            ambiguous=ambiguous,
            method=call.method,
            path=call.path,
        )

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _root(exc: BaseException) -> BaseException:
    """The urllib3 error under a requests exception (MaxRetryError unwrapped to its reason)."""
    inner: BaseException = exc
    if exc.args and isinstance(exc.args[0], BaseException):
        inner = exc.args[0]
    if isinstance(inner, MaxRetryError) and inner.reason is not None:
        inner = inner.reason
    return inner


def _os_error_text(err: BaseException) -> str:
    """A short cause such as 'Connection refused', without URLs or request objects."""
    while err.__context__ is not None and not isinstance(err, OSError):
        err = err.__context__
    for arg in getattr(err, "args", ()):
        if isinstance(arg, OSError):
            err = arg
    if isinstance(err, OSError):
        return err.strerror or str(err) or type(err).__name__
    return type(err).__name__


def _error_texts(body: Any, text: str) -> list[str]:
    """Datadog's own error texts: `{"errors": [str | {"detail"|"title"}]}`, else the raw body."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        out = []
        for item in body["errors"]:
            if isinstance(item, dict):
                item = item.get("detail") or item.get("title") or str(item)
            out.append(str(item))
        return out
    text = text.strip()
    return [text[:_ERROR_TEXT_MAX]] if text else []


def _cause(response: Any, error: Exception | None) -> str:
    if response is not None:
        return f"status {response.status}"
    return type(error).__name__ if error is not None else "unknown"


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None
