"""A stand-in `datadog` resource plugin for the real Pulumi CLI, offline.

pulumi-datadog's own plugin (`github.com/pulumi/pulumi-datadog/provider/v4`, a bridged Terraform
provider) cannot be built on machines that only reach the Go module proxy: the proxy serves no
version of that module. So that the real engine can still run stacks with cross-org dashboards
(the demo, the policy pack's tests), this plugin serves `datadog:index/dashboardJson:DashboardJson`
through `DashboardJsonStandIn` (standins.py), against the same dashboards API, with the `datadog`
provider's own config (`datadog:apiKey`, `appKey`, `apiUrl`). It serves nothing else: any other
`datadog:` resource fails with a message that says so.

    folder = install_standin_plugins(tmp_path / "plugins")   # writes pulumi-resource-datadog
    PATH=folder:$PATH pulumi up                              # the engine finds it on PATH
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi.provider.experimental import server
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime.rpc import UNKNOWN

from datadog_crossorg.config.credentials import KeyRing
from datadog_crossorg.config.settings import ProviderSettings
from datadog_crossorg.native.provider import _plain, _wrap  # the plugin's wire conversions
from datadog_crossorg.process.provider_process import ProviderProcess
from datadog_crossorg.testing.standins import DASHBOARD_JSON, DashboardJsonStandIn

PLUGIN_VERSION = "5.17.0"  # what pulumi_datadog asks for; an ambient plugin is used at any version


def install_standin_plugins(folder: Path, python: str = sys.executable) -> Path:
    """Write `pulumi-resource-datadog` (this module, run by `python`) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "pulumi-resource-datadog"
    script.write_text(f'#!/bin/sh\nexec "{python}" -u -m {__name__} "$@"\n')
    script.chmod(0o755)
    return folder


class DatadogStandInProvider(Provider):
    """`DashboardJson` only, over /api/v1/dashboard, with the datadog provider's keys."""

    def __init__(self) -> None:
        self._dashboards = DashboardJsonStandIn()

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        config = _plain(request.args)
        # pulumi-datadog's own provider config: apiKey, appKey, apiUrl.
        keys = KeyRing.from_values(
            api_key=config.get("apiKey"), app_key=config.get("appKey"), api_url=config.get("apiUrl")
        )
        self._dashboards.use(ProviderProcess(ProviderSettings(keys, listing_ttl=0.0)))
        return ConfigureResponse(accept_secrets=False, supports_preview=True)

    async def check(self, request: CheckRequest) -> CheckResponse:
        _only_dashboards(request.urn)
        result = self._dashboards.check({}, _plain(request.new_inputs))
        failures = [CheckFailure(f.property, f.reason) for f in result.failures or []]
        return CheckResponse(_wrap_all(result.inputs or {}), failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        result = self._dashboards.diff(
            request.resource_id, _plain(request.old_state), _plain(request.new_inputs)
        )
        return DiffResponse(
            changes=bool(result.changes), diffs=["dashboard"] if result.changes else []
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        props = _plain(request.properties)
        if request.preview:
            return CreateResponse("", _wrap_all({**props, "url": UNKNOWN}))
        made = await asyncio.to_thread(self._dashboards.create, props)
        return CreateResponse(made.id, _wrap_all(made.outs or {}))

    async def read(self, request: ReadRequest) -> ReadResponse:
        props = {**_plain(request.inputs), **_plain(request.properties)}
        found = await asyncio.to_thread(self._dashboards.read, request.resource_id, props)
        if not found.id:
            return ReadResponse("", {}, {})
        return ReadResponse(
            found.id, _wrap_all(found.outs or {}), _wrap_all({"dashboard": props.get("dashboard")})
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        news = _plain(request.news)
        if request.preview:
            return UpdateResponse(_wrap_all({**_plain(request.olds), **news}))
        done = await asyncio.to_thread(
            self._dashboards.update, request.resource_id, _plain(request.olds), news
        )
        return UpdateResponse(_wrap_all(done.outs or {}))

    async def delete(self, request: DeleteRequest) -> None:
        await asyncio.to_thread(self._dashboards.delete, request.resource_id, {})


def _only_dashboards(urn: str) -> None:
    token = urn.split("::")[2].split("$")[-1] if urn.count("::") >= 3 else ""
    if token != DASHBOARD_JSON:
        raise ValueError(
            f"the offline stand-in for pulumi-datadog serves only {DASHBOARD_JSON}, not {token}: "
            "pulumi-datadog's own plugin cannot be built here"
        )


def _wrap_all(values: Mapping[str, Any]) -> dict[str, PropertyValue]:
    return {k: _wrap(v) for k, v in values.items() if v is not None}


if __name__ == "__main__":
    server.main(sys.argv[1:], PLUGIN_VERSION, DatadogStandInProvider())
