"""Resource type tokens, spelled once: URNs, state files and the policy pack match on them, so a
re-spelling that drifts breaks them silently. Imports nothing (cheap for every caller)."""

from __future__ import annotations

PACKAGE = "datadog-crossorg"  # the native plugin's package and the components' namespace
DYNAMIC_MODULE = "datadog"  # `module=` of our dynamic resources
ORG_CONNECTION_NAME = "OrgConnection"
CONNECTION_ACCESS_NAME = "ConnectionAccess"
CROSS_ORG_NOTEBOOK_NAME = "CrossOrgNotebook"


def dynamic_token(name: str) -> str:
    """The token pulumi.dynamic gives `class X(Resource, module=DYNAMIC_MODULE, name=name)`."""
    return f"pulumi-python:dynamic/{DYNAMIC_MODULE}:{name}"


def native_token(name: str) -> str:
    """The token of the native plugin's resource `name` (and of our components)."""
    return f"{PACKAGE}:index:{name}"


ORG_CONNECTION = dynamic_token(ORG_CONNECTION_NAME)  # released: URNs embed it
CONNECTION_ACCESS = dynamic_token(CONNECTION_ACCESS_NAME)
CROSS_ORG_NOTEBOOK = dynamic_token(CROSS_ORG_NOTEBOOK_NAME)
NATIVE_ORG_CONNECTION = native_token(ORG_CONNECTION_NAME)
NATIVE_CONNECTION_ACCESS = native_token(CONNECTION_ACCESS_NAME)
ORG_CONNECTIONS = (ORG_CONNECTION, NATIVE_ORG_CONNECTION)  # either adapter's resource
CROSS_ORG_DASHBOARD = native_token("CrossOrgDashboard")
DASHBOARD_JSON = "datadog:index/dashboardJson:DashboardJson"
TYPED_DASHBOARDS = ("datadog:index/dashboard:Dashboard", "datadog:index/dashboardV2:DashboardV2")
