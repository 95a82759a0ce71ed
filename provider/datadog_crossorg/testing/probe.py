"""Look at the offline Datadog from a test: what it holds, what it was asked, and act out of band.

Mix `EmulatorProbe` into a test's world object that has an `emu` attribute (an `Emulator`):

    world.api_calls()   # Counter of API methods since the previous call
    world.remote()      # {(source uuid, sink uuid): sorted types} as Datadog holds them
    world.client("payments").delete_connection(...)   # a person in the Datadog UI
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class EmulatorProbe:
    """Test-side views of `self.emu`; the call marks live on the instance."""

    emu: Any

    def client(self, key_pair: str) -> Any:
        """A client acting out of band (a person in the Datadog UI), not through the stack."""
        from datadog_crossorg.client import DatadogClient

        keys = self.emu.keys(key_pair)
        return DatadogClient(keys.api_key, keys.app_key, self.emu.url)

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
