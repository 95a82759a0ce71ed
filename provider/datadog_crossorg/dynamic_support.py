"""What every dynamic provider of this package shares: a stateless pickle and the engine's types.

The engine pickles the provider into every resource's state and calls it in a provider process
with several threads. `StatelessProvider` pickles to its class reference alone (bytes stable across
versions, never a key) and builds its `ProviderRuntime` (see runtime.py) in the provider process:
from the stack config (`configure`), or from the environment when no config arrives.
"""

from __future__ import annotations

import threading
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider

from datadog_crossorg.connections import DiffDecision, Problem
from datadog_crossorg.credentials import KeyRing
from datadog_crossorg.runtime import (
    LISTING_TTL_KEY,
    ProviderRuntime,
    client_options,
    is_unknown,
    listing_ttl,
)

_RUNTIME_LOCK = threading.Lock()

__all__ = [
    "LISTING_TTL_KEY",
    "ProviderRuntime",
    "StatelessProvider",
    "check_result",
    "diff_result",
    "is_unknown",
]


def check_result(inputs: dict[str, Any], problems: list[Problem]) -> CheckResult:
    """A core check's answer as the engine wants it: one CheckFailure per problem."""
    return CheckResult(inputs, [CheckFailure(p.property, p.reason) for p in problems])


def diff_result(decision: DiffDecision) -> DiffResult:
    """A core diff decision with explicit `changes` (None would make the engine diff raw
    inputs, the pickled provider included, and report spurious updates)."""
    return DiffResult(
        changes=decision.has_changes,
        replaces=list(decision.replaces),
        delete_before_replace=decision.delete_before_replace,
    )


class StatelessProvider(ResourceProvider):
    """A dynamic provider whose pickle is its class reference and nothing else."""

    serialize_as_secret_always = False  # nothing secret is captured; keeps preview diffs readable

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, _state: dict[str, Any]) -> None:
        pass

    def runtime(self) -> ProviderRuntime:
        """The run-time half, built on first use (from the environment if not configured)."""
        runtime = self.__dict__.get("_rt")
        if runtime is None:
            with _RUNTIME_LOCK:
                runtime = self.__dict__.get("_rt")
                if runtime is None:
                    runtime = ProviderRuntime(KeyRing.from_environment())
                    self.__dict__["_rt"] = runtime
        return runtime

    def configure(self, req: ConfigureRequest) -> None:
        """Engine: Configure, once per provider process with the whole decrypted stack config."""
        get = req.config.get
        self.__dict__["_rt"] = ProviderRuntime(
            KeyRing.from_config(get), listing_ttl(get(LISTING_TTL_KEY)), client_options(get)
        )
