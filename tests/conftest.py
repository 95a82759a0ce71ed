"""Test-suite wiring: our own public pytest plugin gives every test a fresh offline Datadog."""

# Imported here, on the main thread at collection, rather than lazily by hypothesis' pytest plugin
# at the end of the session: CPython 3.11.7 shares the AST converter's recursion counter between
# threads (fixed in 3.11.8), so an ast.parse racing a traceback formatted on a Pulumi program
# thread can fail with "AST constructor recursion depth mismatch".
import time
from collections.abc import Callable

import hypothesis  # noqa: F401
import pytest

pytest_plugins = ["datadog_crossorg.testing.pytest_plugin"]


@pytest.fixture
def eventually() -> Callable[..., object]:
    """`eventually(predicate, timeout)`: wait for a condition the offline Datadog reaches on its
    own (a delayed commit, a request logged after its latency); returns the last value."""

    def wait(predicate: Callable[[], object], timeout: float = 3.0) -> object:
        end = time.monotonic() + timeout
        while True:
            value = predicate()
            if value or time.monotonic() > end:
                return value
            time.sleep(0.02)

    return wait
