"""Hostile eyes: what the other suites do not already prove about keys, transport and exposure.

Already proven elsewhere, not repeated here: the pickled provider, the state file, the provider's
stderr (default logging) and a failing create's error hold no key (tests/provider/dynamic
test_secrets_and_faults.py); the client refuses plain http off loopback, keys with CR/LF or other
control characters, and never echoes a key (tests/client test_sites_and_keys.py,
test_errors.py, test_faults.py at INFO); the emulator refuses to bind 0.0.0.0 or any non-loopback
address (tests/emulator test_wire.py, test_cli_and_plugin.py).

Added here: every logger of the provider process at DEBUG (ours, urllib3, grpc) through retries,
403s, a 409 and a refresh, with keys, state and every error scanned; CR/LF keys and plain http
arriving through stack config are refused before any request; the running emulator cannot be
reached through the machine's other addresses; a 403 names the permission the key pair lacks, as
Datadog's own text says it, for a write and for a read.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed
from datadog_crossorg.testing.harness import ProviderError
from tests.hardening.hardening_support import assert_state_is_datadog, fault, goal
from tests.support.world import World, dynamic_world

CANARY = "CANARYk3y"  # every key of the canary world contains it; no name or id does
NAMED = ("spoke-0001", "hub-readonly", "hub-writeonly")


def canary_seed() -> dict[str, Any]:
    """A hub and two spokes whose keys are canaries, and two more key pairs of the hub: one that
    may only read connections, one that may only write them."""
    seed = hub_and_spokes_seed(2)
    orgs = seed["accounts"][0]["orgs"]
    for org in orgs:
        for pair in org["key_pairs"]:
            pair["api_key"] = f"{CANARY}-{pair['name']}-api-7f3a"
            pair["app_key"] = f"{CANARY}-{pair['name']}-app-91c2"
    hub = orgs[0]["key_pairs"][0]
    for name, permissions in (
        ("hub-readonly", ["org_connections_read"]),
        ("hub-writeonly", ["org_connections_write"]),
    ):
        orgs[0]["key_pairs"].append(
            {
                "name": name,
                "user": hub["user"],
                "api_key": hub["api_key"],
                "app_key": f"{CANARY}-{name}-app-5e0d",
                "permissions": permissions,
            }
        )
    return seed


@pytest.fixture
def canary_world(
    datadog_emulator_factory: Callable[..., Emulator],
    provider_site: Callable[..., None],
    tmp_path: Path,
) -> Any:
    provider_site("DEBUG")
    emu = datadog_emulator_factory(
        seed=canary_seed(), rate_limits={"org_connections": {"limit": 100_000, "period": 1}}
    )
    with dynamic_world(emu, tmp_path, NAMED) as made:
        yield made


def failure_of(run: Callable[[], object]) -> str:
    with pytest.raises(ProviderError) as caught:
        run()
    return caught.value.message


def test_debug_logs_errors_and_state_never_hold_a_key_through_faults_and_refusals(
    canary_world: World, tmp_path: Path
) -> None:
    world = canary_world
    hub_to_spoke = goal(world, "hub-to-spoke", "spoke-0000", ["logs"])
    spoke_to_hub = goal(world, "spoke-to-hub", "hub", ["metrics"], org="spoke-0001")
    errors: list[str] = []

    # given: a stack deployed, updated and refreshed through retried faults
    world.emu.add_fault(fault("429", "POST"))
    world.emu.add_fault(fault("connection reset", "POST"))
    world.engine.up([hub_to_spoke, spoke_to_hub])
    created = (tmp_path / "state.json").read_text()
    world.emu.add_fault(fault("503", "PATCH"))
    hub_to_spoke = goal(world, "hub-to-spoke", "spoke-0000", ["logs", "audit"])
    world.engine.up([hub_to_spoke, spoke_to_hub])
    world.emu.add_fault(fault("connection reset", "GET"))
    world.engine.refresh()
    # when: Datadog refuses (403 on a write, 409 without adopt), then everything is destroyed
    readonly = goal(world, "readonly", "spoke-0001", ["logs"], org="hub-readonly")
    errors.append(failure_of(lambda: world.engine.up([hub_to_spoke, spoke_to_hub, readonly])))
    world.client("spoke-0001").create_connection(world.emu.org_uuid("spoke-0000"), ["logs"])
    taken = goal(world, "taken", "spoke-0000", ["logs"], org="spoke-0001")
    errors.append(failure_of(lambda: world.engine.up([hub_to_spoke, spoke_to_hub, taken])))
    populated = created + (tmp_path / "state.json").read_text()  # after create, before destroy
    assert "hub-to-spoke" in populated and '"connection_types"' in populated
    world.engine.destroy()

    # then: the logs were captured (so the scan means something), and hold no key
    logs = world.server.stderr_text()
    assert "datadog_crossorg.client" in logs and "retry" in logs
    assert "urllib3.connectionpool" in logs
    assert "lacks the permission 'org_connections_write'" in errors[0]
    assert "adopt=True" in errors[1]
    evidence = {
        "provider logs": logs,
        "populated state": populated,
        "state after destroy": (tmp_path / "state.json").read_text(),
        **{f"error {i}": text for i, text in enumerate(errors)},
    }
    assert {where: CANARY in text for where, text in evidence.items()} == dict.fromkeys(
        evidence, False
    )


def test_a_403_names_the_missing_write_permission_and_refresh_reads_through_the_hub(
    canary_world: World,
) -> None:
    world = canary_world
    # given: a key pair that may write connections but not read them
    world.engine.up([goal(world, "w", "spoke-0000", ["logs"], org="hub-writeonly")])

    # when: it creates with a read-only pair, and refreshes with the write-only one
    write = failure_of(
        lambda: world.engine.up(
            [
                goal(world, "w", "spoke-0000", ["logs"], org="hub-writeonly"),
                goal(world, "r", "spoke-0001", ["logs"], org="hub-readonly"),
            ]
        )
    )
    start = len(world.emu.requests)
    world.engine.refresh()

    # then: Datadog's text (through the client) names the missing write permission; the refresh
    # reads `w` through the hub's own listing (the default pair, an end of it), so the write-only
    # pair's missing read permission costs nothing (test_secrets_and_faults covers a read 403)
    assert "lacks the permission 'org_connections_write'" in write and "403" in write
    readers = {r.key_pair for r in world.emu.requests[start:] if r.method == "GET"}
    assert readers == {"hub"}
    assert_state_is_datadog(world)


@contextmanager
def world_with(emu: Emulator, tmp_path: Path, config: dict[str, str]) -> Any:
    with dynamic_world(emu, tmp_path, ("payments",), extra_config=config) as made:
        yield made


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("datadog:apiKey", f"{CANARY}-a\r\nX-Injected: 1", "api_key"),
        ("datadog:appKey", f"{CANARY}-b\nX-Injected: 1", "app_key"),
        ("datadog:apiKey", f"{CANARY}-c\rX", "api_key"),
    ],
)
def test_keys_with_line_breaks_in_stack_config_are_refused_before_any_request(
    datadog_emulator: Emulator, tmp_path: Path, key: str, value: str, named: str
) -> None:
    with world_with(datadog_emulator, tmp_path, {key: value}) as world:
        message = failure_of(lambda: world.engine.up([goal(world, "c", "payments", ["logs"])]))

        assert f"{named} contains whitespace, a control character" in message
        assert CANARY not in message and CANARY not in world.server.stderr_text()
        assert datadog_emulator.requests == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("datadog:apiUrl", "http://api.datadoghq.com"),
        ("datadog-crossorg:orgs", "payments"),
    ],
)
def test_plain_http_off_loopback_in_stack_config_is_refused_before_any_request(
    datadog_emulator: Emulator, tmp_path: Path, key: str, value: str
) -> None:
    keys = datadog_emulator.keys("payments")
    config = {key: value}
    if key == "datadog-crossorg:orgs":  # a named key pair pointing off loopback over http
        pair = {"apiKey": keys.api_key, "appKey": keys.app_key, "apiUrl": "http://10.1.2.3:8080"}
        config = {key: json.dumps({"payments": pair})}
    with world_with(datadog_emulator, tmp_path, config) as world:
        org = "payments" if key == "datadog-crossorg:orgs" else None
        message = failure_of(lambda: world.engine.up([goal(world, "c", "hub", ["logs"], org=org)]))

        assert "refusing plain http" in message
        assert "https://" in message
        assert datadog_emulator.requests == []


def non_loopback_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, never reached
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_the_running_emulator_cannot_be_reached_through_another_address(
    datadog_emulator: Emulator,
) -> None:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    port = int(datadog_emulator.url.rsplit(":", 1)[1])

    with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
        pass
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass  # while loopback answers
