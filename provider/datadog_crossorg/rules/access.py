"""Who may edit or view an org connection, free of Pulumi: validate, diff, write, read, delete.

One access = one org's restriction policy on one connection (`cross-org-connection:<id>`): the
sink org's policy governs who may view the shared data and edit the connection there, the source
org's who may edit it. The org is that of the key pair named by `org` (or the default pair).

Self-lockout is decided at check time, without any API call (preview needs no keys): Check cannot
ask Datadog who the deploying key pair's user is, so the user declares it. `deployer` lists the
principals that user holds (its `role:`, `team:` or `user:` id, or `org:<uuid>`); a policy with
bindings must name one of them among its editors, or set `allow_self_lockout`. The declaration is
not trusted blindly: the write is sent without Datadog's `allow_self_lockout` flag unless the user
opted in, so Datadog refuses a policy that would lock out the real caller, and that refusal is
reported as a wrong `deployer`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datadog_crossorg.client import DatadogClient, DatadogError, Forbidden, Invalid, NotFound
from datadog_crossorg.client.api import connection_resource_id
from datadog_crossorg.client.records import Binding
from datadog_crossorg.resources.connection_access import CONNECTION_ACCESS
from datadog_crossorg.rules.inputs import (
    DiffDecision,
    InputProblem,
    changed_inputs,
    check_flag,
    check_org,
    check_uuid,
    decide,
)
from datadog_crossorg.rules.table import GONE, Found, ResourceRules
from datadog_crossorg.rules.values import is_unknown, is_uuid

if TYPE_CHECKING:
    from datadog_crossorg.process.provider_process import ProviderProcess

EDITOR, VIEWER = "editor", "viewer"
INPUT_NAMES = CONNECTION_ACCESS.input_names
OUTPUT_NAMES = CONNECTION_ACCESS.output_names
REPLACE_ON = CONNECTION_ACCESS.replace_on
PRINCIPAL_LISTS = ("editors", "viewers", "deployer")
PRINCIPAL_KINDS = ("role", "team", "user", "org")


class AccessError(Exception):
    """A policy operation failed; the message says what Datadog said and what to do."""


@dataclass(frozen=True)
class AccessSpec:
    """What the user declared, after `check_inputs` normalized it (principals sorted, unique)."""

    connection_id: str
    editors: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    org: str | None = None
    deployer: tuple[str, ...] = ()
    allow_self_lockout: bool = False

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> AccessSpec:
        return cls(
            connection_id=str(inputs["connection_id"]).lower(),
            editors=normalize(inputs.get("editors") or ()),
            viewers=normalize(inputs.get("viewers") or ()),
            org=inputs.get("org") or None,
            deployer=normalize(inputs.get("deployer") or ()),
            allow_self_lockout=bool(inputs.get("allow_self_lockout") or False),
        )

    @classmethod
    def from_read(cls, resource_id: str, props: Mapping[str, Any]) -> AccessSpec:
        """The spec of a Read: a read by id alone (`get`, `pulumi import`) knows the connection
        from the id, `cross-org-connection:<id>`."""
        return cls.from_inputs(
            {**props, "connection_id": props.get("connection_id") or resource_id.partition(":")[2]}
        )

    @property
    def resource_id(self) -> str:
        return connection_resource_id(self.connection_id)

    def bindings(self) -> list[Binding]:
        """The policy Datadog is asked to store: editors, then viewers; empty lists left out."""
        pairs = ((EDITOR, self.editors), (VIEWER, self.viewers))
        return [Binding(relation, principals) for relation, principals in pairs if principals]


def normalize(principals: Sequence[Any]) -> tuple[str, ...]:
    return tuple(sorted({str(p).strip().lower() for p in principals}))


# -- check -----------------------------------------------------------------------------------
def check_inputs(
    news: Mapping[str, Any], known_orgs: frozenset[str] | None
) -> tuple[dict[str, Any], list[InputProblem]]:
    """Validate and normalize inputs without any API call, self-lockout included.

    Values not known yet (preview: the id of a connection still to be created) pass through
    unchecked.
    """
    problems: list[InputProblem] = []
    inputs: dict[str, Any] = {}
    check_uuid(
        "connection_id",
        news.get("connection_id"),
        "is not a connection UUID; pass the OrgConnection's connection_id output (or an id from "
        "`crossorg connections list`)",
        inputs,
        problems,
    )
    for name in PRINCIPAL_LISTS:
        value, problem = _check_principals(name, news.get(name))
        inputs[name] = value
        if problem:
            problems.append(problem)
    check_org(news.get("org"), known_orgs, inputs, problems)
    check_flag("allow_self_lockout", news.get("allow_self_lockout"), inputs, problems)
    if not problems:
        problems.extend(_lockout_problems(inputs))
    return inputs, problems


def _is_principal(value: Any) -> bool:
    """`role:<uuid>`, `team:<uuid>`, `user:<uuid>` or `org:<uuid>`."""
    if not isinstance(value, str):
        return False
    kind, _, uuid = value.strip().partition(":")
    return kind.lower() in PRINCIPAL_KINDS and is_uuid(uuid)


def _check_principals(name: str, value: Any) -> tuple[Any, InputProblem | None]:
    if value is None:
        return [], None
    if is_unknown(value) or (isinstance(value, list | tuple) and any(map(is_unknown, value))):
        return value, None
    if isinstance(value, str) or not isinstance(value, list | tuple):
        return value, InputProblem(name, f"{name} {value!r} must be a list of principals")
    bad = [p for p in value if not _is_principal(p)]
    if bad:
        return value, InputProblem(
            name,
            f"{name}: {', '.join(map(repr, bad))} "
            f"{'is not a principal' if len(bad) == 1 else 'are not principals'}; a principal is "
            "role:, team: or user: followed by that role's, team's or user's UUID (Datadog's "
            "Organization Settings show them; names are not accepted), or org:<org UUID>",
        )
    return list(normalize(value)), None


def _lockout_problems(inputs: Mapping[str, Any]) -> list[InputProblem]:
    """A policy that leaves the deploying identity without edit access, unless opted in."""
    editors, viewers, deployer = (inputs[n] for n in PRINCIPAL_LISTS)
    allow = inputs["allow_self_lockout"]
    if is_unknown(allow) or any(
        not isinstance(v, list) or any(map(is_unknown, v)) for v in (editors, viewers, deployer)
    ):
        return []  # decided again at up, when every value is known
    if not editors and not viewers:
        return [
            InputProblem(
                "editors",
                "declare at least one editor or viewer: an access without principals restricts "
                "nothing (to give everyone with the permission access, remove the resource)",
            )
        ]
    if allow:
        return []
    if not deployer:
        return [
            InputProblem(
                "deployer",
                "declare deployer: the principals (role:, team:, user: or org:) the key pair "
                "that deploys this stack holds, so preview can prove the policy keeps its edit "
                "access; or set allow_self_lockout=true to lock it out on purpose",
            )
        ]
    if not set(deployer) & set(editors):
        return [
            InputProblem(
                "editors",
                f"editors {editors!r} include none of deployer {deployer!r}: the deploying "
                "identity would lose edit access to the connection (and could not change or "
                "remove this policy again). Add one of the deployer's principals to editors, or "
                "set allow_self_lockout=true if that is intended",
            )
        ]
    return []


# -- diff ------------------------------------------------------------------------------------
def decide_diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffDecision:
    """Compare old OUTPUTS (what Datadog last said) with checked new inputs; no API call.

    Another connection or key pair means another policy (replace). Another key pair on the same
    connection may be the same org, hence the very same policy: delete it first, or deleting
    the old one afterwards would remove the new one.
    """
    normalizers: dict[str, Callable[[Any], Any]] = {
        name: lambda v: normalize(v or ()) for name in PRINCIPAL_LISTS
    }
    changed = changed_inputs(INPUT_NAMES, olds, news, {**normalizers, "allow_self_lockout": bool})
    return decide(changed, REPLACE_ON, lambda replaces: "connection_id" not in replaces)


def needs_write(olds: Mapping[str, Any], spec: AccessSpec) -> bool:
    """Whether an update must touch Datadog: only editors and viewers live there."""
    return (
        normalize(olds.get("editors") or ()) != spec.editors
        or normalize(olds.get("viewers") or ()) != spec.viewers
    )


# -- operations over the client ----------------------------------------------------------------
def write(client: DatadogClient, spec: AccessSpec) -> list[Binding]:
    """Replace the org's policy on the connection with the declared one (one POST)."""
    try:
        return client.set_restriction_policy(
            spec.resource_id, spec.bindings(), allow_self_lockout=spec.allow_self_lockout
        )
    except DatadogError as exc:
        raise _explain("set", spec, exc) from None


def read(client: DatadogClient, connection_id: str) -> list[Binding] | None:
    """The org's policy on the connection now; None when there is none or the connection is gone."""
    try:
        bindings = client.get_restriction_policy(connection_resource_id(connection_id))
    except NotFound:
        return None
    except DatadogError as exc:
        raise AccessError(
            f"could not read the restriction policy of org connection {connection_id}: {exc}"
        ) from None
    return bindings or None


def delete(client: DatadogClient, spec: AccessSpec) -> bool:
    """Remove the policy (full access again); False when the connection is already gone."""
    try:
        client.delete_restriction_policy(spec.resource_id)
    except NotFound:
        return False
    except DatadogError as exc:
        raise _explain("remove", spec, exc) from None
    return True


def apply_update(
    client: DatadogClient, olds: Mapping[str, Any], spec: AccessSpec
) -> dict[str, Any]:
    """The outputs after an update step: one POST when the principals differ, none otherwise."""
    if needs_write(olds, spec):
        return outputs(spec, write(client, spec))
    return unchanged_outputs(olds, spec)


def unchanged_outputs(olds: Mapping[str, Any], spec: AccessSpec) -> dict[str, Any]:
    """Outputs of an update that changes only what lives in the stack (deployer, the flag)."""
    kept = [
        Binding(EDITOR, tuple(olds.get("editors") or ())),
        Binding(VIEWER, tuple(olds.get("viewers") or ())),
    ]
    return outputs(spec, kept)


def outputs(spec: AccessSpec, bindings: Sequence[Binding]) -> dict[str, Any]:
    """The resource's outputs: principals as Datadog stored them, plus the declared extras."""
    found = principals_by_relation(bindings)
    values = {
        "resource_id": spec.resource_id,
        "connection_id": spec.connection_id,
        "editors": list(found[EDITOR]),
        "viewers": list(found[VIEWER]),
        "org": spec.org,
        "deployer": list(spec.deployer),
        "allow_self_lockout": spec.allow_self_lockout,
    }
    return CONNECTION_ACCESS.outputs_from(values.__getitem__)  # a new output fails here


def inputs(spec: AccessSpec, bindings: Sequence[Binding]) -> dict[str, Any]:
    """The inputs that would declare the policy as Datadog has it (what refresh stores)."""
    return CONNECTION_ACCESS.inputs_from(outputs(spec, bindings))


def read_state(
    spec: AccessSpec, bindings: Sequence[Binding]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Read's outputs and inputs.

    A read by id alone (`pulumi import`) knows no deployer, and Check would refuse the inputs
    without one: the policy's editors stand in, since whoever deploys it must hold one of them
    to keep editing it. The generated code shows them; Datadog still refuses a later write that
    would lock the real deployer out (the flag is never sent unasked)."""
    if not spec.deployer and not spec.allow_self_lockout:  # only an import gets here
        spec = dataclasses.replace(spec, deployer=principals_by_relation(bindings)[EDITOR])
    return outputs(spec, bindings), inputs(spec, bindings)


def principals_by_relation(bindings: Sequence[Binding]) -> dict[str, tuple[str, ...]]:
    """Editors and viewers, each sorted; relations other than these two are not managed here."""
    found: dict[str, set[str]] = {EDITOR: set(), VIEWER: set()}
    for binding in bindings:
        if binding.relation in found:
            found[binding.relation].update(p.lower() for p in binding.principals)
    return {relation: tuple(sorted(p)) for relation, p in found.items()}


def _explain(action: str, spec: AccessSpec, exc: DatadogError) -> AccessError:
    via = f"key pair {spec.org!r}" if spec.org else "the default key pair (datadog:apiKey)"
    what = f"the restriction policy of org connection {spec.connection_id}"
    text = " ".join(exc.errors) or str(exc)
    if isinstance(exc, Invalid) and "lockout" in text:
        hint = (
            f"Datadog refused it because {via} would lose its own edit access: deployer "
            f"{list(spec.deployer)!r} names principals its user does not hold. Declare the "
            "user's real role, team or user id as deployer and among editors, or set "
            "allow_self_lockout=true"
        )
    elif isinstance(exc, NotFound):
        hint = (
            f"the connection is not visible to {via}: it was deleted, or that key pair belongs "
            "to neither its source nor its sink org"
        )
    elif isinstance(exc, Forbidden):
        hint = (
            f"{via} was refused: it needs org_connections_write, and under an existing policy "
            "its user must be an editor (a policy saved with allow_self_lockout may have locked "
            "it out: an editor must change it in Datadog)"
        )
    elif isinstance(exc, Invalid):
        hint = (
            "Datadog refused the policy: principals must be roles, teams or users of that org, "
            f"and unless allow_self_lockout is set the user of {via} must hold one of the "
            "editors (check deployer)"
        )
    else:
        hint = "see Datadog's message"
    return AccessError(f"could not {action} {what}: {hint}. Datadog: {exc}")


# -- what both adapters call -------------------------------------------------------------------
def _create(process: ProviderProcess, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create (up only): one POST replacing whatever policy the org had."""
    spec = AccessSpec.from_inputs(props)
    return spec.resource_id, outputs(spec, write(process.client(spec.org), spec))


def _read(process: ProviderProcess, id_: str, props: Mapping[str, Any]) -> Found:
    """Read on refresh and `pulumi import`; gone when the policy or the connection is gone."""
    spec = AccessSpec.from_read(id_, props)
    found = read(process.client(spec.org), spec.connection_id)
    if found is None:
        return GONE
    return id_, *read_state(spec, found)


def _update(
    process: ProviderProcess, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, Any]:
    """Update: one POST when principals differ, none otherwise."""
    spec = AccessSpec.from_inputs(news)
    return apply_update(process.client(spec.org), olds, spec)


def _delete(process: ProviderProcess, id_: str, props: Mapping[str, Any]) -> None:
    """Delete on destroy or removal: full access again; a gone connection is fine."""
    spec = AccessSpec.from_inputs(props)
    delete(process.client(spec.org), spec)


TABLE = ResourceRules(
    CONNECTION_ACCESS, check_inputs, decide_diff, _create, _read, _update, _delete
)
