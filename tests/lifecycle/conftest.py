"""Fixture of the lifecycle suite shared by both adapters: `adapter_world`, a fresh world of the
dynamic provider (tests/provider/deploy.py) or of the native plugin (tests/native/native_world.py),
both reused through sys.path rather than copied."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "provider"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "native"))

import deploy
import native_world
from lifecycle_adapters import ADAPTERS, AdapterWorld

from datadog_crossorg.emulator import Emulator


@pytest.fixture(params=ADAPTERS)
def adapter_world(
    request: pytest.FixtureRequest, datadog_emulator: Emulator, tmp_path: Path
) -> Iterator[AdapterWorld]:
    """The dynamic world with its named orgs, or one native provider instance per source org."""
    if request.param == "dynamic":
        worlds = deploy.make_world(datadog_emulator, tmp_path, ("payments", "search", "edge"))
    else:
        worlds = native_world.make_world(datadog_emulator, ("payments", "search"))
    for world in worlds:
        yield AdapterWorld(request.param, world)
