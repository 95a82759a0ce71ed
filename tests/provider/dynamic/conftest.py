"""Fixture: a fresh world of the dynamic provider per test (Hub's keys as the default pair,
payments, search and edge as named pairs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from tests.support.world import World, dynamic_world


@pytest.fixture
def world(datadog_emulator: Emulator, tmp_path: Path) -> Iterator[World]:
    with dynamic_world(datadog_emulator, tmp_path) as made:
        yield made
