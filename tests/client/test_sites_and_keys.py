"""Where keys may go, and which keys are refused before anything is sent."""

from __future__ import annotations

import pytest

from datadog_crossorg.client import SITES, DatadogClient, resolve_base_url

CANARY = "canary-key-7f3e9a"


@pytest.mark.parametrize("site", SITES)
def test_every_site_name_resolves_to_its_https_api_host(site: str) -> None:
    assert resolve_base_url(site) == f"https://api.{site}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("api.datadoghq.eu", "https://api.datadoghq.eu"),
        (" US3.datadoghq.com ", "https://api.us3.datadoghq.com"),
        ("https://api.datadoghq.com/", "https://api.datadoghq.com"),
        ("https://dd-proxy.example.com:8443/datadog/", "https://dd-proxy.example.com:8443/datadog"),
        ("http://127.0.0.1:8126", "http://127.0.0.1:8126"),
        ("http://127.1.2.3:80/", "http://127.1.2.3:80"),
        ("http://localhost:9000", "http://localhost:9000"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_site_forms_resolve_to_one_base_url(given: str, expected: str) -> None:
    assert resolve_base_url(given) == expected


@pytest.mark.parametrize(
    "url", ["http://api.datadoghq.com", "http://10.0.0.5:8080", "http://localhost.example.com"]
)
def test_plain_http_to_a_non_loopback_host_is_refused_with_the_https_fix(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        resolve_base_url(url)
    message = str(caught.value)
    assert url in message
    assert "https://" + url.removeprefix("http://") in message


@pytest.mark.parametrize(
    "value", ["datadoghq.co", "app.datadoghq.com", "localhost:8080", "ftp://api.datadoghq.com"]
)
def test_unknown_sites_and_schemes_are_refused_naming_the_value(value: str) -> None:
    with pytest.raises(ValueError, match=value.replace(".", r"\.")):
        resolve_base_url(value)


def test_client_refuses_plain_http_before_sending_anything() -> None:
    with pytest.raises(ValueError, match="refusing plain http"):
        DatadogClient("api-key-123456", "app-key-123456", "http://example.com")


@pytest.mark.parametrize(
    ("api_key", "app_key", "named"),
    [
        (CANARY + "\r\nX-Injected: 1", "app-key-123456", "api_key"),
        ("api-key-123456", CANARY + "\n", "app_key"),
        ("api-key-123456", CANARY + "\x00", "app_key"),
        (CANARY + " ", "app-key-123456", "api_key"),
        ("", "app-key-123456", "api_key"),
        ("api-key-123456", "", "app_key"),
    ],
)
def test_bad_keys_are_refused_naming_which_key_without_echoing_it(
    api_key: str, app_key: str, named: str
) -> None:
    with pytest.raises(ValueError) as caught:
        DatadogClient(api_key, app_key, "http://127.0.0.1:1")
    assert str(caught.value).startswith(named)
    assert CANARY not in str(caught.value)
    assert CANARY not in repr(caught.value)


def test_repr_shows_where_the_client_points_but_never_its_keys() -> None:
    client = DatadogClient(CANARY + "-api", CANARY + "-app", "datadoghq.eu")
    assert repr(client) == "DatadogClient(base_url='https://api.datadoghq.eu')"
    client.close()


@pytest.mark.parametrize("option", ["connect_timeout", "read_timeout", "deadline", "pool_size"])
def test_non_positive_timeouts_deadline_and_pool_are_refused(option: str) -> None:
    with pytest.raises(ValueError, match=option):
        DatadogClient("api-key-123456", "app-key-123456", "datadoghq.com", **{option: 0})
