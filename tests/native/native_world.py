"""The engine's side of the native plugin, without the Pulumi CLI.

- `NativePlugin`: one plugin process, started as the engine starts a python plugin (`python <plugin
  folder> <engine address>`, port on the first stdout line) and called over gRPC with the requests
  the engine builds (pulumi 3.272 `provider_plugin.go`): CheckConfig and Configure with the
  provider instance's own inputs (secret ones wrapped), then the resource calls. The provider
  answers Configure with acceptSecrets false, so, as the engine does, requests go out with secrets
  unwrapped and results get the secret mark back (`strip_secrets`, `annotate_secrets`).
- `NativeEngine`: deployments of `OrgConnection`s through named provider instances, one plugin
  process per instance as the engine runs them: Check, then Create, or Diff against OLD OUTPUTS
  and Update or replace (create before delete unless the provider asks otherwise), leftovers
  deleted; refresh Reads; `import_` Reads with the id alone, as `pulumi import` does.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.native import schema
from datadog_crossorg.native.archive import NATIVE_DIR
from datadog_crossorg.testing.harness import CheckResult, DiffResult, ProviderError
from datadog_crossorg.testing.harness.values import (
    annotate_secrets,
    from_struct,
    secret,
    strip_secrets,
    to_struct,
)
from datadog_crossorg.testing.probe import EmulatorProbe

PROJECT_DIR = Path(__file__).resolve().parents[2]
YAML_STACK_DIR = PROJECT_DIR / "stacks" / "native-yaml"
ENGINE_ADDRESS = "127.0.0.1:1"  # the engine passes its own; only Construct/Call would use it
_CHANGES = {
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
}
_SECRET_CONFIG = {
    name for name, spec in schema.build()["config"]["variables"].items() if spec.get("secret")
}


class NativePlugin:
    """One provider instance's plugin process; a context manager (the process dies with it)."""

    def __init__(
        self,
        name: str = "default",
        plugin_dir: Path = NATIVE_DIR,
        cwd: Path = YAML_STACK_DIR,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.urn = f"urn:pulumi:test::native::{schema.PROVIDER_TYPE}::{name}"
        self.accept_secrets = False
        self.supports_preview = False
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (kept for stderr_text())
        self._process = subprocess.Popen(
            [sys.executable, str(plugin_dir), ENGINE_ADDRESS],
            cwd=cwd,
            env=dict(os.environ if env is None else env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            port = self._read_port()
        except BaseException:
            self.close()
            raise
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def __enter__(self) -> NativePlugin:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()

    def stderr_text(self) -> str:
        fd = self._stderr.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def _read_port(self, timeout: float = 30.0) -> int:
        assert self._process.stdout is not None
        fd, line = self._process.stdout.fileno(), b""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                if not selector.select(max(0.0, deadline - time.monotonic())):
                    raise RuntimeError(f"the plugin printed no port; stderr:\n{self.stderr_text()}")
                chunk = os.read(fd, 64)
                if not chunk:
                    self._process.wait(timeout=timeout)
                    raise RuntimeError(f"the plugin exited; stderr:\n{self.stderr_text()}")
                line += chunk
        return int(line)

    # -- plugin and provider calls ---------------------------------------------------------

    def plugin_version(self) -> str:
        return self._call("GetPluginInfo", empty_pb2.Empty()).version

    def get_schema(self) -> str:
        return self._call("GetSchema", provider_pb2.GetSchemaRequest(version=0)).schema

    def check_config(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
        response = self._call(
            "CheckConfig",
            provider_pb2.CheckRequest(
                urn=self.urn, name=self.name, type=schema.PROVIDER_TYPE,
                olds=to_struct(self._config_args(olds)), news=to_struct(self._config_args(news)),
            ),
        )  # fmt: skip
        inputs = from_struct(response.inputs)
        return CheckResult(
            strip_secrets(inputs), [(f.property, f.reason) for f in response.failures]
        )

    def diff_config(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
        response = self._call(
            "DiffConfig",
            provider_pb2.DiffRequest(
                urn=self.urn, name=self.name, type=schema.PROVIDER_TYPE,
                olds=to_struct(self._config_args(olds)), news=to_struct(self._config_args(news)),
                old_inputs=to_struct(self._config_args(olds)),
            ),
        )  # fmt: skip
        return DiffResult(
            _CHANGES.get(response.changes, "unknown"),
            list(response.replaces),
            response.deleteBeforeReplace,
            diffs=list(response.diffs),
        )

    def configure(self, config: Mapping[str, Any]) -> None:
        """Configure as the engine does for a provider instance: `variables` (pkg:config:key,
        non-strings as JSON) and `args` (the inputs, secret ones wrapped)."""
        variables = {
            f"{schema.PACKAGE}:config:{k}": v if isinstance(v, str) else json.dumps(v)
            for k, v in config.items()
        }
        response = self._call(
            "Configure",
            provider_pb2.ConfigureRequest(
                variables=variables,
                args=to_struct(self._config_args(config)),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
            ),
        )
        self.accept_secrets = response.acceptSecrets
        self.supports_preview = response.supportsPreview

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                **_names(urn), olds=self._out(olds), news=self._out(news), randomSeed=os.urandom(32)
            ),
        )
        inputs = self._in(from_struct(response.inputs), news)
        return CheckResult(inputs, [(f.property, f.reason) for f in response.failures])

    def diff(
        self, id_: str, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any],
        old_inputs: Mapping[str, Any],
    ) -> DiffResult:  # fmt: skip
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id_, **_names(urn), olds=self._out(olds), news=self._out(news),
                old_inputs=self._out(old_inputs),
            ),
        )  # fmt: skip
        return DiffResult(
            _CHANGES.get(response.changes, "unknown"),
            list(response.replaces),
            response.deleteBeforeReplace,
            diffs=list(response.diffs),
        )

    def create(
        self, urn: str, props: Mapping[str, Any], preview: bool = False
    ) -> tuple[str, dict[str, Any]]:
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(**_names(urn), properties=self._out(props), preview=preview),
        )
        return response.id, self._in(from_struct(response.properties), props)

    def read(
        self, id_: str, urn: str, props: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Read(id, stored outputs, stored inputs); `pulumi import` sends both empty."""
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=id_, **_names(urn), properties=self._out(props), inputs=self._out(inputs)
            ),
        )
        return (
            response.id,
            self._in(from_struct(response.properties), props),
            self._in(from_struct(response.inputs), inputs),
        )

    def update(
        self, id_: str, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any],
        old_inputs: Mapping[str, Any], preview: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id_, **_names(urn), olds=self._out(olds), news=self._out(news),
                old_inputs=self._out(old_inputs), preview=preview,
            ),
        )  # fmt: skip
        return self._in(from_struct(response.properties), news)

    def delete(
        self, id_: str, urn: str, props: Mapping[str, Any], old_inputs: Mapping[str, Any]
    ) -> None:
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id_, **_names(urn), properties=self._out(props), old_inputs=self._out(old_inputs)
            ),
        )

    # -- plumbing --------------------------------------------------------------------------

    def _config_args(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {k: secret(v) if k in _SECRET_CONFIG else v for k, v in config.items()}

    def _out(self, props: Mapping[str, Any]) -> Any:
        return to_struct(dict(props) if self.accept_secrets else strip_secrets(dict(props)))

    def _in(self, outs: dict[str, Any], sent: Mapping[str, Any]) -> dict[str, Any]:
        return outs if self.accept_secrets else annotate_secrets(outs, sent)

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=60)
        except grpc.RpcError as exc:
            raise ProviderError(method, exc.details() or "", exc.code().name) from None  # type: ignore[attr-defined]


def _names(urn: str) -> dict[str, str]:
    parts = urn.split("::")
    return {"urn": urn, "name": parts[-1], "type": parts[-2]}


# -- deployments ------------------------------------------------------------------------------


class CheckFailed(Exception):
    def __init__(self, name: str, failures: list[tuple[str, str]]) -> None:
        super().__init__(f"{name}: " + "; ".join(f"{p}: {r}" for p, r in failures))
        self.failures = failures


@dataclass(frozen=True)
class Goal:
    """An `OrgConnection` as a program declares it: wire (camelCase) inputs, a provider name."""

    name: str
    inputs: Mapping[str, Any]
    provider: str = "default"


@dataclass(frozen=True)
class Resource:
    name: str
    provider: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]

    @property
    def urn(self) -> str:
        return f"urn:pulumi:test::native::{schema.RESOURCE_TYPE}::{self.name}"


@dataclass
class Result:
    steps: list[tuple[str, str]] = field(default_factory=list)  # (op, resource name)

    @property
    def counts(self) -> Counter[str]:
        return Counter(op for op, _ in self.steps)

    @property
    def changed(self) -> bool:
        return any(op != "same" for op, _ in self.steps)


class NativeEngine:
    """One stack: provider instances (one plugin process each) and the resources' state."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.providers: dict[str, NativePlugin] = {}
        self.state: dict[str, Resource] = {}
        self._env = env

    def add_provider(self, name: str, config: Mapping[str, Any]) -> NativePlugin:
        """A provider instance: its own plugin process, CheckConfig'd and Configured."""
        plugin = NativePlugin(name, env=self._env)
        self.providers[name] = plugin
        checked = plugin.check_config({}, config)
        if checked.failures:
            raise CheckFailed(name, checked.failures)
        plugin.configure(checked.inputs)
        return plugin

    def close(self) -> None:
        for plugin in self.providers.values():
            plugin.close()

    def preview(self, goals: list[Goal]) -> Result:
        return self._deploy(goals, preview=True)

    def up(self, goals: list[Goal]) -> Result:
        return self._deploy(goals, preview=False)

    def destroy(self) -> Result:
        return self._deploy([], preview=False)

    def refresh(self) -> Result:
        result = Result()
        for old in list(self.state.values()):
            plugin = self.providers[old.provider]
            id_, outs, inputs = plugin.read(old.id, old.urn, old.outputs, old.inputs)
            if not id_:
                del self.state[old.name]
                result.steps.append(("refresh-gone", old.name))
                continue
            new = replace(old, id=id_, outputs=outs, inputs=inputs)
            self.state[old.name] = new
            result.steps.append(("refresh-changed" if new != old else "same", old.name))
        return result

    def import_(self, name: str, provider: str, id_: str) -> Resource:
        """`pulumi import <type> <name> <id>`: Read with the id alone, Check what it found."""
        plugin = self.providers[provider]
        urn = Resource(name, provider, id_, {}, {}).urn
        found, outs, inputs = plugin.read(id_, urn, {}, {})
        if not found:
            raise LookupError(f"{name}: no connection with id {id_} to import")
        checked = self._check(plugin, urn, name, {}, inputs)
        self.state[name] = Resource(name, provider, found, checked, outs)
        return self.state[name]

    def _deploy(self, goals: list[Goal], preview: bool) -> Result:
        result, pending = Result(), []
        for goal in goals:
            step, old = self._register(goal, preview)
            result.steps.append((step, goal.name))
            if old is not None:
                pending.append(old)  # the old half of a create-before-delete replacement
        wanted = {g.name for g in goals}
        leftovers = [r for n, r in self.state.items() if n not in wanted]
        result.steps.extend(("delete", r.name) for r in leftovers)
        for doomed in [] if preview else [*pending, *leftovers]:
            plugin = self.providers[doomed.provider]
            plugin.delete(doomed.id, doomed.urn, doomed.outputs, doomed.inputs)
            if self.state.get(doomed.name) is doomed:
                del self.state[doomed.name]
        return result

    def _register(self, goal: Goal, preview: bool) -> tuple[str, Resource | None]:
        plugin = self.providers[goal.provider]
        old = self.state.get(goal.name)
        urn = Resource(goal.name, goal.provider, "", {}, {}).urn
        checked = self._check(plugin, urn, goal.name, old.inputs if old else {}, goal.inputs)
        if old is None:
            id_, outs = self._create(plugin, urn, checked, preview)
            if not preview:
                self.state[goal.name] = Resource(goal.name, goal.provider, id_, checked, outs)
            return "create", None
        diff = plugin.diff(old.id, urn, old.outputs, checked, old.inputs)
        if diff.changes == "some" and diff.replaces:
            checked = self._check(plugin, urn, goal.name, {}, goal.inputs)
            if preview:
                return "replace", None
            if diff.delete_before_replace:
                plugin.delete(old.id, urn, old.outputs, old.inputs)
            id_, outs = plugin.create(urn, checked)
            self.state[goal.name] = Resource(goal.name, goal.provider, id_, checked, outs)
            return "replace", None if diff.delete_before_replace else old
        if diff.changes == "some":
            if preview and not plugin.supports_preview:
                return "update", None
            outs = plugin.update(old.id, urn, old.outputs, checked, old.inputs, preview=preview)
            if not preview:
                self.state[goal.name] = replace(old, inputs=checked, outputs=outs)
            return "update", None
        if not preview:
            self.state[goal.name] = replace(old, inputs=checked)
        return "same", None

    def _create(
        self, plugin: NativePlugin, urn: str, checked: dict[str, Any], preview: bool
    ) -> tuple[str, dict[str, Any]]:
        if preview and not plugin.supports_preview:
            return "", dict(checked)
        return plugin.create(urn, checked, preview=preview)

    @staticmethod
    def _check(
        plugin: NativePlugin, urn: str, name: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> dict[str, Any]:
        result = plugin.check(urn, olds, news)
        if result.failures:
            raise CheckFailed(name, result.failures)
        return result.inputs


# -- the world a test deploys into -----------------------------------------------------------


def provider_config(emu: Emulator, org: str) -> dict[str, Any]:
    """An explicit provider instance holding `org`'s key pair, pointed at the emulator."""
    keys = emu.keys(org)
    return {"apiKey": keys.api_key, "appKey": keys.app_key, "apiUrl": emu.url}


@dataclass
class NativeWorld(EmulatorProbe):
    emu: Emulator
    engine: NativeEngine

    def goal(
        self, name: str, sink: str, types: list[str], provider: str = "payments",
        adopt: bool = False,
    ) -> Goal:  # fmt: skip
        inputs = {"sinkOrgId": self.emu.org_uuid(sink), "connectionTypes": types, "adopt": adopt}
        return Goal(name, inputs, provider)


def make_world(emu: Emulator, providers: tuple[str, ...]) -> Iterator[NativeWorld]:
    """Provider instances named after the orgs whose keys they hold (one plugin each)."""
    engine = NativeEngine()
    try:
        for org in providers:
            engine.add_provider(org, provider_config(emu, org))
        yield NativeWorld(emu, engine)
    finally:
        engine.close()
