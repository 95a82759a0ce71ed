"""The log of API requests the emulator answered: what tests assert on instead of sleeping.

A record is appended before its response is written, so once a client holds a response the log
already shows the request. Control requests (/_emulator/...) are not logged.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """The answered API requests, and how many were being answered at once (calls in flight)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._in_flight = 0
        self.max_in_flight = 0

    def begin(self) -> None:
        """An API request is being answered (until `end`)."""
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

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
