"""Provider configuration of the native plugin: CheckConfig, DiffConfig and Configure as the engine
calls them for each provider instance, with the same environment fallbacks as the dynamic
provider's default key pair."""

from __future__ import annotations

import pytest

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.resources.tokens import NATIVE_ORG_CONNECTION
from datadog_crossorg.testing.harness import Engine, ProviderError, ProviderServer
from tests.support.world import plugin_config, plugin_server, provider_config

URN = f"urn:pulumi:test::native::{NATIVE_ORG_CONNECTION}::c"
_KEY_ENV = (
    "DATADOG_API_KEY",
    "DD_API_KEY",
    "DATADOG_APP_KEY",
    "DD_APP_KEY",
    "DATADOG_HOST",
    "DD_SITE",
)


def clean_plugin(**extra: str) -> ProviderServer:
    """A plugin process whose environment holds no Datadog key or site, but `extra`."""
    return plugin_server(env=extra, unset_env=_KEY_ENV)


def inputs(emu: Emulator, sink: str = "hub") -> dict[str, object]:
    return {"sinkOrgId": emu.org_uuid(sink), "connectionTypes": ["logs"]}


def test_check_config_refuses_a_bad_listing_ttl_naming_the_property(
    datadog_emulator: Emulator,
) -> None:
    with plugin_server() as plugin:
        bad = plugin.check_config(
            {}, {**provider_config(datadog_emulator, "payments"), "listingCacheSeconds": -1}
        )
        good = plugin.check_config({}, {"version": "0.1.0", "listingCacheSeconds": 0})

    assert [prop for prop, _ in bad.failures] == ["listingCacheSeconds"]
    assert "must not be negative" in bad.failures[0][1]
    assert good.failures == [] and good.inputs == {"version": "0.1.0", "listingCacheSeconds": 0}


def test_diff_config_treats_a_key_rotation_as_an_update_never_a_replacement(
    datadog_emulator: Emulator,
) -> None:
    old = provider_config(datadog_emulator, "payments")
    rotated = {**old, "apiKey": "a-new-api-key"}

    with plugin_server() as plugin:
        rotation = plugin.diff_config(old, rotated)
        same = plugin.diff_config(old, dict(old))

    assert rotation.changes == "some" and rotation.diffs == ["apiKey"]
    assert rotation.replaces == []
    assert same.changes in {"none", "unknown"}  # unknown: the engine compares equal inputs


def test_configure_takes_no_secrets_back_and_supports_preview(datadog_emulator: Emulator) -> None:
    with plugin_server() as plugin:
        plugin.configure(provider_config(datadog_emulator, "payments"))

        assert plugin.accept_secrets is False  # the engine strips and re-marks secrets for us
        assert plugin.supports_preview is True


def test_keys_missing_from_the_provider_come_from_the_environment(
    datadog_emulator: Emulator,
) -> None:
    emu = datadog_emulator
    keys = emu.keys("payments")
    env = {"DD_API_KEY": keys.api_key, "DATADOG_APP_KEY": keys.app_key, "DATADOG_HOST": emu.url}
    with clean_plugin(**env) as server:
        plugin = Engine(stack="test").add_provider("default", server, {})
        conn_id, outs = plugin.create(URN, plugin.check(URN, {}, inputs(emu)).inputs)

    assert outs["sourceOrgName"] == "Acme Payments" and conn_id
    assert [r.key_pair for r in emu.requests] == ["payments"]


def test_without_any_key_preview_works_and_up_says_how_to_set_keys(
    datadog_emulator: Emulator,
) -> None:
    emu = datadog_emulator
    with clean_plugin() as plugin:
        plugin.configure({})
        checked = plugin.check(URN, {}, inputs(emu))
        planned_id, planned = plugin.create(URN, checked.inputs, preview=True)
        with pytest.raises(ProviderError) as info:
            plugin.create(URN, checked.inputs)

    assert checked.failures == [] and planned_id == ""
    assert planned["sinkOrgId"] == emu.org_uuid("hub")
    assert "no apiKey or appKey" in info.value.message
    assert "DATADOG_API_KEY" in info.value.message
    assert emu.requests == []


def test_a_refused_key_never_appears_in_the_error(datadog_emulator: Emulator) -> None:
    emu = datadog_emulator
    wrong = plugin_config(
        api_key="api-key-that-is-wrong-0042", app_key="app-key-wrong-0042", api_url=emu.url
    )
    with plugin_server() as plugin:
        plugin.configure(wrong)
        with pytest.raises(ProviderError) as info:
            plugin.create(URN, plugin.check(URN, {}, inputs(emu)).inputs)

    assert "could not create org connection" in info.value.message
    assert "0042" not in info.value.message and "0042" not in plugin.stderr_text()
