"""Injectable faults: what a flaky network or a struggling Datadog does to a request.

Kinds:
- "status": answer `status` with `body` (a Datadog-like default) without applying the request;
- "latency": wait `delay` seconds, then process the request normally;
- "drop": close the TCP connection without any response; the request is not applied;
- "commit_then_status": apply the request, then answer `status` instead of the real response;
- "commit_then_drop": apply the request, then close the connection without a response.
`delay` combines with any kind. The first matching fault applies and is consumed (`times`
counts down; `None` = forever); "latency" faults add their delay to it instead of hiding it, so
a standing latency (`crossorg emulator --latency 2`) leaves every other fault working.

What a misbehaving Datadog may also do, on any kind that answers:
- `headers`: the answer's headers exactly (a 429's default is its group's spent window; `{}`
  sends a 429 with neither `X-RateLimit-Reset` nor `Retry-After`);
- `echo_keys`: the answer's `errors` repeat the request's keys, and a "drop" first sends part of
  an answer carrying them, so tests can prove that no key Datadog echoes reaches an error.
The same fields arm a fault from Python (`Emulator.add_fault(Fault(...))`), from the control
endpoint (`POST /_emulator/faults` with `{"faults": [{...}, ...]}`) and from
`crossorg emulator --fault '{...}'`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, fields, replace
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
    headers: dict[str, str] | None = None  # None = the default headers of the answer
    echo_keys: bool = False  # the answer repeats the request's keys

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {', '.join(KINDS)})")
        if not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise ValueError("fault status must be an HTTP status code")
        if not isinstance(self.delay, int | float) or self.delay < 0:
            raise ValueError("fault delay must be a number of seconds >= 0")
        if self.headers is not None and not (
            isinstance(self.headers, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in self.headers.items())
        ):
            raise ValueError('fault headers must map names to strings: {"Retry-After": "2"}')
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

    @classmethod
    def from_json(cls, text: str) -> Fault:
        """One fault as JSON text (`crossorg emulator --fault`): the control endpoint's fields."""
        try:
            spec = json.loads(text)
        except ValueError:
            raise ValueError("not JSON") from None
        if not isinstance(spec, dict):
            raise ValueError("not a JSON object")
        try:
            return cls.from_dict(spec)
        except TypeError as error:  # a field of the wrong type, or no kind
            raise ValueError(str(error)) from None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def matches(self, method: str, path: str, key_pair: str | None) -> bool:
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.path is None or re.search(self.path, path) is not None)
            and (self.key_pair is None or self.key_pair == key_pair)
        )

    def response_body(self, api_key: str | None = None, app_key: str | None = None) -> Any:
        """The answer's body; with `echo_keys`, its `errors` also repeat the request's keys."""
        if self.body is not None:
            body = self.body
        elif self.status == 429:
            body = {"errors": ["Too many requests"]}
        else:
            body = {"errors": ["Internal Server Error"]}
        if not self.echo_keys:
            return body
        echo = f"request with DD-API-KEY {api_key} and DD-APPLICATION-KEY {app_key}"
        base = body if isinstance(body, dict) else {"body": body}
        errors = base.get("errors")
        return {**base, "errors": [*(errors if isinstance(errors, list) else []), echo]}

    def response_headers(self, default: dict[str, str]) -> dict[str, str]:
        """The answer's headers: the fault's own when it names some, else `default`."""
        return dict(default) if self.headers is None else dict(self.headers)


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
        """The first matching fault that is not a "latency", with the delays of every matching
        "latency" fault added; each consumed once."""
        delay, taken = 0.0, None
        with self._lock:
            kept: list[tuple[Fault, int | None]] = []
            for fault, left in self._armed:
                taking = fault.kind == "latency" or taken is None
                if not taking or not fault.matches(method, path, key_pair):
                    kept.append((fault, left))
                    continue
                if left is None or left > 1:
                    kept.append((fault, None if left is None else left - 1))
                if fault.kind == "latency":
                    delay += fault.delay
                else:
                    taken = fault
            self._armed = kept
        if taken is None:
            return Fault("latency", delay=delay) if delay else None
        return replace(taken, delay=taken.delay + delay) if delay else taken
