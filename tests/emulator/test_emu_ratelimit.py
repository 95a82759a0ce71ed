"""Rate limits: the window arithmetic (fake clock) and the headers and 429s on the wire."""

from __future__ import annotations

import pytest
import requests
from emu_wire import CONNECTIONS, DASHBOARDS, Api, connection_body

from datadog_crossorg.emulator import Emulator, RateLimit, load_seed
from datadog_crossorg.emulator.ratelimit import RateLimiter, parse_limit_option

HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Period",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Name",
)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_windows_are_calendar_aligned_and_reset_counts_whole_seconds():
    clock = Clock(1005.2)  # 5.2 s into the 10 s window starting at 1000
    limiter = RateLimiter({"org_connections": RateLimit(2, 10)}, clock=clock)
    first = limiter.hit("org-a", "org_connections")
    assert first.allowed
    assert first.headers == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Period": "10",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Reset": "5",
        "X-RateLimit-Name": "org_connections",
    }
    clock.now = 1009.99
    assert limiter.hit("org-a", "org_connections").headers["X-RateLimit-Reset"] == "1"


def test_past_the_limit_requests_are_refused_until_the_next_window():
    clock = Clock(2000.0)
    limiter = RateLimiter({"dashboards": RateLimit(1, 60)}, clock=clock)
    assert limiter.hit("org-a", "dashboards").allowed
    refused = limiter.hit("org-a", "dashboards")
    assert not refused.allowed and refused.headers["X-RateLimit-Remaining"] == "0"
    clock.now = 2060.0
    assert limiter.hit("org-a", "dashboards").allowed


def test_limits_count_per_org_and_per_group_and_unconfigured_groups_are_unlimited():
    limiter = RateLimiter({"org": RateLimit(1, 10)}, clock=Clock(0.0))
    assert limiter.hit("org-a", "org").allowed
    assert limiter.hit("org-b", "org").allowed
    assert not limiter.hit("org-a", "org").allowed
    unlimited = [limiter.hit("org-a", "validate") for _ in range(50)]
    assert all(v.allowed and v.headers == {} for v in unlimited)


def test_reset_restores_the_initial_limits_and_forgets_counts():
    limiter = RateLimiter({"org": RateLimit(1, 10)}, clock=Clock(0.0))
    limiter.hit("org-a", "org")
    limiter.configure("validate", RateLimit(5, 1))
    limiter.reset()
    assert limiter.limits == {"org": RateLimit(1, 10)}
    assert limiter.hit("org-a", "org").allowed


@pytest.mark.parametrize("text", ["org_connections=100", "nope=1/1", "org=a/b", "org=1/0"])
def test_a_malformed_limit_option_is_refused(text: str):
    with pytest.raises(ValueError):
        parse_limit_option(text)


def test_a_limit_option_parses_name_limit_and_period():
    assert parse_limit_option("org_connections=100/10") == ("org_connections", RateLimit(100, 10))


# -- wire --------------------------------------------------------------------------------------
def test_every_response_of_a_limited_group_carries_the_headers_and_429_past_the_limit(
    datadog_emulator: Emulator, api
):
    # given two connection calls per minute for each org
    datadog_emulator.set_rate_limit("org_connections", limit=2, period=60)
    payments = api("payments")
    body = connection_body(datadog_emulator.org_uuid("hub"))
    # when payments lists, then creates twice
    listed = payments.get(CONNECTIONS)
    failed = payments.post(CONNECTIONS, json=body | {"data": {}})  # a 400 counts too
    refused = payments.post(CONNECTIONS, json=body)
    # then every answer carries the headers, and the third is a 429 that changed nothing
    assert [r.status_code for r in (listed, failed, refused)] == [200, 400, 429]
    assert all(h in r.headers for r in (listed, failed, refused) for h in HEADERS)
    assert [r.headers["X-RateLimit-Remaining"] for r in (listed, failed, refused)] == [
        "1",
        "0",
        "0",
    ]
    assert refused.json() == {"errors": ["Too many requests"]}
    assert 1 <= int(refused.headers["X-RateLimit-Reset"]) <= 60
    assert refused.headers["X-RateLimit-Name"] == "org_connections"
    assert datadog_emulator.connections() == []
    # and another org, and another group of the same org, are not affected
    assert api("search").get(CONNECTIONS).status_code == 200
    dashboards = payments.get(DASHBOARDS)
    assert dashboards.status_code == 200 and "X-RateLimit-Limit" not in dashboards.headers


def test_limits_come_from_the_seed_and_the_constructor(datadog_emulator_factory):
    seed = load_seed()
    seed["rate_limits"] = {"org": {"limit": 7, "period": 30}}
    emu = datadog_emulator_factory(seed=seed, rate_limits={"validate": {"limit": 3, "period": 5}})
    hub = Api.as_pair(emu, "hub")
    org = hub.get("/api/v1/org")
    validate = hub.get("/api/v1/validate")
    hub.close()
    assert (org.headers["X-RateLimit-Limit"], org.headers["X-RateLimit-Period"]) == ("7", "30")
    assert (validate.headers["X-RateLimit-Limit"], validate.headers["X-RateLimit-Name"]) == (
        "3",
        "validate",
    )


def test_the_control_endpoint_sets_a_limit(datadog_emulator: Emulator, api):
    answer = requests.put(
        f"{datadog_emulator.url}/_emulator/rate_limits",
        json={"dashboards": {"limit": 1, "period": 10}},
        timeout=5,
    )
    assert answer.json() == {"rate_limits": {"dashboards": {"limit": 1, "period": 10}}}
    hub = api("hub")
    assert [hub.get(DASHBOARDS).status_code for _ in range(2)] == [200, 429]


def test_requests_with_bad_keys_are_not_counted(datadog_emulator: Emulator, api):
    datadog_emulator.set_rate_limit("org_connections", limit=1, period=60)
    stranger = Api(datadog_emulator, {"DD-API-KEY": "emu-hub-api-key", "DD-APPLICATION-KEY": "x"})
    assert stranger.get(CONNECTIONS).status_code == 403
    stranger.close()
    assert api("hub").get(CONNECTIONS).status_code == 200
