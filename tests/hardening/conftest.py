"""Fixtures of the hardening tests: dynamic worlds (tests/support/world.py) whose provider process
can get short client timeouts and full debug logging."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from datadog_crossorg.emulator import Emulator
from tests.hardening.hardening_support import GENEROUS_LIMIT, NAMED
from tests.support.world import World, dynamic_world

PROVIDER_SITE = Path(__file__).resolve().parent / "provider_site"


@pytest.fixture
def provider_site(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """`provider_site("DEBUG")`: provider processes started after this call send every logger
    to stderr at that level (see provider_site/sitecustomize.py), for scanning."""

    def configure(log_level: str) -> None:
        paths = [str(PROVIDER_SITE), *filter(None, [os.environ.get("PYTHONPATH")])]
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
        monkeypatch.setenv("CROSSORG_TEST_LOG_LEVEL", log_level)

    return configure


@pytest.fixture
def hard_world_factory(
    datadog_emulator_factory: Callable[..., Emulator],
    provider_site: Callable[[str], None],
    tmp_path: Path,
) -> Iterator[Callable[..., World]]:
    """`hard_world_factory(read_timeout=..., deadline=..., log_level=...)`: a world on a fresh
    offline Datadog whose answers carry rate-limit headers, its provider's client limits set
    through stack config; all are closed at teardown."""
    made = itertools.count()
    with ExitStack() as stack:

        def make(
            read_timeout: float = 0.5, deadline: float = 4.0, log_level: str | None = None
        ) -> World:
            if log_level:
                provider_site(log_level)
            emu = datadog_emulator_factory(rate_limits=GENEROUS_LIMIT)
            state_dir = tmp_path / f"world-{next(made)}"
            limits = {
                "datadog-crossorg:requestTimeout": str(read_timeout),
                "datadog-crossorg:requestDeadline": str(deadline),
            }
            return stack.enter_context(dynamic_world(emu, state_dir, NAMED, limits))

        yield make


@pytest.fixture
def hard_world(hard_world_factory: Callable[..., World]) -> World:
    """A world whose provider process has a 0.5 s read timeout and a 4 s deadline per call."""
    return hard_world_factory()
