"""Test your own stacks offline with the real provider code.

- `pytest_plugin`: opt in with `pytest_plugins = ["datadog_crossorg.testing.pytest_plugin"]`
  and take the `datadog_emulator` fixture (a fresh offline Datadog per test).
- `harness`: a real provider process driven over gRPC as the engine does (`ProviderServer`,
  `Engine`, `Goal`): the `python -m pulumi.dynamic` server, or a provider plugin folder (the
  native plugin's) with one process per provider instance.
- `mocks`: `run_program` runs a Pulumi program under mocks that forward its dynamic resources to
  that server.
- `stack`: `emulator_stack_config` points a stack's config at the offline Datadog.

The names below load on first use, so the pytest plugin never imports pulumi.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ProviderServer": "datadog_crossorg.testing.harness",
    "Engine": "datadog_crossorg.testing.harness",
    "Goal": "datadog_crossorg.testing.harness",
    "UNKNOWN": "datadog_crossorg.testing.harness",
    "ProviderError": "datadog_crossorg.testing.harness",
    "CheckFailed": "datadog_crossorg.testing.harness",
    "secret": "datadog_crossorg.testing.harness",
    "run_program": "datadog_crossorg.testing.mocks",
    "ForwardingMocks": "datadog_crossorg.testing.mocks",
    "ProgramResult": "datadog_crossorg.testing.mocks",
    "SECRET_KEYS": "datadog_crossorg.testing.stack",
    "emulator_stack_config": "datadog_crossorg.testing.stack",
    "write_stack_file": "datadog_crossorg.testing.stack",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'datadog_crossorg.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
