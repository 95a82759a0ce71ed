"""Which key pair a call uses: stack config first, then the environment; keys never shown."""

from __future__ import annotations

import json

import pytest

from datadog_crossorg.config.credentials import CredentialsError, KeyRing

CANARY_API = "canary-api-key-1234567890"
CANARY_APP = "canary-app-key-0987654321"


def test_stack_config_wins_over_environment() -> None:
    config = {
        "datadog:apiKey": "cfg-api",
        "datadog:appKey": "cfg-app",
        "datadog:apiUrl": "datadoghq.eu",
    }
    env = {
        "DATADOG_API_KEY": "env-api",
        "DATADOG_APP_KEY": "env-app",
        "DD_SITE": "us3.datadoghq.com",
    }
    creds = KeyRing.from_config(config.get, env).resolve(None)
    assert (creds.api_key, creds.app_key, creds.site) == ("cfg-api", "cfg-app", "datadoghq.eu")


def test_environment_fills_in_with_datadog_then_dd_names() -> None:
    env = {"DD_API_KEY": "dd-api", "DATADOG_APP_KEY": "dg-app", "DD_APP_KEY": "dd-app"}
    creds = KeyRing.from_environment(env).resolve(None)
    assert (creds.api_key, creds.app_key, creds.site) == ("dd-api", "dg-app", "datadoghq.com")


def test_named_pairs_come_from_the_structured_secret_config_as_json() -> None:
    orgs = {
        "payments": {"apiKey": CANARY_API, "appKey": CANARY_APP, "apiUrl": "http://127.0.0.1:1"}
    }
    ring = KeyRing.from_config({"datadog-crossorg:orgs": json.dumps(orgs)}.get, {})
    creds = ring.resolve("payments")
    assert ring.names == frozenset({"payments"})
    assert (creds.api_key, creds.site) == (CANARY_API, "http://127.0.0.1:1")
    assert CANARY_API not in repr(creds) and CANARY_APP not in repr(creds)


def test_missing_default_keys_say_how_to_set_them() -> None:
    with pytest.raises(
        CredentialsError, match=r"default key pair has no apiKey or appKey.*--secret"
    ):
        KeyRing.from_environment({}).resolve(None)


def test_unknown_org_names_the_configured_ones_and_the_fix() -> None:
    ring = KeyRing.from_config(
        {"datadog-crossorg:orgs": {"a": {"apiKey": "x", "appKey": "y"}}}.get, {}
    )
    with pytest.raises(CredentialsError, match=r"'b' names no key pair.*\(a\).*pulumi config set"):
        ring.resolve("b")


def test_malformed_orgs_config_is_named_without_echoing_it() -> None:
    with pytest.raises(CredentialsError, match="not valid JSON") as info:
        KeyRing.from_config({"datadog-crossorg:orgs": "{" + CANARY_API}.get, {})
    assert CANARY_API not in str(info.value)


def test_client_limits_come_from_stack_config_and_bad_ones_are_named() -> None:
    from datadog_crossorg.config.settings import ProviderSettings, SettingsError

    def options(config: dict[str, str]) -> dict[str, float]:
        return dict(ProviderSettings.from_stack_config(config.get).client_options)

    config = {"datadog-crossorg:requestTimeout": "2.5", "datadog-crossorg:requestDeadline": "9"}
    assert options(config) == {"read_timeout": 2.5, "deadline": 9.0}
    assert options({}) == {}
    with pytest.raises(SettingsError, match=r"requestDeadline '-1' must be a positive number"):
        options({"datadog-crossorg:requestDeadline": "-1"})


# -- where a named pair without its own apiUrl goes (both ends of a connection share one site) --
PAIR = {"apiKey": "named-api-key", "appKey": "named-app-key"}
SITE_ENV = ("DATADOG_HOST", "DD_SITE")


def _base_url_of(settings, org: str | None) -> str:
    """Where the provider process's client for `org` sends its calls (no call is made)."""
    from datadog_crossorg.process.provider_process import ProviderProcess

    return ProviderProcess(settings).client(org).base_url


@pytest.mark.parametrize(
    ("stack", "env", "expected"),
    [
        ({"datadog:apiUrl": "datadoghq.eu"}, {"DD_SITE": "us3.datadoghq.com"}, "datadoghq.eu"),
        ({}, {"DATADOG_HOST": "https://api.us5.datadoghq.com"}, "https://api.us5.datadoghq.com"),
        ({}, {"DD_SITE": "ap1.datadoghq.com"}, "ap1.datadoghq.com"),
        ({}, {}, "datadoghq.com"),
    ],
    ids=["stack-url", "DATADOG_HOST", "DD_SITE", "US1"],
)
def test_named_pair_without_url_uses_the_stacks_then_the_environments_then_us1(
    stack: dict, env: dict, expected: str
) -> None:
    ring = KeyRing.from_config({**stack, "datadog-crossorg:orgs": {"payments": PAIR}}.get, env)
    assert ring.resolve("payments").site == expected


def test_named_pairs_own_url_wins_over_the_stacks() -> None:
    orgs = {"payments": {**PAIR, "apiUrl": "ap2.datadoghq.com"}}
    config = {"datadog:apiUrl": "datadoghq.eu", "datadog-crossorg:orgs": orgs}
    ring = KeyRing.from_config(config.get, {"DD_SITE": "us3.datadoghq.com"})
    assert ring.resolve("payments").site == "ap2.datadoghq.com"


def test_dynamic_provider_calls_a_named_pair_on_the_stacks_site(monkeypatch) -> None:
    from datadog_crossorg.config.settings import ProviderSettings

    for name in SITE_ENV:
        monkeypatch.delenv(name, raising=False)
    config = {"datadog:apiUrl": "datadoghq.eu", "datadog-crossorg:orgs": json.dumps({"p": PAIR})}
    settings = ProviderSettings.from_stack_config(config.get)
    assert _base_url_of(settings, "p") == "https://api.datadoghq.eu"
    monkeypatch.setenv("DD_SITE", "us3.datadoghq.com")
    settings = ProviderSettings.from_stack_config({"datadog-crossorg:orgs": {"p": PAIR}}.get)
    assert _base_url_of(settings, "p") == "https://api.us3.datadoghq.com"


@pytest.mark.parametrize(
    ("api_url", "env", "expected"),
    [
        ("datadoghq.eu", {"DD_SITE": "us3.datadoghq.com"}, "https://api.datadoghq.eu"),
        (None, {"DATADOG_HOST": "us5.datadoghq.com"}, "https://api.us5.datadoghq.com"),
        (None, {}, "https://api.datadoghq.com"),
    ],
    ids=["provider-url", "environment", "US1"],
)
def test_native_provider_url_then_the_environment_then_us1(
    monkeypatch, api_url: str | None, expected: str, env: dict
) -> None:
    """The native plugin has no named pairs: each provider instance is one org, and its own
    `apiUrl` plays the stack's role."""
    from datadog_crossorg.config.settings import ProviderSettings

    for name in SITE_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = {"apiKey": "native-api-key", "appKey": "native-app-key"}
    if api_url:
        config["apiUrl"] = api_url
    settings = ProviderSettings.from_provider_config(config)
    assert _base_url_of(settings, None) == expected
