"""Fixture of the cases both adapters share: `adapter_world`, a fresh world of the dynamic provider
(ids [dynamic]) or of the native plugin (ids [native]), through the one engine harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from tests.support.world import ADAPTERS, World, adapter_world


@pytest.fixture(params=ADAPTERS, name="adapter_world")
def adapter_world_fixture(
    request: pytest.FixtureRequest, datadog_emulator: Emulator, tmp_path: Path
) -> Iterator[World]:
    """The dynamic world with its named orgs, or one native provider instance per source org."""
    with adapter_world(request.param, datadog_emulator, tmp_path) as world:
        yield world
