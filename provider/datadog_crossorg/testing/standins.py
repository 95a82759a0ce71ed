"""Stand-ins for resources whose real provider plugin cannot run here (no Pulumi CLI, no plugins).

`pulumi_datadog.DashboardJson` is served by Datadog's Terraform-bridged plugin, which these
machines cannot install. `DashboardJsonStandIn` plays it as a dynamic provider against the same
API (create POST, update PUT, delete DELETE, read GET), so an offline run of a stack really creates
its dashboards in the offline Datadog:

    run_program(program, engine, config=config, stand_ins=DATADOG_STAND_INS)

It uses the stack's default key pair (`datadog:apiKey`/`appKey`/`apiUrl`); a dashboard meant for
another org through an explicit `pulumi_datadog.Provider` is created with the default keys too.
Outputs: `dashboard` (the JSON as given) and `url`.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from datadog_crossorg.client import NotFound
from datadog_crossorg.dynamic.provider_base import StatelessProvider, check_result
from datadog_crossorg.resources import tokens
from datadog_crossorg.rules.inputs import InputProblem
from datadog_crossorg.rules.values import is_unknown

DASHBOARD_JSON = tokens.DASHBOARD_JSON


def _document(text: Any) -> dict[str, Any]:
    return json.loads(text) if isinstance(text, str) else dict(text)


class DashboardJsonStandIn(StatelessProvider):
    """`DashboardJson` (input `dashboard`, a JSON string) over `/api/v1/dashboard`."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        text = news.get("dashboard")
        if is_unknown(text):
            return check_result({"dashboard": text}, [])
        try:
            _document(text)
        except (TypeError, ValueError) as exc:
            return check_result({}, [InputProblem("dashboard", f"dashboard is not JSON: {exc}")])
        return check_result({"dashboard": text}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        new = news.get("dashboard")
        changed = is_unknown(new) or _document(olds.get("dashboard")) != _document(new)
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        made = self.process().client(None).create_dashboard(_document(props["dashboard"]))
        return CreateResult(made["id"], {"dashboard": props["dashboard"], "url": made.get("url")})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            found = self.process().client(None).get_dashboard(id_)
        except NotFound:
            return ReadResult("", {})
        outs = {"dashboard": props.get("dashboard"), "url": found.get("url")}
        return ReadResult(id_, outs, {"dashboard": props.get("dashboard")})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        made = self.process().client(None).update_dashboard(id_, _document(news["dashboard"]))
        return UpdateResult({"dashboard": news["dashboard"], "url": made.get("url")})

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        with contextlib.suppress(NotFound):  # already gone
            self.process().client(None).delete_dashboard(id_)


DATADOG_STAND_INS = {DASHBOARD_JSON: DashboardJsonStandIn()}
