"""Fixture: a fresh deployable world per test (see access_world.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from access_world import World, make_world

from datadog_crossorg.emulator import Emulator


@pytest.fixture
def world(datadog_emulator_factory: Callable[..., Emulator], tmp_path: Path) -> Iterator[World]:
    yield from make_world(datadog_emulator_factory, tmp_path)
