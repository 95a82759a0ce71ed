"""Property values as the engine holds them, and the two conversions the engine applies.

Values are plain Python (dict, list, float, str, bool) in the form `pulumi.runtime.rpc` gives
after a round trip through a protobuf Struct: numbers are floats, a secret is a dict marked with
Pulumi's secret signature (`secret(...)` builds one), an unknown preview value is `UNKNOWN`
(the same string the SDK sends on the wire). `None` values vanish, as on the wire.

Two engine behaviours live here because the engine applies them to every call:
- a provider that answers Configure with `acceptSecrets: false` (the Python dynamic provider
  does) receives every secret unwrapped (`strip_secrets`), and
- the engine then re-marks as secret each result property whose input namesake held a secret
  (`annotate_secrets`, the engine's `annotateSecrets`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any, Final, TypeVar

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc

UNKNOWN: Final[str] = rpc.UNKNOWN
"""A value not known until `up` (what a preview sends for an output of another resource)."""

PROVIDER_KEY: Final[str] = "__provider"

_T = TypeVar("_T")


def secret(value: Any) -> dict[str, Any]:
    """`value` marked as a secret, as the engine stores and sends it."""
    return rpc.wrap_rpc_secret(value)


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def strip_secrets(value: Any) -> Any:
    """`value` with every secret mark removed (what a provider without acceptSecrets receives)."""
    if rpc.is_rpc_secret(value):
        return strip_secrets(rpc.unwrap_rpc_secret(value))
    if isinstance(value, Mapping):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_secrets(v) for v in value]
    return value


def contains_secrets(value: Any) -> bool:
    if rpc.is_rpc_secret(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_secrets(v) for v in value)
    return False


def contains_unknowns(value: Any) -> bool:
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknowns(v) for v in value)
    return False


def annotate_secrets(outs: dict[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
    """Copy secretness from `ins` to same-named `outs` keys, recursing where both are objects.

    The engine does this after every call to a provider that does not accept secrets, so a
    secret input echoed back as an output stays secret in the state.
    """
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        if _is_object(out_value) and _is_object(in_value):
            result[key] = annotate_secrets(out_value, in_value)
        elif not rpc.is_rpc_secret(out_value) and contains_secrets(in_value):
            result[key] = secret(out_value)
    return result


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Serialize with the SDK's own `rpc.serialize_properties` (as the engine's peer does)."""
    return run_coroutine(rpc.serialize_properties(dict(props), {}))


def from_struct(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """Deserialize with the SDK's `rpc.deserialize_properties`, keeping unknowns as `UNKNOWN`."""
    if struct is None:
        return {}
    return _unknowns_as_marker(rpc.deserialize_properties(struct, keep_unknowns=True))


def normalize(props: Mapping[str, Any]) -> dict[str, Any]:
    """`props` as they come back from the wire: floats for numbers, None dropped, secrets kept."""
    return from_struct(to_struct(props))


def run_coroutine(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run `coro` on a private event loop (safe on any thread, never touches the caller's loop)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def _is_object(value: Any) -> bool:
    return isinstance(value, Mapping) and not rpc.is_rpc_secret(value)


def _unknowns_as_marker(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _unknowns_as_marker(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknowns_as_marker(v) for v in value]
    return value
