"""Fixture: a fresh offline Datadog and two provider instances of the native plugin (payments and
search, each a plugin process holding that org's keys), as a stack with two source orgs has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from tests.support.world import World, native_world


@pytest.fixture
def world(datadog_emulator: Emulator, tmp_path: Path) -> Iterator[World]:
    with native_world(datadog_emulator, ("payments", "search"), tmp_path) as made:
        yield made
