"""Stack config that points a stack at an offline Datadog, as the engine would deliver it.

    config = emulator_stack_config(emu, default="hub", orgs=("payments", "search"))
    server.configure(config, SECRET_KEYS)             # the provider process gets it all
    run_program(program, engine, config=config, secret_keys=SECRET_KEYS)
    write_stack_file(tmp_path / "Pulumi.test.yaml", config)   # for `crossorg ... --config`

Keys are namespaced (`datadog:apiKey`), structured values are JSON text: exactly what Configure
receives and what `pulumi.Config().get_object` parses. Imports no pulumi; the keys are
`config.keys`'.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from datadog_crossorg.config import keys
from datadog_crossorg.config.keys import SECRET_KEYS

__all__ = ["SECRET_KEYS", "emulator_stack_config", "stack_file_values", "write_stack_file"]


class _KeyPair(Protocol):
    api_key: str
    app_key: str
    org_uuid: str


class _Emulator(Protocol):
    url: str

    def keys(self, name: str) -> _KeyPair: ...


def emulator_stack_config(
    emu: _Emulator,
    default: str | None = "hub",
    orgs: Iterable[str] = (),
    *,
    org_uuids: Iterable[str] = (),
    **structured: Any,
) -> dict[str, str]:
    """`default`'s keys as `datadog:*`, `orgs` as `datadog-crossorg:orgs`, the UUIDs of the key
    pairs in `org_uuids` as `datadog-crossorg:orgUuids`, and any other `datadog-crossorg:<name>`
    from `structured` (e.g. `connections=[...]`), all pointing at the emulator."""
    config: dict[str, str] = {keys.API_URL: emu.url}
    if default:
        pair = emu.keys(default)
        config.update({keys.API_KEY: pair.api_key, keys.APP_KEY: pair.app_key})
    pairs = {
        name: {
            "apiKey": emu.keys(name).api_key,
            "appKey": emu.keys(name).app_key,
            "apiUrl": emu.url,
        }
        for name in orgs
    }
    config[keys.ORGS] = json.dumps(pairs)
    uuids = {name: emu.keys(name).org_uuid for name in org_uuids}
    if uuids:
        config[keys.ORG_UUIDS] = json.dumps(uuids)
    for name, value in structured.items():
        config[f"{keys.NAMESPACE}:{name}"] = value if isinstance(value, str) else json.dumps(value)
    return config


def stack_file_values(config: Mapping[str, str]) -> dict[str, Any]:
    """`config` as a stack file holds it: structured values as YAML, not JSON text."""

    def value(text: str) -> Any:
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        return parsed if isinstance(parsed, dict | list) else text

    return {k: value(v) for k, v in config.items()}


def write_stack_file(path: str | Path, config: Mapping[str, str], **settings: Any) -> Path:
    """Write `config` as a Pulumi.<stack>.yaml, beside other stack `settings` (encryptionsalt)."""
    import yaml

    path = Path(path)
    path.write_text(
        yaml.safe_dump({**settings, "config": stack_file_values(config)}, sort_keys=False)
    )
    return path
