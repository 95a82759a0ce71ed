"""A program wiring ConnectionAccess to an OrgConnection's output, run under the Mocks bridge:
the program pickles both providers, and preview sees the connection id as unknown."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pulumi
import pytest

from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.connection_access import ConnectionAccess
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.org_connection import OrgConnection
from datadog_crossorg.testing.harness import CheckFailed
from datadog_crossorg.testing.mocks import run_program
from tests.support.access import HUB_ADMIN, PAYMENTS_ADMIN, QUINN, access_world
from tests.support.world import World

ACCESS = [
    {
        "connection": "payments-to-hub",
        "org": "payments",
        "editors": [PAYMENTS_ADMIN],
        "deployer": [PAYMENTS_ADMIN],
    },
    {"connection": "payments-to-hub", "editors": [HUB_ADMIN], "deployer": [HUB_ADMIN]},
]


def program() -> None:
    """The lines the stack program gains (see the report): access entries from stack config."""
    config = pulumi.Config("datadog-crossorg")
    conn = OrgConnection(
        "payments-to-hub",
        sink_org_id=config.require_object("orgUuids")["hub"],
        connection_types=["metrics"],
        org="payments",
    )
    created = {"payments-to-hub": conn}
    for entry in config.get_object("access") or []:
        side = entry.get("org") or "default"
        ConnectionAccess(
            f"{entry['connection']}-access-{side}",
            connection_id=created[entry["connection"]].connection_id,
            editors=entry.get("editors"),
            viewers=entry.get("viewers"),
            org=entry.get("org"),
            deployer=entry.get("deployer"),
            allow_self_lockout=entry.get("allow_self_lockout", False),
        )


@pytest.fixture
def world_with(
    datadog_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> Iterator[Callable[[list[dict]], World]]:
    """`world_with(access)`: a world whose stack config carries `datadog-crossorg:access` (the
    server is configured once, with the whole config, as the engine does)."""
    with contextlib.ExitStack() as cleanup:

        def make(access: list[dict]) -> World:
            extra = {"datadog-crossorg:access": json.dumps(access)}
            return cleanup.enter_context(
                access_world(datadog_emulator_factory, tmp_path, extra=extra)
            )

        yield make


def test_preview_then_up_then_noop_with_the_connection_id_flowing_in(
    world_with: Callable[[list[dict]], World],
) -> None:
    world = world_with(ACCESS)
    config = world.config

    preview = run_program(
        program, world.engine, config=config, secret_keys=SECRET_KEYS, preview=True
    )
    calls_in_preview = len(world.emu.requests)
    up = run_program(program, world.engine, config=config, secret_keys=SECRET_KEYS)
    again = run_program(program, world.engine, config=config, secret_keys=SECRET_KEYS)

    assert preview.result.counts["create"] == 3 and calls_in_preview == 0
    assert up.result.counts["create"] == 3 and not again.result.changed
    assert world.policy("payments", "payments-to-hub")[0].principals == (PAYMENTS_ADMIN,)
    assert world.policy("hub", "payments-to-hub")[0].principals == (HUB_ADMIN,)
    deps = up.resource("payments-to-hub-access-payments").dependency_names
    assert "payments-to-hub" in deps


def test_a_lockout_in_the_program_fails_at_preview_even_with_the_id_unknown(
    world_with: Callable[[list[dict]], World],
) -> None:
    locked = {"connection": "payments-to-hub", "org": "payments", "editors": [QUINN]}
    world = world_with([{**locked, "deployer": [PAYMENTS_ADMIN]}])
    config = world.config

    with pytest.raises(CheckFailed, match="would lose edit access"):
        run_program(program, world.engine, config=config, secret_keys=SECRET_KEYS, preview=True)

    assert world.emu.requests == []
