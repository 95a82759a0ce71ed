"""Dashboard documents as deterministic JSON text: the bytes `DashboardJson` gets and files hold.

Keys sorted, two-space indent, non-ASCII kept, one trailing newline: the same document always
gives the same bytes, so a preview shows no diff unless the dashboard really changed, and an
exported file read back by the stack program is passed on byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse(text: str, where: str = "dashboard JSON", noun: str = "dashboard") -> dict[str, Any]:
    """A document (a `noun`: dashboard, notebook) from JSON text; ValueError naming `where` if it
    is not one."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(
            f"{where} must hold a JSON object (a {noun}), not {type(document).__name__}"
        )
    return document
