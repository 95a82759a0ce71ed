"""`ProviderServer`: a real provider process, called over gRPC with the requests the Pulumi engine
builds (pulumi 3.272, `provider_plugin.go`), without the CLI. Either kind of provider:

- the dynamic provider server (`plugin=None`): the engine starts `python -u -m pulumi.dynamic` in
  the project directory with `PULUMI_PROJECT` set. Configure carries the WHOLE stack config (keys
  keep their namespace, `datadog:apiKey`): `variables` spelled `pulumi-python:config:<key>` and
  `args` with secret keys wrapped as secrets; structured values are JSON strings. Resources carry
  their pickled provider in `__provider`;
- a provider plugin folder (`plugin=<folder>`, e.g. `native.archive.NATIVE_DIR`): started as the
  engine starts a python plugin, `python <plugin folder> <engine address>`. One process serves
  one provider instance: CheckConfig, then Configure with that instance's own inputs (`variables`
  spelled `<package>:config:<key>`, non-strings as JSON; `args` with secret inputs wrapped).

What the engine does with either, and this class therefore does too:
- reads the gRPC port from the first line of stdout, and configures before any resource call;
- the request says `acceptSecrets: true`; a provider answering `acceptSecrets: false` (both of
  ours do) then gets every later request with secrets unwrapped, and every answer gets the
  secret mark back on properties whose input namesake was secret (`values.annotate_secrets`);
- Create/Update with `preview=True` never reach a provider that does not support preview (the
  dynamic one): the engine answers with the inputs itself (and an empty id for Create).
A failed call raises `ProviderError` carrying the provider's own text (the dynamic server sends
the Python traceback as the gRPC status details).
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from datadog_crossorg.testing.harness.values import (
    annotate_secrets,
    from_struct,
    is_secret,
    secret,
    strip_secrets,
    to_struct,
)

_T = TypeVar("_T")

DYNAMIC_PACKAGE = "pulumi-python"
# What a plugin is told the engine listens on; only Construct and Call (unused here) dial it.
ENGINE_ADDRESS = "127.0.0.1:1"
# Calls the engine makes before Configure.
_BEFORE_CONFIGURE = frozenset(
    {"Configure", "GetPluginInfo", "GetSchema", "CheckConfig", "DiffConfig"}
)
_CHANGES = {
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
}
# The engine's gRPC client allows messages this large (rpcutil.GrpcChannelOptions).
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.max_send_message_length", 400 * 1024 * 1024),
]


class HarnessError(Exception):
    """Base of the harness's errors. `result` holds the partial Result when a deployment failed."""

    result: Any = None


class ProviderError(HarnessError):
    """A provider call failed; `message` is the provider's own text (its Python traceback)."""

    def __init__(self, method: str, message: str, code: str = "UNKNOWN") -> None:
        super().__init__(f"{method} failed: {message}")
        self.method = method
        self.message = message
        self.code = code


class ServerStartError(HarnessError):
    """The provider process did not come up; the message carries what it printed."""


@dataclass(frozen=True)
class CheckResult:
    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DiffResult:
    """`changes` is "none", "some" or "unknown" (the provider returned `changes=None`)."""

    changes: str
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    stables: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)


class ProviderServer:
    """One provider process. Use as a context manager; the process never outlives it.

    `cwd` is the project directory (the engine's working directory for the plugin); `env`
    entries are added to the current environment and `unset_env` names removed from it;
    `extra_pythonpath` entries are put first on PYTHONPATH (so a provider class defined in a test
    module can be unpickled by reference). `project` defaults to the `name:` in `cwd/Pulumi.yaml`
    (the engine sets PULUMI_PROJECT).

    `plugin` is a provider plugin folder to run instead of the dynamic provider server; `package`
    is its package name (Configure's `<package>:config:<key>`), by default the `name` of the
    schema it serves.
    """

    def __init__(
        self,
        cwd: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        extra_pythonpath: Iterable[str | os.PathLike[str]] = (),
        *,
        plugin: str | os.PathLike[str] | None = None,
        package: str | None = None,
        unset_env: Iterable[str] = (),
        project: str | None = None,
        start_timeout: float = 30.0,
        call_timeout: float = 60.0,
    ) -> None:
        self.cwd = Path(cwd)
        self.project = project or _project_name(self.cwd)
        self.plugin = Path(plugin) if plugin is not None else None
        self._package = DYNAMIC_PACKAGE if self.plugin is None else package
        self._env = dict(env or {})
        self._unset_env = frozenset(unset_env)
        self._extra_pythonpath = [str(p) for p in extra_pythonpath]
        self._start_timeout = start_timeout
        self._call_timeout = call_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._stdout_chunks: list[bytes] = []
        self._stdout_thread: threading.Thread | None = None
        self._channel: grpc.Channel | None = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None
        self._configured: tuple[dict[str, Any], frozenset[str]] | None = None
        self._configure_lock = threading.Lock()
        self.accept_secrets = False
        self.supports_preview = False
        self._finalizer: weakref.finalize | None = None

    @property
    def dynamic(self) -> bool:
        """Whether this is the dynamic provider server (resources carry `__provider`)."""
        return self.plugin is None

    @property
    def package(self) -> str:
        """The package whose provider this process serves (`pulumi-python` for dynamic ones)."""
        if self._package is None:
            self._package = str(json.loads(self.get_schema())["name"])
        return self._package

    @property
    def command(self) -> list[str]:
        """How the engine starts this provider."""
        if self.plugin is None:
            return [sys.executable, "-u", "-m", "pulumi.dynamic"]
        return [sys.executable, str(self.plugin), ENGINE_ADDRESS]

    # -- process lifecycle ------------------------------------------------------------------

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> ProviderServer:
        if self._process is not None:
            return self
        inherited = {k: v for k, v in os.environ.items() if k not in self._unset_env}
        env = {**inherited, "PULUMI_PROJECT": self.project, **self._env}
        pythonpath = [*self._extra_pythonpath, *filter(None, [env.get("PYTHONPATH")])]
        if pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(pythonpath)
        # Kept open for the object's lifetime: stderr_text() still works after close().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._finalizer = weakref.finalize(self, _stop_process, self._process)
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
            grpc.channel_ready_future(self._channel).result(timeout=self._start_timeout)
        except BaseException:
            self.close()
            raise
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._stdout_thread = threading.Thread(
            target=_drain, args=(self._process.stdout, self._stdout_chunks), daemon=True
        )
        self._stdout_thread.start()
        return self

    def close(self) -> None:
        """Stop the process and wait for it (idempotent)."""
        self._stub = None
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._finalizer is not None:
            self._finalizer()
        if self._stdout_thread is not None:
            self._stdout_thread.join(timeout=5)
            self._stdout_thread = None
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stderr_text(self) -> str:
        """Everything the provider process wrote to stderr so far (complete up to the last
        answered call: the file is written before the server answers)."""
        if self._stderr is None:
            return ""
        fd = self._stderr.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def stdout_text(self) -> str:
        """What the process printed after its port line (complete once the server is closed)."""
        return b"".join(self._stdout_chunks).decode("utf-8", "replace")

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + self._start_timeout
        line = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise ServerStartError(self._start_failure("printed no port in time"))
                chunk = os.read(fd, 64)
                if not chunk:
                    self._process.wait(timeout=self._start_timeout)
                    raise ServerStartError(self._start_failure("exited before printing a port"))
                line += chunk
        try:
            return int(line.strip())
        except ValueError:
            raise ServerStartError(self._start_failure(f"printed {line!r}")) from None

    def _start_failure(self, what: str) -> str:
        started = " ".join(self.command[1:])
        return f"python {started} in {self.cwd} {what}; stderr:\n{self.stderr_text()}"

    # -- the engine's calls -----------------------------------------------------------------

    @property
    def configured(self) -> bool:
        return self._configured is not None

    def configure(self, config: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> None:
        """Configure as the engine does, with `secret_keys` (and values already marked with
        `secret()`) sent as secrets in `args`.

        The dynamic provider server gets the whole stack config: namespaced keys, string values
        (the engine sends structured values as JSON). A plugin gets its provider instance's
        inputs (`apiKey`, ...), any JSON values.

        The engine configures a provider process once; calling again with the same config is a
        no-op, with a different one an error (start a new server: the engine starts one per
        deployment, and the Python dynamic provider configures each provider only once).
        """
        if self.plugin is None:
            config = {k: _require_str(k, v) for k, v in config.items()}
        wanted = (dict(config), frozenset(secret_keys))
        with self._configure_lock:
            if self._configured is not None:
                if self._configured != wanted:
                    raise RuntimeError(
                        "this provider server is already configured with another config; "
                        "start a new ProviderServer for it"
                    )
                return
            values, secrets = wanted
            args = {
                k: secret(v) if k in secrets and not is_secret(v) else v for k, v in values.items()
            }
            request = provider_pb2.ConfigureRequest(
                variables={f"{self.package}:config:{k}": _variable(v) for k, v in values.items()},
                args=to_struct(args),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
            )
            response = self._call("Configure", request)
            self.accept_secrets = response.acceptSecrets
            self.supports_preview = response.supportsPreview
            self._configured = wanted

    def check_config(
        self, olds: Mapping[str, Any], news: Mapping[str, Any], *, urn: str | None = None
    ) -> CheckResult:
        """CheckConfig(old inputs, new inputs) of a provider instance, secrets as marked."""
        response = self._call(
            "CheckConfig",
            provider_pb2.CheckRequest(
                **_names(urn or self._instance_urn()), olds=to_struct(olds), news=to_struct(news)
            ),
        )
        inputs = annotate_secrets(from_struct(response.inputs), news)
        return CheckResult(inputs, [(f.property, f.reason) for f in response.failures])

    def diff_config(
        self, olds: Mapping[str, Any], news: Mapping[str, Any], *, urn: str | None = None
    ) -> DiffResult:
        """DiffConfig(old inputs, new inputs) of a provider instance, secrets as marked."""
        response = self._call(
            "DiffConfig",
            provider_pb2.DiffRequest(
                **_names(urn or self._instance_urn()),
                olds=to_struct(olds),
                news=to_struct(news),
                old_inputs=to_struct(olds),
            ),
        )
        return _diff_result(response)

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:
        """Check(old inputs, new inputs). For a new resource the engine sends olds = {}."""
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                **_names(urn),
                olds=to_struct(self._outgoing(olds)),
                news=to_struct(self._outgoing(news)),
                randomSeed=os.urandom(32),
            ),
        )
        inputs = self._incoming(from_struct(response.inputs), news)
        return CheckResult(inputs, [(f.property, f.reason) for f in response.failures])

    def diff(
        self,
        id: str,
        urn: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        old_inputs: Mapping[str, Any] | None = None,
    ) -> DiffResult:
        """Diff(id, OLD OUTPUTS, checked new inputs); the engine also sends the old inputs."""
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id,
                **_names(urn),
                olds=to_struct(self._outgoing(olds)),
                news=to_struct(self._outgoing(news)),
                old_inputs=to_struct(self._outgoing(old_inputs or {})),
            ),
        )
        return _diff_result(response)

    def create(
        self, urn: str, props: Mapping[str, Any], preview: bool = False
    ) -> tuple[str, dict[str, Any]]:
        if preview and not self.supports_preview:
            return "", dict(props)
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                **_names(urn), properties=to_struct(self._outgoing(props)), preview=preview
            ),
        )
        return response.id, self._incoming(from_struct(response.properties), props)

    def read(
        self,
        id: str,
        urn: str,
        props: Mapping[str, Any],
        inputs: Mapping[str, Any] | None = None,
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """Read(id, stored outputs, stored inputs) -> (id or "" when gone, outputs, new inputs
        or None when the provider returned none)."""
        request = provider_pb2.ReadRequest(
            id=id, **_names(urn), properties=to_struct(self._outgoing(props))
        )
        if inputs is not None:
            request.inputs.CopyFrom(to_struct(self._outgoing(inputs)))
        response = self._call("Read", request)
        outs = self._incoming(from_struct(response.properties), props)
        new_inputs = None
        if response.HasField("inputs"):
            new_inputs = self._incoming(from_struct(response.inputs), inputs or props)
        return response.id, outs, new_inputs

    def update(
        self,
        id: str,
        urn: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        preview: bool = False,
        old_inputs: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Update(id, OLD OUTPUTS, checked new inputs) -> new outputs."""
        if preview and not self.supports_preview:
            return dict(news)
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id,
                **_names(urn),
                olds=to_struct(self._outgoing(olds)),
                news=to_struct(self._outgoing(news)),
                old_inputs=to_struct(self._outgoing(old_inputs or {})),
                preview=preview,
            ),
        )
        return self._incoming(from_struct(response.properties), news)

    def delete(
        self,
        id: str,
        urn: str,
        props: Mapping[str, Any],
        old_inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Delete(id, stored outputs); the engine also sends the stored inputs."""
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id,
                **_names(urn),
                properties=to_struct(self._outgoing(props)),
                old_inputs=to_struct(self._outgoing(old_inputs or {})),
            ),
        )

    def plugin_version(self) -> str:
        return self._call("GetPluginInfo", empty_pb2.Empty()).version

    def get_schema(self) -> str:
        """The package schema the provider serves (JSON text)."""
        return self._call("GetSchema", provider_pb2.GetSchemaRequest(version=0)).schema

    # -- plumbing ---------------------------------------------------------------------------

    def _outgoing(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return dict(props) if self.accept_secrets else strip_secrets(dict(props))

    def _incoming(self, outs: dict[str, Any], sent: Mapping[str, Any]) -> dict[str, Any]:
        return outs if self.accept_secrets else annotate_secrets(outs, sent)

    def _instance_urn(self) -> str:
        return f"urn:pulumi:test::{self.project}::pulumi:providers:{self.package}::default"

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise RuntimeError("the provider server is not running (use it as a context manager)")
        if method not in _BEFORE_CONFIGURE and self._configured is None:
            raise RuntimeError(
                f"{method} before configure(): the engine always configures a provider first"
            )
        rpc: Callable[..., Any] = getattr(self._stub, method)
        try:
            return rpc(request, timeout=self._call_timeout)
        except grpc.RpcError as exc:
            code = exc.code()  # type: ignore[attr-defined]
            details = exc.details() or str(code)
            raise ProviderError(method, details, code.name) from None  # type: ignore[attr-defined]


def _diff_result(response: Any) -> DiffResult:
    return DiffResult(
        changes=_CHANGES.get(response.changes, "unknown"),
        replaces=list(response.replaces),
        delete_before_replace=response.deleteBeforeReplace,
        stables=list(response.stables),
        diffs=list(response.diffs),
    )


def _variable(value: Any) -> str:
    """A config value as Configure's `variables` carry it: a string, or JSON text."""
    plain = strip_secrets(value)
    return plain if isinstance(plain, str) else json.dumps(plain)


def _names(urn: str) -> dict[str, str]:
    """The urn, name and type fields the engine sets on every resource request."""
    parts = urn.split("::")
    return {
        "urn": urn,
        "name": parts[-1] if len(parts) > 1 else "",
        "type": parts[-2].split("$")[-1] if len(parts) > 2 else "",
    }


def _require_str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"stack config {key!r} must be a string (the engine sends structured values as JSON)"
        )
    return value


def _project_name(cwd: Path) -> str:
    project_file = cwd / "Pulumi.yaml"
    if project_file.is_file():
        for line in project_file.read_text().splitlines():
            if line.startswith("name:"):
                return line.partition(":")[2].strip().strip("'\"")
    return "project"


def _drain(stream: Any, chunks: list[bytes]) -> None:
    for chunk in iter(lambda: stream.read1(4096), b""):
        chunks.append(chunk)


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
