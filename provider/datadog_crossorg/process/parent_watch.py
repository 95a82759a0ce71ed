"""A provider process ends when the engine that started it is gone, and quietly on SIGINT.

The engine starts each provider process (pulumi.dynamic's server, the native plugin) as its child
and stops it at the end of a command. A CLI killed with SIGKILL cannot: its providers were left
running, holding clients and threads, until someone noticed. `exit_when_orphaned` watches the
parent from a daemon thread (one `getppid()` every half second: nothing measurable) and ends the
process once the parent changes. `quiet_interrupt` makes SIGINT, which the engine sends every
plugin's process group to stop it (and a Ctrl-C may reach), end the process without
Python's KeyboardInterrupt traceback in the CLI's output.
"""

from __future__ import annotations

import os
import signal
import threading
import time

POLL_SECONDS = 0.5
_STARTED: list[int] = []  # the parent watched, once per process
_LOCK = threading.Lock()


def exit_when_orphaned(poll_seconds: float = POLL_SECONDS) -> bool:
    """Start the watch (once per process); False when the parent is already gone."""
    with _LOCK:
        parent = os.getppid()
        if _STARTED or parent == 1:
            return bool(_STARTED)
        _STARTED.append(parent)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(0)  # the engine is gone: nobody reads our answers; skip any cleanup

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    return True


def quiet_interrupt() -> None:
    """SIGINT ends this process at once, like SIGTERM, with no traceback (main thread only)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
