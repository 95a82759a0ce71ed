"""What every `crossorg` command shares: the key-pair options, the clients they name, and one way
a command stops (`CommandFailed`: exit 2 for a usage problem, 1 when Datadog fails), which
`crossorg`'s main applies to every command (`exit_on_error`).

Keys come as the provider takes them: a stack config (`--config Pulumi.<stack>.yaml`, or the
output of `pulumi config --show-secrets --json` when the keys are secrets), then the environment
(DATADOG_API_KEY, DATADOG_APP_KEY, DATADOG_HOST).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Mapping
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
    from datadog_crossorg.config.credentials import KeyRing
    from datadog_crossorg.config.stack_program import load_config_file

    config = load_config_file(args.config) if args.config else {}
    return KeyRing.from_config(config.get), list(args.org) or [None]


def command(parser: argparse.ArgumentParser, func: Callable[[argparse.Namespace], int]) -> None:
    """Make `func` the command `parser` runs (its `prog` names it in error messages, and its
    usage answers an unknown option)."""
    parser.set_defaults(func=func, prog=parser.prog, parser=parser)


class CommandFailed(Exception):
    """A command stops: exit 2 for a usage problem (keys, config, files), 1 when Datadog fails."""

    def __init__(self, code: int, message: object) -> None:
        super().__init__(str(message))
        self.code = code

    def report(self, command: str) -> int:
        print(f"{command}: {self}", file=sys.stderr)
        return self.code


def _usage_errors() -> tuple[type[Exception], ...]:
    from datadog_crossorg.config.credentials import CredentialsError
    from datadog_crossorg.config.settings import SettingsError
    from datadog_crossorg.config.stack_program import StackConfigError

    return (CredentialsError, SettingsError, StackConfigError, ValueError)


def exit_on_error(prog: str, run: Callable[[], int]) -> int:
    """Run a command; a mistake a user can make ends it with one line naming it and exit code 2
    (keys, config, files, values) or 1 (Datadog failed), never a traceback."""
    from datadog_crossorg.client import DatadogError

    try:
        return int(run())
    except CommandFailed as failure:
        return failure.report(prog)
    except DatadogError as error:
        return CommandFailed(1, error).report(prog)
    except OSError as error:
        return CommandFailed(2, os_error_text(error)).report(prog)
    except _usage_errors() as error:
        return CommandFailed(2, error).report(prog)


def os_error_text(error: OSError) -> str:
    """A file the user named cannot be used: the path and the reason, without `[Errno 2]`."""
    if error.filename is None:
        return error.strerror or str(error)
    reason = error.strerror or type(error).__name__
    fix = " (check the path)" if isinstance(error, FileNotFoundError | NotADirectoryError) else ""
    return f"{error.filename}: {reason}{fix}"


@contextmanager
def clients(args: argparse.Namespace) -> Iterator[dict[str | None, Any]]:
    """One client per key pair the options name, closed afterwards."""
    from datadog_crossorg.config.settings import ProviderSettings
    from datadog_crossorg.config.stack_program import load_config_file
    from datadog_crossorg.reports.existing import clients_for

    config = load_config_file(args.config) if args.config else {}
    settings = ProviderSettings.from_stack_config(config.get)
    names: list[str | None] = list(args.org) or [None]
    clients = clients_for(settings.key_ring, names, settings.client_options)
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


def collect(clients: Mapping[str | None, Any], *, quiet: bool) -> list[Any]:
    """Every connection the clients see, merged; a progress bar on a terminal for several."""
    from datadog_crossorg.reports.existing import collect_connections

    return collect_connections(clients, quiet=quiet)
