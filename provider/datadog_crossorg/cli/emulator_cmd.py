"""`crossorg emulator`: run the offline Datadog on a loopback port until Ctrl-C."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from datadog_crossorg.cli.key_options import CommandFailed, command

# The port the local stack (stacks/Pulumi.local.yaml) points at.
DEFAULT_EMULATOR_PORT = 18126


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{port} is not a port: use 1-65535, or 0 for any free one"
        )
    return port


def bind_error_text(error: OSError, port: int) -> str:
    """What a user reads when the emulator cannot listen: the cause, then what to do."""
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use (another `crossorg emulator` or `dev.py demo`?): stop "
            "that one, or pick another port with --port (0 picks a free one)"
        )
    return f"cannot listen on port {port}: {error.strerror or error}"


def _rate_limit(text: str) -> tuple[str, Any]:
    from datadog_crossorg.emulator.ratelimit import parse_limit_option

    try:
        return parse_limit_option(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds(text: str) -> float:
    """argparse type: a delay in seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def _fault(text: str) -> Any:
    from datadog_crossorg.emulator.faults import Fault

    try:
        return Fault.from_json(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a fault ({error}); expected a JSON object such as "
            '\'{"kind": "status", "status": 503, "method": "POST", "times": 2}\''
        ) from None


FAULTS_EPILOG = """Faults take the fields of POST /_emulator/faults (README, "The offline
Datadog"): kind (status, latency, drop, commit_then_status, commit_then_drop), method, path (a
regex), status, body, headers, echo_keys, delay (seconds), times (null: forever) and key_pair.
Several --fault options apply in order; --latency adds to each of them. The control endpoint arms
and clears faults while the emulator runs.
"""


def register(groups: Any) -> None:
    parser = groups.add_parser(
        "emulator",
        help="run the offline Datadog on a loopback port",
        description=(
            "Run the offline Datadog (org connections, dashboards, orgs, key validation) on a "
            "loopback port until Ctrl-C. Prints its URL and the seeded key pairs."
        ),
        epilog=FAULTS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_EMULATOR_PORT,
        help=f"port to listen on (0 = any free port; default {DEFAULT_EMULATOR_PORT})",
    )
    parser.add_argument("--seed", type=Path, help="seed file (default: the built-in demo world)")
    parser.add_argument(
        "--state",
        type=Path,
        help="state file: loaded when it exists, saved after every change",
    )
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        type=_rate_limit,
        metavar="NAME=LIMIT/PERIOD",
        help="limit an endpoint group per org, e.g. org_connections=100/10 (repeatable; groups: "
        "org_connections, dashboards, org, validate)",
    )
    parser.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait this long before answering every API request (a standing latency fault)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault,
        metavar="JSON",
        help="arm a fault at start, as POST /_emulator/faults takes it (repeatable), e.g. "
        '\'{"kind": "status", "status": 503, "method": "POST", "times": 2}\'',
    )
    command(parser, cmd_emulator)


def cmd_emulator(args: argparse.Namespace) -> int:
    from datadog_crossorg.emulator import Emulator

    emulator = Emulator(  # a bad seed or state file: SeedError, a ValueError (exit 2)
        seed=args.seed,
        state_file=args.state,
        host=args.host,
        port=args.port,
        rate_limits=dict(args.rate_limit),
    )
    for fault in standing_faults(args.latency, args.fault):
        emulator.add_fault(fault)
    try:
        emulator.start()
    except OSError as error:
        raise CommandFailed(2, bind_error_text(error, args.port)) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print(f"Datadog emulator listening on {emulator.url}", flush=True)
        _print_key_pairs(emulator)
        if args.state is not None:
            print(f"State file: {args.state}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


def standing_faults(latency: float, faults: list[Any]) -> list[Any]:
    """The faults the options arm: the given ones in order, and --latency as a latency fault
    that lasts (latency faults add their delay to whatever else applies)."""
    from datadog_crossorg.emulator.faults import Fault

    return [*faults, *([Fault("latency", delay=latency, times=None)] if latency else [])]


def _print_key_pairs(emulator: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    # Piped output (a log, a test) gets wide lines: a wrapped key cannot be copied.
    console = Console() if sys.stdout.isatty() else Console(width=200)
    table = Table(title="Key pairs (public demo keys of the emulator)")
    for column in ("key pair", "org name", "org uuid", "api key", "app key"):
        table.add_column(column, overflow="fold")
    for pair in emulator.key_pairs.values():
        table.add_row(pair.name, pair.org_name, pair.org_uuid, pair.api_key, pair.app_key)
    console.print(table)
    sys.stdout.flush()
