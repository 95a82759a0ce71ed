"""Datadog cross-organization connections and dashboards as code, for Pulumi.

Importing this package stays cheap: the Pulumi resource classes load on first use, and
`pulumi_datadog` is never imported from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "OrgConnection": "datadog_crossorg.org_connection",
    "OrgConnectionArgs": "datadog_crossorg.org_connection",
    "OrgConnectionProvider": "datadog_crossorg.org_connection",
    "DatadogClient": "datadog_crossorg.client",
}

__all__ = [
    "DatadogClient",
    "OrgConnection",
    "OrgConnectionArgs",
    "OrgConnectionProvider",
    "__version__",
]

if TYPE_CHECKING:
    from datadog_crossorg.client import DatadogClient
    from datadog_crossorg.org_connection import (
        OrgConnection,
        OrgConnectionArgs,
        OrgConnectionProvider,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'datadog_crossorg' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
