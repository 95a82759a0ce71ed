"""Every stack-config key this package reads, spelled once.

The default key pair sits under Datadog's own keys (`datadog:*`, which pulumi-datadog reads too),
so a stack configures Datadog once; everything of ours is under `datadog-crossorg:*`. The native
plugin's provider receives its configuration under the names of `PROVIDER_CONFIG` instead (its
own namespace, `datadog-crossorg:apiKey` for the default provider): `settings.py` reads both.
"""

from __future__ import annotations

NAMESPACE = "datadog-crossorg"

# The default key pair: Datadog's own keys.
API_KEY = "datadog:apiKey"
APP_KEY = "datadog:appKey"
API_URL = "datadog:apiUrl"

# Ours.
ORGS = f"{NAMESPACE}:orgs"  # key pairs by name: {name: {apiKey, appKey, apiUrl}} (secret)
ORG_UUIDS = f"{NAMESPACE}:orgUuids"  # names for org UUIDs: {name: uuid}
ORG_FACTS = f"{NAMESPACE}:orgFacts"  # plan, site, account, hipaa per org (config/org_facts.py)
CONNECTIONS = f"{NAMESPACE}:connections"  # the stack program's connections
ACCESS = f"{NAMESPACE}:access"  # the stack program's restriction policies
DASHBOARDS = f"{NAMESPACE}:dashboards"  # the stack program's dashboards
NOTEBOOKS = f"{NAMESPACE}:notebooks"  # the stack program's notebooks
LISTING_CACHE_SECONDS = f"{NAMESPACE}:listingCacheSeconds"
REQUEST_TIMEOUT = f"{NAMESPACE}:requestTimeout"
REQUEST_DEADLINE = f"{NAMESPACE}:requestDeadline"

SECRET_KEYS = frozenset({API_KEY, APP_KEY, ORGS})  # set them with `pulumi config set --secret`


def in_namespace(key: str) -> str:
    """`datadog-crossorg:connections` -> `connections`: what `pulumi.Config(NAMESPACE)` takes."""
    namespace, _, name = key.partition(":")
    if namespace != NAMESPACE:
        raise ValueError(f"{key} is not a {NAMESPACE} key")
    return name


def org_key(org: str, field: str) -> str:
    """Where a named key pair's field is set: `datadog-crossorg:orgs.<org>.<field>`."""
    return f"{ORGS}.{org}.{field}"
