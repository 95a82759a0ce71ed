"""Four changes to pulumi.dynamic's provider server, made from inside it when our provider loads.

That server (`python -m pulumi.dynamic`) answers any exception with a full traceback, serves at
most 4 calls at once, sends no detailed diff, and runs on after the engine that started it is
gone (a CLI killed with SIGKILL). Our providers are thread-safe and their user errors say what to
do, so `show_user_errors_first` makes those read message-first, `widen_dynamic_server` lets it
serve `CONCURRENT_CALLS` at once, `send_detailed_diffs` lets a Diff's answer say what changed (one
type added, not every index of the list), and `end_with_the_engine` ends it once its parent is
gone. The patches of the server are guarded: on a server of another shape they change nothing and
log why once. Outside that server (programs, tests, the native plugin) they do nothing.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

from datadog_crossorg.process.parent_watch import exit_when_orphaned
from datadog_crossorg.process.provider_process import CONCURRENT_CALLS

_LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()


class _MessageFirstTraceback:
    """Stands in for the `traceback` module inside pulumi.dynamic's provider server.

    That server answers any exception with `traceback.format_exc()` as the gRPC error, and
    `pulumi up` prints it as is: the cause would sit at the bottom of a traceback. For user_errors()
    (`rules.served.user_errors`) the text is the message alone; anything else (a bug) keeps its
    full traceback.
    """

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
        from datadog_crossorg.rules.served import user_errors  # loads the rules: only now

        error = sys.exc_info()[1]
        if isinstance(error, user_errors()):
            return f"{error}"
        return self._real.format_exc(*args, **kwargs)


def _dynamic_server() -> ModuleType | None:
    """pulumi.dynamic's provider server module when this process is that server (run as
    `python -m pulumi.dynamic`), else None (tests, programs, the native plugin)."""
    server = sys.modules.get("__main__")
    return server if hasattr(server, "DynamicResourceProviderServicer") else None


def show_user_errors_first() -> bool:
    """In pulumi.dynamic's server process, make user errors read message-first. Guarded: when the
    server is not the shape this was written against, change nothing and say so once."""
    server = _dynamic_server()
    if server is None:
        return False
    current = getattr(server, "traceback", None)
    if isinstance(current, _MessageFirstTraceback):
        return True
    if current is not traceback:
        _LOG.warning(
            "datadog-crossorg: pulumi.dynamic's provider server changed shape; errors keep their "
            "full traceback"
        )
        return False
    server.traceback = _MessageFirstTraceback(traceback)  # type: ignore[attr-defined]
    return True


def end_with_the_engine() -> bool:
    """In pulumi.dynamic's server process, exit once the engine that started it is gone."""
    return _dynamic_server() is not None and exit_when_orphaned()


_WIDENED: list[bool] = []  # once per process


def widen_dynamic_server(workers: int = CONCURRENT_CALLS) -> bool:
    """Let pulumi.dynamic's provider server run `workers` calls at once instead of its fixed 4.

    That server builds `grpc.server(ThreadPoolExecutor(max_workers=4))` before our code loads;
    our provider is thread-safe, so the server is handed a wider pool for the calls it takes from
    now on (the old pool finishes the ones it holds). Guarded: when the server is not the shape
    this was written against, nothing changes and the log says so once.
    """
    if _dynamic_server() is None:
        return False
    with _LOCK:
        if not _WIDENED:
            state = _grpc_server_state()
            if state is None:
                _LOG.warning(
                    "datadog-crossorg: pulumi.dynamic's provider server changed shape; it keeps "
                    "serving at most 4 calls at once (the native plugin has no such limit)"
                )
            elif state.thread_pool._max_workers < workers:
                state.thread_pool = ThreadPoolExecutor(workers, thread_name_prefix="dynamic")
            _WIDENED.append(state is not None)
        return _WIDENED[0]


def _grpc_server_state() -> Any:
    """The state of the one gRPC server in this process, if it holds a ThreadPoolExecutor."""
    try:
        from grpc import _server

        states = [o._state for o in gc.get_objects() if isinstance(o, _server._Server)]
    except (ImportError, AttributeError):
        return None
    if len(states) != 1:
        return None
    pool = getattr(states[0], "thread_pool", None)
    if not isinstance(pool, ThreadPoolExecutor) or not isinstance(
        getattr(pool, "_max_workers", None), int
    ):
        return None
    return states[0]


# -- detailed diffs --------------------------------------------------------------------------
_SHOWN = threading.local()  # what the Diff this thread answers is to show (set by our Diff)
_DETAILED: list[bool] = []  # once per process
_DIFF_METHOD = "/pulumirpc.ResourceProvider/Diff"


def show_detailed_diff(shown: Mapping[str, tuple[str, bool]]) -> None:
    """Our Diff's detailed diff (`DiffDecision.shown`), for `send_detailed_diffs` to send."""
    _SHOWN.value = dict(shown)


def send_detailed_diffs() -> bool:
    """Make pulumi.dynamic's server send the detailed diff our Diff recorded on its thread.

    Its DiffResult has no detailed diff, so the engine diffs the old and new inputs itself and
    shows a changed list index by index. The server's Diff handler is wrapped: the answer gains
    `detailedDiff`. Guarded: when the server is not the shape this was written against, nothing
    changes and the log says so once.
    """
    if _dynamic_server() is None:
        return False
    with _LOCK:
        if not _DETAILED:
            handlers = _diff_handlers(_grpc_server_state())
            if handlers is None:
                _LOG.warning(
                    "datadog-crossorg: pulumi.dynamic's provider server changed shape; a changed "
                    "list shows index by index"
                )
            else:
                handler = handlers[_DIFF_METHOD]
                wrapped = _with_detailed_diff(handler.unary_unary)
                handlers[_DIFF_METHOD] = handler._replace(unary_unary=wrapped)
            _DETAILED.append(handlers is not None)
        return _DETAILED[0]


def _diff_handlers(state: Any) -> dict[str, Any] | None:
    """The method handlers holding the server's Diff, if they have the expected shape."""
    for generic in getattr(state, "generic_handlers", None) or ():
        handlers = getattr(generic, "_method_handlers", None)
        handler = handlers.get(_DIFF_METHOD) if isinstance(handlers, dict) else None
        if handler is not None and hasattr(handler, "_replace") and handler.unary_unary:
            return handlers
    return None


def _with_detailed_diff(diff: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    from pulumi.runtime.proto import provider_pb2

    kinds = provider_pb2.PropertyDiff.Kind

    def answer(request: Any, context: Any) -> Any:
        _SHOWN.value = None
        response = diff(request, context)
        shown = _SHOWN.value
        if shown:
            for path, (kind, input_diff) in shown.items():
                response.detailedDiff[path].CopyFrom(
                    provider_pb2.PropertyDiff(kind=kinds.Value(kind.upper()), inputDiff=input_diff)
                )
            response.hasDetailedDiff = True
            response.diffs.extend(sorted({path.partition("[")[0] for path in shown}))
        return response

    return answer
