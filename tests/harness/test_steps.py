"""The Engine makes the steps the Pulumi engine makes, calling the provider the way it does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from datadog_crossorg.testing.harness import UNKNOWN, CheckFailed, Engine, Goal, ProviderError
from tests.harness.toy_cloud import Cloud, ToyProvider
from tests.harness.toy_goals import thing


def test_up_creates_each_goal_and_a_second_up_changes_nothing(engine: Engine, cloud: Cloud) -> None:
    first = engine.up([thing(cloud, "a"), thing(cloud, "b")])
    cloud.clear_calls()
    second = engine.up([thing(cloud, "a"), thing(cloud, "b")])

    assert first.counts["create"] == 2 and first.changed
    assert set(engine.state) == {"a", "b"}
    assert {r.id for r in engine.state.values()} == set(cloud.resources())
    outs = engine.state["a"].outputs
    assert outs["size"] == 1.0 and isinstance(outs["size"], float)  # numbers come back floats
    assert "created_at" in outs and "__provider" in outs
    assert second.counts == {"same": 2} and not second.changed
    assert sorted(cloud.ops()) == ["check", "check", "diff", "diff"]


def test_update_sends_old_outputs_and_keeps_the_id(engine: Engine, cloud: Cloud) -> None:
    engine.up([thing(cloud, "a")])
    before = engine.state["a"]
    cloud.clear_calls()

    result = engine.up([thing(cloud, "a", size=2)])

    assert result.counts == {"update": 1}
    assert result.steps[0].detail == "changed: size"
    after = engine.state["a"]
    assert after.id == before.id and after.outputs["size"] == 2.0
    # created_at is an output only: finding it proves Diff and Update got the OLD OUTPUTS.
    assert "created_at" in cloud.calls("diff")[0]["olds"]
    assert "created_at" in cloud.calls("update")[0]["olds"]
    assert cloud.calls("check")[0]["olds"] == ["__provider", "name", "size", "zone"]


def test_replace_checks_again_then_creates_the_new_before_deleting_the_old(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "a")])
    old_id = engine.state["a"].id
    cloud.clear_calls()

    result = engine.up([thing(cloud, "a", zone="b")])

    assert result.counts == {"replace": 1}
    assert result.steps[0].detail == "replaces: zone"
    assert cloud.ops() == ["check", "diff", "check", "create", "delete"]
    assert cloud.calls("check")[1]["olds"] == []  # the replacement's Check has no olds
    assert cloud.calls("delete")[0]["id"] == old_id
    assert list(cloud.resources()) == [engine.state["a"].id] != [old_id]
    assert engine.pending_deletes == []


def test_delete_before_replace_when_the_provider_asks(engine: Engine, cloud: Cloud) -> None:
    engine.up([thing(cloud, "a", dbr=True)])
    cloud.clear_calls()

    result = engine.up([thing(cloud, "a", dbr=True, zone="b")])

    assert result.steps[0].detail == "replaces: zone (delete-before-replace)"
    assert cloud.ops() == ["check", "diff", "check", "delete", "create"]


def test_old_half_of_a_replacement_that_failed_to_delete_is_deleted_by_the_next_up(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "a")])
    old_id = engine.state["a"].id
    cloud.set(refuse_deletes=True)

    with pytest.raises(ProviderError, match="toy cannot delete"):
        engine.up([thing(cloud, "a", zone="b")])
    kept = [r.id for r in engine.pending_deletes]
    cloud.set(refuse_deletes=False)
    retried = engine.up([thing(cloud, "a", zone="b")])

    assert kept == [old_id] and engine.state["a"].id != old_id
    assert retried.counts == {"same": 1, "delete": 1}
    assert engine.pending_deletes == [] and list(cloud.resources()) == [engine.state["a"].id]


def test_type_changed_under_the_same_name_creates_the_new_and_deletes_the_old(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "a")])
    other = replace(thing(cloud, "a"), type="pulumi-python:dynamic/toy:Other")

    planned = engine.preview([other])
    applied = engine.up([other])

    assert planned.counts == applied.counts == {"create": 1, "delete": 1}
    assert engine.state["a"].urn.endswith("::pulumi-python:dynamic/toy:Other::a")
    assert list(cloud.resources()) == [engine.state["a"].id]


def test_goal_left_out_is_deleted_after_every_other_step(engine: Engine, cloud: Cloud) -> None:
    engine.up([thing(cloud, "a"), thing(cloud, "b")])
    cloud.clear_calls()

    result = engine.up([thing(cloud, "a"), thing(cloud, "c")])

    assert result.counts == {"same": 1, "create": 1, "delete": 1}
    ops = cloud.ops()
    assert ops.count("delete") == 1 and ops[-1] == "delete"  # after every other call
    assert set(engine.state) == {"a", "c"}


def test_dependents_are_created_after_and_destroyed_before_what_they_depend_on(
    engine: Engine, cloud: Cloud
) -> None:
    base = thing(cloud, "base")
    top = Goal("top", base.type, {"name": "top", "size": 1}, base.provider, depends_on=("base",))

    engine.up([top, base])
    created = [c["id"] for c in cloud.calls("create")]
    destroyed = engine.destroy()
    deleted = [c["id"] for c in cloud.calls("delete")]

    assert created == ["toy-1", "toy-2"]  # base first
    assert engine.state == {} and cloud.resources() == {}
    assert destroyed.counts == {"delete": 2}
    assert deleted == ["toy-2", "toy-1"]  # top first
    assert engine.state_json().count('"urn"') == 0


def test_preview_calls_only_check_and_diff_and_changes_no_state(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "a"), thing(cloud, "c")])
    state_before = engine.state_json()
    cloud.clear_calls()

    result = engine.preview(
        [thing(cloud, "a", size=2), thing(cloud, "b"), thing(cloud, "d", zone="b")]
    )

    assert result.counts == {"update": 1, "create": 2, "delete": 1}
    assert set(cloud.ops()) == {"check", "diff"}
    assert engine.state_json() == state_before
    assert len(cloud.resources()) == 2


def test_preview_hands_unknowns_to_check_as_unknown_objects_and_up_refuses_them(
    engine: Engine, cloud: Cloud
) -> None:
    result = engine.preview([thing(cloud, "a", size=UNKNOWN)])

    assert result.counts == {"create": 1}
    # Wire fact: the provider sees pulumi.output.Unknown, never the UNKNOWN string.
    assert cloud.calls("check")[0]["unknown_types"] == {"size": "Unknown"}
    with pytest.raises(ValueError, match="only a preview sends unknowns"):
        engine.up([thing(cloud, "a", size=UNKNOWN)])


def test_diff_without_explicit_changes_makes_the_engine_compare_inputs_pickle_included(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "legacy", legacy_diff=True), thing(cloud, "explicit")])

    unchanged = engine.up([thing(cloud, "legacy", legacy_diff=True), thing(cloud, "explicit")])
    upgraded = ToyProvider(cloud.path, flavor="v2")  # same class, other pickled bytes
    after_upgrade = engine.up(
        [thing(cloud, "legacy", upgraded, legacy_diff=True), thing(cloud, "explicit", upgraded)]
    )

    assert unchanged.counts == {"same": 2}
    assert any("legacy: Diff returned changes=None" in d for d in unchanged.diagnostics)
    spurious = {s.name: s for s in after_upgrade.steps}
    assert spurious["legacy"].op == "update" and spurious["legacy"].detail == "changed: __provider"
    assert spurious["explicit"].op == "same"


def test_check_failure_stops_the_deployment_before_any_create(engine: Engine, cloud: Cloud) -> None:
    with pytest.raises(CheckFailed) as failed:
        engine.up([thing(cloud, "bad", size=-1)])

    assert failed.value.failures == [("size", "size must be >= 0, got -1.0")]
    assert "size: size must be >= 0" in str(failed.value)
    assert cloud.calls("create") == [] and engine.state == {}


def test_provider_error_carries_its_traceback_and_finished_steps_stay_in_state(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "old")])

    with pytest.raises(ProviderError) as failed:
        engine.up([thing(cloud, "ok"), thing(cloud, "boom")])

    error = failed.value
    assert error.method == "Create"
    assert "Traceback" in error.message and "toy refuses to create 'boom'" in error.message
    assert set(engine.state) == {"old", "ok"}  # no delete of "old" after a failure
    assert error.result.counts == {"create": 1}
    assert set(Engine(engine.server, stack="test", state_path=engine.state_path).state) == {
        "old",
        "ok",
    }


def test_refresh_drops_gone_resources_and_takes_the_inputs_read_returns(
    engine: Engine, cloud: Cloud
) -> None:
    engine.up([thing(cloud, "a"), thing(cloud, "b"), thing(cloud, "c")])
    with cloud.edit() as data:
        del data["resources"][engine.state["b"].id]
        data["resources"][engine.state["a"].id]["size"] = 5

    refreshed = engine.refresh()

    assert refreshed.counts == {"refresh-gone": 1, "refresh-changed": 1, "same": 1}
    assert set(engine.state) == {"a", "c"}
    assert engine.state["a"].outputs["size"] == 5 and engine.state["a"].inputs["size"] == 5
    assert "__provider" in engine.state["a"].inputs  # the server keeps the pickle in inputs
    read = cloud.calls("read")[0]
    assert "created_at" in read["props"]  # Read gets the stored outputs
    repaired = engine.up([thing(cloud, "a"), thing(cloud, "b"), thing(cloud, "c")])
    assert repaired.counts == {"update": 1, "create": 1, "same": 1}


def test_state_file_lets_a_new_engine_continue(engine: Engine, cloud: Cloud) -> None:
    engine.up([thing(cloud, "a"), thing(cloud, "b")])

    successor = Engine(engine.server, stack="test", state_path=engine.state_path)
    result = successor.up([thing(cloud, "a")])

    assert result.counts == {"same": 1, "delete": 1}
    assert set(cloud.resources()) == {successor.state["a"].id}
    assert engine.state_path is not None
    assert engine.state_path.read_text() == successor.state_json()
