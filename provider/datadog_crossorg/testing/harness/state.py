"""The harness's state file: what the engine's checkpoint holds for each resource.

Values are stored exactly as the provider returned them after the engine's secret annotation:
secrets keep their marker and, unlike the real (encrypted) state, stay readable, so a test can
scan the whole JSON text for strings that must never reach a state file at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_VERSION = 1


@dataclass(frozen=True)
class ResourceState:
    """One resource as the checkpoint records it. `dependencies` are names of resources it
    depends on (deleted after it); `provider_instance` names the provider instance that manages
    it (None: the default provider)."""

    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: tuple[str, ...] = field(default=())
    provider_instance: str | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        document = {
            "urn": self.urn,
            "type": self.type,
            "id": self.id,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "dependencies": list(self.dependencies),
        }
        if self.provider_instance is not None:
            document["provider_instance"] = self.provider_instance
        return document

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceState:
        return cls(
            urn=data["urn"],
            type=data["type"],
            id=data["id"],
            inputs=dict(data["inputs"]),
            outputs=dict(data["outputs"]),
            dependencies=tuple(data.get("dependencies", ())),
            provider_instance=data.get("provider_instance"),
        )


@dataclass(frozen=True)
class Checkpoint:
    resources: dict[str, ResourceState]
    pending_deletes: list[ResourceState]


def render(
    project: str,
    stack: str,
    resources: Mapping[str, ResourceState],
    pending_deletes: Iterable[ResourceState],
) -> str:
    document = {
        "version": STATE_VERSION,
        "project": project,
        "stack": stack,
        "resources": [resources[name].to_json() for name in sorted(resources)],
        "pending_deletes": [r.to_json() for r in pending_deletes],
    }
    return json.dumps(document, indent=2, sort_keys=True)


def load(path: Path) -> Checkpoint:
    if not path.exists():
        return Checkpoint({}, [])
    document = json.loads(path.read_text())
    if document.get("version") != STATE_VERSION:
        raise ValueError(f"{path}: unsupported harness state version {document.get('version')}")
    resources = [ResourceState.from_json(r) for r in document["resources"]]
    return Checkpoint(
        {r.name: r for r in resources},
        [ResourceState.from_json(r) for r in document.get("pending_deletes", [])],
    )


def save(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
