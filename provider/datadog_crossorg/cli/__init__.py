"""`crossorg`: the project's command line.

One module per command group, each with a `register(groups)` that adds its subparser and names
its command (`key_options.command`); `main` runs it through `key_options.exit_on_error`, the one
place a user's mistake becomes a line on stderr and an exit code. Heavy modules are imported
inside the commands so `crossorg --help` stays instant.

    crossorg emulator [--host 127.0.0.1] [--port 18126] [--seed FILE] [--state FILE]
                      [--rate-limit ...] [--latency SECONDS] [--fault JSON ...]
    crossorg connections list [--org NAME ...] [--config FILE] [--json]; graph; verify;
                      import-file; audit
    crossorg dashboards export ID [-o FILE] | --cross-org [-d DIR] [--quiet]; lint FILE... [--live]
    crossorg notebooks export ID [-o FILE] | --cross-org [-d DIR] [--quiet]; lint FILE... [--live]
    crossorg plugin build [-o DIR] | schema [-o FILE] [--check]
    crossorg review --from FILE|- | --stack NAME [--format table|markdown|json] [--live]
                      [--fail-on-break]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from datadog_crossorg.cli import (
    connections_cmd,
    dashboards_cmd,
    emulator_cmd,
    notebooks_cmd,
    plugin_cmd,
    review_cmd,
)

GROUPS = (emulator_cmd, connections_cmd, dashboards_cmd, notebooks_cmd, plugin_cmd, review_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crossorg",
        description="Datadog cross-org connections and dashboards as code: tools.",
    )
    groups = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # Unknown options are refused by the (sub)command they were given to, with its own usage:
    # argparse would hand them up to the top-level parser, whose usage names no option.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    command = getattr(args, "func", None)
    if command is None:
        parser.print_help()
        return 2
    from datadog_crossorg.cli.key_options import exit_on_error

    return exit_on_error(args.prog, lambda: command(args))


if __name__ == "__main__":
    sys.exit(main())
