"""Rate limits: the window arithmetic (fake clock) and the headers and 429s on the wire."""

from __future__ import annotations

import pytest
import requests

from datadog_crossorg.emulator import RATE_LIMIT_GROUPS, Emulator, Fault, RateLimit, load_seed
from datadog_crossorg.emulator.ratelimit import DEFAULT_LIMITS, RateLimiter, parse_limit_option
from tests.emulator.plain_http import (
    CONNECTIONS,
    DASHBOARDS,
    Api,
    connection_body,
    dashboard_body,
    timeseries_body,
)

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


def test_limits_count_per_org_and_per_group():
    limiter = RateLimiter({"org": RateLimit(1, 10)}, clock=Clock(0.0))
    assert limiter.hit("org-a", "org").allowed
    assert limiter.hit("org-b", "org").allowed
    assert not limiter.hit("org-a", "org").allowed
    others = [limiter.hit("org-a", "validate") for _ in range(50)]
    assert all(v.allowed for v in others)


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
    assert dashboards.status_code == 200
    assert dashboards.headers["X-RateLimit-Limit"] == str(DEFAULT_LIMITS["dashboards"].limit)


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


# -- defaults (issue 16, item 14) ---------------------------------------------------------------
def test_every_group_has_a_default_limit_with_headers_and_a_429_past_it():
    limiter = RateLimiter(clock=Clock(3000.5))
    verdicts = {group: limiter.hit("org-a", group) for group in RATE_LIMIT_GROUPS}
    for group, verdict in verdicts.items():
        rule = DEFAULT_LIMITS[group]
        assert verdict.allowed and verdict.headers == {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Period": str(rule.period),
            "X-RateLimit-Remaining": str(rule.limit - 1),
            "X-RateLimit-Reset": "1",
            "X-RateLimit-Name": group,
        }
    rule = DEFAULT_LIMITS["org"]
    answers = [limiter.hit("org-a", "org").allowed for _ in range(rule.limit)]
    assert answers.count(False) == 1 and not answers[-1]
    assert limiter.limits == {}  # nothing configured: the defaults are not configuration


def test_every_answer_of_every_api_group_carries_rate_limit_headers(datadog_emulator, api):
    # given an emulator with no rate limit configured
    hub = api("hub")
    board = hub.post(DASHBOARDS, json=dashboard_body()).json()
    policy = f"/api/v2/restriction_policy/dashboard:{board['id']}"
    query = timeseries_body()
    # when each group answers, with a success or an error
    answers = {
        "org_connections": hub.get(CONNECTIONS),
        "dashboards": hub.get(f"{DASHBOARDS}/nope-nop-nop"),
        "org": hub.get("/api/v1/org"),
        "validate": hub.get("/api/v1/validate"),
        "restriction_policy": hub.get(policy),
        "query_timeseries": hub.post("/api/v2/query/timeseries", json=query),
    }
    # then every answer names its group and carries the whole set of headers
    assert {group: r.status_code for group, r in answers.items()} == {
        "org_connections": 200,
        "dashboards": 404,
        "org": 200,
        "validate": 200,
        "restriction_policy": 200,
        "query_timeseries": 200,
    }
    for group, answer in answers.items():
        assert all(h in answer.headers for h in HEADERS), group
        assert answer.headers["X-RateLimit-Name"] == group
        limit = int(answer.headers["X-RateLimit-Limit"])
        assert 0 <= int(answer.headers["X-RateLimit-Remaining"]) < limit


def test_an_injected_429_of_an_unconfigured_group_says_to_wait_a_second(datadog_emulator, api):
    datadog_emulator.add_fault(Fault("status", method="GET", path=CONNECTIONS, status=429))
    answer = api("hub").get(CONNECTIONS)
    assert answer.status_code == 429
    assert (answer.headers["X-RateLimit-Remaining"], answer.headers["X-RateLimit-Reset"]) == (
        "0",
        "1",
    )
    assert answer.headers["X-RateLimit-Limit"] == str(DEFAULT_LIMITS["org_connections"].limit)
