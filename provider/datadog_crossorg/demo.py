"""The main job on the embedded default: deploy the local stack to the offline Datadog.

`python3 dev.py demo` runs this. It starts the emulator (default seed, state kept in `.crossorg/`
so a second run sees what the first one made), then
- with the `pulumi` CLI on PATH: `pulumi up --yes` on stack `local` with a local file backend;
- without it: says so, and runs the same stack program through `datadog_crossorg.testing` (the real
  `python -m pulumi.dynamic` provider server over real gRPC), printing the plan, the changes and
  the result.
Either way it ends with the table of connections that now exist and a cross-org query per
connection and data type, proving the data flows. Run it twice: the second run changes nothing.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

from datadog_crossorg.credentials import ORGS_CONFIG_KEY, KeyRing
from datadog_crossorg.stack_config import load_config_file

INSTALL_HINT = (
    "The pulumi CLI is not on PATH. To run real `pulumi up`, install it (see "
    "https://www.pulumi.com/docs/iac/download-install/) and run this again."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 dev.py demo", description=__doc__.split("\n")[0])
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--stack", default="local")
    parser.add_argument(
        "--port",
        type=int,
        default=18126,
        help="emulator port (the stack's datadog:apiUrl names 18126; 0 picks a free one)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="forget the previous run's state first"
    )
    parser.add_argument(
        "--harness", action="store_true", help="use the harness even if pulumi is on PATH"
    )
    args = parser.parse_args(argv)

    project = args.project_dir.resolve()
    work = project / ".crossorg"
    if args.fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(exist_ok=True)
    config = load_config_file(project / "stacks" / f"Pulumi.{args.stack}.yaml")

    from datadog_crossorg.emulator import Emulator

    with Emulator(port=args.port, state_file=work / f"emulator-{args.stack}.json") as emu:
        print(
            f"Offline Datadog running at {emu.url} (state: {work.name}/emulator-{args.stack}.json)"
        )
        if shutil.which("pulumi") and not args.harness:
            code = _up_with_cli(project, work, args.stack)
        else:
            print(INSTALL_HINT)
            print(
                "Running the same stack program through the engine harness instead "
                "(real provider server, real gRPC).\n"
            )
            config = _pointed_at(config, emu.url)
            code = _up_with_harness(project, work, args.stack, config)
        _print_existing_connections(_pointed_at(config, emu.url))
        if code == 0:
            code = _verify(_pointed_at(config, emu.url))
    return code


def _up_with_cli(project: Path, work: Path, stack: str) -> int:
    backend = work / "pulumi-backend"
    backend.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", ""),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    select = ["pulumi", "stack", "select", "--create", stack, "--cwd", str(project)]
    subprocess.run(select, env=env, check=True)
    return subprocess.run(["pulumi", "up", "--yes", "--cwd", str(project)], env=env).returncode


def _up_with_harness(project: Path, work: Path, stack: str, config: dict[str, str]) -> int:
    from datadog_crossorg.testing.harness import Engine, ProviderServer
    from datadog_crossorg.testing.mocks import run_program
    from datadog_crossorg.testing.standins import DATADOG_STAND_INS

    program_path = project / "stacks" / "__main__.py"

    def program() -> None:
        runpy.run_path(str(program_path), run_name="__main__")

    secret_keys = {k for k in config if k.endswith(("apiKey", "appKey")) or k == ORGS_CONFIG_KEY}
    with ProviderServer(cwd=project) as server:
        server.configure(config, secret_keys)
        engine = Engine(server, stack=stack, state_path=work / f"harness-{stack}.json")
        # DashboardJson's own plugin cannot run here: a stand-in creates the dashboards for real.
        run = partial(
            run_program,
            program,
            engine,
            config=config,
            secret_keys=secret_keys,
            stand_ins=DATADOG_STAND_INS,
        )
        plan = run(preview=True)
        _print_steps("Plan (preview)", plan.result.steps)
        applied = run()
        _print_steps("Changes (up)", applied.result.steps)
        print("Outputs:")
        for key, value in sorted(applied.outputs.items()):
            print(f"  {key}: {value}")
        if not applied.result.changed:
            print("No changes: the stack matches Datadog.")
    return 0


def _pointed_at(config: dict[str, str], url: str) -> dict[str, str]:
    """The stack config with its emulator URL swapped for the one actually serving (--port 0)."""
    configured = config.get("datadog:apiUrl")
    if not configured or configured == url:
        return config
    return {k: v.replace(configured, url) for k, v in config.items()}


def _print_steps(title: str, steps: list) -> None:
    print(f"{title}:")
    for step in steps:
        detail = f"  ({step.detail})" if getattr(step, "detail", None) else ""
        print(f"  {step.op:>8}  {step.name}{detail}")
    if not steps:
        print("  (nothing)")
    print()


def _verify(config: dict[str, str]) -> int:
    """Prove the data flows: a small cross-org query from the sink per shared type."""
    from datadog_crossorg.verify import print_flow_table, verify_stack

    rows = verify_stack(config)
    print_flow_table(rows, "Does sharing work? A cross-org query per connection and type")
    return 0 if all(row.flows for row in rows) else 1


def _print_existing_connections(config: dict[str, str]) -> None:
    from datadog_crossorg.inventory import clients_for, collect_connections, print_connections_table

    keys = KeyRing.from_config(config.get, env={})
    clients = clients_for(keys, [None, *sorted(keys.names)])
    try:
        print_connections_table(collect_connections(clients), "Org connections that now exist")
    finally:
        for client in clients.values():
            client.close()


if __name__ == "__main__":
    sys.exit(main())
