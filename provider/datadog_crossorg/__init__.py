"""Datadog cross-organization connections and dashboards as code, for Pulumi.

The folders, in the order data flows:

- `client/`: HTTP to Datadog (one Session, retries, pacing, a small error tree).
- `config/`: every stack-config key, the key pairs, a provider process's settings, the stack
  program's declarations.
- `process/`: what a provider process holds: per key pair a client and a shared listing.
- `resources/`: each resource declared once (fields, descriptions, replace-on, tokens).
- `rules/`: org connections, their access policies and notebooks, free of Pulumi.
- `dashboards/`, `notebooks/`: cross-org dashboards and notebooks: builder, validation, export.
- `dynamic/` (Python, `pulumi.dynamic`) and `native/` (the provider plugin): the adapters.
- `policy/`: the policy pack. `reports/`: what exists, the org graph, verify. `cli/`: `crossorg`.
- `emulator/`: the offline Datadog. `testing/`: test your own stacks offline.

`data_sources.py` says which connection type carries each data source (the emulator uses it too).

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
