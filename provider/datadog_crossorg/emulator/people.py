"""How Datadog renders a user and an org inside other answers, in one place.

A connection listing's `included` array and a notebook's `author` both describe a user; the
listing's also describes each org. Key order and fields follow the recordings Terraform's provider
made (`tests/fixtures/datadog-api/recorded-terraform/`) and the notebook recordings: a user's
`disabled` and `status` follow its record, so a deactivated user reads as disabled everywhere.
"""

from __future__ import annotations

import hashlib
from typing import Any

from datadog_crossorg.emulator.model import Org, User


def gravatar(handle: str) -> str:
    digest = hashlib.md5(handle.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?s=48&d=retro"


def user_attributes(user: User) -> dict[str, Any]:
    """A listing's `included` user entry's `attributes`, in the recorded key order."""
    return {
        "name": user.name,
        "handle": user.handle,
        "created_at": user.created_at,
        "modified_at": user.modified_at,
        "email": user.email or user.handle,
        "icon": gravatar(user.handle),
        "title": user.title,
        "verified": user.verified,
        "service_account": user.service_account,
        "disabled": not user.active,
        "allowed_login_methods": [],
        "status": user.status,
    }


def author_of(user: User) -> dict[str, Any]:
    """A notebook's `author` object (recorded): the same facts, fewer of them."""
    full = user_attributes(user)
    keys = ("name", "handle", "email", "icon", "title", "verified", "disabled", "status")
    return {key: full[key] for key in keys}


def org_created_at(org: Org) -> str:
    """`created` of `GET /api/v1/org` (`2019-08-13 19:50:19`) in the listing's ISO form."""
    if org.created_at:
        return org.created_at
    return org.created.replace(" ", "T") + ".000000+00:00"


def org_attributes(org: Org) -> dict[str, Any]:
    """A listing's `included` org entry's `attributes`, in the recorded key order."""
    return {
        "public_id": org.public_id,
        "name": org.name,
        "description": org.description,
        "sharing": org.sharing,
        "url": org.url,
        "disabled": org.disabled,
        "created_at": org_created_at(org),
        "modified_at": org.modified_at,
    }
