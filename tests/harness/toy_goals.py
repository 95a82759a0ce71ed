"""Helpers shared by the harness tests: the toy stack config, a toy provider server, goals."""

from __future__ import annotations

import json

from datadog_crossorg.testing.harness import Goal, ProviderServer
from tests.harness.toy_cloud import TOY_TYPE, Cloud, ToyProvider
from tests.support.paths import ROOT

TOY_CONFIG = {
    "toy:greeting": "hello",
    "toy:password": "pa55-CANARY",
    "toy:settings": json.dumps({"zones": ["a", "b"]}),
    "datadog-crossorg:motto": "plain project key",
}
TOY_SECRET_KEYS = frozenset({"toy:password"})


def toy_server() -> ProviderServer:
    """A provider server that can unpickle the toy provider (the `tests` package, where its
    module lives, is on PYTHONPATH)."""
    return ProviderServer(cwd=ROOT, extra_pythonpath=[ROOT])


def thing(cloud: Cloud, name: str, provider: ToyProvider | None = None, **inputs: object) -> Goal:
    """A toy goal: name, size 1, zone "a" unless overridden."""
    return Goal(
        name=name,
        type=TOY_TYPE,
        inputs={"name": name, "size": 1, "zone": "a", **inputs},
        provider=provider or ToyProvider(cloud.path),
    )
