"""Fixture: a fresh offline Datadog and two provider instances of the native plugin (payments and
search, each a plugin process holding that org's keys), as a stack with two source orgs has."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from native_world import NativeWorld, make_world

from datadog_crossorg.emulator import Emulator


@pytest.fixture
def world(datadog_emulator: Emulator) -> Iterator[NativeWorld]:
    yield from make_world(datadog_emulator, ("payments", "search"))
