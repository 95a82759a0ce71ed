"""API calls per OrgConnection and per CrossOrgNotebook operation, from the offline Datadog's
request log.

    .venv/bin/python bench/api_calls.py      (also the first section of bench/run.py)

Drives the real provider server through the engine harness (as `pulumi` would) and prints one
row per operation on ONE connection (and ONE notebook): the calls Datadog received, by method,
against the minimum the operation needs, including the paths around the happy one (replace,
out-of-band change or delete).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from scale import ROOT, TYPE

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.resources.tokens import CROSS_ORG_NOTEBOOK
from datadog_crossorg.testing.harness import Engine, Goal, ProviderServer
from datadog_crossorg.testing.stack import emulator_stack_config

Step = tuple[str, Callable[[], object], str, Callable[[], None] | None]


def api_calls_table() -> Table:
    with (
        Emulator() as emu,
        tempfile.TemporaryDirectory() as tmp,
        ProviderServer(cwd=ROOT) as server,
    ):
        orgs = {
            n: {"apiKey": emu.keys(n).api_key, "appKey": emu.keys(n).app_key, "apiUrl": emu.url}
            for n in ("payments",)
        }
        hub = emu.keys("hub")
        server.configure(
            {
                "datadog:apiKey": hub.api_key,
                "datadog:appKey": hub.app_key,
                "datadog:apiUrl": emu.url,
                "datadog-crossorg:orgs": json.dumps(orgs),
            },
            {"datadog:apiKey", "datadog:appKey", "datadog-crossorg:orgs"},
        )
        engine = Engine(server, stack="bench", state_path=Path(tmp) / "state.json")

        def goal(types: list[str], sink: str = "hub") -> list[Goal]:
            inputs = {
                "sink_org_id": emu.org_uuid(sink),
                "connection_types": types,
                "org": "payments",
            }
            return [Goal("conn", TYPE, inputs, OrgConnectionProvider())]

        def oob_delete() -> None:
            with DatadogClient(hub.api_key, hub.app_key, emu.url) as c:
                c.delete_connection(engine.state["conn"].id)
            emu.clear_requests()

        steps: list[Step] = [
            ("preview (new)", lambda: engine.preview(goal(["logs"])), "0", None),
            ("create", lambda: engine.up(goal(["logs"])), "1 POST", None),
            ("no-op up", lambda: engine.up(goal(["logs"])), "0", None),
            ("preview (no change)", lambda: engine.preview(goal(["logs"])), "0", None),
            ("update (types)", lambda: engine.up(goal(["logs", "metrics"])), "1 PATCH", None),
            ("read (refresh)", engine.refresh, "1 GET", None),
            (
                "replace (new sink)",
                lambda: engine.up(goal(["logs"], "search")),
                "1 POST + 1 DELETE",
                None,
            ),
            ("delete (destroy)", engine.destroy, "1 DELETE", None),
            ("create again", lambda: engine.up(goal(["logs"])), "1 POST", None),
            ("refresh after out-of-band delete", engine.refresh, "1 GET", oob_delete),
        ]
        title = "API calls per OrgConnection operation on one connection (request log)"
        return _measured(emu, steps, title)


def notebook_calls_table() -> Table:
    """The same for one CrossOrgNotebook (dynamic provider, hub's key pair)."""
    from datadog_crossorg.dashboards import LogsQuery, Timeseries
    from datadog_crossorg.dynamic.notebook import CrossOrgNotebookProvider
    from datadog_crossorg.notebooks import Cell, Notebook

    with (
        Emulator() as emu,
        tempfile.TemporaryDirectory() as tmp,
        ProviderServer(cwd=ROOT) as server,
    ):
        server.configure(emulator_stack_config(emu, "hub"), SECRET_KEYS)
        engine = Engine(server, stack="bench", state_path=Path(tmp) / "state.json")
        hub = emu.keys("hub")
        pay = emu.org_uuid("payments")

        def goal(name: str) -> list[Goal]:
            cell = Cell(Timeseries("Errors", [LogsQuery("e", "status:error", source=pay)]))
            text = json.dumps(Notebook(name, [cell]).to_dict())
            return [
                Goal("book", CROSS_ORG_NOTEBOOK, {"notebook": text}, CrossOrgNotebookProvider())
            ]

        def oob_rename() -> None:
            with DatadogClient(hub.api_key, hub.app_key, emu.url) as c:
                found = c.get_notebook(int(engine.state["book"].id))
                found["attributes"]["name"] = "Renamed in Datadog"
                c.update_notebook(int(found["id"]), {"data": found})

        steps: list[Step] = [
            ("preview (new)", lambda: engine.preview(goal("Fleet")), "0", None),
            ("create", lambda: engine.up(goal("Fleet")), "1 POST", None),
            ("no-op up", lambda: engine.up(goal("Fleet")), "0", None),
            ("update (name)", lambda: engine.up(goal("Fleet 2")), "1 PUT", None),
            ("read (refresh)", engine.refresh, "1 GET", None),
            ("refresh after a change in Datadog", engine.refresh, "1 GET", oob_rename),
            (
                "up restores the declared notebook",
                lambda: engine.up(goal("Fleet 2")),
                "1 PUT",
                None,
            ),
            ("delete (destroy)", engine.destroy, "1 DELETE", None),
        ]
        return _measured(emu, steps, "API calls per CrossOrgNotebook operation (request log)")


def _measured(emu: Emulator, steps: list[Step], title: str) -> Table:
    """Run each step (after its setup) and tabulate the calls Datadog received for it."""
    table = Table(title=title)
    for column in ("operation", "calls", "by method", "minimum"):
        table.add_column(column)
    for name, run, minimum, before in steps:
        if before:
            before()
        emu.clear_requests()
        run()
        calls = Counter(r.method for r in emu.requests)
        by_method = " + ".join(f"{n} {m}" for m, n in sorted(calls.items())) or "-"
        table.add_row(name, str(sum(calls.values())), by_method, minimum)
    return table


def main() -> int:
    console = Console(width=110)
    console.print(api_calls_table())
    console.print(notebook_calls_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
