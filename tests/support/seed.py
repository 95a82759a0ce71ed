"""The default seed's org UUIDs, spelled once for tests that name an org without an emulator
(`emu.org_uuid("hub")` says the same when one runs)."""

from __future__ import annotations

HUB = "ba11379d-38db-492a-a71e-7f33d3254a94"
PAY = "7bd471e8-b9fe-4ee7-9e36-d59b281bd96f"
SEARCH = "8e5fed0c-251e-4d58-8a8a-fcfe90980b4a"
EDGE = "710ae7b4-96b3-42f9-ae01-ea1db2d89dfc"
EU = "8800026d-c0ac-46a8-a725-74587e038f3f"
