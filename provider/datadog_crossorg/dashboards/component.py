"""`CrossOrgDashboard`: a checked cross-org dashboard as a Pulumi component resource.

The only module of datadog_crossorg that imports `pulumi_datadog` (its import costs seconds), and
only when a component or provider is built, so `import datadog_crossorg.dashboards` stays cheap.

    fleet = CrossOrgDashboard(
        "fleet",
        Dashboard(
            "Fleet", [Timeseries("CPU", [MetricsQuery("pay", "avg:cpu{*}", source=pay_to_hub)])]
        ),
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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from datadog_crossorg.client.sites import resolve_base_url
from datadog_crossorg.config import keys
from datadog_crossorg.config.credentials import DEFAULT_SITE, Credentials, KeyRing
from datadog_crossorg.dashboards import model
from datadog_crossorg.dashboards import typed as typed_args
from datadog_crossorg.dashboards.render import parse, render
from datadog_crossorg.dashboards.resolve import resolve_checked, uuid_of, uuid_output
from datadog_crossorg.resources.tokens import CROSS_ORG_DASHBOARD
from datadog_crossorg.rules.queries import DashboardInvalid, json_queries

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
        resolved = resolve_checked(
            resource_name,
            source,
            queries_of=json_queries,
            invalid=DashboardInvalid,
            connections=connections,
            org_id=sink_org_id,
        )
        checked, depends, sink_org_id = resolved.document, resolved.depends_on, resolved.org_id
        self.json = checked.apply(render)
        child = pulumi.ResourceOptions(parent=self, depends_on=depends, provider=provider)
        if typed:
            typed_args.require_typed(resource_name, source)
            assert isinstance(source, model.Dashboard)
            sources = source.sources()
            uuids = pulumi.Output.all(*[uuid_output(s) for s in sources])
            widgets = pulumi.Output.all(checked, uuids).apply(
                lambda a: typed_args.typed_widgets(source, uuid_of(sources, a[1]))
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
    """A `pulumi_datadog.Provider` with the keys of `datadog-crossorg:orgs.<org>` (secrets), read
    as the key ring reads them (`apiUrl` or `site`); a pair naming no site leaves the URL to
    pulumi_datadog's own default."""
    orgs = pulumi.Config(keys.NAMESPACE).require_secret_object(keys.in_namespace(keys.ORGS))
    pair = orgs.apply(lambda value: KeyRing.from_values(orgs=value, env={}).resolve(org))

    def api_url(creds: Credentials) -> str | None:
        return None if creds.site == DEFAULT_SITE else resolve_base_url(creds.site)

    return _datadog().Provider(
        resource_name,
        api_key=pair.apply(lambda creds: creds.api_key),
        app_key=pair.apply(lambda creds: creds.app_key),
        api_url=pair.apply(api_url),
        opts=opts,
    )


# -- helpers ---------------------------------------------------------------------------------
def _datadog() -> Any:
    import pulumi_datadog

    return pulumi_datadog


def _as_source(dashboard: Any, name: str) -> model.Dashboard | dict[str, Any]:
    """The dashboard as a model or a document (JSON text parsed)."""
    if isinstance(dashboard, str):
        dashboard = parse(dashboard, f"dashboard {name!r}")
    if isinstance(dashboard, model.Dashboard):
        return dashboard
    if isinstance(dashboard, Mapping):
        return dict(dashboard)
    raise TypeError(f"{name}: dashboard must be a Dashboard, a dict or JSON text")


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
