"""Look at the offline Datadog from a test: what it holds, what it was asked, and act out of band.

Mix `EmulatorProbe` into a test's world object that has an `emu` attribute (an `Emulator`); the
harness worlds (`world.World`) and the real CLI's stacks (`tests/real_engine/cli_world.py`) do,
and `Probe(emu)` is one on its own:

    world.api_calls()   # Counter of API methods since the previous call
    world.remote()      # {(source uuid, sink uuid): sorted types} as Datadog holds them
    world.client("payments").delete_connection(...)   # a person in the Datadog UI
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.testing.stack import emulator_stack_config


def out_of_band(emu: Emulator, key_pair: str) -> DatadogClient:
    """A client acting beside the stack (a person in the Datadog UI), with `key_pair`'s keys."""
    keys = emu.keys(key_pair)
    return DatadogClient(keys.api_key, keys.app_key, emu.url, deadline=10)


def write_config(emu: Emulator, path: Path) -> Path:
    """What `pulumi config --show-secrets --json` gives a pipeline, for `crossorg ... --config`:
    the hub as the default pair, payments by name."""
    path.write_text(json.dumps(emulator_stack_config(emu, "hub", ("payments",))))
    return path


class EmulatorProbe:
    """Test-side views of `self.emu`; the call marks live on the instance."""

    emu: Emulator

    def client(self, key_pair: str) -> DatadogClient:
        """A client acting out of band (a person in the Datadog UI), not through the stack."""
        return out_of_band(self.emu, key_pair)

    def api_calls(self) -> Counter[str]:
        """API calls (by method) since the previous call of this method, from the request log."""
        log = self.emu.requests
        marks: list[int] = self.__dict__.setdefault("_probe_marks", [])
        start = marks[-1] if marks else 0
        marks.append(len(log))
        return Counter(r.method for r in log[start:])

    def remote(self) -> dict[tuple[str, str], list[str]]:
        """(source uuid, sink uuid) -> sorted types, as the offline Datadog holds them."""
        return {
            (
                c["relationships"]["source_org"]["data"]["id"],
                c["relationships"]["sink_org"]["data"]["id"],
            ): sorted(c["attributes"]["connection_types"])
            for c in self.emu.connections()
        }


@dataclass
class Probe(EmulatorProbe):
    """A probe on an emulator alone (no world around it)."""

    emu: Emulator
