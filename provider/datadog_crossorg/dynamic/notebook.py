"""`CrossOrgNotebook`: a checked cross-org notebook as a Pulumi dynamic resource.

Its schema is `resources.notebook.CROSS_ORG_NOTEBOOK`; every rule is in `rules.notebooks`. The
program side resolves the notebook's sources and checks its queries against the stack's
connections before anything is sent (`dashboards.resolve`, as `CrossOrgDashboard` does); the
provider checks the queries again at preview (Check) and makes one API call per operation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from datadog_crossorg.dashboards.resolve import Document, resolve_checked
from datadog_crossorg.dynamic.provider_base import (
    DeclaredResource,
    StatelessProvider,
    check_result,
    diff_result,
)
from datadog_crossorg.resources.notebook import CROSS_ORG_NOTEBOOK
from datadog_crossorg.rules import notebooks
from datadog_crossorg.rules.queries import NotebookInvalid, notebook_queries


class CrossOrgNotebookProvider(StatelessProvider):
    """CRUD for notebooks over `/api/v1/notebooks`, one API call per operation.

    The instance pickles to nothing; methods may run on several threads at once.
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Engine: Check, at preview and up; no API call. Problems name the cell and query."""
        return check_result(*notebooks.check_inputs(news, self.process().known_orgs))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Engine: Diff with OLD OUTPUTS (refresh's drift shows); no API call."""
        return diff_result(notebooks.decide_diff(olds, news))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Engine: Create: one POST."""
        spec = notebooks.NotebookSpec.from_inputs(props)
        outs = notebooks.create(self.process().client(spec.org), spec)
        return CreateResult(outs["notebook_id"], outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Engine: Read on refresh: one GET; gone when Datadog has no such notebook."""
        org = props.get("org") or None
        outs = notebooks.read(self.process().client(org), id_, org, props.get("notebook"))
        if outs is None:
            return ReadResult("", {})
        return ReadResult(id_, outs, notebooks.inputs(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Engine: Update with OLD OUTPUTS: one PUT with the declared notebook."""
        spec = notebooks.NotebookSpec.from_inputs(news)
        return UpdateResult(notebooks.update(self.process().client(spec.org), id_, spec))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Engine: Delete: one DELETE; already gone is fine."""
        org = props.get("org") or None
        notebooks.delete(self.process().client(org), id_, org)


class CrossOrgNotebook(
    DeclaredResource, declaration=CROSS_ORG_NOTEBOOK, provider=CrossOrgNotebookProvider
):
    """A notebook in an org (the key pair `org`, or the default one) whose cells read others.

        CrossOrgNotebook("ci-health", Notebook("CI health", [Cell(failed_pipelines)]),
                         connections=[payments_to_hub], org="hub")

    `notebook`: a `Notebook`, its attributes (dict) or their JSON text. `connections`: the
    OrgConnection resources to check the queries against and depend on (those the queries
    read are added); `sink_org_id`: the notebook's org, for that check (default: the sink of the
    first connection a query reads). A query breaking a rule fails the program with
    `NotebookInvalid` naming the cell and the query, and nothing is sent.
    """

    def __init__(
        self,
        resource_name: str,
        notebook: Document | Mapping[str, Any] | str | None = None,
        org: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        connections: Sequence[Any] | None = None,
        sink_org_id: pulumi.Input[str] | None = None,
        args: Any = None,
    ) -> None:
        if args is not None:
            notebook, org = args.notebook, args.org
        if isinstance(notebook, str):
            notebook = notebooks.parse(notebook)
        if notebook is None:
            raise TypeError(f"{resource_name}: CrossOrgNotebook needs a notebook")
        resolved = resolve_checked(
            resource_name,
            notebook,
            queries_of=notebook_queries,
            invalid=NotebookInvalid,
            connections=connections,
            org_id=sink_org_id,
        )
        text = resolved.document.apply(notebooks.render)
        merged = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=resolved.depends_on)
        )
        super().__init__(resource_name, notebook=text, org=org, opts=merged)


CrossOrgNotebookArgs = CrossOrgNotebook.Args
