"""The audit's three outputs: a terminal table, markdown (a pull-request comment or a CI
summary) and JSON (schema below, also in README). Every output lists the same findings.

JSON schema (`"schema": 1`)::

    {"schema": 1,
     "failing": bool,                 # a finding of a kind in --fail-on was found (exit 3)
     "fail_on": [kind, ...],
     "connections": int,              # connections Datadog listed (each once)
     "key_pairs": int,
     "counts": {kind: int},           # every kind of rules.fleet.KINDS, 0 included
     "partners": [{"org", "name", "used", "declared", "limit"}],   # non-Enterprise orgs
     "findings": [{"kind", "subject", "orgs", "connection_id", "stack", "message", "fix"}],
     "not_read": [str]}               # what the keys could not read (the audit is partial)
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from datadog_crossorg.rules.fleet import KINDS, Audit, Names

SCHEMA = 1


def as_json(
    result: Audit, names: Names, fail_on: Collection[str], key_pairs: int, not_read: list[str]
) -> str:
    counts = {kind: 0 for kind in KINDS}
    for finding in result.findings:
        counts[finding.kind] += 1
    body: dict[str, Any] = {
        "schema": SCHEMA,
        "failing": failing(result, fail_on),
        "fail_on": sorted(fail_on),
        "connections": result.connections,
        "key_pairs": key_pairs,
        "counts": counts,
        "partners": [
            {
                "org": use.org,
                "name": names(use.org),
                "used": use.used,
                "declared": use.declared,
                "limit": use.limit,
            }
            for use in result.partners
        ],
        "findings": [finding.to_json() for finding in result.findings],
        "not_read": list(not_read),
    }
    return json.dumps(body, indent=2)


def failing(result: Audit, fail_on: Collection[str]) -> bool:
    return any(finding.kind in fail_on for finding in result.findings)


def summary_line(result: Audit, key_pairs: int) -> str:
    kinds = sorted({f.kind for f in result.findings}, key=list(KINDS).index)
    counted = ", ".join(f"{sum(f.kind == k for f in result.findings)} {k}" for k in kinds)
    return f"{result.connections} connection(s) seen by {key_pairs} key pair(s): " + (
        f"{len(result.findings)} finding(s): {counted}" if kinds else "no findings"
    )


def markdown(result: Audit, names: Names, key_pairs: int, not_read: list[str]) -> str:
    lines = ["## Cross-org fleet audit", "", summary_line(result, key_pairs), ""]
    if result.partners:
        lines += [
            "| non-Enterprise org | partners used | declared new | limit |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {names(u.org)} | {u.used} | {u.declared} | {u.limit} |" for u in result.partners
        ]
        lines.append("")
    if result.findings:
        lines += ["| kind | subject | what goes wrong | fix |", "|---|---|---|---|"]
        lines += [
            f"| {f.kind} | {_cell(f.subject)} | {_cell(f.message)} | {_cell(f.fix)} |"
            for f in result.findings
        ]
        lines.append("")
    lines += [f"- not read: {line}" for line in not_read]
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def print_table(result: Audit, names: Names, key_pairs: int, not_read: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 160))
    if result.partners:
        partners = Table(title="Non-Enterprise orgs: partners of 5", title_justify="left")
        for column in ("org", "used", "declared new", "limit"):
            partners.add_column(column)
        for u in result.partners:
            partners.add_row(names(u.org), str(u.used), str(u.declared), str(u.limit))
        console.print(partners)
    table = Table(title=summary_line(result, key_pairs), title_justify="left")
    table.add_column("kind", no_wrap=True)
    table.add_column("subject", overflow="fold", max_width=38)
    table.add_column("what goes wrong", overflow="fold", ratio=3)
    table.add_column("fix", overflow="fold", ratio=2)
    for f in result.findings:
        table.add_row(f.kind, f.subject, f.message, f.fix)
    console.print(table)
    for line in not_read:
        console.print(f"not read: {line}", markup=False)
