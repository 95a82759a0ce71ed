"""One table per resource: what both adapters call for Check, Diff, Create, Read, Update, Delete.

Each resource's rules module states its `ResourceRules` once, next to the rules it names; the
dynamic provider (`dynamic.provider_base.TableProvider`) and the native plugin
(`native.provider`) read the table and translate, nothing more. Every operation takes the
properties under the declaration's snake_case names; the key pair is the `org` property (the
native plugin has none: its one key pair is the default). Adding a resource adds its declaration,
its rules with their table, and a line in `SERVED`. Free of Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datadog_crossorg.resources.declaration import ResourceDeclaration
from datadog_crossorg.rules.inputs import DiffDecision, InputProblem

if TYPE_CHECKING:
    from datadog_crossorg.process.provider_process import ProviderProcess

Props = dict[str, Any]
Found = tuple[str, Props, Props]  # a Read: (id, outputs, inputs); an empty id means gone
GONE: Found = ("", {}, {})


@dataclass(frozen=True)
class ResourceRules:
    """What the engine's six calls run for one resource, with no API call at check or diff.

    `check(news, known_orgs)`: (checked inputs, problems); `known_orgs` None when the key
    pairs are not known here. `decide_diff(old outputs, checked news)`. `create(process, props)`:
    (id, outputs). `read(process, id, old outputs and inputs)`. `update(process, id, old outputs,
    news)`: outputs. `delete(process, id, props)`: already gone is fine.
    """

    declaration: ResourceDeclaration
    check: Callable[[Mapping[str, Any], frozenset[str] | None], tuple[Props, list[InputProblem]]]
    decide_diff: Callable[[Mapping[str, Any], Mapping[str, Any]], DiffDecision]
    create: Callable[[ProviderProcess, Mapping[str, Any]], tuple[str, Props]]
    read: Callable[[ProviderProcess, str, Mapping[str, Any]], Found]
    update: Callable[[ProviderProcess, str, Mapping[str, Any], Mapping[str, Any]], Props]
    delete: Callable[[ProviderProcess, str, Mapping[str, Any]], None]


def key_pair(props: Mapping[str, Any]) -> str | None:
    """The key pair a resource's properties name (`org`); None is the default pair."""
    return props.get("org") or None
