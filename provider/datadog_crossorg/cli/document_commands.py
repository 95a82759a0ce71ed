"""What `crossorg dashboards` and `crossorg notebooks` share: `export` and `lint`, once.

A `DocumentCommands` names a command group (`dashboards`), the document it handles and how to
load that document's `DocumentKind` (fetch, list, normalize, check: `dashboards.export`), and
registers both actions with the same options, output and exit status:

    crossorg GROUP export ID [-o FILE] | --cross-org [-d DIR] [--quiet]  [--org NAME] [--config F]
    crossorg GROUP lint FILE... [--live] [--NOUN-org UUID]               [--org NAME] [--config F]

Exit status: 0 fine, 1 problems found or Datadog refused, 2 bad usage or configuration. Messages
go to stderr prefixed with `crossorg GROUP` (`crossorg GROUP export` for a usage problem).
The kind is imported inside the commands, so `crossorg --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datadog_crossorg.cli.key_options import CommandFailed, add_key_options, clients, command


@dataclass(frozen=True)
class DocumentCommands:
    """`export` and `lint` for one kind of document.

    `load` returns the kind (a `dashboards.export.DocumentKind`); `id_type` parses an ID on the
    command line (argparse's `type`: raise ValueError or argparse.ArgumentTypeError to refuse
    it, exit status 2).
    """

    group: str  # "dashboards": the command group, and where --cross-org writes by default
    noun: str  # "dashboard"
    description: str  # the group's --help text
    load: Callable[[], Any]
    id_type: Callable[[str], str] = str

    # -- the parser ----------------------------------------------------------------------------
    def register(self, groups: Any) -> None:
        parser = groups.add_parser(
            self.group,
            help=f"cross-org {self.group}: export for code, lint",
            description=self.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        self._add_export(actions)
        self._add_lint(actions)

    def _add_export(self, actions: Any) -> None:
        noun, group = self.noun, self.group
        export = actions.add_parser(
            "export",
            help=f"write {group} as normalized JSON that round-trips",
            description=f"Fetch {group} and write them without server-computed fields.",
        )
        export.add_argument(
            "object_id", nargs="?", metavar="ID", type=self.id_type, help=f"the {noun} to export"
        )
        export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
        export.add_argument(
            "--cross-org",
            action="store_true",
            help=f"export every {noun} of the org that has a cross-org query",
        )
        export.add_argument(
            "-d", "--dir", default=group, metavar="DIR", help="where --cross-org writes files"
        )
        export.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
        add_key_options(export)
        command(export, self.cmd_export)

    def _add_lint(self, actions: Any) -> None:
        noun = self.noun
        lint = actions.add_parser(
            "lint",
            help=f"check the cross-org rules on {noun} JSON files",
            description="Check cross-org queries: one well-formed UUID each, a shareable data "
            f"source, and with --live a connection sharing that data type with the {noun}'s org.",
        )
        lint.add_argument("files", nargs="+", metavar="FILE")
        lint.add_argument(
            "--live",
            action="store_true",
            help=f"also check against the connections Datadog lists for the {noun} org's keys",
        )
        lint.add_argument(
            f"--{noun}-org",
            dest="document_org",
            metavar="UUID",
            help=f"the {noun} org's UUID (default: any org the keys' connections lead into)",
        )
        add_key_options(lint)
        command(lint, self.cmd_lint)

    # -- export --------------------------------------------------------------------------------
    def cmd_export(self, args: argparse.Namespace) -> int:

        if bool(args.object_id) == bool(args.cross_org):
            raise CommandFailed(2, f"give a {self.noun} ID or --cross-org (one of them)")
        if args.cross_org and args.output:
            raise CommandFailed(2, f"-o is for one {self.noun}; --cross-org writes to -d DIR")
        kind = self.load()
        with self.client(args) as client:
            if args.cross_org:
                return self._export_all(kind, client, args)
            return self._export_one(kind, client, args)

    def _export_one(self, kind: Any, client: Any, args: argparse.Namespace) -> int:
        from datadog_crossorg.dashboards.export import export_one

        exported = export_one(kind, client, args.object_id)
        self._print_notes(exported)
        if args.output:
            Path(args.output).write_text(exported.text, encoding="utf-8")
        else:
            sys.stdout.write(exported.text)
        return 0

    def _export_all(self, kind: Any, client: Any, args: argparse.Namespace) -> int:
        from datadog_crossorg.dashboards.export import export_cross_org_of
        from datadog_crossorg.reports.progress import track

        ids = kind.list_ids(client)
        target = Path(args.dir)
        target.mkdir(parents=True, exist_ok=True)
        count = 0
        progress = track(ids, f"Exporting {self.group}", quiet=args.quiet, total=len(ids))
        for exported in export_cross_org_of(kind, client, progress):
            self._print_notes(exported)
            path = target / exported.file_name
            path.write_text(exported.text, encoding="utf-8")
            print(path)
            count += 1
        if not args.quiet:
            print(
                f"exported {count} of {len(ids)} {self.noun}(s) (those with a cross-org query) "
                f"to {target}",
                file=sys.stderr,
            )
        return 0

    def _print_notes(self, exported: Any) -> None:
        for note in exported.notes:
            print(f"warning: {self.noun} {exported.id}: {note}", file=sys.stderr)

    # -- lint ----------------------------------------------------------------------------------
    def cmd_lint(self, args: argparse.Namespace) -> int:
        from datadog_crossorg.dashboards.render import parse

        kind = self.load()
        documents = {
            f: parse(Path(f).read_text(encoding="utf-8"), f, self.noun) for f in args.files
        }
        links = self.live_links(args) if args.live else None
        failed = False
        for name, document in documents.items():
            problems = kind.check(document, links, args.document_org)
            for problem in problems:
                print(f"{name}: {problem}")
            if problems:
                failed = True
            else:
                against = f" against {len(links)} connection(s)" if links is not None else ""
                checked = len(kind.queries(document))
                print(f"{name}: ok ({checked} cross-org queries checked{against})")
        return 1 if failed else 0

    # -- what both use -------------------------------------------------------------------------
    @contextmanager
    def client(self, args: argparse.Namespace) -> Iterator[Any]:
        """The client of the one key pair the options name (the document's org), closed after;
        CommandFailed(2) for more than one --org or bad keys or config."""
        if len(args.org) > 1:
            raise CommandFailed(2, f"give at most one --org: {self.group} belong to one org")
        with clients(args) as opened:
            yield next(iter(opened.values()))

    def live_links(self, args: argparse.Namespace) -> list[Any]:
        """The connections Datadog lists for the document org's keys, as the checks' links."""
        from datadog_crossorg.rules.queries import links_from_connections

        with self.client(args) as client:
            return links_from_connections(client.list_connections())
