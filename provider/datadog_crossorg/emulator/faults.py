"""Injectable faults: what a flaky network or a struggling Datadog does to a request.

Kinds:
- "status": answer `status` with `body` (a Datadog-like default) without applying the request;
- "latency": wait `delay` seconds, then process the request normally;
- "drop": close the TCP connection without any response; the request is not applied;
- "commit_then_status": apply the request, then answer `status` instead of the real response;
- "commit_then_drop": apply the request, then close the connection without a response.
`delay` combines with any kind. The first matching fault applies and is consumed (`times`
counts down; `None` = forever).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, fields
from typing import Any

KINDS = ("status", "latency", "drop", "commit_then_status", "commit_then_drop")


@dataclass(frozen=True)
class Fault:
    kind: str
    method: str | None = None  # None = any method
    path: str | None = None  # regex searched in the request path; None = any path
    status: int = 500
    body: Any = None  # None = Datadog-like default for the status
    delay: float = 0.0
    times: int | None = 1  # None = forever
    key_pair: str | None = None  # only requests made with this key pair (by name)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {', '.join(KINDS)})")
        if not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise ValueError("fault status must be an HTTP status code")
        if self.delay < 0:
            raise ValueError("fault delay must be >= 0")
        if self.times is not None and self.times < 1:
            raise ValueError("fault times must be >= 1 or None (forever)")
        if self.path is not None:
            try:
                re.compile(self.path)
            except re.error as error:
                raise ValueError(f"fault path is not a regular expression: {error}") from None

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Fault:
        """From the control endpoint's JSON; unknown fields are an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError(f"unknown fault fields {unknown}")
        return cls(**spec)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def matches(self, method: str, path: str, key_pair: str | None) -> bool:
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.path is None or re.search(self.path, path) is not None)
            and (self.key_pair is None or self.key_pair == key_pair)
        )

    def response_body(self) -> Any:
        if self.body is not None:
            return self.body
        if self.status == 429:
            return {"errors": ["Too many requests"]}
        return {"errors": ["Internal Server Error"]}


class FaultPlan:
    """The armed faults, in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[tuple[Fault, int | None]] = []  # (fault, times left)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append((fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**f.to_dict(), "times_left": left} for f, left in self._armed]

    def take(self, method: str, path: str, key_pair: str | None) -> Fault | None:
        """The first fault matching this request, consumed once."""
        with self._lock:
            for index, (fault, left) in enumerate(self._armed):
                if not fault.matches(method, path, key_pair):
                    continue
                if left is not None:
                    if left <= 1:
                        del self._armed[index]
                    else:
                        self._armed[index] = (fault, left - 1)
                return fault
            return None
