"""`crossorg plugin build|schema`: the native provider plugin for every Pulumi language.

`build` writes the archive that `pulumi plugin install resource datadog-crossorg <version> --file
<archive>` installs; `schema` prints the package schema generated from the code (what
`provider/datadog_crossorg/native/schema.json` must equal).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from datadog_crossorg.cli.key_options import CommandFailed, command


def register(groups: Any) -> None:
    parser = groups.add_parser(
        "plugin",
        help="the native provider plugin: build its archive, print its schema",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write the plugin archive (.tar.gz)")
    build.add_argument(
        "-o", "--out", type=Path, default=Path("dist"), help="directory (default: dist)"
    )
    command(build, cmd_build)
    schema = actions.add_parser("schema", help="print the package schema generated from code")
    schema.add_argument("-o", "--out", type=Path, help="write to FILE instead of stdout")
    schema.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed schema.json differs from the generated one",
    )
    command(schema, cmd_schema)


def cmd_build(args: argparse.Namespace) -> int:
    from datadog_crossorg import __version__
    from datadog_crossorg.native import archive

    try:
        path = archive.build(args.out)
    except RuntimeError as error:
        raise CommandFailed(2, error) from None
    print(path)
    print(
        f"install: pulumi plugin install resource datadog-crossorg {__version__} --file {path}",
        file=sys.stderr,
    )
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from datadog_crossorg.native import schema

    text = schema.render()
    if args.check:
        if schema.load() != text:
            print(
                f"{schema.SCHEMA_PATH} is out of date: run crossorg plugin schema -o "
                f"{schema.SCHEMA_PATH}",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0
