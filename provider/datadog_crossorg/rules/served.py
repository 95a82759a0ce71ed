"""The resources this package serves, each by its table (`rules.table.ResourceRules`): what both
adapters read to know what they serve. A new resource joins here and nowhere in the adapters."""

from __future__ import annotations

from datadog_crossorg.rules import access, connections, notebooks
from datadog_crossorg.rules.table import ResourceRules

SERVED: tuple[ResourceRules, ...] = (connections.TABLE, access.TABLE, notebooks.TABLE)
NATIVE: tuple[ResourceRules, ...] = tuple(t for t in SERVED if t.declaration.native)
