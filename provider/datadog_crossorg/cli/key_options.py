"""What every `crossorg` command that calls Datadog shares: the key-pair options, the clients
they name, and one way a command stops (exit 2 for a usage problem, 1 when Datadog fails).

Keys come as the provider takes them: a stack config (`--config Pulumi.<stack>.yaml`, or the
output of `pulumi config --show-secrets --json` when the keys are secrets), then the environment
(DATADOG_API_KEY, DATADOG_APP_KEY, DATADOG_HOST).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any


def add_key_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that calls Datadog shares: which key pairs, from where."""
    parser.add_argument(
        "--org",
        action="append",
        default=[],
        metavar="NAME",
        help="key pair from datadog-crossorg:orgs (repeatable; default: the default pair)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="stack config: Pulumi.<stack>.yaml, or `pulumi config --show-secrets --json` output",
    )


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar (never shown when not a terminal)"
    )


def key_ring_and_names(args: argparse.Namespace) -> tuple[Any, list[str | None]]:
    """The key ring the options describe, and the key-pair names to use (None = default)."""
    from datadog_crossorg.credentials import KeyRing
    from datadog_crossorg.stack_config import load_config_file

    config = load_config_file(args.config) if args.config else {}
    return KeyRing.from_config(config.get), list(args.org) or [None]


class CommandFailed(Exception):
    """A command stops: exit 2 for a usage problem (keys, config, files), 1 when Datadog fails."""

    def __init__(self, code: int, message: object) -> None:
        super().__init__(str(message))
        self.code = code

    def report(self, command: str) -> int:
        print(f"{command}: {self}", file=sys.stderr)
        return self.code


@contextmanager
def clients(args: argparse.Namespace) -> Iterator[dict[str | None, Any]]:
    """One client per key pair the options name, closed afterwards."""
    from datadog_crossorg.credentials import CredentialsError
    from datadog_crossorg.inventory import clients_for
    from datadog_crossorg.stack_config import StackConfigError

    try:
        keys, names = key_ring_and_names(args)
        clients = clients_for(keys, names)
    except (CredentialsError, StackConfigError, ValueError, OSError) as error:
        raise CommandFailed(2, error) from None
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


def collect(clients: Mapping[str | None, Any], *, quiet: bool) -> list[Any]:
    """Every connection the clients see, merged; a progress bar on a terminal for several."""
    from datadog_crossorg.client import DatadogError
    from datadog_crossorg.inventory import collect_connections

    try:
        return collect_connections(clients, quiet=quiet)
    except DatadogError as error:
        raise CommandFailed(1, error) from None
