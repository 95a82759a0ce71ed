"""One small API over the two adapters' test worlds (tests/provider/deploy.py's `World`, the dynamic
provider; tests/native/native_world.py's `NativeWorld`, the native plugin), so that one lifecycle
suite proves both adapters of the core behave alike. Only what differs is mapped here: how a goal
names its source org (an `org` input, or a provider instance per org) and property names
(snake_case, or camelCase on the native wire)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from deploy import World
from native_world import CheckFailed as NativeCheckFailed
from native_world import NativeWorld

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.schema import wire_name
from datadog_crossorg.testing.harness import CheckFailed

ADAPTERS = ("dynamic", "native")


@dataclass(frozen=True)
class AdapterWorld:
    """A world of either adapter; `emu`, `engine`, `api_calls`, `remote` and `client` are the
    wrapped world's own, whose engines share the surface the cases use (up, preview, refresh,
    destroy, state with id/inputs/outputs, results with counts/changed)."""

    adapter: str
    world: World | NativeWorld

    @property
    def emu(self) -> Emulator:
        return self.world.emu

    @property
    def engine(self) -> Any:
        return self.world.engine

    def api_calls(self) -> Counter[str]:
        return self.world.api_calls()

    def remote(self) -> dict[tuple[str, str], list[str]]:
        return self.world.remote()

    def client(self, key_pair: str) -> DatadogClient:
        return self.world.client(key_pair)

    @property
    def check_failed(self) -> type[CheckFailed | NativeCheckFailed]:
        """What a deployment raises when the provider's Check reports `failures`."""
        return NativeCheckFailed if self.adapter == "native" else CheckFailed

    def name(self, snake_name: str) -> str:
        """A property's name as this adapter's state holds it."""
        return wire_name(snake_name) if self.adapter == "native" else snake_name

    def out(self, state: Any, snake_name: str) -> Any:
        return state.outputs[self.name(snake_name)]

    def inp(self, state: Any, snake_name: str) -> Any:
        return state.inputs[self.name(snake_name)]

    def goal(
        self, name: str, sink: str, types: list[str], org: str = "payments", adopt: bool = False
    ) -> Any:
        """An OrgConnection from `org` to `sink`: through the `org` input (dynamic), or through the
        provider instance holding `org`'s keys (native)."""
        if isinstance(self.world, NativeWorld):
            return self.world.goal(name, sink, types, org, adopt=adopt)
        return self.world.goal(name, sink, types, org=org, adopt=adopt)

    def with_input(self, goal: Any, snake_name: str, value: object) -> Any:
        """`goal` with one input replaced (e.g. by an unknown value during preview)."""
        return replace(goal, inputs={**goal.inputs, self.name(snake_name): value})
