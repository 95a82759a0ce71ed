"""Bad requests on the wire: each gets Datadog's kind of answer (400, 405, 408, 413) as JSON,
quickly, and none holds the server (issue 16, items 12 and 15)."""

from __future__ import annotations

import http.client
import json
import socket

import pytest

from datadog_crossorg.emulator import Emulator
from tests.emulator.plain_http import (
    CONNECTIONS,
    DASHBOARDS,
    connection_body,
    raw_request,
    timeseries_body,
    with_length,
)

TIMESERIES = "/api/v2/query/timeseries"
QUICK = 3.0  # seconds: every bad request below is answered within this


def _is_json_error(answer, status: int) -> bool:
    return (
        answer.status == status
        and answer.headers.get("content-type", "").startswith("application/json")
        and isinstance(answer.json().get("errors"), list)
        and answer.json()["errors"] != []
    )


def _timeseries(**attributes) -> bytes:
    return json.dumps(timeseries_body(**attributes)).encode()


# -- framing and size (item 12) ------------------------------------------------------------------
def test_a_ten_megabyte_body_is_refused_with_413(datadog_emulator: Emulator):
    body = b"[" * (10 * 1024 * 1024)
    answer = raw_request(datadog_emulator, "POST", DASHBOARDS, headers=with_length(body), body=body)
    assert _is_json_error(answer, 413), answer
    assert answer.seconds < QUICK


def test_a_chunked_body_over_the_limit_is_refused_with_413(datadog_emulator: Emulator):
    chunk = b"[" * (1024 * 1024)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
    headers = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    answer = raw_request(datadog_emulator, "POST", DASHBOARDS, headers=headers, body=chunks)
    assert _is_json_error(answer, 413), answer


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Transfer-Encoding": "chunked"}, b"zz\r\n{}\r\n0\r\n\r\n"),
        ({"Transfer-Encoding": "chunked"}, b"-2\r\n{}\r\n0\r\n\r\n"),
        ({"Content-Length": "abc"}, b"{}"),
        ({"Content-Length": "-5"}, b"{}"),
        ({"Content-Length": "1e3"}, b"{}"),
    ],
    ids=["chunk-size-zz", "chunk-size-negative", "length-abc", "length-negative", "length-1e3"],
)
def test_malformed_framing_is_a_400(datadog_emulator: Emulator, headers, body):
    answer = raw_request(datadog_emulator, "POST", CONNECTIONS, headers=headers, body=body)
    assert _is_json_error(answer, 400), answer
    assert answer.seconds < QUICK


def test_a_body_shorter_than_its_length_times_out_with_408(datadog_emulator_factory):
    emu = datadog_emulator_factory(request_timeout=1.0)
    answer = raw_request(emu, "POST", CONNECTIONS, headers={"Content-Length": "100"}, body=b"{}")
    assert _is_json_error(answer, 408), answer
    assert 0.5 < answer.seconds < QUICK


def test_headers_that_never_end_time_out_with_408(datadog_emulator_factory):
    emu = datadog_emulator_factory(request_timeout=1.0)
    host, port = emu.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=QUICK) as sock:
        sock.sendall(b"GET /api/v2/org_connections HTTP/1.1\r\nHost: x\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ") and json.loads(body)["errors"]


def test_a_stalled_request_does_not_hold_up_others(datadog_emulator_factory, api):
    # given a request whose body never comes, on a server with a 1 s request timeout
    emu = datadog_emulator_factory(request_timeout=1.0)
    host, port = emu.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=QUICK) as stalled:
        stalled.sendall(b"POST /api/v1/dashboard HTTP/1.1\r\nContent-Length: 10\r\n\r\n{")
        # when another client calls meanwhile, it is answered at once
        answer = api("hub", emu=emu).get(CONNECTIONS, timeout=QUICK)
        assert answer.status_code == 200
        # and the stalled one gets its 408
        assert stalled.recv(4096).startswith(b"HTTP/1.1 408 ")


# -- bodies the rules must refuse, not crash on (item 12) ----------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        _timeseries().replace(b'"from": 1700000000000', b'"from": 1e999'),
        _timeseries().replace(b'"from": 1700000000000', b'"from": NaN'),
        _timeseries().replace(b'"to": 1700003600000', b'"to": -Infinity'),
        _timeseries().replace(b'"to": 1700003600000', b'"to": 1' + b"0" * 400),
        _timeseries(interval=1e300),
        _timeseries(formulas=[{"formula": "+".join(["a"] * 20_000)}]),
        _timeseries(formulas=[{"formula": "-" * 900 + "a"}]),
        _timeseries(formulas=[{"formula": "a * " + "9" * 5000}]),
    ],
    ids=[
        "from-1e999",
        "from-NaN",
        "to-minus-infinity",
        "to-400-digits",
        "interval-1e300",
        "formula-20000-terms",
        "formula-900-unary-minus",
        "formula-5000-digit-constant",
    ],
)
def test_absurd_timeseries_queries_are_400s(datadog_emulator: Emulator, body: bytes):
    answer = raw_request(datadog_emulator, "POST", TIMESERIES, headers=with_length(body), body=body)
    assert _is_json_error(answer, 400), answer
    assert answer.seconds < QUICK


def test_a_formula_that_overflows_gives_nulls_not_infinity(datadog_emulator: Emulator):
    body = _timeseries(formulas=[{"formula": "a * 1e308 * 1e308"}])
    answer = raw_request(datadog_emulator, "POST", TIMESERIES, headers=with_length(body), body=body)
    assert answer.status == 200, answer
    values = answer.json()["data"]["attributes"]["values"]  # strict JSON: no Infinity literal
    assert values and all(v is None for v in values[0])


def _nested_widget_dashboard(depth: int) -> bytes:
    """A dashboard whose only widget is `depth` group widgets deep (built as text: json.dumps
    itself refuses to nest this deep)."""
    group = b'{"definition": {"type": "group", "layout_type": "ordered", "widgets": ['
    note = b'{"definition": {"type": "note", "content": "deep"}}'
    widget = group * depth + note + b"]}}" * depth
    return b'{"title": "Deep", "layout_type": "ordered", "widgets": [' + widget + b"]}"


def test_a_widget_nested_500_deep_is_a_400(datadog_emulator: Emulator):
    body = _nested_widget_dashboard(500)
    answer = raw_request(datadog_emulator, "POST", DASHBOARDS, headers=with_length(body), body=body)
    assert _is_json_error(answer, 400), answer
    assert datadog_emulator.backend.snapshot()["dashboards"] == []


@pytest.mark.parametrize("depth", [150, 300])
def test_deeply_nested_json_is_a_400_for_every_api(datadog_emulator: Emulator, depth: int):
    deep = b"[" * depth + b"]" * depth
    body = json.dumps(connection_body("x")).encode().replace(b'"logs"', deep)
    for path in (CONNECTIONS, DASHBOARDS, TIMESERIES):
        answer = raw_request(datadog_emulator, "POST", path, headers=with_length(body), body=body)
        assert _is_json_error(answer, 400), (path, answer)


# -- methods (item 15) -----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE", "BREW", "CONNECT"])
@pytest.mark.parametrize("path", [CONNECTIONS, f"{DASHBOARDS}/abc-def-ghi", "/_emulator/faults"])
def test_other_methods_get_a_json_405(datadog_emulator: Emulator, method: str, path: str):
    answer = raw_request(datadog_emulator, method, path)
    assert answer.status == 405, answer
    assert answer.headers["content-type"] == "application/json"
    if method == "HEAD":  # a HEAD answer has no body, only the length the body would have
        assert answer.body == b"" and int(answer.headers["content-length"]) > 0
    else:
        assert _is_json_error(answer, 405)
    assert "GET" in answer.headers["allow"]


def test_a_malformed_request_line_is_a_json_400(datadog_emulator: Emulator):
    answer = raw_request(datadog_emulator, "GET", "/api/v2/org_connections HTTP/1.1 extra")
    assert _is_json_error(answer, 400), answer


def test_a_405_keeps_the_connection_usable(datadog_emulator: Emulator):
    keys = datadog_emulator.keys("hub")
    headers = {"DD-API-KEY": keys.api_key, "DD-APPLICATION-KEY": keys.app_key}
    host, port = datadog_emulator.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=QUICK)
    answers = []
    for method in ("OPTIONS", "GET"):
        conn.request(method, CONNECTIONS, headers=headers)
        response = conn.getresponse()
        answers.append((response.status, json.loads(response.read())))
        sock = conn.sock
    conn.close()
    assert [status for status, _ in answers] == [405, 200]
    assert sock is not None
