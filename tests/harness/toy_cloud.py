"""A toy dynamic provider for testing the harness itself.

Its "cloud" is a JSON file whose path is the provider's only (pickled) state, so the provider
server process and the test see the same cloud. The provider writes down every call it gets (what
it was sent, which types the values had), and the test can arrange out-of-band changes, a
barrier that only opens when N calls of one kind are in flight at once, and failures.
"""

from __future__ import annotations

import fcntl
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
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
from pulumi.output import Unknown

TOY_TYPE = "pulumi-python:dynamic/toy:Thing"
INPUT_KEYS = ("name", "size", "zone", "token")


class Cloud:
    """The JSON file: resources by id, a call log, and test-controlled settings."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def create(cls, path: Path) -> Cloud:
        path.write_text(json.dumps({"resources": {}, "calls": [], "next": 1, "settings": {}}))
        return cls(path)

    @contextmanager
    def edit(self) -> Iterator[dict[str, Any]]:
        """The cloud's document, locked against every other process and thread, saved after."""
        with open(self.path, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            data = json.load(handle)
            yield data
            handle.seek(0)
            handle.truncate()
            json.dump(data, handle)

    def data(self) -> dict[str, Any]:
        with self.edit() as data:
            return data

    def resources(self) -> dict[str, dict[str, Any]]:
        return self.data()["resources"]

    def calls(self, op: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.data()["calls"] if op is None or c["op"] == op]

    def ops(self) -> list[str]:
        return [c["op"] for c in self.calls()]

    def clear_calls(self) -> None:
        with self.edit() as data:
            data["calls"] = []

    def set(self, **settings: Any) -> None:
        with self.edit() as data:
            data["settings"].update(settings)


_LOCK = threading.Lock()
_BARRIERS: dict[tuple[str, str], threading.Barrier] = {}
_IN_FLIGHT: dict[tuple[str, str], int] = {}


class ToyProvider(ResourceProvider):
    """CRUD over the JSON cloud. `flavor` only changes the pickled bytes (a provider upgrade)."""

    def __init__(self, cloud_path: str | Path, flavor: str = "") -> None:
        super().__init__()
        self.cloud_path = str(cloud_path)
        if flavor:
            self.flavor = flavor

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def configure(self, req: ConfigureRequest) -> None:
        settings = req.config.get("toy:settings")
        self._config = {
            "greeting": req.config.get("toy:greeting"),
            "password": req.config.get("toy:password"),
            "settings": json.loads(settings) if settings else None,
            "motto": req.config.get("motto"),  # no namespace: the project's own key
        }

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        self._log(
            "check",
            olds=sorted(olds),
            unknown_types={k: type(v).__name__ for k, v in news.items() if _unknown(v)},
        )
        failures = []
        size = news.get("size")
        if isinstance(size, float | int) and size < 0:
            failures.append(CheckFailure("size", f"size must be >= 0, got {size}"))
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._log("diff", id=id_, olds=sorted(olds))
        if news.get("legacy_diff"):
            return DiffResult()  # changes=None: the engine decides
        changed = [k for k in INPUT_KEYS if olds.get(k) != news.get(k)]
        return DiffResult(
            changes=bool(changed),
            replaces=["zone"] if "zone" in changed else [],
            stables=["name"],
            delete_before_replace=bool(news.get("dbr")),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        with self._tracked("create"):
            if props.get("name") == "boom":
                raise ValueError("toy refuses to create 'boom'")
            with Cloud(self.cloud_path).edit() as data:
                number = data["next"]
                data["next"] += 1
                id_ = f"toy-{number}"
                data["resources"][id_] = {k: props[k] for k in INPUT_KEYS if k in props}
                data["resources"][id_]["created_at"] = number
                data["calls"].append({"op": "create", "id": id_, "token": props.get("token")})
            print(f"toy: created {id_}", file=sys.stderr)
            return CreateResult(id_, self._outputs(id_, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with self._tracked("read"):
            self._log("read", id=id_, props=sorted(props))
            found = Cloud(self.cloud_path).resources().get(id_)
            if found is None:
                return ReadResult("", {})
            inputs = {k: found[k] for k in INPUT_KEYS if k in found}
            return ReadResult(id_, self._outputs(id_, props), inputs=inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        with self._tracked("update"):
            with Cloud(self.cloud_path).edit() as data:
                stored = data["resources"][id_]
                stored.update({k: news[k] for k in INPUT_KEYS if k in news})
                data["calls"].append({"op": "update", "id": id_, "olds": sorted(olds)})
            return UpdateResult(self._outputs(id_, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with self._tracked("delete"), Cloud(self.cloud_path).edit() as data:
            if data["settings"].get("refuse_deletes"):
                raise RuntimeError(f"toy cannot delete {id_} right now")
            data["resources"].pop(id_, None)
            data["calls"].append({"op": "delete", "id": id_, "props": sorted(props)})

    def _outputs(self, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        stored = Cloud(self.cloud_path).resources()[id_]
        outs = {k: stored[k] for k in (*INPUT_KEYS, "created_at") if k in stored}
        if props.get("show_config"):
            outs["config_seen"] = self.__dict__.get("_config")
        return outs

    def _log(self, op: str, **details: Any) -> None:
        with Cloud(self.cloud_path).edit() as data:
            data["calls"].append({"op": op, **details})

    @contextmanager
    def _tracked(self, op: str) -> Iterator[None]:
        """Count calls of `op` in flight (the cloud keeps the maximum); wait on the barrier."""
        key = (self.cloud_path, op)
        with _LOCK:
            _IN_FLIGHT[key] = _IN_FLIGHT.get(key, 0) + 1
            in_flight = _IN_FLIGHT[key]
        with Cloud(self.cloud_path).edit() as data:
            peaks = data.setdefault("max_in_flight", {})
            peaks[op] = max(peaks.get(op, 0), in_flight)
            barrier = data["settings"].get("barrier")
        try:
            if barrier and barrier["op"] == op:
                _barrier(key, barrier["parties"]).wait(timeout=barrier.get("timeout", 10))
            yield
        finally:
            with _LOCK:
                _IN_FLIGHT[key] -= 1


class PlainToyProvider(ToyProvider):
    """Captures nothing secret, so its pickle need not be a secret (as OrgConnectionProvider)."""

    serialize_as_secret_always = False


class ToyThing(Resource, module="toy", name="Thing"):
    created_at: pulumi.Output[float]
    size: pulumi.Output[float]

    def __init__(
        self,
        name: str,
        cloud_path: str | Path,
        size: pulumi.Input[float],
        zone: str = "a",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"name": name, "size": size, "zone": zone, "created_at": None}
        super().__init__(ToyProvider(cloud_path), name, props, opts)


def _barrier(key: tuple[str, str], parties: int) -> threading.Barrier:
    with _LOCK:
        if key not in _BARRIERS:
            _BARRIERS[key] = threading.Barrier(parties)
        return _BARRIERS[key]


def _unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or value == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


__all__: list[str] = ["TOY_TYPE", "Cloud", "PlainToyProvider", "ToyProvider", "ToyThing"]
