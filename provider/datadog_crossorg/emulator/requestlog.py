"""The log of API requests the emulator answered: what tests assert on instead of sleeping.

A record is appended before its response is written, so once a client holds a response the log
already shows the request. Control requests (/_emulator/...) are not logged.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# `status` of a request whose connection was closed without any response (drop faults).
NO_RESPONSE = 0


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    status: int
    key_pair: str | None
    org_uuid: str | None
    answered: float = field(default_factory=time.monotonic, compare=False)  # time.monotonic()

    def to_dict(self) -> dict[str, Any]:
        found = asdict(self)
        del found["answered"]  # this process's clock: meaningless to another
        return found


class RequestLog:
    """The answered API requests, and how many were being answered at once (calls in flight)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self.first_begun: float | None = None  # when the first request since `clear` began

    def span(self) -> float:
        """Seconds from the first request's start to the last answer since `clear` (0: none)."""
        with self._lock:
            if self.first_begun is None or not self._records:
                return 0.0
            return self._records[-1].answered - self.first_begun

    def begin(self) -> None:
        """An API request is being answered (until `end`)."""
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            if self.first_begun is None:
                self.first_begun = time.monotonic()

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget the records and the highest count in flight (not the requests still running)."""
        with self._lock:
            self._records.clear()
            self.max_in_flight = self._in_flight
            self.first_begun = None
