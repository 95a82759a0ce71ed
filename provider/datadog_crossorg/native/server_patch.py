"""One change to Pulumi's experimental provider server (`pulumi.provider.experimental.server`),
made when the plugin starts: user errors read as their message alone.

That server wraps every servicer method (`_raise_with_traceback`) so that any exception reaches
the engine as `<message>:\\n<Python stack>`, which `pulumi up` prints in every language: the cause
and fix of "already exists, set adopt" would stand above a stack of our frames. This wraps each
method once more: when the exception raised is one of `rules.served.user_errors()` (or the
server's re-raise of one, its implicit `__context__`), the call is aborted with the message alone;
anything else, a bug, keeps its stack. Guarded: on a server of another shape it changes nothing
and says so once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

_LOG = logging.getLogger(__name__)
_MARK = "_datadog_crossorg_message_first"
# The calls in which our code runs and may raise a user's error.
METHODS = ("CheckConfig", "Configure", "Check", "Diff", "Create", "Read", "Update", "Delete")

Method = Callable[[Any, Any, Any], Awaitable[Any]]


def show_user_errors_first() -> bool:
    """Patch the experimental server's servicer; True when every method is (now or already)."""
    try:
        from pulumi.provider.experimental.server import ProviderServicer
    except ImportError:
        ProviderServicer = None
    methods = [getattr(ProviderServicer, name, None) for name in METHODS]
    if ProviderServicer is None or not all(callable(m) for m in methods):
        _LOG.warning(
            "datadog-crossorg: pulumi's experimental provider server changed shape; errors keep "
            "their Python stack"
        )
        return False
    for name, method in zip(METHODS, methods, strict=True):
        if not getattr(method, _MARK, False):
            setattr(ProviderServicer, name, _message_first(method))
    return True


def _message_first(method: Method) -> Method:
    async def call(self: Any, request: Any, context: Any) -> Any:
        try:
            return await method(self, request, context)
        except Exception as error:
            cause = _user_error(error)
            if cause is None:
                raise
            import grpc

            await context.abort(grpc.StatusCode.UNKNOWN, str(cause))
            raise  # abort raises; this is never reached

    setattr(call, _MARK, True)
    call.__name__ = getattr(method, "__name__", "call")
    return call


def _user_error(error: BaseException) -> BaseException | None:
    """The user error behind `error` (itself, or what the server re-raised it from), or None."""
    from datadog_crossorg.rules.served import user_errors

    for candidate in (error, error.__context__):
        if isinstance(candidate, user_errors()):
            return candidate
    return None
