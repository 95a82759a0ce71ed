"""The main job on the embedded default: deploy the local stack to the offline Datadog.

`python3 dev.py demo` runs this. It starts the emulator (default seed, state kept in `.crossorg/`
so a second run sees what the first one made), then
- with the real `pulumi` CLI (dev.py builds it whenever `go` is on PATH): `pulumi up --yes` on
  stack `local`, offline: a file backend and PULUMI_HOME under `.crossorg/`, the stack's config
  pointed at the emulator actually serving, and a stand-in for pulumi-datadog's plugin (which
  cannot be built here) serving the stack's DashboardJson against the same API;
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
import sys
from functools import partial
from pathlib import Path
from typing import Any

from datadog_crossorg.config import keys
from datadog_crossorg.config.credentials import KeyRing
from datadog_crossorg.config.stack_program import StackConfigError, load_config_file
from datadog_crossorg.testing.pulumi_cli import find_engine_bin

INSTALL_HINT = (
    "No pulumi CLI here: `python3 dev.py demo` builds the real one whenever `go` is on PATH "
    "(engine/build.py), or install it (https://www.pulumi.com/docs/iac/download-install/)."
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
    stack_file = project / "stacks" / f"Pulumi.{args.stack}.yaml"
    if not stack_file.is_file():
        known = sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in stack_file.parent.glob("Pulumi.*.yaml")
        )
        print(f"demo: no stack {args.stack!r} (no {stack_file}); stacks here: {', '.join(known)}")
        return 2
    try:
        config = load_config_file(stack_file)
    except StackConfigError as error:
        print(f"demo: {error}")
        return 2
    if args.fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(exist_ok=True)

    from datadog_crossorg.cli.emulator_cmd import bind_error_text
    from datadog_crossorg.emulator import Emulator

    emulator = Emulator(port=args.port, state_file=work / f"emulator-{args.stack}.json")
    try:
        emulator.start()
    except OSError as error:
        print(f"demo: {bind_error_text(error, args.port)}")
        return 1
    try:
        return _deploy(emulator, project, work, args, config)
    finally:
        emulator.stop()


def _deploy(
    emu: Any, project: Path, work: Path, args: argparse.Namespace, config: dict[str, str]
) -> int:
    """Up with the real CLI (or the harness), then the connections table and the flow check."""
    print(f"Offline Datadog running at {emu.url} (state: {work.name}/emulator-{args.stack}.json)")
    config = _pointed_at(config, emu.url)
    engine = None if args.harness else find_engine_bin()
    if engine is not None:
        code = _up_with_cli(project, work, args.stack, config, engine)
    else:
        if not args.harness:
            print(INSTALL_HINT)
        print(
            "Running the same stack program through the engine harness instead "
            "(real provider server, real gRPC).\n"
        )
        code = _up_with_harness(project, work, args.stack, config)
    _print_existing_connections(config)
    if code == 0:
        code = _verify(config)
    return code


def _up_with_cli(
    project: Path, work: Path, stack: str, config: dict[str, str], engine: Path
) -> int:
    """`pulumi up --yes` with the real CLI, on a copy of the project file whose program is the
    checkout's stacks/ and whose stack config is this run's (pointed at the emulator serving)."""
    import yaml

    from datadog_crossorg.testing.datadog_plugin import install_standin_plugins
    from datadog_crossorg.testing.pulumi_cli import PulumiCLI
    from datadog_crossorg.testing.stack import write_stack_file

    cli_project = work / "cli-project"
    cli_project.mkdir(exist_ok=True)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    options = document["runtime"].setdefault("options", {})
    options["virtualenv"] = str((project / options.get("virtualenv", ".venv")).resolve())
    document["main"] = str((project / document.get("main", ".")).resolve())
    document.pop("stackConfigDir", None)
    (cli_project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    cli = PulumiCLI(
        cli_project,
        home=work / "pulumi-home",
        backend=work / "pulumi-backend",
        engine_bin=engine,
        passphrase=os.environ.get("PULUMI_CONFIG_PASSPHRASE", ""),
    )
    standins = install_standin_plugins(work / "standin-plugins")
    cli.env["PATH"] = f"{standins}{os.pathsep}{cli.env['PATH']}"
    cli.run("stack", "select", "--create", stack)
    stack_file = cli_project / f"Pulumi.{stack}.yaml"
    settings = yaml.safe_load(stack_file.read_text()) or {}
    settings.pop("config", None)
    write_stack_file(stack_file, config, **settings)
    print(f"Running the real `pulumi up` ({engine / 'pulumi'}), offline.\n", flush=True)
    return cli.run("up", "--yes", check=False, capture=False).code


def _up_with_harness(project: Path, work: Path, stack: str, config: dict[str, str]) -> int:
    from datadog_crossorg.testing.harness import Engine, ProviderServer
    from datadog_crossorg.testing.mocks import run_program
    from datadog_crossorg.testing.standins import DATADOG_STAND_INS

    program_path = project / "stacks" / "__main__.py"

    def program() -> None:
        runpy.run_path(str(program_path), run_name="__main__")

    secret_keys = set(config) & keys.SECRET_KEYS
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
    from datadog_crossorg.reports.verify import print_flow_table, verify_stack

    rows = verify_stack(config)
    print_flow_table(rows, "Does sharing work? A cross-org query per connection and type")
    return 0 if all(row.flows for row in rows) else 1


def _print_existing_connections(config: dict[str, str]) -> None:
    from datadog_crossorg.reports.existing import (
        clients_for,
        collect_connections,
        print_connections_table,
    )

    keys = KeyRing.from_config(config.get, env={})
    clients = clients_for(keys, [None, *sorted(keys.names)])
    try:
        print_connections_table(collect_connections(clients), "Org connections that now exist")
    finally:
        for client in clients.values():
            client.close()


if __name__ == "__main__":
    sys.exit(main())
