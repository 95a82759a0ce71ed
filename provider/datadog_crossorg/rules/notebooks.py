"""The cross-org notebook's rules, free of Pulumi: check, diff, create, read, update, delete.

One API call per operation and none at check or diff: create is one POST, update one PUT, read
one GET, delete one DELETE (already gone is fine). The notebook is compared in its declared form:
the attributes a program declares (name, cells, time, status) with what Datadog adds (cell ids,
author, created, modified, default metadata) left out, so a no-op `up` changes nothing and a
change made in Datadog shows as drift on refresh.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datadog_crossorg.client import DatadogError, Forbidden, Invalid, NotFound
from datadog_crossorg.resources.notebook import CROSS_ORG_NOTEBOOK
from datadog_crossorg.rules.inputs import (
    DiffDecision,
    InputProblem,
    changed_inputs,
    check_org,
    decide,
)
from datadog_crossorg.rules.queries import check_notebook
from datadog_crossorg.rules.table import GONE, Found, ResourceRules, key_pair
from datadog_crossorg.rules.values import is_unknown

if TYPE_CHECKING:
    from datadog_crossorg.client import DatadogClient
    from datadog_crossorg.process.provider_process import ProviderProcess

INPUT_NAMES = CROSS_ORG_NOTEBOOK.input_names
OUTPUT_NAMES = CROSS_ORG_NOTEBOOK.output_names
REPLACE_ON = CROSS_ORG_NOTEBOOK.replace_on
DECLARED_KEYS = ("name", "cells", "time", "status", "metadata")  # a notebook's declarable parts
CELL_KEYS = ("definition", "graph_size", "split_by", "time")  # a cell's declarable attributes
NAME_MAX = 80  # Datadog's limit


class NotebookError(Exception):
    """A notebook operation failed; the message says what Datadog said and what to do."""


@dataclass(frozen=True)
class NotebookSpec:
    """What the user declared, after `check_inputs` normalized it."""

    notebook: dict[str, Any]
    org: str | None = None

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> NotebookSpec:
        return cls(notebook_of(inputs["notebook"]), inputs.get("org") or None)

    def request_body(self) -> dict[str, Any]:
        return {"data": {"type": "notebooks", "attributes": self.notebook}}


def notebook_of(value: Any) -> dict[str, Any]:
    """A notebook's attributes from JSON text (or a dict already parsed); ValueError if neither.
    (Not `dashboards.render.parse`, which reads a document file and names it in its error.)"""
    document = json.loads(value) if isinstance(value, str) else value
    if not isinstance(document, Mapping):
        raise ValueError(f"a notebook is a JSON object, not {type(document).__name__}")
    return dict(document)


def state_text(document: Mapping[str, Any]) -> str:
    """Compact deterministic JSON: same notebook, same bytes (what the state holds; a file
    holds `dashboards.render.render`'s indented text)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def declared_form(document: Mapping[str, Any], like: Mapping[str, Any] | None = None) -> dict:
    """`document` (Datadog's attributes, or a declared notebook) with only what a program can
    declare: `DECLARED_KEYS` (and of those only the ones `like` declares, when given) and each
    cell's type and `CELL_KEYS` attributes, cell ids and server fields dropped."""
    keys = [k for k in DECLARED_KEYS if like is None or k in like]
    form: dict[str, Any] = {k: document[k] for k in keys if k in document}
    if isinstance(form.get("cells"), list):
        form["cells"] = [_declared_cell(cell) for cell in form["cells"]]
    return form


def _declared_cell(cell: Any) -> Any:
    if not isinstance(cell, Mapping):
        return cell
    attributes = cell.get("attributes")
    if isinstance(attributes, Mapping):
        attributes = {k: attributes[k] for k in CELL_KEYS if attributes.get(k) is not None}
    return {"attributes": attributes, "type": cell.get("type", "notebook_cells")}


# -- check -----------------------------------------------------------------------------------
def check_inputs(
    news: Mapping[str, Any], known_orgs: frozenset[str] | None
) -> tuple[dict[str, Any], list[InputProblem]]:
    """Validate and normalize without any API call: the notebook's shape and every cross-org
    query's rules (one org per query, a UUID, a data source a connection can share)."""
    problems: list[InputProblem] = []
    inputs: dict[str, Any] = {}
    raw = news.get("notebook")
    if is_unknown(raw):
        inputs["notebook"] = raw
    else:
        try:
            document = declared_form(notebook_of(raw))
        except (TypeError, ValueError) as exc:
            problems.append(
                InputProblem(
                    "notebook",
                    f"notebook is not a notebook's JSON ({exc}); give the attributes "
                    "`Notebook(...).to_dict()` makes, or `crossorg notebooks export` writes",
                )
            )
        else:
            found = _shape_problems(document) or [
                f"{p}; fix the query, then preview again" for p in check_notebook(document)
            ]
            problems += [InputProblem("notebook", f"notebook: {text}") for text in found]
            inputs["notebook"] = state_text(document)
    check_org(news.get("org"), known_orgs, inputs, problems)
    return inputs, problems


def _shape_problems(document: Mapping[str, Any]) -> list[str]:
    """What Datadog would refuse with a 400, said before anything is sent."""
    problems: list[str] = []
    name = document.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= NAME_MAX:
        problems.append(f"name {name!r} must be a string of 1 to {NAME_MAX} characters")
    cells = document.get("cells")
    if not isinstance(cells, list) or not cells:
        problems.append("cells must be a non-empty list of cells ({type, attributes})")
        return problems
    for index, cell in enumerate(cells):
        definition = (
            (cell.get("attributes") or {}).get("definition") if isinstance(cell, Mapping) else None
        )
        if not isinstance(definition, Mapping) or not definition.get("type"):
            problems.append(f"cells[{index}] has no attributes.definition with a type")
    return problems


# -- diff ------------------------------------------------------------------------------------
def decide_diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffDecision:
    """Compare old OUTPUTS (the notebook as Datadog last said) with checked new inputs. Another
    key pair's org is another notebook: create the new one, then delete the old."""
    changed = changed_inputs(INPUT_NAMES, olds, news, {"notebook": _comparable})
    return decide(changed, REPLACE_ON, lambda _replaces: False)


def _comparable(value: Any) -> Any:
    """A notebook as compared by the diff: its declared form (unset: None; not JSON: as is)."""
    if not value:
        return None
    found = _stored(value)
    return value if found is None else declared_form(found)


def _stored(value: Any) -> dict[str, Any] | None:
    """A notebook as the state holds it (JSON text), parsed; None when unset or not a notebook."""
    try:
        return notebook_of(value) if value else None
    except (TypeError, ValueError):
        return None


# -- operations over the client ----------------------------------------------------------------
def create(client: DatadogClient, spec: NotebookSpec) -> dict[str, Any]:
    """One POST; the outputs, the notebook as Datadog stored it."""
    try:
        made = client.create_notebook(spec.request_body())
    except DatadogError as exc:
        raise _explain("create", spec.notebook.get("name"), spec.org, exc) from None
    return outputs(made, spec.org, spec.notebook)


def read(
    client: DatadogClient, notebook_id: str, org: str | None, stored: Any
) -> dict[str, Any] | None:
    """One GET: the outputs as Datadog has the notebook now, or None when it is gone. `stored`
    is the `notebook` the state holds: what it declares is what is compared."""
    try:
        found = client.get_notebook(int(notebook_id))
    except NotFound:
        return None
    except ValueError:
        return None  # not a notebook id at all: nothing to read
    except DatadogError as exc:
        raise _explain("read", notebook_id, org, exc) from None
    return outputs(found, org, _stored(stored))


def update(client: DatadogClient, notebook_id: str, spec: NotebookSpec) -> dict[str, Any]:
    """One PUT replacing the notebook with the declared one."""
    try:
        made = client.update_notebook(int(notebook_id), spec.request_body())
    except NotFound:
        raise NotebookError(
            f"notebook {notebook_id} no longer exists in Datadog (deleted out of band); run "
            "`pulumi refresh`, then `pulumi up` to create it again"
        ) from None
    except DatadogError as exc:
        raise _explain("update", notebook_id, spec.org, exc) from None
    return outputs(made, spec.org, spec.notebook)


def delete(client: DatadogClient, notebook_id: str, org: str | None = None) -> bool:
    """One DELETE; False when the notebook was already gone."""
    try:
        client.delete_notebook(int(notebook_id))
    except NotFound:
        return False
    except DatadogError as exc:
        raise _explain("delete", notebook_id, org, exc) from None
    return True


def outputs(
    found: Mapping[str, Any], org: str | None, declared: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The resource's outputs from Datadog's notebook (`data`: id, attributes)."""
    attributes = found.get("attributes") or {}
    author = attributes.get("author") or {}
    values = {
        "notebook_id": str(found["id"]),
        "notebook": state_text(declared_form(attributes, declared)),
        "name": attributes.get("name"),
        "url": f"/notebook/{found['id']}",
        "author_handle": author.get("handle"),
        "created": attributes.get("created"),
        "modified": attributes.get("modified"),
        "org": org,
    }
    return CROSS_ORG_NOTEBOOK.outputs_from(values.__getitem__)  # a new output fails here


def inputs(outs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that would declare the notebook as Datadog has it (what refresh stores)."""
    return CROSS_ORG_NOTEBOOK.inputs_from(outs)


def _explain(action: str, what: Any, org: str | None, exc: DatadogError) -> NotebookError:
    via = f"key pair {org!r}" if org else "the default key pair"
    if isinstance(exc, Forbidden):
        hint = (
            f"{via} was refused: its application key needs notebooks_write (notebooks_read to read)"
        )
    elif isinstance(exc, Invalid):
        hint = "Datadog refused the notebook: see its message for the cell and field"
    else:
        hint = "see Datadog's message"
    return NotebookError(f"could not {action} notebook {what!r}: {hint}. Datadog: {exc}")


# -- what both adapters call -------------------------------------------------------------------
def _create(process: ProviderProcess, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create: one POST."""
    spec = NotebookSpec.from_inputs(props)
    outs = create(process.client(spec.org), spec)
    return outs["notebook_id"], outs


def _read(process: ProviderProcess, id_: str, props: Mapping[str, Any]) -> Found:
    """Read on refresh: one GET; gone when Datadog has no such notebook."""
    org = key_pair(props)
    outs = read(process.client(org), id_, org, props.get("notebook"))
    if outs is None:
        return GONE
    return id_, outs, inputs(outs)


def _update(
    process: ProviderProcess, id_: str, _olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, Any]:
    """Update: one PUT with the declared notebook."""
    spec = NotebookSpec.from_inputs(news)
    return update(process.client(spec.org), id_, spec)


def _delete(process: ProviderProcess, id_: str, props: Mapping[str, Any]) -> None:
    """Delete: one DELETE; already gone is fine."""
    org = key_pair(props)
    delete(process.client(org), id_, org)


TABLE = ResourceRules(
    CROSS_ORG_NOTEBOOK, check_inputs, decide_diff, _create, _read, _update, _delete
)
