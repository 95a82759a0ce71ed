"""Fixtures of the emulator's own tests: `api("payments")` speaks plain HTTP as a key pair."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from datadog_crossorg.emulator import Backend, Emulator
from tests.emulator.plain_http import Api


@pytest.fixture
def api(datadog_emulator: Emulator) -> Iterator[Callable[..., Api]]:
    """`api("payments")` on the test's emulator, `api("hub", emu=other)` on another one."""
    made: list[Api] = []

    def make(key_pair: str = "hub", emu: Emulator | None = None) -> Api:
        made.append(Api.as_pair(emu or datadog_emulator, key_pair))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def backend() -> Backend:
    """The default world without HTTP: rules are tested here."""
    return Backend()
