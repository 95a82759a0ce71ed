"""Run a Pulumi program in-process with its dynamic resources deployed through a real provider.

`pulumi.runtime.set_mocks` runs no provider code. `ForwardingMocks` forwards every
`pulumi-python:dynamic*` resource the program registers, with the `__provider` the program itself
pickled, to an `Engine` (Check/Diff/Create/Update over gRPC against `python -m pulumi.dynamic`), so
a test exercises the program's pickling, the wire protocol and the provider together. Other
resources get plain mock answers: inputs echoed, id `<name>_id`.

    result = run_program(program, engine, config={"datadog:apiKey": key},
                         secret_keys={"datadog:apiKey"})
    result.result.counts["create"], result.outputs["connection_ids"], result.resources

`run_program` runs each program on its own thread, event loop and copy of the context, with
fresh Pulumi runtime settings, so programs can run one after another in one process.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.dynamic import ResourceProvider
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import massage, run_pulumi_func

from datadog_crossorg.testing.harness import Engine, Goal, HarnessError, Result
from datadog_crossorg.testing.harness.values import from_struct, normalize

DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class RegisteredResource:
    """A resource as the program registered it (RegisterResource, or ReadResource for a get).

    `dependencies` are the URNs the SDK sent: explicit `depends_on` plus resources whose outputs
    feed the inputs; `property_dependencies` says which input each came through.
    """

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    custom: bool
    parent: str = ""
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    read_id: str = ""

    @property
    def dependency_names(self) -> tuple[str, ...]:
        return tuple(urn.rsplit("::", 1)[-1] for urn in self.dependencies)


@dataclass(frozen=True)
class ProgramResult:
    result: Result
    outputs: dict[str, Any]
    resources: list[RegisteredResource] = field(default_factory=list)

    def resource(self, name: str) -> RegisteredResource:
        """The registered resource with this name (error if none or several)."""
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} registered resources are named {name!r}")
        return found[0]


@dataclass(frozen=True)
class _Registration:
    urn: str
    dependencies: tuple[str, ...]
    is_read: bool


class ForwardingMocks(pulumi_mocks.Mocks):
    """Mocks whose dynamic resources are deployed by `engine` (one deployment per instance).

    Usable with plain `pulumi.runtime.set_mocks(ForwardingMocks(engine))`; call `finish()` after
    the program to delete what it no longer declares and get the Result. Under `run_program`
    each resource also gets its exact URN and dependencies from the registration request.

    `stand_ins` maps a resource type whose real provider plugin cannot run here (for example
    `datadog:index/dashboardJson:DashboardJson`) to a dynamic provider that plays it: such
    resources are deployed by the engine like dynamic ones. Other types get mock outputs.
    """

    def __init__(
        self,
        engine: Engine,
        preview: bool = False,
        stand_ins: Mapping[str, ResourceProvider] | None = None,
    ) -> None:
        self.engine = engine
        self.preview = preview
        self.deployment = engine.begin(preview)
        self.stand_ins = dict(stand_ins or {})
        self._current = threading.local()

    def deploys(self, type_: str) -> bool:
        """Whether resources of this type go to the engine (dynamic, or played by a stand-in)."""
        return type_.startswith(DYNAMIC_TYPE_PREFIX) or type_ in self.stand_ins

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        if not self.deploys(args.typ):
            return f"{args.name}_id", dict(args.inputs)
        registration: _Registration | None = getattr(self._current, "registration", None)
        urn = registration.urn if registration else None
        goal = Goal(
            name=args.name, type=args.typ, inputs=args.inputs, provider=self.stand_ins.get(args.typ)
        )
        is_read = registration.is_read if registration else args.custom is None
        if args.resource_id and is_read:
            return args.resource_id, self.deployment.read(goal, args.resource_id, urn=urn)
        if args.resource_id:
            error = HarnessError(
                f"{args.typ} {args.name!r}: import_ does not work with dynamic providers (the "
                "engine's import Read carries no __provider); use ResourceOptions(id=...) to read"
            )
            self.deployment.fail(error)
            raise error
        deps = registration.dependencies if registration else ()
        names = [u.rsplit("::", 1)[-1] for u in deps if self.deploys(_type_of(u))]
        return self.deployment.register(goal, urn=urn, dependencies=names)

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        return {}, []

    def finish(self) -> Result:
        return self.deployment.finish()


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """MockMonitor that records each registration and hands its URN and dependencies to the
    ForwardingMocks (MockResourceArgs carries neither)."""

    def __init__(self, mocks: ForwardingMocks) -> None:
        super().__init__(mocks)
        self.forwarding = mocks
        self.registered: list[RegisteredResource] = []
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root stack out of its children's type chain; MockMonitor does not.
        if parent and parent.split("::")[2] == ROOT_STACK_TYPE:
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        return self._forward(request, is_read=False, call=super().RegisterResource)

    def ReadResource(self, request: Any) -> Any:
        return self._forward(request, is_read=True, call=super().ReadResource)

    def _forward(self, request: Any, is_read: bool, call: Callable[[Any], Any]) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        dependencies = tuple(request.dependencies)
        self._record(request, urn, dependencies, is_read)
        self.forwarding._current.registration = _Registration(urn, dependencies, is_read)
        try:
            return call(request)
        finally:
            self.forwarding._current.registration = None

    def _record(self, request: Any, urn: str, deps: tuple[str, ...], is_read: bool) -> None:
        inputs = normalize(
            rpc.deserialize_properties(request.properties if is_read else request.object)
        )
        options: dict[str, Any] = {"provider": request.provider}
        if not is_read:
            options.update(
                protect=request.protect if request.HasField("protect") else None,
                delete_before_replace=request.deleteBeforeReplace
                if request.deleteBeforeReplaceDefined
                else None,
                ignore_changes=list(request.ignoreChanges),
                replace_on_changes=list(request.replaceOnChanges),
                retain_on_delete=request.retainOnDelete
                if request.HasField("retainOnDelete")
                else None,
                deleted_with=request.deletedWith,
                additional_secret_outputs=list(request.additionalSecretOutputs),
                import_id=request.importId,
            )
        resource = RegisteredResource(
            type=request.type,
            name=request.name,
            urn=urn,
            inputs=inputs,
            custom=True if is_read else request.custom,
            parent=request.parent,
            dependencies=deps,
            property_dependencies={}
            if is_read
            else {k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
            options=options,
            read_id=request.id if is_read else "",
        )
        with self._lock:
            self.registered.append(resource)


def _type_of(urn: str) -> str:
    return urn.split("::")[2].split("$")[-1]


def run_program(
    program: Callable[[], None],
    engine: Engine,
    *,
    config: Mapping[str, str] | None = None,
    secret_keys: Iterable[str] = (),
    preview: bool = False,
    project: str | None = None,
    stack: str | None = None,
    stand_ins: Mapping[str, ResourceProvider] | None = None,
) -> ProgramResult:
    """Run `program` as `pulumi preview` (preview=True) or `pulumi up` would, against `engine`.

    `config` is the stack config (namespaced keys, string values) seen by `pulumi.Config()` in
    the program and, through Configure, by the provider (the server is configured here unless it
    already is, with the same config). Leftover state is deleted at the end of an up. The first
    failure (a `ProviderError`, `CheckFailed`, or the program's own exception) is raised after
    the state is saved. `project`/`stack` default to the engine's. `stand_ins`: see
    `ForwardingMocks`.
    """
    config = dict(config or {})
    secret_keys = frozenset(secret_keys)
    for given, own, what in ((project, engine.project, "project"), (stack, engine.stack, "stack")):
        if given is not None and given != own:
            raise ValueError(f"run_program {what} {given!r} differs from the engine's {own!r}")
    engine.server.configure(config, secret_keys)
    mocks = ForwardingMocks(engine, preview=preview, stand_ins=stand_ins)
    monitor = _RecordingMonitor(mocks)
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulumi-program") as pool:
        job = pool.submit(
            context.run,
            _run_in_fresh_runtime,
            program,
            monitor,
            config,
            secret_keys,
            preview,
            engine.project,
            engine.stack,
        )
        try:
            outputs = job.result()
        except BaseException as exc:
            mocks.deployment.fail(exc)
            mocks.finish()  # raises the deployment's first failure
            raise
    result = mocks.finish()
    return ProgramResult(result, outputs, list(monitor.registered))


def _run_in_fresh_runtime(
    program: Callable[[], None],
    monitor: _RecordingMonitor,
    config: dict[str, str],
    secret_keys: frozenset[str],
    preview: bool,
    project: str,
    stack: str,
) -> dict[str, Any]:
    """Pulumi's runtime settings are context variables: set them afresh in this thread's copy
    of the caller's context, on a private event loop, and resolve the stack outputs."""
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_quiet_about_dropped_futures)
    asyncio.set_event_loop(loop)
    try:
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_all_config(config, sorted(secret_keys))
        pulumi.runtime.set_mocks(
            monitor.forwarding, project=project, stack=stack, preview=preview, monitor=monitor
        )
        pulumi_settings.SETTINGS.outputs = set()
        loop.run_until_complete(run_pulumi_func(program))
        root = pulumi_settings.get_root_resource()
        exported = massage(getattr(root, "outputs", {}), [])
        return from_struct(loop.run_until_complete(rpc.serialize_properties(exported, {})))
    finally:
        # After a failure some registrations may still be pending: cancel them, and wait for
        # those already calling the engine (they run on the loop's executor).
        leftover = asyncio.all_tasks(loop)
        for task in leftover:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()


def _quiet_about_dropped_futures(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A failed program leaves futures whose error the SDK never reads; that error was already
    raised to the caller, so asyncio's "exception was never retrieved" would only repeat it."""
    if "never retrieved" not in str(context.get("message", "")):
        loop.default_exception_handler(context)


__all__ = [
    "ForwardingMocks",
    "ProgramResult",
    "RegisteredResource",
    "run_program",
]
