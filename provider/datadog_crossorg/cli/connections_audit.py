"""`crossorg connections audit`: every connection at risk across a fleet, and why. Read-only.

Reads every key pair of the config (and the default pair, when it has keys) unless `--org`
picks some; optionally the stacks that manage connections (`--stack NAME` runs `pulumi stack
export --stack NAME` in the current folder; `--stack-file FILE` reads such an export). The stack
config (`--config`) also gives `datadog-crossorg:orgFacts` (plan, site, account, hipaa per org),
`datadog-crossorg:orgUuids` (which org each key pair is) and `datadog-crossorg:connections` (the
declared ones, judged before they are created).

Findings (kinds): person-created, creator-disabled, limit-reached, over-limit, cross-account,
cross-site, hipaa, unmanaged (only with stacks), gone (only with stacks), unrestricted,
dead-query. Exit status: 0 when no finding of a --fail-on kind, 3 when there is one, 2 for a
usage problem (keys, config, files), 1 when Datadog fails.
"""

from __future__ import annotations

import argparse
from typing import Any

FINDINGS_EXIT = 3
FORMATS = ("table", "markdown", "json")


def add_parser(actions: Any) -> None:
    """Register `audit` under `crossorg connections` (called from connections_cmd.register)."""
    from datadog_crossorg.cli.key_options import add_key_options, command

    parser = actions.add_parser(
        "audit",
        help="fleet health: connections at risk (creators, limits, unmanaged, dead queries)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_key_options(parser)
    parser.add_argument(
        "--stack",
        action="append",
        default=[],
        metavar="NAME",
        help="a stack that manages connections (runs `pulumi stack export`; repeatable)",
    )
    parser.add_argument(
        "--stack-file",
        action="append",
        default=[],
        metavar="FILE",
        help="a `pulumi stack export` file (repeatable)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default)")
    parser.add_argument(
        "--fail-on",
        default="all",
        metavar="KIND[,KIND]",
        help="finding kinds that make the exit status 3 (default: all; `none` never fails)",
    )
    parser.add_argument(
        "--no-documents", action="store_true", help="skip dashboards and notebooks (dead-query)"
    )
    parser.add_argument(
        "--no-policies", action="store_true", help="skip restriction policies (unrestricted)"
    )
    command(parser, cmd_audit)


def fail_on_kinds(text: str) -> frozenset[str]:
    """`all`, `none`, or kinds separated by commas; anything else is a usage error."""
    from datadog_crossorg.cli.key_options import CommandFailed
    from datadog_crossorg.rules.fleet import KINDS

    wanted = {part.strip() for part in text.split(",") if part.strip()}
    if wanted == {"all"}:
        return frozenset(KINDS)
    if wanted == {"none"}:
        return frozenset()
    unknown = sorted(wanted - set(KINDS))
    if unknown or not wanted:
        raise CommandFailed(
            2,
            f"--fail-on {text!r}: unknown kind(s) {', '.join(unknown) or '(none given)'}; use "
            f"all, none, or some of {', '.join(KINDS)}",
        )
    return frozenset(wanted)


def cmd_audit(args: argparse.Namespace) -> int:
    from datadog_crossorg.cli.key_options import CommandFailed
    from datadog_crossorg.config.credentials import KeyRing
    from datadog_crossorg.config.stack_program import load_config_file, read_stack_program
    from datadog_crossorg.reports import audit_render
    from datadog_crossorg.reports.audit import (
        StackExportError,
        export_stack,
        read_export_file,
        read_fleet,
    )
    from datadog_crossorg.reports.existing import clients_for
    from datadog_crossorg.reports.verify import _default_if_configured
    from datadog_crossorg.rules.fleet import Names, audit

    fail_on = fail_on_kinds(args.fail_on)
    config = load_config_file(args.config) if args.config else {}
    keys = KeyRing.from_config(config.get)
    program = read_stack_program(config.get)
    names = list(args.org) or [*_default_if_configured(keys), *sorted(keys.names)]
    if not names:
        raise CommandFailed(
            2,
            "no key pair: pass --config with datadog:apiKey/appKey or datadog-crossorg:orgs, "
            "or set DATADOG_API_KEY and DATADOG_APP_KEY",
        )
    try:
        resources = None
        if args.stack or args.stack_file:
            resources = [r for s in args.stack for r in export_stack(s)]
            resources += [r for f in args.stack_file for r in read_export_file(f)]
    except StackExportError as error:
        raise CommandFailed(2, error) from None
    clients = clients_for(keys, names)
    try:
        reading = read_fleet(
            clients,
            org_uuids=program.org_uuids,
            facts=program.org_facts,
            resources=resources,
            declared=program.connections,
            documents=not args.no_documents,
            policies=not args.no_policies,
        )
    finally:
        for client in clients.values():
            client.close()
    result = audit(reading.fleet)
    labels = Names(reading.fleet.names)
    not_read = list(reading.not_read)
    if args.format == "json":
        print(audit_render.as_json(result, labels, fail_on, reading.key_pairs, not_read))
    elif args.format == "markdown":
        print(audit_render.markdown(result, labels, reading.key_pairs, not_read), end="")
    else:
        audit_render.print_table(result, labels, reading.key_pairs, not_read)
    return FINDINGS_EXIT if audit_render.failing(result, fail_on) else 0
