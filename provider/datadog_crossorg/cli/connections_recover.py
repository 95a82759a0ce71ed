"""`crossorg connections recover`: after an interrupted `pulumi up`, manage what Datadog made.

A run killed mid-create leaves pending creates in the state while Datadog may hold the
connections; every later `up` then fails with "already exists". In the Pulumi project's folder:

    crossorg connections recover --stack prod          # what it found, and the exact commands
    crossorg connections recover --stack prod --run    # ... and runs them

It reads the state (`pulumi stack export`, or `--state FILE` from one), matches each pending
OrgConnection create (dynamic or native) to the connection Datadog holds from its source org to
its sink, writes the state with those as resources (`--out`, default recovered-state.json;
secrets stay encrypted) and gives the commands: `pulumi cancel` (the killed run left the stack
locked: run this only when no other `pulumi` command is running on the stack), `pulumi stack
import --file` of that state, then `pulumi refresh --yes`, which reads each from Datadog.
Afterwards every connection is managed, none twice, and the next `up` creates only what never
reached Datadog. Keys: `--config` as for every command, else the
stack's own (`pulumi config --show-secrets --json`). A native resource made with a provider
instance uses the key pair named like the instance (`datadog-crossorg:orgs.<name>`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from datadog_crossorg.cli.key_options import CommandFailed, add_key_options, command


def add_parser(actions: Any) -> None:
    """Register `recover` under `crossorg connections` (called from connections_cmd.register)."""
    parser = actions.add_parser(
        "recover",
        help="after an interrupted `pulumi up`: manage the connections Datadog made",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_key_options(parser)
    parser.add_argument("--stack", metavar="NAME", help="the stack (default: the selected one)")
    parser.add_argument("--state", metavar="FILE", help="a `pulumi stack export` file to read")
    parser.add_argument(
        "--out",
        metavar="FILE",
        default="recovered-state.json",
        help="where to write the recovered state (default: recovered-state.json)",
    )
    parser.add_argument("--run", action="store_true", help="run the recovery commands too")
    command(parser, cmd_recover)


def cmd_recover(args: argparse.Namespace) -> int:
    from datadog_crossorg.config.credentials import KeyRing
    from datadog_crossorg.config.stack_program import load_config_file
    from datadog_crossorg.reports import pending_creates as pc
    from datadog_crossorg.reports.existing import clients_for

    stack = ["--stack", args.stack] if args.stack else []
    exported = _read_state(args.state, stack)
    deployment = exported.get("deployment") or {}
    config = load_config_file(args.config) if args.config else _stack_config(stack)
    keys = KeyRing.from_config(config.get)
    try:
        pending = pc.pending_creates(deployment, keys.names)
    except pc.RecoveryError as error:
        raise CommandFailed(2, error) from None
    if not pending:
        print("no pending creates of org connections: nothing to recover")
        return 0
    clients = clients_for(keys, sorted({p.key_pair for p in pending}, key=lambda n: n or ""))
    try:
        listings = {name: client.list_connections() for name, client in clients.items()}
    finally:
        for client in clients.values():
            client.close()
    try:
        recoveries = pc.match(pending, listings.__getitem__, pc.managed_ids(deployment))
    except pc.RecoveryError as error:
        raise CommandFailed(2, error) from None
    _print_recoveries(recoveries)
    out = Path(args.out)
    out.write_text(
        json.dumps(
            {**exported, "deployment": pc.recovered_deployment(deployment, recoveries)}, indent=2
        )
    )
    commands = [
        ["pulumi", "cancel", *stack, "--yes"],  # the killed run's lock (or in-progress update)
        ["pulumi", "stack", "import", *stack, "--file", str(out)],
        ["pulumi", "refresh", *stack, "--yes"],
    ]
    if not args.run:
        print(f"\nrecovered state written to {out}; to recover, run:")
        for line in commands:
            print("  " + " ".join(line))
        return 0
    for line in commands:
        print("$ " + " ".join(line), flush=True)
        done = subprocess.run([_pulumi(), *line[1:]], check=False)
        if done.returncode:
            raise CommandFailed(1, f"`{' '.join(line)}` failed (exit {done.returncode})")
    return 0


def _print_recoveries(recoveries: list[Any]) -> None:
    for recovery in recoveries:
        pending, conn = recovery.pending, recovery.connection
        if conn is None:
            print(f"{pending.name}: not in Datadog (the next `pulumi up` creates it)")
            continue
        note = f" (Datadog has {', '.join(conn.connection_types)})" if recovery.types_differ else ""
        print(
            f"{pending.name}: connection {conn.id}, {conn.source_org_id} -> {conn.sink_org_id}, "
            f"{', '.join(pending.connection_types)}{note}"
        )


def _pulumi() -> str:
    found = shutil.which("pulumi")
    if found is None:
        raise CommandFailed(2, "no `pulumi` on PATH: pass --state FILE and --config FILE")
    return found


def _run_pulumi(*args: str) -> str:
    done = subprocess.run(
        [_pulumi(), *args, "--non-interactive"], capture_output=True, text=True, check=False
    )
    if done.returncode:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise CommandFailed(2, f"`pulumi {' '.join(args)}` failed: {detail[-1] if detail else ''}")
    return done.stdout


def _read_state(path: str | None, stack: list[str]) -> dict[str, Any]:
    try:
        text = Path(path).read_text() if path else _run_pulumi("stack", "export", *stack)
        state = json.loads(text)
    except OSError as error:
        raise CommandFailed(2, f"cannot read {path}: {error.strerror or error}") from None
    except ValueError:
        raise CommandFailed(2, f"{path or 'pulumi stack export'}: not a stack export") from None
    if not isinstance(state, dict) or "deployment" not in state:
        raise CommandFailed(2, f"{path or 'pulumi stack export'}: not a stack export")
    return state


def _stack_config(stack: list[str]) -> dict[str, str]:
    """The stack's decrypted config, read as `--config` reads it (kept off disk but briefly)."""
    from datadog_crossorg.config.stack_program import load_config_file

    text = _run_pulumi("config", "--show-secrets", "--json", *stack)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(text)
        path.chmod(0o600)
        return load_config_file(path)
