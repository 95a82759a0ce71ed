"""How a resource is declared once, and what every adapter derives from that declaration.

A `ResourceDeclaration` states a resource's type name, description and fields; each `Field` says
whether it is an input, an output or both, its Python type, its description, whether a change
replaces the resource, whether it is secret and its default. The core rules take their input and
output names and replace-on set from it, the dynamic resource its constructor signature, Args
class and Output annotations, the native plugin its package schema, the policy pack the names a
resource's props give each field. Adding a field here adds it everywhere, or fails a test.

Imports nothing of ours and no Pulumi (cheap for every caller).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from datadog_crossorg.resources import tokens

DYNAMIC, NATIVE = "dynamic", "native"
BOTH = frozenset({DYNAMIC, NATIVE})


@dataclass(frozen=True)
class Field:
    """One property of a resource, under the API's snake_case name."""

    name: str
    type: Any  # str, bool, float or list[str]
    description: str
    input: bool = True  # the user declares it
    output: bool = True  # the resource holds it after create
    required: bool = False  # a required input; for an output-only field, always set
    replaces: bool = False  # a new value replaces the resource
    secret: bool = False
    default: Any = None  # the input's value when the user leaves it out
    output_description: str | None = None  # when the output says more than the input
    output_required: bool | None = None  # default: required, or an input with a default
    adapters: frozenset[str] = BOTH  # `org` names a key pair: the native plugin has one

    @property
    def wire_name(self) -> str:
        return wire_name(self.name)

    @property
    def always_output(self) -> bool:
        """Whether every stored resource has this output (the schema's `required`)."""
        if self.output_required is not None:
            return self.output_required
        return self.required or self.default is not None


@dataclass(frozen=True)
class ResourceDeclaration:
    """A resource's type name, description and fields: the one place its schema is stated."""

    name: str  # "OrgConnection": the dynamic resource's name and the native type's
    description: str
    fields: tuple[Field, ...]
    id_field: str | None = None  # the output that is also the resource id
    native: bool = True  # served by the native plugin too
    _by_name: dict[str, Field] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update((f.name, f) for f in self.fields)

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    @property
    def dynamic_token(self) -> str:
        return tokens.dynamic_token(self.name)

    @property
    def native_token(self) -> str:
        return tokens.native_token(self.name)

    def inputs(self, adapter: str = DYNAMIC) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.input and adapter in f.adapters)

    def outputs(self, adapter: str = DYNAMIC) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.output and adapter in f.adapters)

    def inputs_required_first(self) -> list[Field]:
        """The dynamic inputs in the order a constructor takes them: required ones first."""
        return sorted(self.inputs(), key=lambda f: not f.required)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.inputs())

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.outputs())

    @property
    def replace_on(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.replaces)

    def outputs_from(self, values: Callable[[str], Any]) -> dict[str, Any]:
        """The resource's outputs, one per declared output name, each `values(name)`."""
        return {f.name: values(f.name) for f in self.outputs()}

    def inputs_from(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs that would declare what `outputs` hold (what refresh stores): each
        declared input the outputs carry, those left unset (None or "") left out."""
        return {
            f.name: outputs[f.name]
            for f in self.inputs()
            if outputs.get(f.name) is not None and outputs.get(f.name) != ""
        }

    def blank_props(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """A dynamic resource's props: every output unknown until Datadog answers, the inputs
        as given, a missing input at its default."""
        props: dict[str, Any] = dict.fromkeys(self.output_names)
        for f in self.inputs():
            value = given.get(f.name)
            props[f.name] = f.default if value is None else value
        return props

    def signature(self, first: list[inspect.Parameter]) -> inspect.Signature:
        """`first` parameters, then one keyword per input (required inputs first, all
        defaulting to None), then `opts`: what the dynamic resource's constructor takes."""
        ordered = self.inputs_required_first()
        params = [
            *first,
            *(
                inspect.Parameter(
                    f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=f.type
                )
                for f in ordered
            ),
            inspect.Parameter("opts", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None),
        ]
        return inspect.Signature(params)


def wire_name(name: str) -> str:
    """`sink_org_id` -> `sinkOrgId`: a property's name in the native schema and on the wire."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
