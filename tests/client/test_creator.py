"""The creator's kind comes from a listing's `included` entry: the real one Terraform recorded,
and the emulator's for a person and a service account."""

from __future__ import annotations

import json

import yaml

from datadog_crossorg.client.api import DatadogClient
from datadog_crossorg.client.records import Connection
from tests.support.paths import RECORDED_API


def recorded_list() -> dict:
    cassette = RECORDED_API / "recorded-terraform" / "TestAccDatadogOrgConnection_Basic.yaml"
    for item in yaml.safe_load(cassette.read_text())["interactions"]:
        body = item["response"]["body"]
        if item["request"]["method"] == "GET" and '"included"' in body:
            return json.loads(body)
    raise AssertionError("no non-empty list in the cassette")


def test_the_recorded_included_user_is_read_as_a_person():
    body = recorded_list()
    conn = Connection.from_api(body["data"][0], body["included"])
    creator = conn.creator
    assert creator is not None
    assert (creator.name, creator.handle, creator.email) == ("frog", "frog@datadoghq.com",
                                                             "frog@datadoghq.com")  # fmt: skip
    assert (creator.service_account, creator.disabled, creator.status) == (False, False, "Active")


def test_no_included_entry_means_no_creator_and_equality_ignores_it():
    body = recorded_list()
    bare = Connection.from_api(body["data"][0])
    assert bare.creator is None
    assert bare == Connection.from_api(body["data"][0], body["included"])


def test_the_emulator_tells_a_service_account_from_a_person(datadog_emulator):
    emu = datadog_emulator
    made = {}
    for pair, sink in (("payments", "hub"), ("payments-sa", "search")):
        keys = emu.keys(pair)
        with DatadogClient(keys.api_key, keys.app_key, emu.url) as client:
            made[pair] = client.create_connection(emu.org_uuid(sink), ["metrics"]).id
    keys = emu.keys("payments")
    with DatadogClient(keys.api_key, keys.app_key, emu.url) as client:
        before = len(emu.requests)
        listed = {c.id: c.creator for c in client.list_connections()}
        assert len(emu.requests) - before == 1  # the kinds cost no extra call
    assert listed[made["payments"]].service_account is False
    assert listed[made["payments"]].label == "Pat Payments (pat@acme.example)"
    assert listed[made["payments-sa"]].service_account is True
