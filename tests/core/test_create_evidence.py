"""`Attempt.made`: the evidence that tells our own committed create from a connection that was
there before our first POST (what a look after an ambiguous failure finds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from datadog_crossorg.client import Connection
from datadog_crossorg.rules.connections import CLOCK_SKEW_MARGIN, Attempt

STARTED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
US, SOMEONE = "user-us", "user-someone"


def conn(created_at: str, created_by: str | None = None) -> Connection:
    return Connection("c", "src", "snk", ("logs",), created_at, created_by_id=created_by)


def at(offset: timedelta) -> str:
    return (STARTED + offset).isoformat(timespec="microseconds")


@pytest.mark.parametrize(
    ("created_at", "created_by", "user", "ours"),
    [
        (at(timedelta(seconds=1)), None, None, True),  # after our POST, creator unknown
        (at(timedelta(seconds=1)), US, US, True),
        (at(timedelta(seconds=1)), SOMEONE, US, False),  # someone else, concurrently
        (at(-CLOCK_SKEW_MARGIN / 2), US, None, True),  # within the skew margin
        (at(-CLOCK_SKEW_MARGIN / 2), SOMEONE, US, False),  # ... but not our user
        (at(-CLOCK_SKEW_MARGIN - timedelta(seconds=1)), US, US, False),  # before: not ours
        ("2024-01-02T03:04:05Z", None, None, False),  # long ago
        ("", None, None, False),  # cannot be told: refuse
        ("yesterday", US, US, False),
        ("2026-03-01T12:00:01", US, US, False),  # no zone: cannot be compared
    ],
)
def test_only_a_connection_created_since_our_first_post_by_us_is_ours(
    created_at: str, created_by: str | None, user: str | None, ours: bool
) -> None:
    assert Attempt(STARTED, user).made(conn(created_at, created_by)) is ours
