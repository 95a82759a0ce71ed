"""`CrossOrgDashboard`: a checked cross-org dashboard as a Pulumi component resource.

The only module of datadog_crossorg that imports `pulumi_datadog` (its import costs seconds), and
only when a component or provider is built, so `import datadog_crossorg.dashboards` stays cheap.

    fleet = CrossOrgDashboard(
        "fleet",
        Dashboard("Fleet", [Timeseries("CPU", [MetricsQuery("pay", "avg:cpu{*}", source=pay_to_hub)])]),
        connections=[pay_to_hub, search_to_hub],    # the stack's connections into this org
        provider=hub_provider,                      # optional: keys of the dashboard's (sink) org
    )

It creates a `pulumi_datadog.DashboardJson` (or, with `typed=True`, a typed `Dashboard` whose
queries carry `cross_org_uuids` as one string) that `depends_on` the connections it reads and
those it is checked against. The JSON it sends is computed from the connections' outputs after a
check: a query with more than one or a malformed UUID, or reading an org that shares nothing of
the query's data type with the dashboard's org, fails the program with `DashboardInvalid` naming
the widget and the query, and nothing is sent. Where a connection's outputs are not known yet
(its first preview) the JSON is unknown in that preview; a query reading a connection into the
dashboard's org is still checked then against the connection's declared types, and the full
check runs at `up`, before the dashboard is created.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from datadog_crossorg.dashboards import model
from datadog_crossorg.dashboards import typed as typed_args
from datadog_crossorg.dashboards.render import parse, render
from datadog_crossorg.dashboards.validate import (
    DashboardInvalid,
    Link,
    check_connections,
    check_queries,
    json_queries,
)
from datadog_crossorg.tokens import CROSS_ORG_DASHBOARD

if TYPE_CHECKING:
    import pulumi_datadog

TYPE = CROSS_ORG_DASHBOARD


class CrossOrgDashboard(pulumi.ComponentResource):
    """A dashboard in the sink org whose queries read other orgs through org connections.

    `dashboard`: a model `Dashboard`, a dashboard document (dict) or its JSON text.
    `connections`: OrgConnection resources to check the queries against and depend on (those a
    model dashboard's queries read are added); None with no connection read skips that check.
    `sink_org_id`: the dashboard's org (whose keys create it); default: the sink of the first
    connection a query reads. `provider`: a `pulumi_datadog.Provider` with that org's keys.
    Outputs: `dashboard_id`, `url`, `json` (the checked document sent), `sink_org_id`.
    """

    dashboard_id: pulumi.Output[str]
    url: pulumi.Output[str]
    json: pulumi.Output[str]
    sink_org_id: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        dashboard: model.Dashboard | Mapping[str, Any] | str,
        *,
        connections: Sequence[Any] | None = None,
        sink_org_id: pulumi.Input[str] | None = None,
        provider: pulumi_datadog.Provider | None = None,
        typed: bool = False,
        dashboard_lists: pulumi.Input[Sequence[int]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, resource_name, None, opts)
        source = _as_source(dashboard, resource_name)
        is_model = isinstance(source, model.Dashboard)
        sources = source.sources() if is_model else []
        read = [s for s in sources if model.is_org_connection(s)]
        depends = _unique([*read, *(connections or ())])
        if sink_org_id is None and read:
            sink_org_id = read[0].sink_org_id
        uuids = pulumi.Output.all(*[_uuid_output(s) for s in sources])
        document = (
            uuids.apply(lambda v: source.to_dict(_uuid_of(sources, v))) if is_model else source
        )
        against = connections is not None or bool(read)
        checked = pulumi.Output.all(document, _links(depends), sink_org_id).apply(
            lambda a: _checked(resource_name, a[0], a[1] if against else None, a[2])
        )
        if is_model and read and pulumi.runtime.is_dry_run():
            early = _preview_check(resource_name, source, read, sink_org_id, uuids)
            checked = pulumi.Output.all(checked, early).apply(lambda a: a[0])
        self.json = checked.apply(render)
        child = pulumi.ResourceOptions(parent=self, depends_on=depends, provider=provider)
        if typed:
            if not is_model or source.template_variables:
                raise TypeError(
                    f"{resource_name}: typed=True needs a model Dashboard without "
                    "template_variables (use the JSON form for those)"
                )
            widgets = pulumi.Output.all(checked, uuids).apply(
                lambda a: typed_args.typed_widgets(source, _uuid_of(sources, a[1]))
            )
            self.resource = _typed_dashboard(resource_name, source, widgets, child)
        else:
            self.resource = _datadog().DashboardJson(
                resource_name, dashboard=self.json, dashboard_lists=dashboard_lists, opts=child
            )
        self.dashboard_id = self.resource.id
        self.url = self.resource.url
        self.sink_org_id = pulumi.Output.from_input(sink_org_id)
        self.register_outputs(
            {"dashboard_id": self.dashboard_id, "url": self.url, "sink_org_id": self.sink_org_id}
        )


def key_pair_provider(
    resource_name: str, org: str, opts: pulumi.ResourceOptions | None = None
) -> pulumi_datadog.Provider:
    """A `pulumi_datadog.Provider` with the keys of `datadog-crossorg:orgs.<org>` (secrets)."""
    orgs = pulumi.Config("datadog-crossorg").require_secret_object("orgs")

    def field(name: str) -> pulumi.Output[Any]:
        def pick(pairs: Any) -> Any:
            if not isinstance(pairs, Mapping) or org not in pairs:
                raise KeyError(f"datadog-crossorg:orgs has no key pair {org!r}")
            return pairs[org].get(name)

        return orgs.apply(pick)

    return _datadog().Provider(
        resource_name,
        api_key=field("apiKey"),
        app_key=field("appKey"),
        api_url=field("apiUrl"),
        opts=opts,
    )


# -- helpers ---------------------------------------------------------------------------------
def _datadog() -> Any:
    import pulumi_datadog

    return pulumi_datadog


def _as_source(dashboard: Any, name: str) -> model.Dashboard | dict[str, Any]:
    """The dashboard as a model or a document; query rules that need no Output run right away."""
    if isinstance(dashboard, str):
        dashboard = parse(dashboard, f"dashboard {name!r}")
    if isinstance(dashboard, model.Dashboard):
        if dashboard.sources():
            return dashboard  # checked once the sources resolve
        document = dashboard.to_dict()
    elif isinstance(dashboard, Mapping):
        document = dict(dashboard)
    else:
        raise TypeError(f"{name}: dashboard must be a Dashboard, a dict or JSON text")
    problems = check_queries(json_queries(document))
    if problems:
        raise DashboardInvalid(f'"{name}"', problems)
    return dashboard if isinstance(dashboard, model.Dashboard) else document


def _uuid_output(source: Any) -> Any:
    return source.source_org_id if model.is_org_connection(source) else source


def _uuid_of(sources: list[Any], values: list[Any]) -> model.UuidOf:
    by_id = {id(s): v for s, v in zip(sources, values, strict=True)}
    return lambda s: s if isinstance(s, str) else by_id[id(s)]


def _links(connections: Sequence[Any]) -> Any:
    """Output of the connections as `Link`s (named by resource name for messages)."""

    def link(connection: Any) -> Any:
        name = getattr(connection, "_name", None)
        fields = (connection.source_org_id, connection.sink_org_id, connection.connection_types)
        return pulumi.Output.all(*fields).apply(lambda v: Link.of(v[0], v[1], v[2], name))

    return pulumi.Output.all(*[link(c) for c in connections])


def _preview_check(
    name: str,
    dashboard: model.Dashboard,
    read: list[Any],
    sink: Any,
    uuids: pulumi.Output[Any],
) -> pulumi.Output[None]:
    """At a preview where the source UUIDs are unknown (the connections are not created yet):
    each query reading an OrgConnection into the dashboard's org is checked against that
    connection's declared sink and types, which are known. That connection is the only one
    that can serve the query (Datadog allows one connection per source and sink); a query
    reading one into another org waits for `up`."""

    async def check() -> None:
        if await uuids.is_known():
            return  # the full check runs on the real UUIDs
        sink_id = await pulumi.Output.from_input(sink).future()
        fields = [await pulumi.Output.all(c.sink_org_id, c.connection_types).future() for c in read]
        # A stand-in UUID per judged connection for its unknown source org.
        judged = {
            id(c): (str(uuid.uuid4()), c._name, f)
            for c, f in zip(read, fields, strict=True)
            if f is not None and isinstance(sink_id, str) and f[0] == sink_id
        }
        links = [Link.of(stand_in, f[0], f[1], conn) for stand_in, conn, f in judged.values()]
        document = dashboard.to_dict(
            lambda s: judged[id(s)][0] if id(s) in judged else s if isinstance(s, str) else ""
        )
        stand_ins = {stand_in: f"<source of {conn}>" for stand_in, conn, _ in judged.values()}
        queries = [q for q in json_queries(document) if q.source_org_id in stand_ins]
        problems = [
            dataclasses.replace(p, message=_relabel(p.message, stand_ins))
            for p in check_connections(queries, links, sink_id)
        ]
        if problems:
            raise DashboardInvalid(f'"{name}"', problems)

    return pulumi.Output.from_input(check())


def _relabel(text: str, labels: Mapping[str, str]) -> str:
    for stand_in, label in labels.items():
        text = text.replace(stand_in, label)
    return text


def _checked(
    name: str, document: dict[str, Any], links: list[Link] | None, sink: Any
) -> dict[str, Any]:
    """The document, if it passes every rule (connections too when `links` is not None)."""
    queries = json_queries(document)
    problems = check_queries(queries)
    if links is not None:
        problems += check_connections(queries, links, sink if isinstance(sink, str) else None)
    if problems:
        raise DashboardInvalid(f'"{name}"', problems)
    return document


def _unique(resources: Sequence[Any]) -> list[Any]:
    return list({id(r): r for r in resources}.values())


def _typed_dashboard(
    name: str,
    dashboard: model.Dashboard,
    widgets: pulumi.Output[list[dict[str, Any]]],
    opts: pulumi.ResourceOptions,
) -> Any:
    """A typed `pulumi_datadog.Dashboard` with the same queries (`cross_org_uuids` one string)."""
    return _datadog().Dashboard(
        name,
        title=dashboard.title,
        layout_type=dashboard.layout_type,
        description=dashboard.description,
        notify_lists=sorted(dashboard.notify_list) or None,
        tags=list(dashboard.tags) or None,
        widgets=widgets,
        opts=opts,
    )
