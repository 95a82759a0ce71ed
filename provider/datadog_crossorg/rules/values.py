"""What a value is, decided once for every rule: an org or connection UUID, or a value not known
yet (a preview-time unknown). Imports nothing of ours and no Pulumi (cheap for every caller)."""

from __future__ import annotations

import re
from typing import Any

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID = re.compile(f"^{UUID_PATTERN}$")

# The strings Pulumi sends for what is not known yet (pulumi.runtime.rpc.UNKNOWN and the
# pulumi_policy.proxy family). A rule never judges such a value: it is checked on the next run.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_VALUES = frozenset(
    {
        UNKNOWN,
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)


def is_unknown(value: Any) -> bool:
    """A value Pulumi does not know yet: one of its marker strings on the wire, or the `Unknown`
    object pulumi.dynamic's server hands over (recognised without importing pulumi)."""
    if isinstance(value, str):
        return value in UNKNOWN_VALUES
    if type(value).__name__ != "Unknown":
        return False
    import pulumi  # loaded already wherever such an object exists

    return isinstance(value, pulumi.output.Unknown)


def is_uuid(value: Any) -> bool:
    """An org or connection UUID (any case; surrounding blanks are the caller's to strip)."""
    return isinstance(value, str) and bool(_UUID.match(value)) and value not in UNKNOWN_VALUES
