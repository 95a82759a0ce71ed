"""Fixture: a fresh deployable world per test (see deploy.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy import World, make_world

from datadog_crossorg.emulator import Emulator


@pytest.fixture
def world(datadog_emulator: Emulator, tmp_path: Path) -> Iterator[World]:
    yield from make_world(datadog_emulator, tmp_path, ("payments", "search", "edge"))
