"""`ConnectionAccess`'s public home:
`from datadog_crossorg.connection_access import ConnectionAccess`.

The class lives in `dynamic/connection_access.py`. This path is also frozen by state: stored
`__provider` values pickle `datadog_crossorg.connection_access.ConnectionAccessProvider` by name,
so the class keeps answering here (its `__module__` says so).
"""

from __future__ import annotations

from datadog_crossorg.dynamic.connection_access import ConnectionAccess, ConnectionAccessProvider

__all__ = ["ConnectionAccess", "ConnectionAccessProvider"]
