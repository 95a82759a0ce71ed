"""`crossorg dashboards`: export cross-org dashboards for code, and lint dashboard JSON.

    crossorg dashboards export ID [-o FILE]                one dashboard, normalized JSON
    crossorg dashboards export --cross-org [-d DIR] [--quiet]
                                                           every dashboard of the org with a
                                                           cross-org query, one ID.json each
    crossorg dashboards lint FILE... [--live] [--dashboard-org UUID]

Exports drop what Datadog computes (ids, url, author, timestamps, widget ids, echoed nulls) so
export -> create -> export gives the same bytes and `DashboardJson` shows no diff; notes about
kept org-bound fields (alert_id, slo_id, restricted_roles) go to stderr. `lint` checks the
cross-org rules offline; with `--live` it also lists the connections of the dashboard's org (the
keys given by --org/--config, as for `crossorg connections list`) and checks that each query's
source org shares the query's data type with it. Exit status: 0 fine, 1 problems found or
Datadog refused, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from datadog_crossorg.cli.key_options import add_key_options, key_ring_and_names

PROG = "crossorg dashboards"


def register(groups: Any) -> None:
    parser = groups.add_parser(
        "dashboards",
        help="cross-org dashboards: export for code, lint",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    export = actions.add_parser(
        "export",
        help="write dashboards as normalized JSON that round-trips",
        description="Fetch dashboards and write them without server-computed fields.",
    )
    export.add_argument("dashboard_id", nargs="?", metavar="ID", help="the dashboard to export")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument(
        "--cross-org",
        action="store_true",
        help="export every dashboard of the org that has a cross-org query",
    )
    export.add_argument(
        "-d", "--dir", default="dashboards", metavar="DIR", help="where --cross-org writes files"
    )
    export.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    add_key_options(export)
    export.set_defaults(func=cmd_export)

    lint = actions.add_parser(
        "lint",
        help="check the cross-org rules on dashboard JSON files",
        description="Check cross-org queries: one well-formed UUID each, a shareable data "
        "source, and with --live a connection sharing that data type with the dashboard's org.",
    )
    lint.add_argument("files", nargs="+", metavar="FILE")
    lint.add_argument(
        "--live",
        action="store_true",
        help="also check against the connections Datadog lists for the dashboard org's keys",
    )
    lint.add_argument(
        "--dashboard-org",
        metavar="UUID",
        help="the dashboard org's UUID (default: any org the keys' connections lead into)",
    )
    add_key_options(lint)
    lint.set_defaults(func=cmd_lint)


def _client(args: argparse.Namespace) -> Any:
    """The client of the one key pair the options name (the dashboard's org)."""
    from datadog_crossorg.inventory import clients_for

    keys, names = key_ring_and_names(args)
    if len(names) > 1:
        raise ValueError("give at most one --org: dashboards belong to one org")
    return clients_for(keys, names)[names[0]]


def _fail(error: Exception) -> int:
    from datadog_crossorg.client import DatadogError

    print(f"{PROG}: {error}", file=sys.stderr)
    return 1 if isinstance(error, DatadogError) else 2


def _config_errors() -> tuple[type[Exception], ...]:
    from datadog_crossorg.credentials import CredentialsError
    from datadog_crossorg.stack_config import StackConfigError

    return (CredentialsError, StackConfigError, ValueError, OSError)


def cmd_export(args: argparse.Namespace) -> int:
    from datadog_crossorg.client import DatadogError

    if bool(args.dashboard_id) == bool(args.cross_org):
        print(f"{PROG} export: give a dashboard ID or --cross-org (one of them)", file=sys.stderr)
        return 2
    if args.cross_org and args.output:
        print(
            f"{PROG} export: -o is for one dashboard; --cross-org writes to -d DIR", file=sys.stderr
        )
        return 2
    try:
        client = _client(args)
    except _config_errors() as error:
        return _fail(error)
    try:
        with client:
            return _export_all(client, args) if args.cross_org else _export_one(client, args)
    except (DatadogError, OSError) as error:
        return _fail(error)


def _export_one(client: Any, args: argparse.Namespace) -> int:
    from datadog_crossorg.dashboards.export import export_dashboard

    exported = export_dashboard(client, args.dashboard_id)
    _print_notes(exported)
    if args.output:
        Path(args.output).write_text(exported.text, encoding="utf-8")
    else:
        sys.stdout.write(exported.text)
    return 0


def _export_all(client: Any, args: argparse.Namespace) -> int:
    from datadog_crossorg.dashboards.export import export_cross_org
    from datadog_crossorg.progress import track

    ids = [summary["id"] for summary in client.list_dashboards()]
    target = Path(args.dir)
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    progress = track(ids, "Exporting dashboards", quiet=args.quiet, total=len(ids))
    for exported in export_cross_org(client, progress):
        _print_notes(exported)
        path = target / exported.file_name
        path.write_text(exported.text, encoding="utf-8")
        print(path)
        count += 1
    if not args.quiet:
        print(
            f"exported {count} of {len(ids)} dashboard(s) (those with a cross-org query) to {target}",
            file=sys.stderr,
        )
    return 0


def _print_notes(exported: Any) -> None:
    for note in exported.notes:
        print(f"warning: dashboard {exported.dashboard_id}: {note}", file=sys.stderr)


def cmd_lint(args: argparse.Namespace) -> int:
    from datadog_crossorg.client import DatadogError
    from datadog_crossorg.dashboards.render import parse
    from datadog_crossorg.dashboards.validate import (
        check_document,
        json_queries,
        links_from_connections,
    )

    try:
        documents = {f: parse(Path(f).read_text(encoding="utf-8"), f) for f in args.files}
        links = None
        if args.live:
            with _client(args) as client:
                links = links_from_connections(client.list_connections())
    except DatadogError as error:
        return _fail(error)
    except _config_errors() as error:
        return _fail(error)
    failed = False
    for name, document in documents.items():
        problems = check_document(document, links, args.dashboard_org)
        for problem in problems:
            print(f"{name}: {problem}")
        if problems:
            failed = True
        else:
            against = f" against {len(links)} connection(s)" if links is not None else ""
            print(f"{name}: ok ({len(json_queries(document))} cross-org queries checked{against})")
    return 1 if failed else 0
