"""Fixtures for testing the harness: one toy provider server per test module (starting one costs
about 0.4 s), a fresh toy cloud and engine state per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datadog_crossorg.testing.harness import Engine, ProviderServer
from tests.harness.toy_cloud import Cloud
from tests.harness.toy_goals import TOY_CONFIG, TOY_SECRET_KEYS, toy_server


@pytest.fixture(scope="module")
def server() -> Iterator[ProviderServer]:
    with toy_server() as started:
        started.configure(TOY_CONFIG, TOY_SECRET_KEYS)
        yield started


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    return Cloud.create(tmp_path / "cloud.json")


@pytest.fixture
def engine(server: ProviderServer, tmp_path: Path) -> Engine:
    return Engine(server, stack="test", state_path=tmp_path / "state.json")
