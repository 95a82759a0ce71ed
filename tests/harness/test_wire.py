"""Wire facts the harness reproduces: Configure, secrets, concurrency, the server process."""

from __future__ import annotations

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from datadog_crossorg.testing.harness import (
    Engine,
    ProviderServer,
    is_secret,
    secret,
    strip_secrets,
)
from tests.harness.toy_cloud import Cloud, PlainToyProvider
from tests.harness.toy_goals import TOY_CONFIG, TOY_SECRET_KEYS, thing, toy_server


def test_configure_hands_the_provider_the_whole_stack_config_decrypted(
    engine: Engine, cloud: Cloud, server: ProviderServer
) -> None:
    engine.up([thing(cloud, "a", show_config=True)])

    seen = engine.state["a"].outputs["config_seen"]
    assert seen == {
        "greeting": "hello",
        "password": "pa55-CANARY",  # a secret key arrives unwrapped
        "settings": {"zones": ["a", "b"]},  # structured values arrive as JSON text
        "motto": "plain project key",  # un-namespaced get() uses the project (Pulumi.yaml)
    }
    # The Python dynamic provider answers Configure like this, which shapes every later call.
    assert (server.accept_secrets, server.supports_preview) == (False, False)


def test_server_calls_one_by_one_answer_as_the_engine_sees_them(
    server: ProviderServer, cloud: Cloud
) -> None:
    urn = "urn:pulumi:test::datadog-crossorg::pulumi-python:dynamic/toy:Thing::a"
    goal = thing(cloud, "a", token=secret("t"))
    props = {**goal.inputs, "__provider": secret(serialize_provider(goal.provider))}

    checked = server.check(urn, {}, props)
    id_, outs = server.create(urn, checked.inputs)
    explicit = server.diff(id_, urn, outs, {**checked.inputs, "zone": "b"})
    legacy = server.diff(id_, urn, outs, {**checked.inputs, "legacy_diff": True})
    found_id, read_outs, read_inputs = server.read(id_, urn, outs, checked.inputs)
    updated = server.update(id_, urn, outs, {**checked.inputs, "size": 3})
    server.delete(id_, urn, updated)
    gone_id, _, _ = server.read(id_, urn, outs, checked.inputs)

    assert checked.failures == [] and checked.inputs["size"] == 1.0
    assert (explicit.changes, explicit.replaces) == ("some", ["zone"])
    assert explicit.stables == []  # DiffResult.stables never crosses the wire
    assert legacy.changes == "unknown"  # DiffResult(changes=None)
    assert found_id == id_ and read_inputs is not None and read_inputs["size"] == 1.0
    assert is_secret(read_outs["token"]) and is_secret(read_outs["__provider"])
    assert updated["size"] == 3.0 and gone_id == ""
    assert server.create(urn, checked.inputs, preview=True) == ("", checked.inputs)  # no call
    assert len(cloud.calls("create")) == 1


def test_configure_again_with_another_config_is_refused(server: ProviderServer) -> None:
    server.configure(TOY_CONFIG, TOY_SECRET_KEYS)  # the same config: nothing to do

    with pytest.raises(RuntimeError, match="already configured"):
        server.configure({**TOY_CONFIG, "toy:greeting": "bye"}, TOY_SECRET_KEYS)


def test_secret_inputs_reach_the_provider_plain_and_come_back_marked(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "a", token=secret("tok-CANARY")), thing(cloud, "b")])

    a = engine.state["a"]
    sent = {call["id"]: call["token"] for call in cloud.calls("create")}
    assert sent == {a.id: "tok-CANARY", engine.state["b"].id: None}  # stripped on the way out
    assert is_secret(a.outputs["token"]) and strip_secrets(a.outputs["token"]) == "tok-CANARY"
    assert is_secret(a.inputs["token"])
    # The default ResourceProvider pickles as a secret, in inputs and (annotated) outputs.
    assert is_secret(a.inputs["__provider"]) and is_secret(a.outputs["__provider"])
    # The state keeps secrets readable, so a scan for a forbidden string finds them.
    assert "tok-CANARY" in engine.state_json()
    assert "pa55-CANARY" not in engine.state_json()


def test_provider_that_captures_no_secret_pickles_in_plain_text(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "a", PlainToyProvider(cloud.path))])

    pickled = engine.state["a"].inputs["__provider"]
    assert isinstance(pickled, str) and not is_secret(engine.state["a"].outputs["__provider"])


def test_reads_during_refresh_overlap(engine: Engine, cloud: Cloud) -> None:
    engine.up([thing(cloud, "a"), thing(cloud, "b"), thing(cloud, "c")])
    # Each Read waits until three are in flight at once: refresh only succeeds if they overlap.
    cloud.set(barrier={"op": "read", "parties": 3, "timeout": 10})

    result = engine.refresh()

    assert result.counts == {"same": 3}
    assert cloud.data()["max_in_flight"]["read"] == 3


def test_parallel_one_runs_one_step_at_a_time(
    server: ProviderServer, cloud: Cloud, tmp_path
) -> None:
    serial = Engine(server, stack="test", state_path=tmp_path / "serial.json", parallel=1)

    serial.up([thing(cloud, name) for name in "abcd"])

    assert len(cloud.resources()) == 4
    assert cloud.data()["max_in_flight"]["create"] == 1


def test_creates_overlap_up_to_parallel(engine: Engine, cloud: Cloud) -> None:
    cloud.set(barrier={"op": "create", "parties": 3, "timeout": 10})

    engine.up([thing(cloud, name) for name in "abc"])

    assert cloud.data()["max_in_flight"]["create"] == 3


def test_server_keeps_provider_stderr_and_leaves_no_process_behind(cloud: Cloud) -> None:
    with toy_server() as server:
        with pytest.raises(RuntimeError, match="configure"):
            server.check("urn:pulumi:s::p::t::n", {}, {})
        server.configure({})
        Engine(server).up([thing(cloud, "a")])
        stderr = server.stderr_text()
        assert server.running

    assert "toy: created toy-1" in stderr
    assert not server.running
    assert server.stderr_text() == stderr  # still readable after the process is gone
