"""`crossorg notebooks export|lint` against the offline Datadog (over HTTP), keys from a config
file; and the one implementation `crossorg dashboards` shares with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from datadog_crossorg.cli import dashboards_cmd, main, notebooks_cmd
from datadog_crossorg.cli.document_commands import DocumentCommands
from datadog_crossorg.dashboards import (
    CIPipelinesQuery,
    CITestsQuery,
    MetricsQuery,
    Timeseries,
    Toplist,
    render,
)
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.notebooks import Cell, Markdown, Notebook
from datadog_crossorg.notebooks.export import export_notebook, normalize
from datadog_crossorg.testing.stack import emulator_stack_config
from tests.support.probe import out_of_band, write_config


def ci_notebook(emu: Emulator) -> Notebook:
    """A hub notebook reading the payments org's CI: pipelines and tests."""
    pay = emu.org_uuid("payments")
    pipelines = Timeseries("Failed pipelines", [CIPipelinesQuery("p", "@ci.status:error", pay)])
    tests = Toplist("Flaky tests", [CITestsQuery("t", "@test.is_flaky:true", pay)])
    return Notebook(
        "Payments CI",
        [Markdown("# Payments CI, from the hub"), Cell(pipelines, graph_size="l"), tests],
        time="1d",
    )


def own_notebook() -> Notebook:
    return Notebook("Own", [Timeseries("CPU", [MetricsQuery("a", "avg:system.cpu.user{*}")])])


def create(emu: Emulator, body: dict[str, Any], key_pair: str = "hub") -> str:
    with out_of_band(emu, key_pair) as made_by:
        return str(made_by.create_notebook(body)["id"])


# -- export ----------------------------------------------------------------------------------
def test_export_writes_the_attributes_the_builder_makes_without_server_fields(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    book = ci_notebook(datadog_emulator)
    notebook_id = create(datadog_emulator, book.request_body())
    out = tmp_path / "out.json"

    to_stdout = main(["notebooks", "export", notebook_id, "--config", str(config)])
    captured = capsys.readouterr()
    to_file = main(["notebooks", "export", notebook_id, "-o", str(out), "--config", str(config)])

    assert (to_stdout, to_file) == (0, 0)
    assert captured.out == render(book.to_dict())  # the CrossOrgNotebook input, byte for byte
    assert captured.err == ""
    exported = json.loads(captured.out)
    assert sorted(exported) == ["cells", "name", "status", "time"]
    assert all(sorted(cell) == ["attributes", "type"] for cell in exported["cells"])
    assert out.read_text() == captured.out
    fetched = [r for r in datadog_emulator.requests if r.path.startswith("/api/v1/notebooks/")]
    assert [(r.method, r.key_pair) for r in fetched] == [("GET", "hub"), ("GET", "hub")]


def test_export_create_export_gives_identical_bytes_and_keeps_what_the_user_set(
    datadog_emulator: Emulator,
) -> None:
    body = ci_notebook(datadog_emulator).request_body()
    body["data"]["attributes"]["metadata"] = {"type": "runbook"}  # not Datadog's default
    with out_of_band(datadog_emulator, "hub") as hub:
        original = hub.create_notebook(body)
        assert original["attributes"]["cells"][0]["id"]  # the server gave cell ids
        first = export_notebook(hub, original["id"])
        copy = hub.create_notebook({"data": {"type": "notebooks", "attributes": first.document}})
        second = export_notebook(hub, copy["id"])

    assert copy["id"] != original["id"]
    assert second.text.encode() == first.text.encode()
    assert first.document["metadata"] == {
        "is_template": False,
        "take_snapshots": False,
        "type": "runbook",
    }
    assert first.notes == () and first.id == str(original["id"])


def test_normalize_reads_every_json_form_and_notes_what_it_leaves_out_or_keeps() -> None:
    definition = {
        "type": "timeseries",
        "requests": [{"queries": [{"data_source": "metrics", "name": "a", "query": "avg:x{*}"}]}],
        "markers": [{"value": "y = 1"}],
        "alert_id": "4242",
    }
    data = {
        "id": 7,
        "type": "notebooks",
        "attributes": {
            "name": "Runbook",
            "cells": [
                {
                    "id": "abcd1234",
                    "type": "notebook_cells",
                    "attributes": {"definition": definition, "time": None},
                }
            ],
            "time": {"live_span": "1h"},
            "status": "published",
            "metadata": {"is_template": False, "take_snapshots": False, "type": None},
            "template_variables": [{"name": "env", "default": "prod"}],
            "author": {"handle": "hana@acme.example"},
            "created": "2025-10-09T08:00:00+00:00",
            "modified": "2025-10-09T08:00:00+00:00",
        },
    }

    from_data, notes = normalize(data)
    from_body, _ = normalize({"data": data})
    from_attributes, _ = normalize(data["attributes"])

    assert from_data == from_body == from_attributes
    assert from_data == {
        "name": "Runbook",
        "cells": [{"attributes": {"definition": definition}, "type": "notebook_cells"}],
        "time": {"live_span": "1h"},
        "status": "published",
    }
    assert [n.where for n in notes] == [
        "template_variables",
        "cells[0].attributes.definition.alert_id",
    ]
    assert "a CrossOrgNotebook declares only name, cells, time, status, metadata" in str(notes[0])
    assert "names a monitor of this org" in str(notes[1])


def test_export_warns_on_stderr_about_what_it_leaves_out(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    body = own_notebook().request_body()
    body["data"]["attributes"]["template_variables"] = [{"name": "env", "prefix": "env"}]
    notebook_id = create(datadog_emulator, body)

    code = main(["notebooks", "export", notebook_id, "--config", str(config)])

    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.startswith(
        f"warning: notebook {notebook_id}: template_variables: left out: a CrossOrgNotebook "
        "declares only"
    )
    assert "template_variables" not in json.loads(captured.out)


def test_export_cross_org_writes_one_file_per_notebook_with_a_cross_org_query(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    own_id = create(datadog_emulator, own_notebook().request_body())
    cross_id = create(datadog_emulator, ci_notebook(datadog_emulator).request_body())
    create(datadog_emulator, ci_notebook(datadog_emulator).request_body(), "payments")  # not hub's
    target = tmp_path / "exported"
    argv = ["notebooks", "export", "--cross-org", "-d", str(target), "--config", str(config)]

    quiet = main([*argv, "--quiet"])
    quiet_out = capsys.readouterr()
    talkative = main(argv)
    talkative_err = capsys.readouterr().err

    assert quiet == 0 and talkative == 0
    assert sorted(p.name for p in target.iterdir()) == [f"{cross_id}.json"]
    assert quiet_out.out.split() == [str(target / f"{cross_id}.json")]
    assert own_id not in quiet_out.out and quiet_out.err == ""
    assert (target / f"{cross_id}.json").read_text() == render(
        ci_notebook(datadog_emulator).to_dict()
    )
    assert talkative_err == (
        f"exported 1 of 2 notebook(s) (those with a cross-org query) to {target}\n"
    )


@pytest.mark.parametrize("argv", [[], ["123", "--cross-org"], ["--cross-org", "-o", "x"]])
def test_export_needs_exactly_one_of_id_or_cross_org(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notebooks", "export", *argv]) == 2
    assert "crossorg notebooks export:" in capsys.readouterr().err


def test_a_notebook_id_that_is_not_an_integer_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["notebooks", "export", "abc-def-ghi"])

    assert stopped.value.code == 2
    assert "notebook IDs are integers, not 'abc-def-ghi'" in capsys.readouterr().err


def test_export_of_an_unknown_notebook_fails_with_datadogs_message_and_no_key(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    other_orgs = create(datadog_emulator, own_notebook().request_body(), "payments")

    code = main(["notebooks", "export", other_orgs, "--config", str(config)])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("crossorg notebooks export: ") and "Notebook not found" in err
    assert datadog_emulator.keys("hub").app_key not in err


def test_export_with_two_orgs_or_a_missing_config_is_a_usage_error(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")

    two = main(
        ["notebooks", "export", "1", "--org", "payments", "--org", "x", "--config", str(config)]
    )
    two_err = capsys.readouterr().err
    missing = main(["notebooks", "export", "1", "--config", str(tmp_path / "nope.yaml")])
    missing_err = capsys.readouterr().err

    assert (two, missing) == (2, 2)
    assert "give at most one --org: notebooks belong to one org" in two_err
    assert missing_err.startswith("crossorg notebooks export: ")
    assert not [r for r in datadog_emulator.requests if "notebooks" in r.path]


# -- lint ------------------------------------------------------------------------------------
def bad_cells(emu: Emulator) -> list[dict[str, Any]]:
    """A cell whose one query names two orgs, and one reading a source no connection shares."""
    pay, edge = emu.org_uuid("payments"), emu.org_uuid("edge")
    queries = [
        {"data_source": "ci_tests", "name": "t", "cross_org_uuids": [pay, edge]},
        {"data_source": "rum", "name": "r", "cross_org_uuids": [pay]},
    ]
    definition = {"type": "timeseries", "requests": [{"queries": queries}]}
    return [{"type": "notebook_cells", "attributes": {"definition": definition}}]


def test_lint_offline_reads_attributes_and_whole_bodies_and_names_each_cells_problem(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    good.write_text(render(ci_notebook(datadog_emulator).to_dict()))
    body = ci_notebook(datadog_emulator).request_body()
    body["data"]["attributes"]["cells"] = bad_cells(datadog_emulator)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(body))

    code = main(["notebooks", "lint", str(good), str(bad)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0] == f"{good}: ok (2 cross-org queries checked)"
    assert lines[1] == (
        f'{bad}: cells[0].requests[0].queries[0] (name "t"): cross_org_uuids holds 2 UUIDs but a '
        "query reads at most one org: write one query per org and combine them in a formula"
    )
    assert lines[2].startswith(
        f"{bad}: cells[0].requests[0].queries[1] (name \"r\"): data_source 'rum' cannot read"
    )
    assert len(lines) == 3


def test_lint_live_checks_each_query_against_the_connections_into_the_notebooks_org(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(datadog_emulator, tmp_path / "config.json")
    hub, pay = datadog_emulator.org_uuid("hub"), datadog_emulator.org_uuid("payments")
    edge = datadog_emulator.org_uuid("edge")
    with out_of_band(datadog_emulator, "payments") as payments:
        connection = payments.create_connection(hub, ["metrics"])
    metrics = Notebook("M", [Timeseries("W", [MetricsQuery("m", "avg:x{*}", source=pay)])])
    metrics_file, ci_file = tmp_path / "metrics.json", tmp_path / "ci.json"
    metrics_file.write_text(render(metrics.to_dict()))
    ci_file.write_text(render(ci_notebook(datadog_emulator).to_dict()))
    live = ["--live", "--config", str(config)]

    offline = main(["notebooks", "lint", str(metrics_file), str(ci_file)])
    offline_out = capsys.readouterr().out
    in_hub = main(["notebooks", "lint", str(metrics_file), str(ci_file), *live])
    in_hub_out = capsys.readouterr().out.splitlines()
    in_edge = main(["notebooks", "lint", str(metrics_file), *live, "--notebook-org", edge])
    in_edge_out = capsys.readouterr().out

    assert offline == 0 and offline_out.count(": ok (") == 2
    assert in_hub == 1
    assert (
        in_hub_out[0] == f"{metrics_file}: ok (1 cross-org queries checked against 1 connection(s))"
    )
    assert in_hub_out[1] == (
        f'{ci_file}: cells[1].requests[0].queries[0] (name "p") in widget "Failed pipelines": '
        f"reads ci_pipelines of org {pay} but connection {connection.id} from that org to the "
        "notebook's org shares only metrics: add logs to its connection_types. ci_pipelines "
        "queries need a connection sharing logs (assumed: Datadog documents no connection type "
        "for CI Visibility; pipelines and tests events travel with logs)"
    )
    assert '(name "t")' in in_hub_out[2] and "reads ci_tests" in in_hub_out[2]
    assert len(in_hub_out) == 3
    assert in_edge == 1
    assert f"which is connected to {hub} but not to the notebook's org {edge}" in in_edge_out
    listed = [r for r in datadog_emulator.requests if r.path == "/api/v2/org_connections"]
    assert [(r.method, r.key_pair) for r in listed][-1] == ("GET", "hub")


def test_lint_of_a_file_that_is_not_a_notebook_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken, listed = tmp_path / "broken.json", tmp_path / "list.json"
    broken.write_text("{not json")
    listed.write_text("[]")

    assert main(["notebooks", "lint", str(broken)]) == 2
    broken_err = capsys.readouterr().err
    assert main(["notebooks", "lint", str(listed)]) == 2
    listed_err = capsys.readouterr().err
    assert main(["notebooks", "lint", str(tmp_path / "missing.json")]) == 2

    assert broken_err.startswith(f"crossorg notebooks lint: {broken} is not valid JSON")
    assert f"{listed} must hold a JSON object (a notebook), not list" in listed_err


def test_lint_live_when_datadog_refuses_the_listing_exits_1(
    datadog_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        **emulator_stack_config(datadog_emulator, "hub"),
        "datadog:appKey": "not-a-key-of-any-org",
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    notebook_file = tmp_path / "ci.json"
    notebook_file.write_text(render(ci_notebook(datadog_emulator).to_dict()))

    code = main(
        [
            "notebooks",
            "lint",
            str(notebook_file),
            "--live",
            "--config",
            str(tmp_path / "config.json"),
        ]
    )

    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err.startswith("crossorg notebooks lint: ")
    assert "not-a-key-of-any-org" not in captured.err


# -- one implementation ----------------------------------------------------------------------
@pytest.mark.parametrize("action", ["export", "lint"])
def test_dashboards_and_notebooks_are_the_same_commands_with_the_same_options(
    action: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def options(group: str) -> set[str]:
        with pytest.raises(SystemExit) as stopped:
            main([group, action, "--help"])
        assert stopped.value.code == 0
        text = capsys.readouterr().out
        return {word.strip("[],") for word in text.split() if word.startswith(("-", "[-"))}

    dashboards, notebooks = options("dashboards"), options("notebooks")

    assert isinstance(dashboards_cmd.COMMANDS, DocumentCommands)
    assert isinstance(notebooks_cmd.COMMANDS, DocumentCommands)
    assert {o.replace("dashboard", "NOUN") for o in dashboards} == {
        o.replace("notebook", "NOUN") for o in notebooks
    }
    assert {"--config", "--org"} <= notebooks
    assert (
        {"--cross-org", "--output", "--dir", "--quiet"} if action == "export" else {"--live"}
    ) <= (notebooks)
