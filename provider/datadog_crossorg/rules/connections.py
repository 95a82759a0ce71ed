"""The org-connection logic, free of Pulumi: validate, diff, create/adopt, read, update, delete.

Both adapters (the dynamic provider in `dynamic/`, the native plugin in `native/`) are thin
layers over this module (its `TABLE`), so every rule lives here once; the schema is
`resources.org_connection`'s. Inputs and outputs are plain dicts whose keys
are the API's own names (`sink_org_id`, `connection_types`, ...).

Rules the engine relies on:
- `check_inputs` makes no API call and normalizes, so order or case never produces a diff.
- `decide_diff` compares OLD OUTPUTS (what Datadog last said) with new inputs, so drift seen on
  refresh shows up as a change. A new sink or source means a new connection (replace). With a new
  sink the pair differs, so the new connection is created before the old one is deleted (no gap in
  sharing and no 409); a new key pair with the same sink may be the same source org, so that
  replacement deletes first.
- `create` never leaves a duplicate or an unmanaged orphan after an ambiguous failure: it looks
  (lists the connections to the sink) before it retries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from datadog_crossorg.client import (
    CONNECTION_TYPES,
    Conflict,
    Connection,
    ConnectionTypes,
    DatadogError,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
)
from datadog_crossorg.config import keys
from datadog_crossorg.resources.org_connection import ORG_CONNECTION
from datadog_crossorg.rules.inputs import (
    DiffDecision,
    InputProblem,
    changed_inputs,
    check_flag,
    check_org,
    check_uuid,
    decide,
    set_changes,
)
from datadog_crossorg.rules.table import GONE, Found, ResourceRules, key_pair
from datadog_crossorg.rules.values import is_unknown

if TYPE_CHECKING:
    from datadog_crossorg.process.org_view import OrgView
    from datadog_crossorg.process.provider_process import ProviderProcess

INPUT_NAMES = ORG_CONNECTION.input_names
OUTPUT_NAMES = ORG_CONNECTION.output_names
REPLACE_ON = ORG_CONNECTION.replace_on
_NAME_FIELDS = ("source_org_name", "sink_org_name", "created_by_name")
_CREATE_ATTEMPTS = 3
# How far Datadog's clock may run behind ours: a connection created up to this long before our
# first POST may still be our own commit. Wider lets an out-of-band connection made just before
# pass for ours; narrower refuses our own commit on a lagging clock (safe: the adopt message).
CLOCK_SKEW_MARGIN = timedelta(seconds=5)


class OrgConnectionError(Exception):
    """A connection operation failed; the message says what Datadog said and what to do."""


class AdoptionRequired(OrgConnectionError):
    """The connection already exists in Datadog and this resource was not told to adopt it."""


@dataclass(frozen=True)
class ConnectionSpec:
    """What the user asked for, after `check_inputs` normalized it."""

    sink_org_id: str
    connection_types: ConnectionTypes
    org: str | None = None
    adopt: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "connection_types", ConnectionTypes(self.connection_types))

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> ConnectionSpec:
        return cls(
            sink_org_id=str(inputs["sink_org_id"]).lower(),
            connection_types=ConnectionTypes(inputs["connection_types"]),
            org=inputs.get("org") or None,
            adopt=bool(inputs.get("adopt") or False),
        )


def check_inputs(
    news: Mapping[str, Any], known_orgs: frozenset[str] | None
) -> tuple[dict[str, Any], list[InputProblem]]:
    """Validate and normalize resource inputs without any API call.

    `known_orgs` is the set of configured key-pair names (None: not known here, so not checked).
    Values not known yet (preview) pass through unchecked.
    """
    problems: list[InputProblem] = []
    inputs: dict[str, Any] = {}

    check_uuid(
        "sink_org_id",
        news.get("sink_org_id"),
        "is not an org UUID; use the sink org's UUID (like 83999dcd-7f97-11f0-8de1-1ecf66f1aa85, "
        "shown by `crossorg connections list` or in the sink org's settings), not its name or "
        "short public id",
        inputs,
        problems,
    )

    types = news.get("connection_types")
    if is_unknown(types) or (isinstance(types, list | tuple) and any(map(is_unknown, types))):
        inputs["connection_types"] = types
    else:
        normalized, problem = _check_types(types)
        if problem:
            problems.append(problem)
        else:
            inputs["connection_types"] = list(normalized)

    check_org(news.get("org"), known_orgs, inputs, problems)
    check_flag("adopt", news.get("adopt"), inputs, problems)
    return inputs, problems


def _check_types(types: Any) -> tuple[ConnectionTypes, InputProblem | None]:
    allowed = ", ".join(CONNECTION_TYPES)
    if isinstance(types, str) or not isinstance(types, list | tuple) or not types:
        return ConnectionTypes(), InputProblem(
            "connection_types",
            f"connection_types {types!r} must be a non-empty list drawn from {allowed}, "
            'for example ["metrics", "logs"]',
        )
    bad = [t for t in types if t not in CONNECTION_TYPES]
    if bad:
        return ConnectionTypes(), InputProblem(
            "connection_types",
            f"connection_types {list(types)!r}: {', '.join(map(repr, bad))} "
            f"{'is not a connection type' if len(bad) == 1 else 'are not connection types'}; "
            f"use only {allowed}",
        )
    dupes = sorted({t for t in types if list(types).count(t) > 1})
    if dupes:
        return ConnectionTypes(), InputProblem(
            "connection_types",
            f"connection_types {list(types)!r} lists {', '.join(map(repr, dupes))} more than "
            "once; list each type once (Datadog refuses duplicates)",
        )
    return ConnectionTypes(types), None


def decide_diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffDecision:
    """Compare old OUTPUTS with checked new inputs (no API call)."""
    # `adopt` acts at create only: set or cleared later, it changes nothing in Datadog (no diff).
    compared = [name for name in INPUT_NAMES if name != "adopt"]
    changed = changed_inputs(
        compared, olds, news, {"connection_types": lambda v: ConnectionTypes(v or ())}
    )
    elements: tuple[tuple[str, int, str], ...] = ()
    if "connection_types" in changed and not is_unknown(news.get("connection_types")):
        old_types = ConnectionTypes(olds.get("connection_types") or ())
        new_types = news.get("connection_types") or ()
        if not any(map(is_unknown, new_types)):
            elements = set_changes("connection_types", old_types, ConnectionTypes(new_types))
    # Same sink under another key pair may be the very same source org: delete first, or the
    # new create would meet the old connection as a 409.
    return decide(changed, REPLACE_ON, lambda replaces: "sink_org_id" not in replaces, elements)


@dataclass(frozen=True)
class Attempt:
    """Our first POST of a create: when it started (our clock) and who sends it, if known.

    After an ambiguous failure the look may find our own commit or a connection that existed
    before; only this evidence tells them apart.
    """

    started: datetime
    user_id: str | None = None

    def made(self, conn: Connection) -> bool:
        """True only if `conn` can be ours: created no earlier than our first POST (less
        `CLOCK_SKEW_MARGIN`) and, when both are known, by our key pair's user. A `created_at`
        that does not parse cannot be told apart: False (refuse rather than take)."""
        try:
            created = datetime.fromisoformat(conn.created_at)
        except (TypeError, ValueError):
            return False
        if created.tzinfo is None:
            return False
        if self.user_id and conn.created_by_id and conn.created_by_id != self.user_id:
            return False
        return created >= self.started - CLOCK_SKEW_MARGIN


def create(view: OrgView, spec: ConnectionSpec) -> Connection:
    """Create the connection from the client's org (the source) to the sink, or adopt it.

    An ambiguous failure (timeout, reset, 5xx: the server may have committed) is followed by a
    look at the connections to the sink before any retry, so a committed create is taken, never
    duplicated, and never left behind unmanaged. What the look finds is taken as ours only on
    evidence (`Attempt.made`): a connection that existed before our first POST gets the adopt
    message, exactly as without the fault.
    """
    attempt = Attempt(datetime.now(UTC), view.user_id)
    saw_ambiguous = False
    last: DatadogError | None = None
    client = view.client
    for _ in range(_CREATE_ATTEMPTS):
        try:
            created = client.create_connection(spec.sink_org_id, list(spec.connection_types))
        except Conflict as exc:
            existing = find_to_sink(view, spec.sink_org_id)
            if existing is None:  # deleted between our POST and our look: try again
                last = exc
                continue
            if not saw_ambiguous:  # our first POST met it: it was there before
                return _adopt_or_refuse(view, existing, spec)
            return _take_or_refuse(view, existing, spec, attempt)
        except Unavailable as exc:
            last = exc
            if not exc.ambiguous:
                raise explain_failure("create", spec, spec.org, exc) from None
            saw_ambiguous = True
            existing = find_to_sink(view, spec.sink_org_id)
            if existing is None:
                continue
            return _take_or_refuse(view, existing, spec, attempt)
        except DatadogError as exc:
            raise explain_failure("create", spec, spec.org, exc) from None
        else:
            view.wrote()
            view.user_id = view.user_id or created.created_by_id
            return created
    assert last is not None
    raise explain_failure("create", spec, spec.org, last) from None


def _take_or_refuse(
    view: OrgView, existing: Connection, spec: ConnectionSpec, attempt: Attempt
) -> Connection:
    """After an ambiguous POST: our own commit is taken; anything else is adopted or refused."""
    if attempt.made(existing) and existing.connection_types == spec.connection_types:
        return existing
    return _adopt_or_refuse(view, existing, spec)


def _adopt_or_refuse(view: OrgView, existing: Connection, spec: ConnectionSpec) -> Connection:
    if not spec.adopt:
        raise AdoptionRequired(
            f"a connection from this org ({existing.source_org_id}) to sink {spec.sink_org_id} "
            f"already exists in Datadog (id {existing.id}, types "
            f"{', '.join(existing.connection_types)}), and this resource does not manage it. To "
            "take it over, set adopt=True on the resource (adopt: true in TypeScript and YAML, "
            "Adopt: pulumi.Bool(true) in Go; its types are then set to the ones you declare), "
            "or delete it in Datadog first"
        )
    if existing.connection_types == spec.connection_types:
        return existing
    try:
        updated = view.client.update_connection(existing.id, list(spec.connection_types))
    except DatadogError as exc:
        raise explain_failure("adopt", spec, spec.org, exc) from None
    finally:
        view.wrote()
    return with_names_from(updated, dataclasses.asdict(existing))


def find_to_sink(view: OrgView, sink_org_id: str) -> Connection | None:
    """The connection from the view's org to `sink_org_id`, if Datadog has one.

    Called after a 409 or an ambiguous failure, i.e. after a possible write: the listing is
    invalidated first, so the look is always fresh.
    """
    view.wrote()
    for conn in view.connections(sink_org_id=sink_org_id):
        if conn.source_org_id != sink_org_id:  # we take part, so we are its source
            return conn
    return None


def read(
    view: OrgView,
    connection_id: str,
    *,
    sink_org_id: str | None = None,
    source_org_id: str | None = None,
    org: str | None = None,
) -> Connection | None:
    """The connection with this id as Datadog has it now, or None when it is gone.

    Gone includes Datadog's own removal of connections whose creator was deactivated. The list is
    filtered by the known sink and source (one call, or the org's shared listing), and matched by
    id, so a connection re-created out of band with another id is not mistaken for this one.
    """
    try:
        found = view.connections(sink_org_id=sink_org_id, source_org_id=source_org_id)
    except DatadogError as exc:
        raise explain_failure("read", connection_id, org, exc) from None
    return next((c for c in found if c.id == connection_id), None)


def read_anywhere(
    process: ProviderProcess,
    key_pair: str | None,
    connection_id: str,
    *,
    sink_org_id: str | None,
    source_org_id: str | None,
) -> Connection | None:
    """`read`, answered by another key pair's shared listing when one can tell (a hub's listing
    answers all its spokes' Reads), else by `key_pair`'s own view."""
    decided, found = process.read_from_shared_listings(
        key_pair, connection_id, sink_org_id=sink_org_id, source_org_id=source_org_id
    )
    if decided:
        return found
    return read(
        process.view(key_pair),
        connection_id,
        sink_org_id=sink_org_id,
        source_org_id=source_org_id,
        org=key_pair,
    )


def update(
    view: OrgView,
    connection_id: str,
    connection_types: ConnectionTypes,
    previous: Mapping[str, Any],
    org: str | None = None,
) -> Connection:
    """Set the connection's types (one PATCH); names the PATCH answer omits come from `previous`."""
    try:
        updated = view.client.update_connection(connection_id, list(connection_types))
    except NotFound:
        raise OrgConnectionError(
            f"org connection {connection_id} no longer exists in Datadog (deleted out of band, or "
            "its creator was deactivated); run `pulumi refresh`, then `pulumi up` to create it "
            "again"
        ) from None
    except DatadogError as exc:
        raise explain_failure("update", connection_id, org, exc) from None
    finally:
        view.wrote()
    return with_names_from(updated, previous)


def apply_update(
    view: OrgView, connection_id: str, olds: Mapping[str, Any], spec: ConnectionSpec
) -> dict[str, Any]:
    """The outputs after an update step: one PATCH when the types differ from the old outputs,
    none when only inputs that are no API field changed (`adopt`, the key-pair name)."""
    if ConnectionTypes(olds.get("connection_types") or ()) == spec.connection_types:
        outs = {name: olds.get(name) for name in OUTPUT_NAMES}
    else:
        conn = update(view, connection_id, spec.connection_types, olds, spec.org)
        outs = outputs(conn, spec.org, spec.adopt)
    outs.update(org=spec.org, adopt=spec.adopt)
    return outs


def delete(view: OrgView, connection_id: str, org: str | None = None) -> bool:
    """Delete the connection (from its source or sink org); False when it was already gone."""
    try:
        view.client.delete_connection(connection_id)
    except NotFound:
        return False
    except DatadogError as exc:
        raise explain_failure("delete", connection_id, org, exc) from None
    finally:
        view.wrote()
    return True


def with_names_from(conn: Connection, known: Mapping[str, Any]) -> Connection:
    """`conn` with the names a PATCH answer omits taken from `known` (old outputs, or a listed
    connection as a dict): org and creator names do not change with the types."""
    return dataclasses.replace(
        conn,
        **{name: getattr(conn, name) or known.get(name) for name in _NAME_FIELDS},
    )


# Output names whose record field is named otherwise (the rest are the record's own names).
_RECORD_FIELD = {"connection_id": "id", "created_by": "created_by_id"}


def outputs(conn: Connection, org: str | None, adopt: bool) -> dict[str, Any]:
    """The resource's outputs (`ORG_CONNECTION`'s output names): the record's fields, types as a
    sorted list, and the inputs that are no API field (`org`, `adopt`)."""
    given = {"org": org, "adopt": adopt, "connection_types": list(conn.connection_types)}
    return ORG_CONNECTION.outputs_from(
        lambda name: given[name] if name in given else getattr(conn, _RECORD_FIELD.get(name, name))
    )


def inputs(conn: Connection, org: str | None, adopt: bool) -> dict[str, Any]:
    """The inputs that would declare the connection as Datadog has it (what refresh stores)."""
    return ORG_CONNECTION.inputs_from(outputs(conn, org, adopt))


def explain_failure(
    action: str, target: ConnectionSpec | str, org: str | None, exc: DatadogError
) -> OrgConnectionError:
    """Turn a Datadog error into a message that leads with what failed and says what to do.
    `target` is the spec being created or adopted, or the id of an existing connection."""
    if isinstance(target, ConnectionSpec):
        what = f"to sink {target.sink_org_id} ({', '.join(target.connection_types)})"
    else:
        what = target
    via = f"key pair {org!r}" if org else "the default key pair"
    url_key = keys.org_key(org, "apiUrl") if org else keys.API_URL
    if isinstance(exc, NotFound) and action == "create":
        hint = (
            "the sink org was not found: sink_org_id must be the UUID of an org in the same "
            "Datadog account as the source org"
        )
    elif isinstance(exc, NotFound):  # an id Datadog no longer knows: the connection itself
        hint = (
            "the connection is gone: it was deleted in Datadog (or its creator was deactivated) "
            "after it was last seen; run `pulumi refresh`, then `pulumi up` to create it again"
        )
    elif isinstance(exc, Forbidden):
        hint = (
            f"{via} was refused: check its apiKey and appKey; connections are created and updated "
            "from the SOURCE org, with an application key that has org_connections_write "
            "(org_connections_read to read)"
        )
    elif isinstance(exc, Invalid):
        hint = (
            "Datadog refused the connection: source and sink must be different orgs of the same "
            "account on the same site, and an org not on an Enterprise plan may share with at most "
            "5 other orgs"
        )
    elif isinstance(exc, Unavailable) and not exc.ambiguous:
        hint = (
            f"Datadog could not be reached with {via}: check its apiUrl ({url_key}, or the "
            "provider's apiUrl) and the network; nothing was changed"
        )
    elif isinstance(exc, Unavailable):
        hint = "Datadog did not answer in time; nothing was left half-created, run the update again"
    else:
        hint = "see Datadog's message"
    return OrgConnectionError(f"could not {action} org connection {what}: {hint}. Datadog: {exc}")


# -- what both adapters call -------------------------------------------------------------------
def _create(process: ProviderProcess, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create (up only). Adopts on 409 when asked; looks before retrying."""
    spec = ConnectionSpec.from_inputs(props)
    conn = create(process.view(spec.org), spec)
    return conn.id, outputs(conn, spec.org, spec.adopt)


def _read(process: ProviderProcess, id_: str, props: Mapping[str, Any]) -> Found:
    """Read on refresh, `get` and `pulumi import`; a hub's shared listing may answer it."""
    org, adopt = key_pair(props), bool(props.get("adopt") or False)
    conn = read_anywhere(
        process,
        org,
        id_,
        sink_org_id=props.get("sink_org_id") or None,
        source_org_id=props.get("source_org_id") or None,
    )
    if conn is None:
        return GONE
    return conn.id, outputs(conn, org, adopt), inputs(conn, org, adopt)


def _update(
    process: ProviderProcess, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, Any]:
    """Update: one PATCH when types differ, none for `adopt` or the key-pair name alone."""
    spec = ConnectionSpec.from_inputs(news)
    return apply_update(process.view(spec.org), id_, olds, spec)


def _delete(process: ProviderProcess, id_: str, props: Mapping[str, Any]) -> None:
    """Delete on destroy and after a replacement; already gone is fine."""
    org = key_pair(props)
    delete(process.view(org), id_, org)


TABLE = ResourceRules(ORG_CONNECTION, check_inputs, decide_diff, _create, _read, _update, _delete)
