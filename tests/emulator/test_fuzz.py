"""Fuzzing the emulator's HTTP surface with raw sockets (issue 16, item 16).

Hypothesis writes requests byte by byte (methods, targets, versions, headers, framing and bodies,
well-formed or not) to an emulator on loopback. Whatever arrives, the emulator answers: a parsed
HTTP response, within a few seconds, never a 500, never a connection closed without a word.
Bounded: a fixed number of examples, a 1 s request timeout, one emulator for the whole run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datadog_crossorg.emulator import Emulator
from tests.emulator.plain_http import (
    CONNECTIONS,
    DASHBOARDS,
    connection_body,
    dashboard_body,
    raw_exchange,
)

ANSWERED_WITHIN = 4.0  # seconds: the 1 s request timeout, with room for a loaded machine
TOKEN = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
    min_size=1,
    max_size=12,
)
PATHS = st.one_of(
    st.sampled_from(
        [
            CONNECTIONS,
            f"{CONNECTIONS}/00000000-0000-0000-0000-000000000000",
            f"{CONNECTIONS}/malformed",
            DASHBOARDS,
            f"{DASHBOARDS}/abc-def-ghi",
            "/api/v1/org",
            "/api/v1/validate",
            "/api/v2/query/timeseries",
            "/api/v2/restriction_policy/dashboard:abc-def-ghi",
            "/_emulator/faults",
            "/_emulator/state",
            "/_emulator/rate_limits",
            "*",
            "http://[bad/",
        ]
    ),
    TOKEN.map(lambda text: "/" + text),
)
QUERIES = st.one_of(
    st.just(""),
    st.sampled_from(["?limit=x", "?limit=5&offset=1", "?api_key=emu-hub-api-key", "?%zz=%"]),
    TOKEN.map(lambda text: "?" + text),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
BODIES = st.one_of(
    st.just(b""),
    st.binary(max_size=300),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            json.dumps(connection_body("00000000-0000-0000-0000-000000000000")).encode(),
            json.dumps(dashboard_body()).encode(),
            b'{"data": {"type": "timeseries_request", "attributes": {"from": 1e999}}}',
            b"[" * 5000,
            b"[" * 90 + b"]" * 90,
            b'{"a": NaN}',
        ]
    ),
)


@dataclass(frozen=True)
class Framing:
    kind: str  # "none", "length", "chunked"
    declared: str | None  # the Content-Length as sent, or the chunk-size text


FRAMINGS = st.one_of(
    st.just(Framing("none", None)),
    st.just(Framing("length", None)),  # the true length
    st.sampled_from(["abc", "-1", "1e3", "", " 7", "99999999999999999999", "0"]).map(
        lambda text: Framing("length", text)
    ),
    st.just(Framing("chunked", None)),  # well-formed chunks
    st.sampled_from(["zz", "-2", "0x10", "ffffffffffffffffff", ""]).map(
        lambda text: Framing("chunked", text)
    ),
)
HEADERS = st.lists(
    st.tuples(
        TOKEN, st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
    ),
    max_size=3,
)


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[str, bytes, bool]:
    """(method, bytes, half_close): one request as a client of any quality could write it."""
    method = draw(
        st.one_of(
            st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]), TOKEN
        )
    )
    version = draw(
        st.sampled_from(["HTTP/1.1"] * 6 + ["HTTP/1.0", "HTTP/2.0", "HTTX/1.1", "HTTP/1"])
    )
    target = draw(PATHS) + draw(QUERIES)
    lines = [f"{method} {target} {version}", "Host: 127.0.0.1"]
    auth = draw(st.sampled_from(["hub", "readonly", "wrong", "none"]))
    if auth != "none":
        app_key = {"hub": "emu-hub-app-key", "readonly": "emu-hub-readonly-app-key"}.get(auth, "x")
        lines += ["DD-API-KEY: emu-hub-api-key", f"DD-APPLICATION-KEY: {app_key}"]
    lines += [f"{name}: {value}" for name, value in draw(HEADERS)]
    body = draw(BODIES)
    framing = draw(FRAMINGS)
    if framing.kind == "length":
        lines.append(
            f"Content-Length: {len(body) if framing.declared is None else framing.declared}"
        )
    elif framing.kind == "chunked":
        lines.append("Transfer-Encoding: chunked")
        size = f"{len(body):x}" if framing.declared is None else framing.declared
        body = (f"{size}\r\n".encode() + body + b"\r\n0\r\n\r\n") if body else b"0\r\n\r\n"
    head = "\r\n".join(lines) + "\r\n\r\n"
    # Most clients then wait for the answer; some say they are done sending (EOF mid-body).
    return method, head.encode("latin-1", "replace") + body, draw(st.booleans())


def test_every_request_gets_an_answer_quickly_and_never_a_500():
    with Emulator(request_timeout=1.0) as emu:

        @settings(
            max_examples=300,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(raw_requests())
        def one_request(request: tuple[str, bytes, bool]) -> None:
            method, data, half_close = request
            answer = raw_exchange(
                emu, data, method=method, timeout=ANSWERED_WITHIN + 2, half_close=half_close
            )
            assert answer.status is not None, f"no answer: {answer.error} to {data[:300]!r}"
            assert answer.status != 500 and (answer.status < 500 or answer.status == 505), (
                answer,
                data[:300],
            )
            assert answer.seconds < ANSWERED_WITHIN, (answer, data[:300])

        one_request()
        # and the emulator still serves a plain request at once afterwards
        keys = emu.keys("hub")
        auth = f"DD-API-KEY: {keys.api_key}\r\nDD-APPLICATION-KEY: {keys.app_key}\r\n"
        plain = f"GET {CONNECTIONS} HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode()
        assert raw_exchange(emu, plain, timeout=2).status == 200
