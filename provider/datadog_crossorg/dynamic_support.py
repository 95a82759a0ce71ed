"""What every dynamic provider of this package shares: a stateless pickle and the engine's types.

The engine pickles the provider into every resource's state and calls it in a provider process
with several threads. `StatelessProvider` pickles to its class reference alone (bytes stable across
versions, never a key) and builds its `ProviderRuntime` (see runtime.py) in the provider process:
from the stack config (`configure`), or from the environment when no config arrives.
`StableResource` registers those bytes with a pinned pickle protocol.
"""

from __future__ import annotations

import base64
import gc
import logging
import pickle
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

from pulumi import CustomResource, Inputs, ResourceOptions
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    DiffResult,
    Resource,
    ResourceProvider,
)

from datadog_crossorg.client.errors import DatadogError
from datadog_crossorg.connections import DiffDecision, OrgConnectionError, Problem
from datadog_crossorg.credentials import CredentialsError, KeyRing
from datadog_crossorg.runtime import (
    CONCURRENT_CALLS,
    LISTING_TTL_KEY,
    ProviderRuntime,
    client_options,
    is_unknown,
    listing_ttl,
)

_RUNTIME_LOCK = threading.Lock()
PROVIDER_KEY = "__provider"
# The protocol of the released `__provider` bytes. pulumi.dynamic pickles with the interpreter's
# `pickle.DEFAULT_PROTOCOL` (5 from Python 3.14): following it would change every resource's
# `__provider` after an interpreter upgrade, and each would show `~__provider` and update.
PICKLE_PROTOCOL = 4
_LOG = logging.getLogger(__name__)


def user_errors() -> tuple[type[Exception], ...]:
    """Errors whose message says what went wrong and how to fix it: a user can cause each.
    (access.py loads the HTTP stack, so it is imported only when an error is being shown.)"""
    from datadog_crossorg.access import AccessError

    return (OrgConnectionError, AccessError, CredentialsError, DatadogError)


__all__ = [
    "LISTING_TTL_KEY",
    "ProviderRuntime",
    "StableResource",
    "StatelessProvider",
    "check_result",
    "diff_result",
    "is_unknown",
]


def check_result(inputs: dict[str, Any], problems: list[Problem]) -> CheckResult:
    """A core check's answer as the engine wants it: one CheckFailure per problem."""
    return CheckResult(inputs, [CheckFailure(p.property, p.reason) for p in problems])


def diff_result(decision: DiffDecision) -> DiffResult:
    """A core diff decision with explicit `changes` (None would make the engine diff raw
    inputs, the pickled provider included, and report spurious updates)."""
    return DiffResult(
        changes=decision.has_changes,
        replaces=list(decision.replaces),
        delete_before_replace=decision.delete_before_replace,
    )


class _MessageFirstTraceback:
    """Stands in for the `traceback` module inside pulumi.dynamic's provider server.

    That server answers any exception with `traceback.format_exc()` as the gRPC error, and
    `pulumi up` prints it as is: the cause would sit at the bottom of a traceback. For user_errors()
    the text is the message alone; anything else (a bug) keeps its full traceback.
    """

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, *args: Any, **kwargs: Any) -> str:
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
    with _RUNTIME_LOCK:
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


class StatelessProvider(ResourceProvider):
    """A dynamic provider whose pickle is its class reference and nothing else."""

    serialize_as_secret_always = False  # nothing secret is captured; keeps preview diffs readable

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def pickled(self) -> str:
        """The `__provider` value: base64 of the class reference pickled with PICKLE_PROTOCOL
        (what pulumi's `serialize_provider` gives under protocol 4, byte for byte)."""
        return base64.b64encode(pickle.dumps(self, protocol=PICKLE_PROTOCOL)).decode("ascii")

    def __setstate__(self, _state: dict[str, Any]) -> None:
        show_user_errors_first()  # unpickling is the first thing the provider server does
        widen_dynamic_server()

    def runtime(self) -> ProviderRuntime:
        """The run-time half, built on first use (from the environment if not configured)."""
        runtime = self.__dict__.get("_rt")
        if runtime is None:
            with _RUNTIME_LOCK:
                runtime = self.__dict__.get("_rt")
                if runtime is None:
                    runtime = ProviderRuntime(KeyRing.from_environment())
                    self.__dict__["_rt"] = runtime
        return runtime

    def configure(self, req: ConfigureRequest) -> None:
        """Engine: Configure, once per provider process with the whole decrypted stack config."""
        get = req.config.get
        self.__dict__["_rt"] = ProviderRuntime(
            KeyRing.from_config(get), listing_ttl(get(LISTING_TTL_KEY)), client_options(get)
        )


class StableResource(Resource):
    """A dynamic resource whose `__provider` is `provider.pickled()`, the same bytes under any
    interpreter. pulumi.dynamic's constructor, which pickles with the default protocol, is
    bypassed; the secret wrapping it adds is never needed: a StatelessProvider captures nothing
    (it sets `serialize_as_secret_always = False`)."""

    def __init__(
        self,
        provider: StatelessProvider,
        name: str,
        props: Inputs,
        opts: ResourceOptions | None = None,
    ) -> None:
        if PROVIDER_KEY in props:
            raise ValueError(f"a dynamic resource must not define the {PROVIDER_KEY} key")
        props = {**props, PROVIDER_KEY: provider.pickled()}
        CustomResource.__init__(
            self, f"pulumi-python:{self._resource_type_name}", name, props, opts
        )
