"""Progress for long commands: shown on a terminal, silent when piped or with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def track(
    items: Iterable[T], description: str, *, quiet: bool = False, total: int | None = None
) -> Iterator[T]:
    """Yield `items`, drawing a rich progress bar on stderr when it is a terminal and not quiet."""
    if quiet or not sys.stderr.isatty():
        yield from items
        return
    from rich.console import Console
    from rich.progress import track as rich_track

    yield from rich_track(
        items, description=description, total=total, console=Console(stderr=True), transient=True
    )
