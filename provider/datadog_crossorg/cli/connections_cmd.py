"""`crossorg connections list`: the connections seen from one or more orgs, as a table or JSON.

Keys come as the provider takes them: a stack config (`--config Pulumi.<stack>.yaml`, or the
output of `pulumi config --show-secrets --json` when the keys are secrets), then the environment
(DATADOG_API_KEY, DATADOG_APP_KEY, DATADOG_HOST). `--org NAME` picks key pairs from
`datadog-crossorg:orgs`; with no `--org`, the default pair is used.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(groups: Any) -> None:
    parser = groups.add_parser(
        "connections",
        help="org connections: list what is shared with whom",
        description="Inspect Datadog org connections.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="connections seen from the given orgs (both sides, merged)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_key_options(listing)
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(func=cmd_list)


def add_key_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that calls Datadog shares: which key pairs, from where."""
    parser.add_argument(
        "--org",
        action="append",
        default=[],
        metavar="NAME",
        help="key pair from datadog-crossorg:orgs (repeatable; default: the default pair)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="stack config: Pulumi.<stack>.yaml, or `pulumi config --show-secrets --json` output",
    )


def key_ring_and_names(args: argparse.Namespace) -> tuple[Any, list[str | None]]:
    """The key ring the options describe, and the key-pair names to use (None = default)."""
    from datadog_crossorg.credentials import KeyRing
    from datadog_crossorg.stack_config import load_config_file

    config = load_config_file(args.config) if args.config else {}
    return KeyRing.from_config(config.get), list(args.org) or [None]


def cmd_list(args: argparse.Namespace) -> int:
    from datadog_crossorg.client import DatadogError
    from datadog_crossorg.credentials import CredentialsError
    from datadog_crossorg.inventory import (
        clients_for,
        collect_connections,
        connections_json,
        print_connections_table,
    )
    from datadog_crossorg.stack_config import StackConfigError

    try:
        keys, names = key_ring_and_names(args)
        clients = clients_for(keys, names)
    except (CredentialsError, StackConfigError, ValueError, OSError) as error:
        print(f"crossorg connections list: {error}", file=sys.stderr)
        return 2
    try:
        conns = collect_connections(clients)
    except DatadogError as error:
        print(f"crossorg connections list: {error}", file=sys.stderr)
        return 1
    finally:
        for client in clients.values():
            client.close()
    if args.json:
        print(connections_json(conns))
    else:
        print_connections_table(conns)
    return 0
