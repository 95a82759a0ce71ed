"""`crossorg connections import-file`: bring an existing org under management in one command.

Writes the file `pulumi import --file` reads, with one native `datadog-crossorg:index:OrgConnection`
per connection the org shares (the connections it is the SOURCE of: those its keys can update;
the ones it receives belong to their source org's stack). Then:

    crossorg connections import-file --config Pulumi.prod.yaml --org payments -o import.json
    pulumi import --file import.json --out imported.yaml --yes   # state + the code to declare them

Resource names are `<source>-to-<sink>` from the org names. `--provider NAME=URN` makes each
resource use an explicit provider instance of the stack (`pulumi stack --show-urns` shows it);
without it the default provider (stack config `datadog-crossorg:apiKey` ...) reads them. Which
org a key pair is comes from `datadog-crossorg:orgUuids` (its name there), else from its listing.
Dynamic `OrgConnection`s cannot be imported (Pulumi sends no provider to a dynamic Read); declare
those with `adopt=True` instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from typing import Any


def add_parser(actions: Any) -> None:
    """Register `import-file` under `crossorg connections` (from connections_cmd.register)."""
    from datadog_crossorg.cli.key_options import add_key_options, command

    parser = actions.add_parser(
        "import-file",
        help="write the `pulumi import --file` file for every connection an org shares",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_key_options(parser)
    parser.add_argument("-o", "--out", metavar="FILE", help="write here (default: stdout)")
    parser.add_argument(
        "--provider", metavar="NAME=URN", help="explicit provider instance for every resource"
    )
    command(parser, cmd_import_file)


def resource_name(source_name: str | None, sink_name: str | None, connection_id: str) -> str:
    """A stable, readable Pulumi name: `acme-payments-to-acme-hub`."""

    def slug(name: str | None) -> str:
        return re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")

    if slug(source_name) and slug(sink_name):
        return f"{slug(source_name)}-to-{slug(sink_name)}"
    return f"connection-{connection_id[:8]}"


def import_document(
    conns: Iterable[Any], source_org_id: str, provider: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The `pulumi import --file` document for the connections `source_org_id` shares."""
    from datadog_crossorg.native.schema import RESOURCE_TYPE

    resources = []
    for conn in sorted(conns, key=lambda c: (c.sink_org_name or "", c.id)):
        if conn.source_org_id.lower() != source_org_id.lower():
            continue
        entry = {
            "type": RESOURCE_TYPE,
            "name": resource_name(conn.source_org_name, conn.sink_org_name, conn.id),
            "id": conn.id,
        }
        if provider:
            entry["provider"] = provider[0]
        resources.append(entry)
    document: dict[str, Any] = {"resources": resources}
    if provider:
        document["nameTable"] = {provider[0]: provider[1]}
    return document


def cmd_import_file(args: argparse.Namespace) -> int:
    from datadog_crossorg.cli.key_options import CommandFailed, clients, collect
    from datadog_crossorg.config import keys
    from datadog_crossorg.config.stack_program import load_config_file, read_stack_program
    from datadog_crossorg.reports.verify import identify_orgs

    provider = None
    if args.provider:
        name, _, urn = args.provider.partition("=")
        if not name or not urn.startswith("urn:pulumi:"):
            raise CommandFailed(
                2,
                f"--provider {args.provider!r} must be NAME=URN (the URN from "
                "`pulumi stack --show-urns`)",
            )
        provider = (name, urn)
    if len(args.org) > 1:
        raise CommandFailed(2, "name one org (--org) at a time")
    with clients(args) as opened:
        (key_pair, _client), *_ = opened.items()
        conns = collect(opened, quiet=True)
    config = load_config_file(args.config) if args.config else {}
    hints = read_stack_program(config.get).org_uuids
    org = identify_orgs({key_pair: conns}, hints).get(key_pair)
    if org is None:
        label = f"key pair {key_pair!r}" if key_pair else "the default key pair"
        raise CommandFailed(
            2,
            f"cannot tell which org {label} is (it sees {len(conns)} connection(s)); name its "
            f"UUID under {key_pair or 'its name'!r} in {keys.ORG_UUIDS}",
        )
    text = json.dumps(import_document(conns, org, provider), indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)
        count = len(json.loads(text)["resources"])
        print(f"wrote {count} connection(s) to {args.out}", file=sys.stderr)
    else:
        print(text, end="")
    return 0
