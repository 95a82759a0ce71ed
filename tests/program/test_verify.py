"""`verify` and `crossorg connections verify`: after an `up` through the engine harness every
declared type flows; after a connection is deleted, or narrowed, or hidden by a viewer policy,
the rows say no and why."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from datadog_crossorg.cli import main
from datadog_crossorg.config.stack_program import connection_specs
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.reports.verify import (
    FlowCheck,
    expectations_from_outputs,
    print_flow_table,
    verify_stack,
)
from tests.support.access import HUB_ADMIN, access_world
from tests.support.world import World

NOW = 1_760_000_100_000  # a whole 5 minutes: the hour holds 13 points
DECLARED = [
    {"name": "payments-to-hub", "org": "payments", "sink": "hub", "types": ["metrics", "logs"]},
    {"name": "search-to-hub", "org": "search", "sink": "hub", "types": ["metrics", "audit"]},
]


@pytest.fixture
def stack(datadog_emulator_factory: Callable[..., Emulator], tmp_path: Path) -> Iterator[World]:
    """The world with the two connections declared in its stack config, deployed by `up`."""
    with access_world(datadog_emulator_factory, tmp_path, DECLARED) as world:
        world.engine.up(goals(world))
        yield world


def goals(world: World, skip: str = "") -> list:
    """What the stack program registers for the declared connections."""
    decls = connection_specs(DECLARED, json.loads(world.config["datadog-crossorg:orgUuids"]))
    return [
        world.goal(d.name, "hub", list(d.connection_types), org=d.org)
        for d in decls
        if d.name != skip
    ]


def summary(rows: list[FlowCheck]) -> dict[tuple[str, str], bool]:
    return {(r.connection, r.data_type): r.flows for r in rows}


def test_after_up_every_declared_type_flows(stack: World, capsys: pytest.CaptureFixture) -> None:
    rows = verify_stack(stack.config, now_ms=NOW)

    print_flow_table(rows)
    table = capsys.readouterr().out
    with capsys.disabled():  # shown with `pytest -s`: the table a user sees
        print("\n" + table)
    assert summary(rows) == {
        ("payments-to-hub", "logs"): True,
        ("payments-to-hub", "metrics"): True,
        ("search-to-hub", "audit"): True,
        ("search-to-hub", "metrics"): True,
    }
    assert "(6/6 flowing)" in table and "Acme Payments" in table
    assert rows[0].detail == "13 points in the last hour (count of logs)"  # every 5 minutes


def test_after_the_connection_is_deleted_its_types_no_longer_flow(
    stack: World, capsys: pytest.CaptureFixture
) -> None:
    stack.engine.up(goals(stack, skip="payments-to-hub"))  # removed from the program

    rows = verify_stack(stack.config, now_ms=NOW)

    print_flow_table(rows)
    with capsys.disabled():
        print("\n" + capsys.readouterr().out)
    assert summary(rows) == {
        ("payments-to-hub", "logs"): False,
        ("payments-to-hub", "metrics"): False,
        ("search-to-hub", "audit"): True,
        ("search-to-hub", "metrics"): True,
    }
    assert all("no org connection" in r.detail for r in rows if not r.flows)


def test_a_type_taken_off_out_of_band_shows_what_the_connection_still_shares(
    stack: World,
) -> None:
    with stack.client("search") as search:
        search.update_connection(stack.engine.state["search-to-hub"].id, ["metrics"])

    rows = {r.data_type: r for r in verify_stack(stack.config) if r.connection == "search-to-hub"}

    assert rows["metrics"].flows and not rows["audit"].flows
    assert "shares only metrics" in rows["audit"].detail


def test_a_sink_viewer_policy_shows_as_not_flowing_for_a_key_pair_outside_it(
    stack: World,
) -> None:
    stack.engine.up(
        [
            *goals(stack),
            stack.access(
                "hub-access", "payments-to-hub", editors=[HUB_ADMIN], deployer=[HUB_ADMIN]
            ),
        ]
    )

    as_vic = verify_stack(stack.config, ["hub-viewer", "payments", "search"])
    as_hana = verify_stack(stack.config, [None, "payments", "search"])

    assert summary(as_vic)[("payments-to-hub", "metrics")] is False
    assert "viewer" in next(r.detail for r in as_vic if not r.flows)
    assert all(summary(as_hana).values())


def test_expectations_from_the_stack_state_check_what_was_deployed(stack: World) -> None:
    outputs = {name: state.outputs for name, state in stack.engine.state.items()}
    rows = verify_stack(
        stack.config, [None, "payments", "search"], expected=expectations_from_outputs(outputs)
    )
    assert len(rows) == 6 and all(r.flows for r in rows)


def test_automation_api_config_values_are_accepted(stack: World) -> None:
    """`stack.get_all_config()` maps keys to ConfigValue objects (`.value`, `.secret`)."""
    config = {k: SimpleNamespace(value=v, secret=False) for k, v in stack.config.items()}
    assert all(r.flows for r in verify_stack(config))


def test_without_a_sink_key_pair_the_row_says_which_is_missing(stack: World) -> None:
    rows = verify_stack(stack.config, ["payments", "search"])
    assert not any(r.flows for r in rows)
    assert "no key pair of Acme Hub" in rows[0].detail


# -- the command line ------------------------------------------------------------------------
def write_config(world: World, path: Path) -> Path:
    config = {
        key: json.loads(value) if key.startswith("datadog-crossorg:") else value
        for key, value in world.config.items()
    }
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def test_the_command_exits_0_when_all_flow_and_1_after_a_deletion(
    stack: World, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config = str(write_config(stack, tmp_path / "Pulumi.test.yaml"))

    passing = main(["connections", "verify", "--config", config])
    table = capsys.readouterr().out
    stack.engine.up(goals(stack, skip="search-to-hub"))
    failing = main(["connections", "verify", "--config", config, "--json"])
    rows = json.loads(capsys.readouterr().out)

    assert passing == 0 and "(6/6 flowing)" in table
    assert failing == 1
    assert {(r["connection"], r["data_type"]) for r in rows if not r["flows"]} == {
        ("search-to-hub", "audit"),
        ("search-to-hub", "metrics"),
    }


def test_a_bad_config_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["connections", "verify", "--config", str(tmp_path / "missing.yaml")])
    assert code == 2 and "crossorg connections verify" in capsys.readouterr().err
