"""`OrgConnection`'s public home: `from datadog_crossorg.org_connection import OrgConnection`.

The class lives in `dynamic/org_connection.py`. This path is also frozen by state: every
`__provider` value the engine stored pickles `datadog_crossorg.org_connection.OrgConnectionProvider`
by name, so the class keeps answering here (its `__module__` says so) and released stacks
preview with no change.
"""

from __future__ import annotations

from datadog_crossorg.dynamic.org_connection import (
    OrgConnection,
    OrgConnectionArgs,
    OrgConnectionProvider,
)

__all__ = ["OrgConnection", "OrgConnectionArgs", "OrgConnectionProvider"]
