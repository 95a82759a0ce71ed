"""What every dynamic resource of this package shares: a stateless pickle, a provider process, and
a Python class derived from the resource's declaration.

The engine pickles the provider into every resource's state and calls it in a provider process
with several threads. `StatelessProvider` pickles to its class reference alone (bytes stable across
versions, never a key) and builds its `ProviderProcess` in that process: from the stack config
(`configure`), or from the environment when no config arrives. `DeclaredResource` gives a resource
class its constructor, Args class and Output annotations from its `ResourceDeclaration`, and
registers the provider's bytes with a pinned pickle protocol.

A program imports this module to declare resources; only a provider process calls them. So what
serves calls (the rules' tables, settings, the process's clients, the server patches) loads on
first use there, and a program's `import` costs little beyond `import pulumi`
(bench/import_cost.py).
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import inspect
import pickle
import threading
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi import CustomResource, Inputs, ResourceOptions
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from datadog_crossorg.resources import tokens
from datadog_crossorg.resources.declaration import ResourceDeclaration

if TYPE_CHECKING:
    from datadog_crossorg.process.provider_process import ProviderProcess
    from datadog_crossorg.rules.inputs import DiffDecision, InputProblem
    from datadog_crossorg.rules.table import ResourceRules

_PROCESS_LOCK = threading.Lock()
PROVIDER_KEY = "__provider"
# The protocol of the released `__provider` bytes. pulumi.dynamic pickles with the interpreter's
# `pickle.DEFAULT_PROTOCOL` (5 from Python 3.14): following it would change every resource's
# `__provider` after an interpreter upgrade, and each would show `~__provider` and update.
PICKLE_PROTOCOL = 4


def check_result(inputs: dict[str, Any], problems: list[InputProblem]) -> CheckResult:
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
        from datadog_crossorg.dynamic.server_patches import (
            end_with_the_engine,
            send_detailed_diffs,
            show_user_errors_first,
            widen_dynamic_server,
        )

        show_user_errors_first()  # unpickling is the first thing the provider server does
        widen_dynamic_server()
        send_detailed_diffs()
        end_with_the_engine()

    def process(self) -> ProviderProcess:
        """The provider process's half, built on first use (from the environment if the engine
        never configured this provider)."""
        process = self.__dict__.get("_process")
        if process is None:
            with _PROCESS_LOCK:
                process = self.__dict__.get("_process")
                if process is None:
                    process = _new_process(None)
                    self.__dict__["_process"] = process
        return process

    def configure(self, req: ConfigureRequest) -> None:
        """Engine: Configure, once per provider process with the whole decrypted stack config."""
        self.use(_new_process(req))

    def use(self, process: ProviderProcess) -> None:
        """Serve from `process` (a host that reads its configuration elsewhere sets it here)."""
        self.__dict__["_process"] = process


def _new_process(req: ConfigureRequest | None) -> ProviderProcess:
    """A provider process's half: from the stack config of `req`, else from the environment."""
    from datadog_crossorg.config.settings import ProviderSettings
    from datadog_crossorg.process.provider_process import ProviderProcess

    if req is None:
        return ProviderProcess(ProviderSettings.from_environment())
    return ProviderProcess(ProviderSettings.from_stack_config(req.config.get))


class _Table:
    """`TableProvider.rules`: the `TABLE` of a rules module, imported on first use (a program
    that only declares resources never loads the rules), and checked to serve the declaration
    the provider class names."""

    def __init__(self, module: str) -> None:
        self.module = module
        self._table: ResourceRules | None = None

    def __get__(self, _obj: object, owner: type[TableProvider]) -> ResourceRules:
        if self._table is None:
            table = importlib.import_module(self.module).TABLE
            if table.declaration is not owner.declaration:
                raise TypeError(f"{self.module}.TABLE does not serve {owner.declaration.name}")
            self._table = table
        return self._table


class TableProvider(StatelessProvider):
    """A dynamic provider that calls its resource's table (`rules.table.ResourceRules`) and only
    translates:

        class OrgConnectionProvider(TableProvider, declaration=ORG_CONNECTION,
                                    rules="datadog_crossorg.rules.connections"): ...

    The declaration is what a program needs; the table (the module's `TABLE`) loads on the first
    engine call. Methods may run on several threads at once; each engine call is one table call."""

    declaration: ClassVar[ResourceDeclaration]
    rules: ClassVar[ResourceRules]

    def __init_subclass__(
        cls,
        declaration: ResourceDeclaration | None = None,
        rules: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if declaration is None or rules is None:
            raise TypeError(f"{cls.__name__} needs declaration= and rules= (a rules module)")
        cls.declaration = declaration
        cls.rules = _Table(rules)  # type: ignore[assignment]

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Engine: Check, at preview and up; no API call. Failures name property, value and fix."""
        return check_result(*self.rules.check(news, self.process().known_orgs))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Engine: Diff with OLD OUTPUTS (refresh's drift shows); always explicit `changes`."""
        from datadog_crossorg.dynamic.server_patches import show_detailed_diff

        decision = self.rules.decide_diff(olds, news)
        show_detailed_diff(decision.shown())
        return diff_result(decision)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Engine: Create (up only)."""
        return CreateResult(*self.rules.create(self.process(), props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Engine: Read on refresh, `get` and import; an empty id means gone."""
        found, outs, inputs = self.rules.read(self.process(), id_, props)
        return ReadResult(found, outs, inputs) if found else ReadResult("", {})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Engine: Update with OLD OUTPUTS; a write only when a field Datadog holds differs."""
        return UpdateResult(self.rules.update(self.process(), id_, olds, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Engine: Delete on destroy and after a replacement; already gone is fine."""
        self.rules.delete(self.process(), id_, props)


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
        self._register(provider, name, props, opts)

    def _register(
        self,
        provider: StatelessProvider,
        name: str,
        props: Inputs,
        opts: ResourceOptions | None,
    ) -> None:
        """Register with the engine. Not an `__init__`: the SDK takes the third `__init__` frame
        from the top as the resource's constructor and records the frames below it as where the
        resource was declared (`sourcePosition`, `stackTrace` in the state), so a subclass calls
        this from its own constructor and the user's line is the one recorded."""
        if PROVIDER_KEY in props:
            raise ValueError(f"a dynamic resource must not define the {PROVIDER_KEY} key")
        props = {**props, PROVIDER_KEY: provider.pickled()}
        CustomResource.__init__(
            self, f"pulumi-python:{self._resource_type_name}", name, props, opts
        )


class DeclaredResource(StableResource):
    """A dynamic resource whose Python face is derived from its declaration:

        class OrgConnection(DeclaredResource, provider=OrgConnectionProvider): ...

    gives `OrgConnection(name, <inputs by position or keyword>, opts=None, *, args=None)`, an
    `OrgConnection.Args` class with one field per input, and `pulumi.Output` annotations for
    every output (what IDEs and `help()` show).
    """

    declaration: ClassVar[ResourceDeclaration]
    provider_class: ClassVar[type[TableProvider]]
    Args: ClassVar[type]
    _signature: ClassVar[inspect.Signature]

    def __init_subclass__(
        cls,
        provider: type[TableProvider] | None = None,
        **kwargs: Any,
    ) -> None:
        if provider is None:
            raise TypeError(f"{cls.__name__} needs provider= (a TableProvider)")
        declaration = provider.declaration
        super().__init_subclass__(module=tokens.DYNAMIC_MODULE, name=declaration.name, **kwargs)
        cls.declaration = declaration
        cls.provider_class = provider
        cls.Args = _args_class(declaration, cls.__module__)
        cls.__annotations__ = {
            **{f.name: pulumi.Output[f.type] for f in declaration.outputs()},
            **inspect.get_annotations(cls),
        }
        name = inspect.Parameter("resource_name", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        args = inspect.Parameter("args", inspect.Parameter.KEYWORD_ONLY, default=None)
        signature = declaration.signature([name])
        cls._signature = signature.replace(parameters=[*signature.parameters.values(), args])
        if "__init__" not in cls.__dict__:  # a class with its own constructor documents it
            cls.__signature__ = cls._signature  # what help() and IDEs show for the constructor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        bound = self._signature.bind(*args, **kwargs)
        given = dict(bound.arguments)
        resource_name, opts = given.pop("resource_name"), given.pop("opts", None)
        declared = given.pop("args", None)
        first = self.declaration.inputs()[0].name if self.declaration.inputs() else None
        if isinstance(given.get(first), self.Args):  # OrgConnection(name, OrgConnection.Args(...))
            declared = given.pop(first)
        if declared is not None:
            given = dataclasses.asdict(declared)
        props = self.declaration.blank_props(given)
        self._register(self.provider_class(), resource_name, props, opts)


def _args_class(declaration: ResourceDeclaration, module: str) -> type:
    """A dataclass of the inputs: required ones first and positional, the rest optional."""
    ordered = declaration.inputs_required_first()
    fields = [
        (f.name, f"pulumi.Input[{_type_name(f.type)}]")
        if f.required
        else (f.name, f"pulumi.Input[{_type_name(f.type)}] | None", dataclasses.field(default=None))
        for f in ordered
    ]
    made = dataclasses.make_dataclass(f"{declaration.name}Args", fields)
    made.__module__ = module
    made.__doc__ = f"Inputs of a `{declaration.name}`, as one object."
    return made


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) if not hasattr(hint, "__args__") else str(hint)
