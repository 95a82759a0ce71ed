"""`crossorg connections verify`: does each connection's data really reach its sink?

For each connection (those declared in the stack config's `datadog-crossorg:connections`, else
every one the key pairs see) and each type it shares, the sink runs a small cross-org timeseries
query over the last hour, and a table says whether data flows, or why not. A `logs` connection
also gets one row each for CI Visibility pipelines and Test Optimization tests (`logs:
ci_pipelines`, `logs: ci_tests`), which are taken to travel with logs (assumed). Exit status 0 when
every row flows, 1 when one does not, 2 for a usage problem (keys, config).

Keys come as for `connections list`; with no `--org`, every key pair of the config is used (and
the default pair, when it has keys), since the queries must run from the sink orgs. Which org a
key pair belongs to comes from `datadog-crossorg:orgUuids` (entries named like key pairs), else
from the connections it sees.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(actions: Any) -> None:
    """Register `verify` under `crossorg connections` (called from connections_cmd.register)."""
    from datadog_crossorg.cli.key_options import add_key_options, command

    parser = actions.add_parser(
        "verify",
        help="prove sharing works: a cross-org query from each sink, per shared type",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_key_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON rows for scripts")
    command(parser, cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from datadog_crossorg.config.stack_program import load_config_file
    from datadog_crossorg.reports.verify import print_flow_table, rows_json, verify_stack

    config = load_config_file(args.config) if args.config else {}
    rows = verify_stack(config, list(args.org) or None)
    if args.json:
        print(rows_json(rows))
    else:
        print_flow_table(rows)
    return 0 if rows and all(r.flows for r in rows) else 1
