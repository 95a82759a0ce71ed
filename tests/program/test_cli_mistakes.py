"""A user's mistake on the command line: one line naming it, from the command it was given to."""

from __future__ import annotations

from pathlib import Path

import pytest

from datadog_crossorg.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["connections", "list", "--nope"],
        ["connections", "graph", "--nope"],
        ["dashboards", "lint", "x.json", "--nope"],
        ["plugin", "schema", "--nope"],
    ],
)
def test_an_unknown_option_prints_the_subcommands_usage(capsys, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    prog = "crossorg " + " ".join(argv[:2])
    assert err.startswith(f"usage: {prog} ")
    assert err.strip().splitlines()[-1] == f"{prog}: error: unrecognized arguments: --nope"


@pytest.mark.parametrize("group", ["dashboards", "notebooks"])
def test_lint_of_a_missing_file_is_one_clear_line(capsys, tmp_path: Path, group: str) -> None:
    missing = tmp_path / "nope.json"
    assert main([group, "lint", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"crossorg {group} lint: {missing}: No such file or directory (check the path)\n"
