"""`crossorg connections list|graph`: the connections seen from one or more orgs.

`list` prints a table or JSON; `graph` draws who shares what with whom (tree, mermaid, dot, json).

Keys come as the provider takes them: a stack config (`--config Pulumi.<stack>.yaml`, or the
output of `pulumi config --show-secrets --json` when the keys are secrets), then the environment
(DATADOG_API_KEY, DATADOG_APP_KEY, DATADOG_HOST). `--org NAME` picks key pairs from
`datadog-crossorg:orgs`; with no `--org`, the default pair is used.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from datadog_crossorg.cli import (
    connections_audit,
    connections_import,
    connections_recover,
    connections_verify,
)
from datadog_crossorg.cli.key_options import (
    CommandFailed,
    add_key_options,
    add_quiet_option,
    clients,
    collect,
    command,
)
from datadog_crossorg.reports.graph import FORMATS  # stdlib only: keeps `crossorg --help` instant

GRAPH_EPILOG = """\
Dashboards (--dashboards FILE...): dashboard JSON files, as exported or as Datadog returns them.
Every `cross_org_uuids` in their queries (group widgets included) marks the connection from that
source org to the dashboard's org. The dashboards are taken to live in the org of the first key
pair (the first --org, else the default pair), found from that pair's own listing; pass
--dashboard-org UUID when they live elsewhere or when the listing cannot tell.
"""


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
    add_quiet_option(listing)
    command(listing, cmd_list)
    _add_graph(actions)
    connections_verify.add_parser(actions)
    connections_import.add_parser(actions)
    connections_audit.add_parser(actions)
    connections_recover.add_parser(actions)


def _add_graph(actions: Any) -> None:
    graph = actions.add_parser(
        "graph",
        help="who shares what: the org graph (tree, mermaid, dot, json)",
        description=__doc__,
        epilog=GRAPH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_key_options(graph)
    graph.add_argument(
        "--format",
        choices=FORMATS,
        default="tree",
        help="tree (default, for a terminal), mermaid (GitHub), dot (Graphviz), json (scripts)",
    )
    graph.add_argument(
        "--dashboards",
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="dashboard JSON files: mark the connections their queries read",
    )
    graph.add_argument(
        "--dashboard-org",
        metavar="UUID",
        help="org the dashboards live in (default: the org of the first key pair)",
    )
    add_quiet_option(graph)
    command(graph, cmd_graph)


def cmd_list(args: argparse.Namespace) -> int:
    from datadog_crossorg.reports.existing import connections_json, print_connections_table

    with clients(args) as opened:
        conns = collect(opened, quiet=args.quiet)
    if args.json:
        print(connections_json(conns))
    else:
        print_connections_table(conns)
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from datadog_crossorg.reports.graph import build_graph, render

    with clients(args) as opened:
        conns = collect(opened, quiet=args.quiet)
        dashboards = _dashboard_reads(args, opened)
    print(render(build_graph(conns, dashboards=dashboards), args.format), end="")
    return 0


def _dashboard_reads(args: argparse.Namespace, opened: Mapping[str | None, Any]) -> list[Any]:
    """What the --dashboards files read, placed in their org (see GRAPH_EPILOG)."""
    from datadog_crossorg.process.org_view import org_of_listing
    from datadog_crossorg.reports.graph import read_dashboard

    if not args.dashboards:
        return []
    org = args.dashboard_org
    if not org:
        name, client = next(iter(opened.items()))
        org = org_of_listing(client.list_connections())
        if org is None:
            pair = f"key pair {name!r}" if name else "the default key pair"
            raise CommandFailed(
                2,
                f"cannot tell from its connections which org {pair} belongs to; "
                "pass --dashboard-org UUID (the org the dashboards live in)",
            )
    return [read_dashboard(path, org) for path in args.dashboards]
