"""The resources this package serves, each by its table (`rules.table.ResourceRules`): what both
adapters read to know what they serve. A new resource joins here and nowhere in the adapters."""

from __future__ import annotations

from datadog_crossorg.rules import access, connections, notebooks
from datadog_crossorg.rules.table import ResourceRules

SERVED: tuple[ResourceRules, ...] = (connections.TABLE, access.TABLE, notebooks.TABLE)
NATIVE: tuple[ResourceRules, ...] = tuple(t for t in SERVED if t.declaration.native)


def user_errors() -> tuple[type[Exception], ...]:
    """The errors a user can cause, each with a message that says what went wrong and how to fix
    it: both adapters show these message first, never under a traceback (anything else is a bug
    and keeps its traceback)."""
    from datadog_crossorg.client.errors import DatadogError
    from datadog_crossorg.config.credentials import CredentialsError
    from datadog_crossorg.config.settings import SettingsError

    return (
        connections.OrgConnectionError,
        access.AccessError,
        notebooks.NotebookError,
        CredentialsError,
        SettingsError,
        DatadogError,
    )
