"""API errors as data: each carries its HTTP status and Datadog's exact body text.

Rules raise them; the server renders them in one place (`status`, `body()`), so a rule never
knows about HTTP and a test of a rule can assert the same status and body the wire would carry.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer Datadog gives instead of the resource: `{"errors": [message]}` with a status."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"errors": [self.message]}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.message!r})"


class BadRequest(ApiError):
    status = 400


class Forbidden(ApiError):
    status = 403

    def __init__(self, message: str = "Forbidden") -> None:
        super().__init__(message)


class NotFound(ApiError):
    status = 404

    def __init__(self, message: str = "Not found") -> None:
        super().__init__(message)


class MethodNotAllowed(ApiError):
    """A method no route of the path serves (HEAD, OPTIONS, anything unknown): `allow` lists
    the ones that are, for the Allow header."""

    status = 405

    def __init__(self, allow: tuple[str, ...], message: str = "Method Not Allowed") -> None:
        super().__init__(message)
        self.allow = allow


class RequestTimeout(ApiError):
    """The request did not arrive whole within the server's request timeout."""

    status = 408

    def __init__(
        self, message: str = "Request Timeout: the request did not arrive in time"
    ) -> None:
        super().__init__(message)


class Conflict(ApiError):
    status = 409


class PayloadTooLarge(ApiError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request Entity Too Large: the body exceeds {limit} bytes")


class UriTooLong(ApiError):
    status = 414

    def __init__(self, message: str = "URI Too Long") -> None:
        super().__init__(message)


class TooManyRequests(ApiError):
    status = 429

    def __init__(self, message: str = "Too many requests") -> None:
        super().__init__(message)


# Recorded as the body of every malformed org-connection request (see shared/datadog-api).
VALIDATION_FAILED = "Validation failed for input."


def lacks_permission(permission: str) -> Forbidden:
    """403 for a key pair without `permission`.

    Datadog does not document this text; it names the permission so a failing test says which
    one is missing.
    """
    return Forbidden(f"Forbidden: this application key lacks the permission '{permission}'")
