"""What the policy-pack tests share: policy args and resources as the Pulumi CLI hands them (the
pack served over the analyzer protocol is the `served_pack` fixture of conftest.py)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from datadog_crossorg.policy.rules import validate_query_uuids, validate_sources_connected


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:local::datadog-crossorg::{type_}::{name}"


def resource_violations(type_: str, props: dict[str, Any], name: str = "fleet") -> list[str]:
    found: list[str] = []
    args = ResourceValidationArgs(
        type_, unknown_checking_proxy(props), urn(type_, name), name, options(), None
    )
    validate_query_uuids(args, lambda message, _urn: found.append(message))
    return found


def policy_resource(
    type_: str, name: str, props: dict[str, Any], parent: Any = None
) -> PolicyResource:
    resource = PolicyResource(
        type_, unknown_checking_proxy(props), urn(type_, name), name, options(), None, None, [], {}
    )
    resource.parent = parent
    return resource


def stack_violations(*resources: PolicyResource) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    validate_sources_connected(
        StackValidationArgs(list(resources)), lambda m, u: found.append((m, u))
    )
    return found
