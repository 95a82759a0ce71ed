"""`crossorg notebooks`: export cross-org notebooks for code, and lint notebook JSON.

    crossorg notebooks export ID [-o FILE]                 one notebook, normalized JSON
    crossorg notebooks export --cross-org [-d DIR] [--quiet]
                                                           every notebook of the org with a
                                                           cross-org query, one ID.json each
    crossorg notebooks lint FILE... [--live] [--notebook-org UUID]

An export is the notebook's attributes as a `CrossOrgNotebook` takes them (its `notebook`
input): name, cells, time, status (and metadata, unless it is Datadog's defaults), without what
Datadog computes (the id, cell ids, author, created, modified); deterministic JSON, so export ->
create -> export gives the same bytes and the resource shows no diff. Notes about what is left
out (template variables) or kept but bound to the org (alert_id, slo_id) go to stderr.

`lint` takes notebook JSON files (the attributes, as exported or `Notebook.to_dict()` makes
them, or the whole API body) and checks the cross-org rules offline; with `--live` it also lists
the connections of the notebook's org (the keys given by --org/--config, as for `crossorg
connections list`) and checks that each query's source org shares the query's data type with
it. Exit status: 0 fine, 1 problems found or Datadog refused, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
from typing import Any

from datadog_crossorg.cli.document_commands import DocumentCommands


def _kind() -> Any:
    from datadog_crossorg.notebooks.export import NOTEBOOKS

    return NOTEBOOKS


def notebook_id(text: str) -> str:
    """Notebook ids are integers (`/notebook/123456`): anything else is a usage error."""
    if not text.isdigit() or not text.isascii():
        raise argparse.ArgumentTypeError(f"notebook IDs are integers, not {text!r}")
    return text


COMMANDS = DocumentCommands("notebooks", "notebook", __doc__ or "", _kind, id_type=notebook_id)
register = COMMANDS.register
cmd_export = COMMANDS.cmd_export
cmd_lint = COMMANDS.cmd_lint
