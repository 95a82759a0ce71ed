"""`Engine`: the deployment logic of `pulumi preview/up/refresh/destroy` (pulumi 3.272
`step_generator.go`, `step_executor.go`) over `ProviderServer`s: the dynamic provider server as the
default provider (`Engine(server)`; goals carry a pickled provider), and provider instances served
by plugin processes (`engine.add_provider(name, server, inputs)`: CheckConfig, then Configure, as
when a program registers an explicit provider; goals name one with `provider_instance=`).

Per goal, as the step generator does it:
- Check(old inputs or {}, new inputs); failures stop the deployment (`CheckFailed`);
- no old state: Create;
- old state: Diff(id, OLD OUTPUTS, checked inputs). `changes == "unknown"` (the provider returned
  `changes=None`) makes the engine compare old and new INPUTS itself, pickled `__provider`
  included, which is how a provider upgrade turns into spurious updates;
- replaces -> Check again without olds, then create-before-delete (the old one is deleted after
  every other step), or delete-before-replace when the provider (or the goal) asks for it;
- changes "some" -> Update(id, OLD OUTPUTS, checked inputs); otherwise "same" (new inputs are
  stored with the old outputs);
- resources in the state that no goal mentions are deleted at the end, dependents first.
Preview runs Check and Diff only (and Create/Update with `preview` for a provider that supports
preview). Refresh calls Read(id, outputs, inputs) for every resource; `import_` Reads with the id
alone, as `pulumi import` does.
Independent steps run concurrently, `parallel` at most (the provider server itself runs 4
requests at a time).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

from datadog_crossorg.testing.harness import state as checkpoint
from datadog_crossorg.testing.harness._graph import run_graph
from datadog_crossorg.testing.harness.server import HarnessError, ProviderServer
from datadog_crossorg.testing.harness.state import ResourceState
from datadog_crossorg.testing.harness.values import (
    PROVIDER_KEY,
    contains_unknowns,
    normalize,
    secret,
)

# pulumi's serialize_provider swaps pickle internals process-wide: never run two at once.
_PICKLE_LOCK = threading.Lock()


def _pickled(provider: Any) -> str:
    """`__provider` as the program's Resource computes it: the provider's own pinned bytes
    (`StatelessProvider.pickled`), else pulumi's, one pickling at a time."""
    pinned = getattr(provider, "pickled", None)
    if callable(pinned):
        return pinned()
    with _PICKLE_LOCK:
        return serialize_provider(provider)


CHANGE_OPS = frozenset({"create", "update", "replace", "delete", "refresh-gone", "refresh-changed"})


class NotFound(HarnessError, LookupError):
    """A Read by id found nothing (`import_`, a `get`)."""


class CheckFailed(HarnessError):
    """The provider's Check reported failures; nothing was created or changed for `urn`."""

    def __init__(self, urn: str, failures: Sequence[tuple[str, str]]) -> None:
        reasons = "; ".join(f"{prop}: {reason}" if prop else reason for prop, reason in failures)
        super().__init__(f"{urn} is invalid: {reasons}")
        self.urn = urn
        self.failures = list(failures)


@dataclass(frozen=True)
class Goal:
    """A resource as the program registers it.

    `provider_instance` names the provider that serves it (a name given to `Engine.add_provider`,
    as the `provider=` resource option names an explicit provider); None: the engine's default
    provider. Through the dynamic provider server, `provider` is pickled into `__provider` (as a
    secret unless the provider class sets `serialize_as_secret_always = False`, as the SDK's
    `Resource` does); with `provider=None` the inputs must already carry `__provider`. A
    plugin's resource carries neither. `depends_on` names other goals;
    `delete_before_replace` is the resource option and overrides the provider's answer.
    """

    name: str
    type: str
    inputs: Mapping[str, Any]
    provider: ResourceProvider | None = None
    depends_on: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    provider_instance: str | None = None


@dataclass(frozen=True)
class Step:
    """op: create, update, replace, delete, same, read, refresh-gone or refresh-changed."""

    op: str
    name: str
    urn: str
    detail: str = ""


@dataclass(frozen=True)
class Result:
    """What a deployment did. `steps` are in the order they completed (concurrent steps in
    any order); an unchanged resource after refresh is a "same" step. `diagnostics` are the
    engine's notes (e.g. a Diff that returned changes=None)."""

    steps: list[Step]
    counts: Counter[str]
    diagnostics: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(step.op in CHANGE_OPS for step in self.steps)


class Engine:
    """Deployments of one stack through its providers, with the state between them.

    `server` is the default provider (the dynamic provider server; None when every goal names
    a provider instance). `state_path`, when given, is loaded at start and rewritten after every
    step, so a new Engine on the same file continues where the last one stopped (give it the
    same provider instances).
    """

    def __init__(
        self,
        server: ProviderServer | None = None,
        project: str = "datadog-crossorg",
        stack: str = "local",
        state_path: str | Path | None = None,
        parallel: int = 16,
    ) -> None:
        self.server = server
        self.providers: dict[str, ProviderServer] = {}
        self.project = project
        self.stack = stack
        self.state_path = Path(state_path) if state_path is not None else None
        self.parallel = parallel
        self._lock = threading.RLock()
        loaded = checkpoint.load(self.state_path) if self.state_path else None
        self._resources: dict[str, ResourceState] = dict(loaded.resources) if loaded else {}
        self._pending: list[ResourceState] = list(loaded.pending_deletes) if loaded else []

    # -- state ------------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, ResourceState]:
        """A snapshot: resource name -> ResourceState."""
        with self._lock:
            return dict(self._resources)

    @property
    def pending_deletes(self) -> list[ResourceState]:
        """Replaced resources whose delete has not happened yet (retried by the next up)."""
        with self._lock:
            return list(self._pending)

    def state_json(self) -> str:
        """The whole state as the JSON text written to `state_path` (scan it for leaks)."""
        with self._lock:
            return checkpoint.render(self.project, self.stack, self._resources, self._pending)

    def urn(self, type_: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    # -- providers --------------------------------------------------------------------------

    def add_provider(
        self, name: str, server: ProviderServer, inputs: Mapping[str, Any]
    ) -> ProviderServer:
        """Provider instance `name`, served by `server` (a started plugin process), with
        `inputs` (secret ones marked with `secret()`, as the program's SDK marks them):
        CheckConfig, then Configure with the checked inputs. Goals name it with
        `provider_instance=name`; the caller closes the server."""
        urn = self.urn(f"pulumi:providers:{server.package}", name)
        checked = server.check_config({}, inputs, urn=urn)
        if checked.failures:
            raise CheckFailed(urn, checked.failures)
        server.configure(checked.inputs)
        with self._lock:
            self.providers[name] = server
        return server

    def provider(self, instance: str | None) -> ProviderServer:
        """The server of provider instance `instance`, or the default provider's for None."""
        if instance is None:
            if self.server is None:
                raise ValueError("this engine has no default provider: name a provider instance")
            return self.server
        try:
            return self.providers[instance]
        except KeyError:
            raise ValueError(f"no provider instance {instance!r} (Engine.add_provider)") from None

    def _put(self, resource: ResourceState) -> None:
        with self._lock:
            self._resources[resource.name] = resource
            self._save()

    def _drop(self, resource: ResourceState) -> None:
        with self._lock:
            if self._resources.get(resource.name) is resource:
                del self._resources[resource.name]
            self._pending = [r for r in self._pending if r is not resource]
            self._save()

    def _add_pending(self, resource: ResourceState) -> None:
        with self._lock:
            self._pending.append(resource)
            self._save()

    def _save(self) -> None:
        if self.state_path is not None:
            checkpoint.save(self.state_path, self.state_json())

    # -- operations -------------------------------------------------------------------------

    def begin(self, preview: bool = False) -> Deployment:
        """A deployment to feed goals one at a time (what the Mocks bridge does); call
        `finish()` at the end."""
        return Deployment(self, preview)

    def preview(self, goals: Iterable[Goal]) -> Result:
        deployment = self.begin(preview=True)
        deployment.run_goals(goals)
        return deployment.finish()

    def up(self, goals: Iterable[Goal]) -> Result:
        deployment = self.begin(preview=False)
        deployment.run_goals(goals)
        return deployment.finish()

    def refresh(self) -> Result:
        deployment = self.begin(preview=False)
        deployment.refresh_all()
        return deployment.finish(delete_leftovers=False)

    def destroy(self) -> Result:
        deployment = self.begin(preview=False)
        return deployment.finish()

    def import_(
        self, type_: str, name: str, id_: str, *, provider_instance: str | None = None
    ) -> ResourceState:
        """`pulumi import <type> <name> <id>`: Read with the id alone, Check the inputs it
        found, and keep the resource in the state. `NotFound` when the Read finds nothing.
        (The dynamic provider cannot import: the engine's Read then lacks `__provider`.)"""
        server = self.provider(provider_instance)
        urn = self.urn(type_, name)
        found, outs, inputs = server.read(id_, urn, {}, inputs={})
        if not found:
            raise NotFound(f"{urn}: no resource with id {id_!r} to import")
        checked = server.check(urn, {}, inputs or {})
        if checked.failures:
            raise CheckFailed(urn, checked.failures)
        resource = ResourceState(urn, type_, found, checked.inputs, outs, (), provider_instance)
        self._put(resource)
        return resource


class Deployment:
    """One preview/up/refresh/destroy: its steps, diagnostics and first failure.

    `register(goal)` (thread-safe) runs one goal's Check/Diff/step as a program registration
    does; `read(goal, id)` is a get; `finish()` deletes leftovers and returns the Result.
    """

    def __init__(self, engine: Engine, preview: bool) -> None:
        self.engine = engine
        self.preview = preview
        self._lock = threading.Lock()
        self._steps: list[Step] = []
        self._diagnostics: list[str] = []
        self._seen: set[str] = set()
        self._error: BaseException | None = None
        self._finished = False
        self._replaced: set[int] = set()  # id() of old halves replaced in this deployment

    @property
    def error(self) -> BaseException | None:
        return self._error

    def result(self) -> Result:
        with self._lock:
            steps = list(self._steps)
            return Result(steps, Counter(s.op for s in steps), list(self._diagnostics))

    # -- goals ------------------------------------------------------------------------------

    def run_goals(self, goals: Iterable[Goal]) -> None:
        by_name: dict[str, Goal] = {}
        for goal in goals:
            if goal.name in by_name:
                raise ValueError(f"two goals are named {goal.name!r}")
            by_name[goal.name] = goal
        after = {name: goal.depends_on for name, goal in by_name.items()}
        failure = run_graph(
            by_name, after, lambda name: self.register(by_name[name]), self.engine.parallel
        )
        if failure is not None:
            self.fail(failure)

    def register(
        self,
        goal: Goal,
        *,
        urn: str | None = None,
        dependencies: Iterable[str] = (),
    ) -> tuple[str, dict[str, Any]]:
        """Check, Diff and the resulting step for one goal (thread-safe).

        Returns the (id, outputs) the program sees: during preview an empty id for a resource
        still to be created, and the checked inputs as outputs for a create or an update.
        """
        try:
            return self._register(goal, urn, dependencies)
        except BaseException as exc:
            self.fail(exc)
            raise

    def _register(
        self, goal: Goal, urn: str | None, dependencies: Iterable[str]
    ) -> tuple[str, dict[str, Any]]:
        engine = self.engine
        server = engine.provider(goal.provider_instance)
        props = self._goal_props(goal, server)
        urn = urn or engine.urn(goal.type, goal.name)
        deps = tuple(dict.fromkeys([*goal.depends_on, *dependencies]))
        with self._lock:
            if self._error is not None:
                raise HarnessError(f"{urn}: not registered, the deployment already failed")
            if goal.name in self._seen:
                raise ValueError(f"resource {goal.name!r} registered twice in one deployment")
            self._seen.add(goal.name)
        old = engine.state.get(goal.name)
        if old is not None and old.urn != urn:
            # Another URN under this name (type or parent changed): a new resource, and the old
            # one is deleted at the end.
            if self.preview:
                self._record("delete", old.name, old.urn, f"id={old.id}")
            else:
                self._condemn(old)
            old = None

        checked = self._check(server, urn, old.inputs if old else {}, props)
        if old is None:
            return self._create(server, goal, urn, checked, deps)

        diff = server.diff(old.id, urn, old.outputs, checked, old_inputs=old.inputs)
        changes = diff.changes
        if changes == "unknown":
            changed = _changed_keys(old.inputs, checked)
            changes = "some" if changed else "none"
            self._note(
                f"{goal.name}: Diff returned changes=None, so the engine compared inputs itself"
                + (f" and found changes in {', '.join(changed)}" if changed else "")
            )
        if changes == "some" and diff.replaces:
            dbr = goal.delete_before_replace
            if dbr is None:
                dbr = diff.delete_before_replace
            return self._replace(server, goal, urn, props, old, deps, diff.replaces, dbr)
        if changes == "some":
            return self._update(server, goal, urn, checked, old, deps)
        if not self.preview:
            engine._put(replace(old, inputs=checked, dependencies=deps))
        self._record("same", goal.name, urn)
        return old.id, old.outputs

    def _create(
        self,
        server: ProviderServer,
        goal: Goal,
        urn: str,
        checked: dict[str, Any],
        deps: tuple[str, ...],
    ) -> tuple[str, dict[str, Any]]:
        id_, outs = server.create(urn, checked, preview=self.preview)
        if not self.preview:
            self.engine._put(_state(goal, urn, id_, checked, outs, deps))
        self._record("create", goal.name, urn, f"id={id_}" if id_ else "")
        return id_, outs

    def _update(
        self,
        server: ProviderServer,
        goal: Goal,
        urn: str,
        checked: dict[str, Any],
        old: ResourceState,
        deps: tuple[str, ...],
    ) -> tuple[str, dict[str, Any]]:
        outs = server.update(
            old.id, urn, old.outputs, checked, preview=self.preview, old_inputs=old.inputs
        )
        if not self.preview:
            self.engine._put(_state(goal, urn, old.id, checked, outs, deps))
        detail = ", ".join(_changed_keys(old.inputs, checked))
        self._record("update", goal.name, urn, f"changed: {detail}" if detail else "")
        return old.id, outs

    def _replace(
        self,
        server: ProviderServer,
        goal: Goal,
        urn: str,
        props: dict[str, Any],
        old: ResourceState,
        deps: tuple[str, ...],
        replaces: list[str],
        delete_first: bool,
    ) -> tuple[str, dict[str, Any]]:
        # The engine recomputes defaults for the replacement: Check again, without olds.
        checked = self._check(server, urn, {}, props)
        detail = f"replaces: {', '.join(replaces)}" + (
            " (delete-before-replace)" if delete_first else ""
        )
        if self.preview:
            self._record("replace", goal.name, urn, detail)
            return "", checked
        if delete_first:
            server.delete(old.id, urn, old.outputs, old_inputs=old.inputs)
            self.engine._drop(old)
        id_, outs = server.create(urn, checked)
        with self.engine._lock:
            self.engine._put(_state(goal, urn, id_, checked, outs, deps))
            if not delete_first:
                self.engine._add_pending(old)  # deleted after every other step (finish)
                self._replaced.add(id(old))
        self._record("replace", goal.name, urn, detail)
        return id_, outs

    @staticmethod
    def _check(
        server: ProviderServer, urn: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]:
        result = server.check(urn, olds, news)
        if result.failures:
            raise CheckFailed(urn, result.failures)
        return result.inputs

    def _goal_props(self, goal: Goal, server: ProviderServer) -> dict[str, Any]:
        inputs = dict(goal.inputs)
        if not server.dynamic:
            if goal.provider is not None or PROVIDER_KEY in inputs:
                raise ValueError(
                    f"goal {goal.name!r}: a plugin's provider serves it, it takes no __provider"
                )
        elif goal.provider is not None:
            if PROVIDER_KEY in inputs:
                raise ValueError(
                    f"goal {goal.name!r}: give provider= or a __provider input, not both"
                )
            pickled = _pickled(goal.provider)
            as_secret = getattr(goal.provider, "serialize_as_secret_always", True)
            inputs[PROVIDER_KEY] = secret(pickled) if as_secret else pickled
        elif PROVIDER_KEY not in inputs:
            raise ValueError(f"goal {goal.name!r} needs provider= (or inputs carrying __provider)")
        props = normalize(inputs)
        if not self.preview and contains_unknowns(props):
            raise ValueError(
                f"goal {goal.name!r} has UNKNOWN inputs: only a preview sends unknowns "
                "(the program waits for every value before an up registers a resource)"
            )
        return props

    # -- refresh and deletes ----------------------------------------------------------------

    def refresh_all(self) -> None:
        resources = self.engine.state
        failure = run_graph(
            resources, {}, lambda name: self._refresh(resources[name]), self.engine.parallel
        )
        if failure is not None:
            self.fail(failure)

    def _refresh(self, old: ResourceState) -> None:
        server = self.engine.provider(old.provider_instance)
        id_, outs, inputs = server.read(old.id, old.urn, old.outputs, inputs=old.inputs)
        if not id_:
            self.engine._drop(old)
            self._record("refresh-gone", old.name, old.urn, f"id={old.id}")
            return
        new = replace(old, id=id_, outputs=outs, inputs=old.inputs if inputs is None else inputs)
        self.engine._put(new)
        changed = _changed_keys(old.outputs, new.outputs) + [
            f"inputs.{k}" for k in _changed_keys(old.inputs, new.inputs)
        ]
        if id_ != old.id:
            changed.insert(0, "id")
        if changed:
            self._record("refresh-changed", old.name, old.urn, f"changed: {', '.join(changed)}")
        else:
            self._record("same", old.name, old.urn)

    def read(self, goal: Goal, id_: str, *, urn: str | None = None) -> dict[str, Any]:
        """A read-only `get` of an existing resource by id (ResourceOptions(id=...)): Read with
        the program's inputs only, as the engine sends it; nothing enters the state."""
        try:
            urn = urn or self.engine.urn(goal.type, goal.name)
            server = self.engine.provider(goal.provider_instance)
            props = self._goal_props(goal, server)
            found, outs, _ = server.read(id_, urn, {}, inputs=props)
            if not found:
                raise NotFound(f"{urn}: no resource with id {id_!r} to read")
            self._record("read", goal.name, urn, f"id={found}")
            return outs
        except BaseException as exc:
            self.fail(exc)
            raise

    def finish(self, delete_leftovers: bool = True) -> Result:
        """Delete what the goals left out (and replaced resources), save, and return the
        Result; raise the deployment's first failure (with `.result`) if there was one."""
        if self._finished:
            raise RuntimeError("this deployment already finished")
        self._finished = True
        if self._error is None and delete_leftovers:
            with self.engine._lock:
                leftovers = [
                    r for name, r in self.engine._resources.items() if name not in self._seen
                ]
                pending = list(self.engine._pending)
            self._delete_all(leftovers, pending)
        if not self.preview:
            self.engine._save()
        result = self.result()
        if self._error is not None:
            if isinstance(self._error, HarnessError):
                self._error.result = result
            raise self._error
        return result

    def _delete_all(self, leftovers: list[ResourceState], pending: list[ResourceState]) -> None:
        if self.preview:
            for resource in leftovers:
                self._record("delete", resource.name, resource.urn, f"id={resource.id}")
            return
        doomed = {id(r): r for r in [*pending, *leftovers]}
        by_name = {r.name: id(r) for r in leftovers}
        # A resource is deleted only after every doomed resource that depends on it.
        after: dict[int, set[int]] = {key: set() for key in doomed}
        for key, resource in doomed.items():
            for dep in resource.dependencies:
                if dep in by_name:
                    after[by_name[dep]].add(key)
        failure = run_graph(
            doomed,
            after,
            # The old half of a replacement made in this deployment is part of its replace step.
            lambda key: self._delete(doomed[key], record=key not in self._replaced),
            self.engine.parallel,
        )
        if failure is not None:
            self.fail(failure)

    def _delete(self, resource: ResourceState, record: bool) -> None:
        server = self.engine.provider(resource.provider_instance)
        server.delete(resource.id, resource.urn, resource.outputs, old_inputs=resource.inputs)
        self.engine._drop(resource)
        if record:
            self._record("delete", resource.name, resource.urn, f"id={resource.id}")

    def _condemn(self, resource: ResourceState) -> None:
        with self.engine._lock:
            del self.engine._resources[resource.name]
            self.engine._add_pending(resource)

    # -- bookkeeping ------------------------------------------------------------------------

    def _record(self, op: str, name: str, urn: str, detail: str = "") -> None:
        with self._lock:
            self._steps.append(Step(op, name, urn, detail))

    def _note(self, message: str) -> None:
        with self._lock:
            self._diagnostics.append(message)

    def fail(self, error: BaseException) -> None:
        """Record a failure: finish() will then skip deletes and raise the first one."""
        with self._lock:
            if self._error is None:
                self._error = error


def _state(
    goal: Goal,
    urn: str,
    id_: str,
    inputs: dict[str, Any],
    outputs: dict[str, Any],
    deps: tuple[str, ...],
) -> ResourceState:
    return ResourceState(urn, goal.type, id_, inputs, outputs, deps, goal.provider_instance)


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
