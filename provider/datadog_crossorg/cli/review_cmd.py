"""`crossorg review`: what a `pulumi preview` does to who sees what.

    crossorg review --from preview.json | --from - | --stack NAME [--cwd DIR] [-- PREVIEW FLAGS]
                    [--format table|markdown|json] [-o FILE] [--fail-on-break]
                    [--live [--org NAME ...] [--config FILE]]

Reads the real CLI's `pulumi preview --json` (best with `--show-sames --show-replacement-steps`,
which `--stack` adds) and says, per (source org, sink org, data type), which flows start, stop
or stay; per connection, the principals that gain or lose edit or view; and which of the
stack's dashboards and notebooks read a flow that stops. No API call without `--live`; with it,
every dashboard and notebook of each affected sink org in Datadog is read (never written).

Exit status: 0 nothing that reads data breaks (or it does, without --fail-on-break: the report
says so); 3 with --fail-on-break, when a query reads a flow that certainly stops; 2 bad usage or
input (not a preview JSON, a failed preview, a stack without our resources; one line says what
was expected); 1 Datadog failed (--live).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from datadog_crossorg.cli.key_options import CommandFailed, add_key_options, clients, command

BREAKS = 3  # the exit status of --fail-on-break when something that reads data breaks
PREVIEW_FLAGS = ("preview", "--json", "--show-sames", "--show-replacement-steps")


def register(groups: Any) -> None:
    parser = groups.add_parser(
        "review",
        help="what a pulumi preview does to cross-org flows, access, dashboards and notebooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="a saved `pulumi preview --json` (`-`: read it from stdin)",
    )
    source.add_argument(
        "--stack",
        metavar="NAME",
        help="run `pulumi preview --json --show-sames --show-replacement-steps` on this stack",
    )
    parser.add_argument("--cwd", metavar="DIR", help="the Pulumi project folder (with --stack)")
    parser.add_argument(
        "--format", choices=("table", "markdown", "json"), default="table", help="default: table"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report here")
    parser.add_argument(
        "--fail-on-break",
        action="store_true",
        help=f"exit {BREAKS} when a dashboard or notebook reads a flow that stops",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="also read every dashboard and notebook of each affected sink org (read-only)",
    )
    add_key_options(parser)
    parser.add_argument(
        "preview_args",
        nargs=argparse.REMAINDER,
        metavar="-- PREVIEW FLAGS",
        help="with --stack: more flags for `pulumi preview` (after --)",
    )
    command(parser, cmd_review)


def cmd_review(args: argparse.Namespace) -> int:
    from datadog_crossorg.reports.review.analysis import named_orgs, review
    from datadog_crossorg.reports.review.preview import PreviewInvalid, parse
    from datadog_crossorg.reports.review.render import render

    extra = list(args.preview_args or ())
    if extra and extra[0] == "--":
        extra = extra[1:]
    if extra and not args.stack:
        raise CommandFailed(2, f"preview flags ({' '.join(extra)}) go with --stack, not --from")
    if args.cwd and not args.stack:
        raise CommandFailed(2, "--cwd goes with --stack (the folder pulumi preview runs in)")
    text, where = _preview_text(args, extra)
    try:
        preview = parse(text, where)
    except PreviewInvalid as error:
        raise CommandFailed(2, error) from None
    if not preview.resources and not preview.components:
        hint = " (unchanged ones show with --show-sames)" if preview.hidden_sames else ""
        raise CommandFailed(
            2,
            f"{where} holds none of datadog-crossorg's resources (OrgConnection, "
            f"ConnectionAccess, CrossOrgDashboard, CrossOrgNotebook){hint}: expected the preview "
            "of a stack that declares them",
        )
    result = review(preview)
    if args.live:
        from datadog_crossorg.config.stack_program import load_config_file
        from datadog_crossorg.reports.review.live import search

        config = load_config_file(args.config) if args.config else {}
        live_args = argparse.Namespace(**vars(args))
        if not args.org:
            live_args.org = _configured_key_pairs(config)
        with clients(live_args) as opened:
            result = search(result, opened, named_orgs(config))
    report = render(result, args.format)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    return BREAKS if args.fail_on_break and result.broken else 0


def _configured_key_pairs(config: dict[str, str]) -> list[str | None]:
    """Every key pair the config names, the default one first when it has keys."""
    from datadog_crossorg.config.credentials import CredentialsError, KeyRing

    ring = KeyRing.from_config(config.get)
    names: list[str | None] = sorted(ring.names)
    try:
        ring.resolve(None)
    except CredentialsError:
        return names or [None]
    return [None, *names]


def _preview_text(args: argparse.Namespace, extra: list[str]) -> tuple[str, str]:
    if args.from_file == "-":
        return sys.stdin.read(), "stdin"
    if args.from_file:
        try:
            return Path(args.from_file).read_text(encoding="utf-8"), args.from_file
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or error
            raise CommandFailed(2, f"cannot read {args.from_file}: {reason}") from None
    return _run_preview(args.stack, args.cwd, extra), f"the preview of stack {args.stack}"


def _run_preview(stack: str, cwd: str | None, extra: list[str]) -> str:
    """`pulumi preview --json ...` on `stack`; its JSON even when the preview fails (the
    diagnostics say why), CommandFailed(2) when there is no JSON to read."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise CommandFailed(2, "no `pulumi` on PATH: install the Pulumi CLI, or use --from FILE")
    if cwd and not Path(cwd).is_dir():
        raise CommandFailed(2, f"--cwd {cwd}: no such folder")
    command_line = [pulumi, *PREVIEW_FLAGS, "--stack", stack, "--non-interactive", *extra]
    done = subprocess.run(
        command_line,
        cwd=cwd or os.getcwd(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.stdout.strip().startswith("{"):
        return done.stdout
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    reason = lines[-1].strip() if lines else "no output"
    raise CommandFailed(
        2, f"pulumi preview on stack {stack} failed (exit {done.returncode}): {reason}"
    )
