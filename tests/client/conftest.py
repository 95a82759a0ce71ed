"""Clients wired to the per-test offline Datadog, closed after the test."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from datadog_crossorg.client import DatadogClient

ClientFactory = Callable[..., DatadogClient]


@pytest.fixture
def client_for(datadog_emulator) -> Iterator[ClientFactory]:
    """`client_for("payments", deadline=2)`: a client with that key pair of the emulator."""
    made: list[DatadogClient] = []

    def make(key_pair: str = "hub", **kw) -> DatadogClient:
        keys = datadog_emulator.keys(key_pair)
        client = DatadogClient(keys.api_key, keys.app_key, datadog_emulator.url, **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def hub(client_for: ClientFactory) -> DatadogClient:
    return client_for("hub")


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released): connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
