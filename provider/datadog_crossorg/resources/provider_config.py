"""The native plugin's provider configuration, declared once (its package schema's `config`)."""

from __future__ import annotations

from datadog_crossorg.resources import tokens
from datadog_crossorg.resources.declaration import Field, ResourceDeclaration

PROVIDER_CONFIG = ResourceDeclaration(
    name=f"providers:{tokens.PACKAGE}",
    description="""One Datadog key pair: the org it belongs to is the SOURCE of every connection
    made through this provider, and the org whose policies its ConnectionAccess resources set.
    Several orgs are several provider instances, each with its own keys.

    Keys not set here are read from the environment of the `pulumi` process at run time, so they
    never enter the state; no key enters resource inputs, outputs, logs or error messages.""",
    fields=(
        Field(
            "api_key",
            str,
            "Datadog API key of the source org. Default: `DATADOG_API_KEY`, then `DD_API_KEY`.",
            output=False,
            secret=True,
        ),
        Field(
            "app_key",
            str,
            """Datadog application key of the source org, with `org_connections_write` (and
            `org_connections_read` for refresh and import). Default: `DATADOG_APP_KEY`, then
            `DD_APP_KEY`.""",
            output=False,
            secret=True,
        ),
        Field(
            "api_url",
            str,
            """Datadog site (`datadoghq.eu`) or API URL (`https://api.datadoghq.eu`). Default:
            `DATADOG_HOST`, then `DD_SITE`, else `datadoghq.com`.""",
            output=False,
        ),
        Field(
            "listing_cache_seconds",
            float,
            """How long one listing of the org's connections may answer reads, so refreshing
            many connections costs one API call; 0 turns sharing off. Default 5.""",
            output=False,
        ),
        Field(
            "request_timeout",
            float,
            "Seconds to wait for each answer from Datadog. Default 30.",
            output=False,
        ),
        Field(
            "request_deadline",
            float,
            "Seconds one call may take, retries included. Default 60.",
            output=False,
        ),
    ),
)
