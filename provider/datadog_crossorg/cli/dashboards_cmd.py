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

from typing import Any

from datadog_crossorg.cli.document_commands import DocumentCommands


def _kind() -> Any:
    from datadog_crossorg.dashboards.export import DASHBOARDS

    return DASHBOARDS


COMMANDS = DocumentCommands("dashboards", "dashboard", __doc__ or "", _kind)
register = COMMANDS.register
cmd_export = COMMANDS.cmd_export
cmd_lint = COMMANDS.cmd_lint
