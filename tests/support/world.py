"""The world a test deploys into: a fresh offline Datadog, an engine harness keeping state between
deployments, and the provider processes it drives through either adapter of the core (`adapter`):

- "dynamic" (`dynamic_world`): the dynamic provider server (`python -m pulumi.dynamic`),
  configured with a stack config pointing at the emulator: Hub's keys as the default key pair,
  named key pairs by org; a goal names its source org with the `org` input.
- "native" (`native_world`): the native plugin (`python <plugin folder> <engine address>`), one
  provider instance (one plugin process) per source org holding that org's keys; a goal names the
  instance instead of an `org` input, and its properties are camelCase on the wire.

Goals are built from the resources' declarations (`resources/`), so a test written once against
`World` runs through both adapters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from datadog_crossorg.client.api import connection_resource_id
from datadog_crossorg.client.records import Binding
from datadog_crossorg.config.keys import SECRET_KEYS
from datadog_crossorg.connection_access import ConnectionAccessProvider
from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native.archive import NATIVE_DIR
from datadog_crossorg.org_connection import OrgConnectionProvider
from datadog_crossorg.resources.connection_access import CONNECTION_ACCESS
from datadog_crossorg.resources.declaration import (
    DYNAMIC,
    NATIVE,
    ResourceDeclaration,
    wire_name,
)
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.resources.provider_config import PROVIDER_CONFIG
from datadog_crossorg.resources.tokens import PACKAGE
from datadog_crossorg.testing.harness import (
    Engine,
    Goal,
    ProviderServer,
    ResourceState,
    is_secret,
    secret,
)
from datadog_crossorg.testing.stack import emulator_stack_config
from tests.support.paths import ROOT, YAML_STACK_DIR
from tests.support.probe import EmulatorProbe

ADAPTERS = (DYNAMIC, NATIVE)
NAMED = ("payments", "search", "edge")  # the dynamic stack's named key pairs, besides Hub's
_SECRET_INPUTS = frozenset(f.wire_name for f in PROVIDER_CONFIG.inputs(NATIVE) if f.secret)
_DYNAMIC_PROVIDERS = {
    ORG_CONNECTION.name: OrgConnectionProvider,
    CONNECTION_ACCESS.name: ConnectionAccessProvider,
}


@dataclass
class World(EmulatorProbe):
    """An emulator and an engine through one adapter; `config` is the dynamic provider's stack
    config (empty for the native plugin, whose instances each hold their own inputs)."""

    emu: Emulator
    engine: Engine
    adapter: str = DYNAMIC
    config: dict[str, str] = field(default_factory=dict)
    _processes: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def server(self) -> ProviderServer:
        """The dynamic provider server (the engine's default provider)."""
        return self.engine.provider(None)

    # -- names ------------------------------------------------------------------------------

    def token(self, declaration: ResourceDeclaration) -> str:
        """The resource's type token through this adapter."""
        return declaration.native_token if self.adapter == NATIVE else declaration.dynamic_token

    def name(self, snake_name: str) -> str:
        """A property's name as this adapter's state holds it."""
        return wire_name(snake_name) if self.adapter == NATIVE else snake_name

    def out(self, state: ResourceState, snake_name: str) -> Any:
        return state.outputs[self.name(snake_name)]

    def inp(self, state: ResourceState, snake_name: str) -> Any:
        return state.inputs[self.name(snake_name)]

    # -- goals ------------------------------------------------------------------------------

    def goal(
        self, name: str, sink: str, types: list[str], org: str | None = None, adopt: bool = False
    ) -> Goal:
        """An OrgConnection from `org` to `sink`: through the `org` input (dynamic; None: the
        default key pair, Hub's), or through the provider instance holding `org`'s keys."""
        return self._goal(
            ORG_CONNECTION,
            name,
            org,
            sink_org_id=self.emu.org_uuid(sink),
            connection_types=types,
            adopt=adopt,
        )

    def access(self, name: str, connection: str, **inputs: Any) -> Goal:
        """A ConnectionAccess on the deployed connection named `connection`; an `org` among
        `inputs` names the key pair whose policy it is."""
        org = inputs.pop("org", None)
        connection_id = self.engine.state[connection].id
        goal = self._goal(CONNECTION_ACCESS, name, org, connection_id=connection_id, **inputs)
        return replace(goal, depends_on=(connection,))

    def with_input(self, goal: Goal, snake_name: str, value: object) -> Goal:
        """`goal` with one input replaced (e.g. by an unknown value during preview)."""
        return replace(goal, inputs={**goal.inputs, self.name(snake_name): value})

    def _goal(
        self, declaration: ResourceDeclaration, name: str, org: str | None, **inputs: Any
    ) -> Goal:
        if self.adapter == DYNAMIC:
            if org:
                inputs["org"] = org
            provider = _DYNAMIC_PROVIDERS[declaration.name]()
            return Goal(name, declaration.dynamic_token, inputs, provider=provider)
        if org is None:
            raise ValueError(f"{name}: name the source org, whose provider instance serves it")
        wire = {declaration[key].wire_name: value for key, value in inputs.items()}
        return Goal(name, declaration.native_token, wire, provider_instance=org)

    # -- providers and processes ------------------------------------------------------------

    def add_provider(self, org: str, inputs: Mapping[str, Any] | None = None) -> ProviderServer:
        """A native provider instance named `org` in its own plugin process, with `org`'s keys
        (or `inputs`), CheckConfig'd and Configured; it stops with the world."""
        server = self._processes.enter_context(plugin_server())
        config = provider_config(self.emu, org) if inputs is None else plugin_inputs(inputs)
        return self.engine.add_provider(org, server, config)

    @contextmanager
    def next_process(self) -> Iterator[World]:
        """The same stack in a new dynamic provider process: what the next `pulumi` command
        gets."""
        assert self.adapter == DYNAMIC, "a new process per command: the dynamic provider's"
        with ProviderServer(cwd=ROOT) as server:
            server.configure(self.config, SECRET_KEYS)
            engine = Engine(server, stack="test", state_path=self.engine.state_path)
            yield World(self.emu, engine, DYNAMIC, self.config)

    # -- what Datadog holds -----------------------------------------------------------------

    def policy(self, key_pair: str, connection: str) -> list[Binding]:
        """The policy of `key_pair`'s org on the deployed connection, as Datadog holds it."""
        with self.client(key_pair) as client:
            rid = connection_resource_id(self.engine.state[connection].id)
            return client.get_restriction_policy(rid)


@contextmanager
def dynamic_world(
    emu: Emulator,
    state_dir: Path,
    named: tuple[str, ...] = NAMED,
    extra_config: Mapping[str, str] | None = None,
    *,
    parallel: int = 16,
) -> Iterator[World]:
    """The dynamic provider server configured with Hub's keys as the default pair, `named` key
    pairs and `extra_config`; the engine's state file in `state_dir`."""
    config = {**emulator_stack_config(emu, "hub", named), **(extra_config or {})}
    with ProviderServer(cwd=ROOT) as server:
        server.configure(config, SECRET_KEYS)
        engine = Engine(
            server, stack="test", state_path=state_dir / "state.json", parallel=parallel
        )
        yield World(emu, engine, DYNAMIC, config)


@contextmanager
def native_world(
    emu: Emulator,
    orgs: tuple[str, ...] = ("payments", "search"),
    state_dir: Path | None = None,
    *,
    parallel: int = 16,
) -> Iterator[World]:
    """One native provider instance per org of `orgs`, named after it, holding its keys (as a
    stack with that many source orgs declares them)."""
    state_path = state_dir / "state.json" if state_dir is not None else None
    world = World(emu, Engine(stack="test", state_path=state_path, parallel=parallel), NATIVE)
    with world._processes:
        for org in orgs:
            world.add_provider(org)
        yield world


@contextmanager
def adapter_world(adapter: str, emu: Emulator, state_dir: Path) -> Iterator[World]:
    """The same source orgs through either adapter: the dynamic world with its named key pairs,
    or a native provider instance per source org."""
    if adapter == DYNAMIC:
        with dynamic_world(emu, state_dir) as world:
            yield world
    else:
        with native_world(emu, ("payments", "search"), state_dir) as world:
            yield world


# -- the native plugin's provider instances ------------------------------------------------------


def plugin_server(
    cwd: Path = YAML_STACK_DIR, plugin: Path = NATIVE_DIR, **options: Any
) -> ProviderServer:
    """A native plugin process (not started: use it as a context manager), run from `cwd` as
    the engine runs a python plugin of a YAML project."""
    return ProviderServer(cwd, plugin=plugin, package=PACKAGE, **options)


def plugin_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A provider instance's (wire-named) inputs with the secret ones marked, as the program's
    SDK marks them from the schema."""
    return {
        name: secret(value) if name in _SECRET_INPUTS and not is_secret(value) else value
        for name, value in inputs.items()
    }


def plugin_config(**values: Any) -> dict[str, Any]:
    """A provider instance's inputs from the declaration's snake_case names."""
    return plugin_inputs({PROVIDER_CONFIG[name].wire_name: value for name, value in values.items()})


def provider_config(emu: Emulator, org: str) -> dict[str, Any]:
    """An explicit provider instance holding `org`'s key pair, pointed at the emulator."""
    keys = emu.keys(org)
    return plugin_config(api_key=keys.api_key, app_key=keys.app_key, api_url=emu.url)
