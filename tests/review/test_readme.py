"""README's "Review cross-org changes in pull requests": its example comment is the command's
output, and every `crossorg review` line of it (the workflows' too) is one the CLI accepts."""

from __future__ import annotations

import re
import shlex

import pytest

from datadog_crossorg.cli import build_parser, main
from datadog_crossorg.cli.review_cmd import BREAKS, PREVIEW_FLAGS
from tests.support.paths import ROOT

SECTION = re.compile(r"<!-- review:begin -->\n(?P<body>.*?)<!-- review:end -->", re.DOTALL)
EXAMPLE = re.compile(
    r"<!-- review-example:begin -->\n(?P<body>.*?)<!-- review-example:end -->", re.DOTALL
)
COMMAND = "crossorg review --from tests/fixtures/review/demo-combined.json --format markdown"


def section() -> str:
    found = SECTION.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md lost its <!-- review:begin --> / <!-- review:end --> markers"
    return found["body"]


def test_the_example_comment_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code = main(shlex.split(COMMAND)[1:])
    printed = capsys.readouterr().out

    example = EXAMPLE.search(section())
    assert example, "the section lost its review-example markers"
    assert code == 0
    assert example["body"] == printed, f"regenerate the README block with `{COMMAND}`"
    assert COMMAND.replace(" --format", "\n--format") in section()  # the sentence names it


def fenced_lines(text: str) -> list[str]:
    """Lines inside the section's ```sh and ```yaml fences (not the example comment's)."""
    text = EXAMPLE.sub("", text)
    return [
        line
        for block in re.findall(r"```(?:sh|yaml)\n(.*?)```", text, re.DOTALL)
        for line in block.splitlines()
    ]


def test_every_review_command_line_of_the_section_parses() -> None:
    lines = [
        line.split("crossorg ", 1)[1].split("  #")[0].split("; code=")[0]
        for line in fenced_lines(section())
        if "crossorg review" in line
    ]
    parser = build_parser()

    assert len(lines) >= 7  # the examples, the GitHub workflow, the GitLab job
    for line in lines:
        words = shlex.split(line.replace("[", "").replace("]", ""))
        args = parser.parse_args(words)
        assert args.command == "review", line


def test_the_section_runs_the_preview_with_the_flags_review_stack_adds() -> None:
    text = section()
    flags = " ".join(PREVIEW_FLAGS[1:])

    assert text.count(f"pulumi preview --stack prod {flags}") == 2  # GitHub and GitLab
    assert f"pulumi preview {flags} > preview.json" in text
    assert f"| {BREAKS} | `--fail-on-break`" in text
