"""The offline Datadog: org connections, dashboards, orgs and key validation on loopback HTTP.

    from datadog_crossorg.emulator import Emulator, Fault
    with Emulator() as emu:                      # the default seed: see default_seed.json
        hub = emu.keys("hub")                    # KeyPair(api_key, app_key, org_uuid, ...)
        emu.add_fault(Fault("status", method="POST", path="/org_connections", status=503))
        ...                                      # point a client at emu.url

It imports nothing else of this project: it must not share the client's reading of the API. The
one exception is `datadog_crossorg.data_sources` (which connection type carries CI data), an
assumption Datadog's documents leave open that the emulator and the checks must make alike.
"""

from __future__ import annotations

from datadog_crossorg.emulator.errors import ApiError
from datadog_crossorg.emulator.faults import KINDS as FAULT_KINDS
from datadog_crossorg.emulator.faults import Fault
from datadog_crossorg.emulator.instance import Emulator
from datadog_crossorg.emulator.model import KeyPair
from datadog_crossorg.emulator.ratelimit import GROUPS as RATE_LIMIT_GROUPS
from datadog_crossorg.emulator.ratelimit import RateLimit
from datadog_crossorg.emulator.requestlog import RequestRecord
from datadog_crossorg.emulator.seed import SeedError, default_seed_path, load_seed
from datadog_crossorg.emulator.state import Backend

__all__ = [
    "FAULT_KINDS",
    "RATE_LIMIT_GROUPS",
    "ApiError",
    "Backend",
    "Emulator",
    "Fault",
    "KeyPair",
    "RateLimit",
    "RequestRecord",
    "SeedError",
    "default_seed_path",
    "load_seed",
]
