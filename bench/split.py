"""Section (i): where one `pulumi` command's wall time goes, ours against Pulumi's.

    .venv/bin/python bench/split.py [--n 1 200] [--repeat 3] [--latency 0.05]

For N connections (hub to N spokes, as in section (e)), dynamic and native, under the real CLI
against the offline Datadog with `latency` on every connections request: `pulumi up --yes
--parallel 16` (create) and `pulumi destroy --yes --parallel 16`, each command in its own process,
the variants of one repetition run one after another (A B C A B C ...) so drift hits all alike:

- default: the file backend as a user has it, no engine log (the wall time a user waits);
- PULUMI_SKIP_CHECKPOINTS=true (one state write at the end: NOT crash-safe, measured only to
  price the per-step writes: checkpoints = default wall - this wall);
- PULUMI_DIY_BACKEND_GZIP=true (the file backend's compressed state: still crash-safe);
- `up --skip-preview` (create only: the preview's program run and provider start skipped);
- logged: PULUMI_SKIP_CHECKPOINTS with `--logflow -v=9 --logtostderr`, whose timestamps split
  the command: CLI start (launch to the first language host), language host start (to its Run),
  program (Run to the provider's launch: the interpreter, imports, first registration), provider
  start (launch to its first gRPC answer, GetPluginInfo), the engine before our first call
  (Configure, Check, Diff), our calls (first request's start to last answer at the emulator),
  the engine after them, and the finish (Run's end to the CLI's exit). A command has these once
  per phase (preview, then update), summed here;
- logged, with checkpoints: the same log of a default run, for the number of state writes.

The medians over `repeat` repetitions are printed. State bytes per connection: the stack file
after create, less the same stack with no connection, over N.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from real_engine import build_stack, slow  # first: it puts the checkout on sys.path
from rich.console import Console
from rich.table import Table

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.emulator.worlds import hub_and_spokes_seed
from datadog_crossorg.testing.pulumi_cli import find_engine_bin
from tests.real_engine.cli_world import CliStack

WAYS = ("dynamic", "native")
SKIP = {"PULUMI_SKIP_CHECKPOINTS": "true"}
GZIP = {"PULUMI_DIY_BACKEND_GZIP": "true"}
LOG_FLAGS = ("--logflow", "-v=9", "--logtostderr")
# The commands of issue 29's table that change nothing, run on the created stack (default only).
READ_ONLY = (
    ("preview", ("preview",)),
    ("preview --refresh", ("preview", "--refresh")),
    ("refresh", ("refresh", "--yes", "--skip-preview")),
)
# Issue 29's Terraform figures (OpenTofu 1.10, provider 4.19, same machine and emulator, 50 ms):
# (N, operation) -> (seconds, what Terraform ran).
TERRAFORM = {
    (1, "create"): (1.8, "apply"),
    (1, "preview"): (1.7, "plan (1.3-2.1 s)"),
    (200, "create"): (4.3, "apply, parallelism 16"),
    (200, "destroy"): (4.8, "destroy"),
    (200, "preview --refresh"): (3.2, "refreshing plan"),
    (200, "refresh"): (2.4, "refresh (201 calls)"),
}


@dataclass(frozen=True)
class Variant:
    name: str
    env: dict[str, str]
    logged: bool = False
    up_flags: tuple[str, ...] = ()


VARIANTS = (
    Variant("default", {}),
    Variant("skip checkpoints", SKIP),
    Variant("gzip state", GZIP),
    Variant("up --skip-preview", {}, up_flags=("--skip-preview",)),
    Variant("logged, skip checkpoints", SKIP, logged=True),
    Variant("logged", {}, logged=True),
)

# The split's parts, in the order a command passes them; each gap between two milestones of the
# log goes to the part the earlier milestone opens.
PARTS = (
    ("cli", "CLI start and between phases"),
    ("language", "language host start"),
    ("program", "program until its provider launches"),
    ("schema", "program's own provider start (YAML reads the schema)"),
    ("provider", "provider process start (to its first gRPC answer)"),
    ("engine", "engine before our first call (Configure, Check, Diff)"),
    ("api", "our calls (API span at the emulator)"),
    ("after", "engine after our last answer"),
    ("finish", "finish (Run's end to the CLI's exit)"),
)
RELAYED = "eventSink::"  # a line a plugin (the YAML language host) logged, relayed by the CLI
RELAYED_MILESTONES = (
    (re.compile(r"newPlugin\(\): Launching plugin '[^']* \(resource\)'"), "schema"),
    (re.compile(r"Provider\[[^]]*\]\.GetPluginInfo\(\) success"), "program"),
)
MILESTONES = (
    (re.compile(r"Launching plugin '[^']*' from '[^']*pulumi-language-"), "language"),
    (re.compile(r"langhost\[\w+\]\.Run\(.*\) executing"), "program"),
    (re.compile(r"Launching plugin '[^']*' from '[^']*(pulumi-resource-|native)"), "provider"),
    (re.compile(r"Provider\[\w+\]\.GetPluginInfo\(\) success"), "engine"),
    (re.compile(r"langhost\[\w+\]\.Run\(.*\) success"), "finish"),
)
SAVED = re.compile(r"Saved stack .* checkpoint to")


@dataclass(frozen=True)
class Command:
    """One command's run: its wall time and, when logged, its split and its state writes."""

    seconds: float
    parts: dict[str, float] = field(default_factory=dict)
    writes: int = 0


def milestones(stderr: str) -> Iterator[tuple[float, str]]:
    """(epoch seconds, part it opens) of each milestone line of a JSON engine log."""
    for line in stderr.splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        message = entry.get("msg", "")
        relayed = message.startswith(RELAYED)
        for pattern, part in RELAYED_MILESTONES if relayed else MILESTONES:
            if pattern.search(message):
                yield _epoch(entry["time"]), part
                break


def _epoch(stamp: str) -> float:
    """RFC 3339 with nanoseconds (Go's) to epoch seconds."""
    whole, _, rest = stamp.rstrip("Z").partition(".")
    seconds = time.mktime(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) - time.timezone
    return seconds + float(f"0.{rest or 0}")


def split(
    stderr: str, launched: float, exited: float, api: tuple[float, float] | None
) -> dict[str, float]:
    """Each part's seconds: the gaps between consecutive milestones, from launch to exit."""
    marks = [(launched, "cli"), *milestones(stderr)]
    if api is not None:
        marks += [(api[0], "api"), (api[1], "after")]
    marks.sort()
    marks.append((exited, "end"))
    # A provider plugin runs through a language host of its own: that launch is the provider's.
    kept = [marks[0]]
    for at, part in marks[1:]:
        if part == "language" and kept[-1][1] in ("provider", "schema"):
            continue
        if part != kept[-1][1]:
            kept.append((at, part))
    parts = dict.fromkeys((key for key, _ in PARTS), 0.0)
    for (at, part), (following, _) in itertools.pairwise(kept):
        parts[part] += max(0.0, following - at)
    return parts


def run_command(s: CliStack, args: list[str], variant: Variant, clock_offset: float) -> Command:
    """`pulumi <args>` in its own process under `variant`; the emulator's log gives the API span."""
    saved_env = dict(s.cli.env)
    s.cli.env.update(variant.env)
    try:
        s.emu.clear_requests()
        launched = time.time()
        result = s.cli.run(*args, *(LOG_FLAGS if variant.logged else ()))
        exited = time.time()
    finally:
        s.cli.env.clear()
        s.cli.env.update(saved_env)
    if not variant.logged:
        return Command(exited - launched)
    records = s.emu.requests
    api = None
    if records:
        last = records[-1].answered + clock_offset
        api = (last - s.emu.api_span, last)
    return Command(
        exited - launched,
        split(result.stderr, launched, exited, api),
        len(SAVED.findall(result.stderr)),
    )


@dataclass
class Measured:
    """Every run of one (way, N): commands[(variant, operation)] -> runs, and state sizes."""

    way: str
    n: int
    commands: dict[tuple[str, str], list[Command]] = field(default_factory=dict)
    state_bytes: list[int] = field(default_factory=list)
    empty_bytes: int = 0

    def add(self, variant: str, operation: str, command: Command) -> None:
        self.commands.setdefault((variant, operation), []).append(command)
        print(  # progress, and the figures of a run cut short
            f"{self.way} N={self.n} {variant}: {operation} {command.seconds:.2f} s",
            file=sys.stderr,
            flush=True,
        )

    def seconds(self, variant: str, operation: str) -> float:
        return statistics.median(c.seconds for c in self.commands[(variant, operation)])

    def part(self, variant: str, operation: str, part: str) -> float:
        return statistics.median(c.parts[part] for c in self.commands[(variant, operation)])

    def writes(self, operation: str) -> int:
        return int(statistics.median(c.writes for c in self.commands[("logged", operation)]))


def stack_file(s: CliStack) -> Path:
    found = [p for p in s.cli.state_files() if p.parent.parent.name == "stacks"]
    return next(p for p in found if p.suffix in (".json", ".gz") and ".bak" not in p.name)


def measure(
    emu: Emulator,
    way: str,
    n: int,
    repeat: int,
    clock_offset: float,
    variants: tuple[Variant, ...] = VARIANTS,
) -> Measured:
    measured = Measured(way, n)
    parallel = ["--parallel", "16"]
    with tempfile.TemporaryDirectory() as tmp:
        s = build_stack(emu, n, way, Path(tmp))
        empty = build_stack(emu, 0, way, Path(tmp) / "empty")
        empty.pulumi("up", "--yes")
        measured.empty_bytes = stack_file(empty).stat().st_size
        for _ in range(repeat):
            for variant in variants:
                up = ["up", "--yes", *parallel, *variant.up_flags]
                measured.add(variant.name, "create", run_command(s, up, variant, clock_offset))
                if variant.name == "default":
                    measured.state_bytes.append(stack_file(s).stat().st_size)
                    for operation, args in READ_ONLY:
                        command = run_command(s, [*args, *parallel], variant, clock_offset)
                        measured.add(variant.name, operation, command)
                destroy = ["destroy", "--yes", *parallel]
                if variant.up_flags:  # the same destroy as default's: not a variant of its own
                    s.cli.run(*destroy)
                    continue
                measured.add(
                    variant.name, "destroy", run_command(s, destroy, variant, clock_offset)
                )
    return measured


def run(
    sizes: list[int], repeat: int, latency: float, variants: tuple[Variant, ...] = VARIANTS
) -> list[Measured]:
    clock_offset = time.time() - time.monotonic()
    out = []
    with Emulator(seed=hub_and_spokes_seed(max(sizes))) as emu:
        slow(emu, latency)
        for n in sizes:
            for way in WAYS:
                out.append(measure(emu, way, n, repeat, clock_offset, variants))
    return out


def split_table(results: list[Measured], operation: str, repeat: int, latency: float) -> Table:
    out = Table(
        title=f"(i) Where `pulumi {'up' if operation == 'create' else 'destroy'}` spends its "
        f"time: {operation}, --parallel 16, {latency * 1000:.0f} ms per request, median of "
        f"{repeat}, each command in its own process"
    )
    out.add_column("part")
    for m in results:
        out.add_column(f"{m.way} N={m.n}", justify="right")

    def row(label: str, cells: list[str]) -> None:
        out.add_row(label, *cells)

    def seconds(variant: str) -> list[str]:
        return [
            f"{m.seconds(variant, operation):.2f}" if (variant, operation) in m.commands else "-"
            for m in results
        ]

    def has(variant: str) -> bool:
        return all((variant, operation) in m.commands for m in results)

    row("wall s, default (what a user waits)", seconds("default"))
    row("wall s, PULUMI_SKIP_CHECKPOINTS (not crash-safe)", seconds("skip checkpoints"))
    if has("skip checkpoints"):
        row(
            "  = checkpoints s (default - skip)",
            [
                f"{m.seconds('default', operation) - m.seconds('skip checkpoints', operation):.2f}"
                for m in results
            ],
        )
    if has("logged"):
        row("  state writes (default run's log)", [str(m.writes(operation)) for m in results])
    row("wall s, gzip state (crash-safe)", seconds("gzip state"))
    if operation == "create":
        row("wall s, up --skip-preview (crash-safe)", seconds("up --skip-preview"))
        row(
            "state bytes per connection",
            [
                f"{(statistics.median(m.state_bytes) - m.empty_bytes) / max(m.n, 1):.0f}"
                for m in results
            ],
        )
    logged = "logged, skip checkpoints"
    if has(logged):
        row("split of the logged run (skip checkpoints), s:", ["" for _ in results])
        for key, label in PARTS:
            row(f"  {label}", [f"{m.part(logged, operation, key):.2f}" for m in results])
        row("  total (logged run's wall)", seconds(logged))
    out.caption = (
        "A command runs the program and starts a provider once per phase: `up` previews first "
        "(unless --skip-preview), `destroy` too; the split sums both phases. The logged run's "
        "engine log costs some time of its own: its total is beside the unlogged walls above."
    )
    return out


def issue_table(results: list[Measured], repeat: int) -> Table:
    """Issue 29's rows: our default wall time, and with the crash-safe settings a user can take,
    beside Terraform's figure for the same work."""
    out = Table(title=f"(i) Issue 29's table: ours now (median of {repeat}) beside Terraform")
    for column in ("N", "work", "Terraform s", "way", "ours s", "ours/TF", "with --skip-preview"):
        out.add_column(column, justify="left" if column in ("work", "way") else "right")
    for (n, operation), (terraform, what) in TERRAFORM.items():
        for m in results:
            if m.n != n or ("default", operation) not in m.commands:
                continue
            ours = m.seconds("default", operation)
            faster = ""
            if ("up --skip-preview", operation) in m.commands:
                quick = m.seconds("up --skip-preview", operation)
                faster = f"{quick:.2f} s ({quick / terraform:.2f}x)"
            out.add_row(
                str(n), f"{operation} ({what})", f"{terraform:.1f}", m.way,
                f"{ours:.2f}", f"{ours / terraform:.2f}x", faster,
            )  # fmt: skip
    out.caption = (
        "create = `up --yes --parallel 16`, destroy = `destroy --yes --parallel 16`, preview --refresh "
        "= `preview --refresh --parallel 16`, refresh = `refresh --yes --skip-preview --parallel 16`. "
        "Terraform's figures are issue 29's (same machine, not this run)."
    )
    return out


def import_pulumi_seconds() -> float:
    """How loaded the machine is, in a unit comparable across runs: `python -c "import pulumi"`."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pulumi"], check=True)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1, 200])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[v.name for v in VARIANTS],
        help="run only these variants (e.g. for a large N: default 'skip checkpoints')",
    )
    args = parser.parse_args(argv)
    variants = tuple(v for v in VARIANTS if not args.only or v.name in args.only)
    if find_engine_bin() is None:
        print("no pulumi CLI: build it with `python3 engine/build.py` (needs go)", file=sys.stderr)
        return 2
    load, yardstick = os.getloadavg()[0], import_pulumi_seconds()
    results = run(args.n, args.repeat, args.latency, variants)
    console = Console(width=170)
    for operation in ("create", "destroy"):
        console.print(split_table(results, operation, args.repeat, args.latency))
    console.print(issue_table(results, args.repeat))
    console.print(
        f"load average before: {load:.1f}, after: {os.getloadavg()[0]:.1f}; yardstick `python -c "
        f"'import pulumi'`: {yardstick:.2f} s before, {import_pulumi_seconds():.2f} s after "
        "(median of 5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
