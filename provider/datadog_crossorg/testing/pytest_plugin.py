"""pytest fixtures for a fresh offline Datadog per test.

Opt in from a conftest.py:  pytest_plugins = ["datadog_crossorg.testing.pytest_plugin"]

- `datadog_emulator`: a running Emulator with the default seed, stopped after the test.
- `datadog_emulator_factory`: call it with Emulator's keyword arguments (seed, state_file,
  rate_limits, ...) for as many emulators as a test needs; all are stopped at teardown.

Importing this plugin loads only the emulator (standard library), never pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from datadog_crossorg.emulator import Emulator


@pytest.fixture
def datadog_emulator_factory() -> Iterator[Callable[..., Emulator]]:
    started: list[Emulator] = []

    def start(**kwargs: Any) -> Emulator:
        emulator = Emulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in reversed(started):
        emulator.stop()


@pytest.fixture
def datadog_emulator(datadog_emulator_factory: Callable[..., Emulator]) -> Emulator:
    return datadog_emulator_factory()
