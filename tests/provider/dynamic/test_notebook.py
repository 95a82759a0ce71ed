"""`CrossOrgNotebook` through the real dynamic provider server, as the engine drives it, against
the offline Datadog: one API call per operation (preview 0, create 1, no-op 0, update 1,
refresh 1, delete 1), drift on refresh, and bad queries refused at preview with no call."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.client import DatadogClient
from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.dashboards import LogsQuery, MetricsQuery, Timeseries
from datadog_crossorg.dynamic.notebook import CrossOrgNotebookProvider
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.notebooks import Cell, Markdown, Notebook
from datadog_crossorg.resources.tokens import CROSS_ORG_NOTEBOOK
from datadog_crossorg.testing.harness import CheckFailed, Engine, Goal, ProviderServer
from datadog_crossorg.testing.stack import emulator_stack_config

PROJECT_DIR = Path(__file__).resolve().parents[3]


def notebook(emu: Emulator, name: str = "Fleet", query: str = "avg:system.cpu.user{*}") -> str:
    payments = emu.org_uuid("payments")
    book = Notebook(
        name,
        [
            Markdown("# Payments, read from the hub"),
            Cell(Timeseries("CPU", [MetricsQuery("pay", query, source=payments)]), graph_size="m"),
            Cell(Timeseries("Errors", [LogsQuery("err", "status:error", source=payments)])),
        ],
    )
    return json.dumps(book.to_dict())


class World:
    def __init__(self, emu: Emulator, engine: Engine) -> None:
        self.emu, self.engine = emu, engine
        self._seen = 0

    def goal(self, text: str, org: str | None = None) -> Goal:
        inputs: dict[str, Any] = {"notebook": text}
        if org:
            inputs["org"] = org
        return Goal("fleet", CROSS_ORG_NOTEBOOK, inputs, CrossOrgNotebookProvider())

    def calls(self) -> Counter[str]:
        """Notebook API calls since the previous look."""
        log = self.emu.requests[self._seen :]
        self._seen = len(self.emu.requests)
        return Counter(f"{r.method}" for r in log if "/api/v1/notebooks" in r.path)

    def hub(self) -> DatadogClient:
        keys = self.emu.keys("hub")
        return DatadogClient(keys.api_key, keys.app_key, self.emu.url)


@pytest.fixture
def world(datadog_emulator: Emulator, tmp_path: Path) -> Iterator[World]:
    config = emulator_stack_config(datadog_emulator, "hub", ("payments",))
    with ProviderServer(cwd=PROJECT_DIR) as server:
        server.configure(config, SECRET_KEYS)
        yield World(datadog_emulator, Engine(server, stack="test", state_path=tmp_path / "s.json"))


def test_each_operation_makes_at_most_one_call(world: World) -> None:
    text = notebook(world.emu)

    assert world.engine.preview([world.goal(text)]).counts["create"] == 1
    assert world.calls() == {}

    world.engine.up([world.goal(text)])
    assert world.calls() == {"POST": 1}
    (state,) = world.engine.state.values()
    made = world.hub().get_notebook(int(state.id))
    assert made["attributes"]["name"] == "Fleet"
    assert state.outputs["url"] == f"/notebook/{state.id}"
    assert state.outputs["author_handle"]
    world.calls()  # the test's own look

    assert not world.engine.up([world.goal(text)]).changed
    assert world.calls() == {}

    renamed = world.engine.up([world.goal(notebook(world.emu, "Fleet, renamed"))])
    assert renamed.counts["update"] == 1
    assert world.calls() == {"PUT": 1}
    assert world.hub().get_notebook(int(state.id))["attributes"]["name"] == "Fleet, renamed"
    world.calls()

    assert not world.engine.refresh().changed
    assert world.calls() == {"GET": 1}

    world.engine.destroy()
    assert world.calls() == {"DELETE": 1}
    world.emu.clear_requests()
    assert world.hub().list_notebooks() == []


def test_a_change_made_in_datadog_shows_on_refresh_and_the_next_up_restores_it(
    world: World,
) -> None:
    text = notebook(world.emu)
    world.engine.up([world.goal(text)])
    (state,) = world.engine.state.values()
    found = world.hub().get_notebook(int(state.id))
    found["attributes"]["name"] = "Edited by hand"
    world.hub().update_notebook(int(state.id), {"data": found})
    world.calls()

    refreshed = world.engine.refresh()
    assert refreshed.changed
    (after,) = world.engine.state.values()
    assert json.loads(after.outputs["notebook"])["name"] == "Edited by hand"

    restored = world.engine.up([world.goal(text)])
    assert restored.counts["update"] == 1
    assert world.calls() == {"GET": 1, "PUT": 1}
    assert world.hub().get_notebook(int(state.id))["attributes"]["name"] == "Fleet"


def test_a_notebook_deleted_in_datadog_is_gone_on_refresh_and_made_again(world: World) -> None:
    text = notebook(world.emu)
    world.engine.up([world.goal(text)])
    (state,) = world.engine.state.values()
    world.hub().delete_notebook(int(state.id))
    world.calls()

    world.engine.refresh()
    assert world.engine.state == {}

    assert world.engine.up([world.goal(text)]).counts["create"] == 1
    assert world.calls() == {"GET": 1, "POST": 1}


def test_two_orgs_in_one_query_fail_at_preview_naming_the_cell_and_making_no_call(
    world: World,
) -> None:
    document = json.loads(notebook(world.emu))
    query = document["cells"][1]["attributes"]["definition"]["requests"][0]["queries"][0]
    query["cross_org_uuids"] = [world.emu.org_uuid("payments"), world.emu.org_uuid("search")]

    with pytest.raises(CheckFailed) as failed:
        world.engine.preview([world.goal(json.dumps(document))])

    assert "notebook: cells[1]" in str(failed.value)
    assert "2 UUIDs" in str(failed.value) or "more than one" in str(failed.value)
    assert world.emu.requests == []


def test_an_unknown_key_pair_fails_at_preview_naming_it(world: World) -> None:
    with pytest.raises(CheckFailed, match="org 'nobody' names no key pair"):
        world.engine.preview([world.goal(notebook(world.emu), org="nobody")])
    assert world.emu.requests == []
