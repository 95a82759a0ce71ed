"""Generated seeds for scale: one hub org and many spoke orgs, all Enterprise, one key pair each.

    with Emulator(seed=hub_and_spokes_seed(500)) as emu:
        emu.keys("hub"), emu.keys("spoke-0042")

UUIDs and keys derive from the names (uuid5), so the same call gives the same world.
"""

from __future__ import annotations

import uuid
from typing import Any

_NAMESPACE = uuid.UUID("5d7a3f1c-0b6e-4a57-9d2e-6a8f9b1c2d3e")
PERMISSIONS = [
    "org_connections_read",
    "org_connections_write",
    "dashboards_read",
    "dashboards_write",
    "notebooks_read",
    "notebooks_write",
    "org_management",
]


def _org(key_pair: str, display: str) -> dict[str, Any]:
    handle = f"admin@{key_pair}.example"
    return {
        "name": display,
        "uuid": str(uuid.uuid5(_NAMESPACE, f"org:{key_pair}")),
        "site": "datadoghq.com",
        "plan": "enterprise",
        "users": [
            {
                "id": str(uuid.uuid5(_NAMESPACE, f"user:{key_pair}")),
                "name": f"Admin {display}",
                "handle": handle,
            }
        ],
        "key_pairs": [
            {
                "name": key_pair,
                "user": handle,
                "api_key": f"emu-{key_pair}-api-key",
                "app_key": f"emu-{key_pair}-app-key",
                "permissions": PERMISSIONS,
            }
        ],
    }


def spoke_name(index: int) -> str:
    return f"spoke-{index:04d}"


def hub_and_spokes_seed(spokes: int, rate_limits: dict[str, Any] | None = None) -> dict[str, Any]:
    """A seed with key pairs `hub` and `spoke-0000` ... (one account, one site)."""
    orgs = [_org("hub", "Scale Hub")]
    orgs += [_org(spoke_name(i), f"Scale Spoke {i:04d}") for i in range(spokes)]
    return {
        "description": f"hub and {spokes} spokes, generated",
        "accounts": [{"name": "scale", "orgs": orgs}],
        "connections": [],
        "dashboards": [],
        "rate_limits": rate_limits or {},
    }
