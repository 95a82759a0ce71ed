"""The client's error tree: one base class, one subclass per thing a caller can act on.

Like `requests.exceptions`, the tree is small so a caller catches exactly what it can handle:
`NotFound` (gone), `Conflict` (already exists), `Forbidden` (keys or permissions), `Invalid` (the
request itself is wrong), `RateLimited` (try later), `Unavailable` (transport or server trouble).
Messages carry Datadog's own texts and never a key.
"""

from __future__ import annotations

from collections.abc import Iterable


class DatadogError(Exception):
    """A Datadog call failed: `errors` holds Datadog's own texts, `status` the HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Iterable[str] = (),
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = list(errors)
        self.method = method
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only constructor arguments would break the default pickling of exceptions.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[DatadogError], args: tuple[object, ...], state: dict) -> DatadogError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class Invalid(DatadogError):
    """400/422: Datadog refused the request as malformed or not allowed; repeating it won't help."""


class Forbidden(DatadogError):
    """401/403: the keys are wrong, or their user lacks the permission the call needs."""


class NotFound(DatadogError):
    """404: the object (or the sink org) does not exist as far as these keys can see."""


class Conflict(DatadogError):
    """409: the object already exists (for connections: one from this source to that sink)."""


class RateLimited(DatadogError):
    """429 that could not be waited out within the call's deadline.

    `retry_after` is Datadog's `X-RateLimit-Reset` (seconds until the window resets), if sent.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class Unavailable(DatadogError):
    """5xx, timeout or connection failure, after the retries the deadline allowed.

    `ambiguous` is True when the server may have applied the request (read timeout, connection
    dropped after sending, 5xx): a caller must look before it repeats a create. False means the
    request certainly never reached Datadog (connection refused, connect timeout).
    """

    def __init__(self, message: str, *, ambiguous: bool, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.ambiguous = ambiguous


_BY_STATUS: dict[int, type[DatadogError]] = {
    400: Invalid,
    422: Invalid,
    401: Forbidden,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def failure_message(method: str, path: str, detail: str) -> str:
    """The one message shape: `POST /api/v2/org_connections failed: 409 <Datadog's text>`."""
    return f"{method} {path} failed: {detail}"


def error_for_status(
    status: int,
    errors: list[str],
    *,
    method: str,
    path: str,
    reason: str = "",
    retry_after: float | None = None,
    note: str = "",
) -> DatadogError:
    """The typed error for a non-2xx answer; its message: Datadog's texts, or the reason."""
    detail = f"{status} {'; '.join(errors) or reason}".rstrip() + note
    common = {"status": status, "errors": errors, "method": method, "path": path}
    message = failure_message(method, path, detail)
    if status >= 500:
        return Unavailable(message, ambiguous=True, **common)
    cls = _BY_STATUS.get(status, DatadogError)
    if cls is RateLimited:
        return RateLimited(message, retry_after=retry_after, **common)
    return cls(message, **common)
