"""Every error status becomes a typed error carrying Datadog's own text, and never a key."""

from __future__ import annotations

import logging
import pickle
import traceback
import uuid

import pytest

from datadog_crossorg.client import (
    Conflict,
    DatadogClient,
    DatadogError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
)
from datadog_crossorg.emulator import Fault

CONNECTIONS = "/api/v2/org_connections"


def assert_keyless(exc: BaseException, keys, log_text: str = "") -> None:
    """No key in the message, repr, Datadog texts, a printed traceback, or the log."""
    shown = [
        str(exc),
        repr(exc),
        *getattr(exc, "errors", []),
        "".join(traceback.format_exception(exc)),
        log_text,
    ]
    for key in keys:
        for text in shown:
            assert key not in text


@pytest.fixture
def hub_keys(datadog_emulator):
    keys = datadog_emulator.keys("hub")
    return (keys.api_key, keys.app_key)


def test_conflict_message_is_method_path_status_and_datadogs_text(
    datadog_emulator, hub, hub_keys, caplog
) -> None:
    hub_uuid, payments = datadog_emulator.org_uuid("hub"), datadog_emulator.org_uuid("payments")
    hub.create_connection(payments, ["logs"])

    with caplog.at_level(logging.DEBUG), pytest.raises(Conflict) as caught:
        hub.create_connection(payments, ["logs"])

    err = caught.value
    text = f"connection between orgs {hub_uuid} and {payments} already exists"
    assert str(err) == f"POST {CONNECTIONS} failed: 409 {text}"
    assert (err.status, err.errors, err.method, err.path) == (409, [text], "POST", CONNECTIONS)
    assert_keyless(err, hub_keys, caplog.text)


def test_duplicate_types_on_create_is_invalid_with_datadogs_text(
    datadog_emulator, hub, hub_keys
) -> None:
    hub_uuid, payments = datadog_emulator.org_uuid("hub"), datadog_emulator.org_uuid("payments")
    with pytest.raises(Invalid) as caught:
        hub.create_connection(payments, ["logs", "logs"])
    assert caught.value.status == 400
    assert caught.value.errors == [
        f"connection between orgs {hub_uuid} and {payments} is not allowed"
    ]
    assert_keyless(caught.value, hub_keys)


def test_delete_with_a_non_uuid_id_is_invalid(hub, hub_keys) -> None:
    with pytest.raises(Invalid) as caught:
        hub.delete_connection("not-a-uuid")
    assert caught.value.errors == ["connection id must be a valid uuid"]
    assert_keyless(caught.value, hub_keys)


def test_unknown_ids_are_not_found_with_datadogs_texts(hub, hub_keys) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(NotFound) as on_update:
        hub.update_connection(missing, ["logs"])
    with pytest.raises(NotFound) as on_delete:
        hub.delete_connection(missing)
    assert on_update.value.errors == [f"Org connection with id:{missing} not found not found"]
    assert on_delete.value.errors == [f"org connection with id:{missing} not found not found"]
    assert on_delete.value.path == f"{CONNECTIONS}/{missing}"
    assert_keyless(on_update.value, hub_keys)


def test_sink_in_another_account_is_not_found(datadog_emulator, hub) -> None:
    with pytest.raises(NotFound) as caught:
        hub.create_connection(datadog_emulator.org_uuid("globex"), ["logs"])
    assert caught.value.errors == ["Not found"]


def test_missing_permission_is_forbidden(datadog_emulator, client_for) -> None:
    readonly = client_for("hub-readonly")
    keys = datadog_emulator.keys("hub-readonly")
    with pytest.raises(Forbidden) as caught:
        readonly.create_connection(datadog_emulator.org_uuid("payments"), ["logs"])
    assert caught.value.status == 403
    assert caught.value.errors
    assert_keyless(caught.value, (keys.api_key, keys.app_key))
    assert datadog_emulator.connections() == []


def test_unknown_keys_are_forbidden_and_never_shown(datadog_emulator, caplog) -> None:
    canaries = ("canary-api-key-5b1d0c7e", "canary-app-key-9e2f4a61")
    client = DatadogClient(*canaries, datadog_emulator.url)
    with caplog.at_level(logging.DEBUG), pytest.raises(Forbidden) as caught:
        client.list_connections()
    client.close()
    assert caught.value.errors == ["Forbidden"]
    assert_keyless(caught.value, canaries, caplog.text)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, Invalid),
        (401, Forbidden),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (422, Invalid),
        (429, RateLimited),
        (500, Unavailable),
        (503, Unavailable),
        (418, DatadogError),
    ],
)
def test_each_status_maps_to_its_error_class_with_datadogs_text(
    datadog_emulator, client_for, hub_keys, caplog, status: int, cls: type
) -> None:
    """POST is the one method with no 5xx retry, so one injected answer is the final one."""
    body = {"errors": [f"text of a {status}"]}
    datadog_emulator.add_fault(
        Fault("status", method="POST", path=CONNECTIONS, status=status, body=body, times=99)
    )
    hub = client_for("hub", deadline=0.5)

    with caplog.at_level(logging.DEBUG), pytest.raises(DatadogError) as caught:
        hub.create_connection(datadog_emulator.org_uuid("payments"), ["logs"])

    err = caught.value
    assert type(err) is cls
    assert err.status == status
    assert err.errors == [f"text of a {status}"]
    assert str(err).startswith(f"POST {CONNECTIONS} failed: {status} text of a {status}")
    assert_keyless(err, hub_keys, caplog.text)


def test_transport_errors_do_not_chain_the_request_that_holds_the_keys(
    closed_port: int, caplog
) -> None:
    canaries = ("canary-api-key-5b1d0c7e", "canary-app-key-9e2f4a61")
    client = DatadogClient(*canaries, f"http://127.0.0.1:{closed_port}", deadline=0.3)
    with caplog.at_level(logging.DEBUG), pytest.raises(Unavailable) as caught:
        client.list_connections()
    client.close()
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert_keyless(caught.value, canaries, caplog.text)


def test_errors_survive_pickling_with_their_fields(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    client = DatadogClient("api-key-123456", "app-key-123456", url, backoff_factor=0.01)
    with pytest.raises(Unavailable) as caught:
        client.create_connection("7bd471e8-b9fe-4ee7-9e36-d59b281bd96f", ["logs"])
    client.close()
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is Unavailable
    assert (str(copy), copy.ambiguous, copy.method, copy.path) == (
        str(caught.value),
        False,
        "POST",
        CONNECTIONS,
    )


# -- keys a misbehaving Datadog echoes back never reach an error ----------------------------------
def _exceptions_in(exc: BaseException | None) -> list[BaseException]:
    """The error and everything it drags along: cause, context, and exceptions in its fields."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def assert_no_key_anywhere(exc: BaseException, keys, log_text: str) -> None:
    assert_keyless(exc, keys, log_text)
    for inner in _exceptions_in(exc):
        dragged = repr(vars(inner)) + repr(
            getattr(inner, "request", None) and inner.request.headers
        )
        for key in keys:
            assert key not in dragged


@pytest.mark.parametrize(
    ("method", "status", "cls"),
    [("POST", 400, Invalid), ("POST", 404, NotFound), ("GET", 503, Unavailable)],
    ids=["invalid", "not-found", "unavailable-after-retries"],
)
def test_keys_echoed_in_an_error_answer_are_scrubbed_from_the_error(
    datadog_emulator, client_for, hub_keys, caplog, method: str, status: int, cls: type
) -> None:
    # given: Datadog answers an error whose texts repeat the request's keys
    datadog_emulator.add_fault(
        Fault("status", method=method, path=CONNECTIONS, status=status, echo_keys=True, times=None)
    )
    hub = client_for("hub", deadline=1.0, backoff_factor=0.01)
    # when
    with caplog.at_level(logging.DEBUG), pytest.raises(DatadogError) as caught:
        if method == "POST":
            hub.create_connection(datadog_emulator.org_uuid("payments"), ["logs"])
        else:
            hub.list_connections()
    # then: the echo arrived, as Datadog's text, with both keys replaced
    err = caught.value
    assert type(err) is cls and err.status == status
    assert err.errors[-1] == "request with DD-API-KEY *** and DD-APPLICATION-KEY ***"
    assert_no_key_anywhere(err, hub_keys, caplog.text)


@pytest.mark.parametrize("kind", ["drop", "commit_then_drop"])
def test_keys_echoed_in_an_answer_cut_off_midway_never_reach_the_error(
    datadog_emulator, client_for, hub_keys, caplog, kind: str
) -> None:
    # given: every answer starts echoing the keys and the connection drops mid-answer
    datadog_emulator.add_fault(
        Fault(kind, path=CONNECTIONS, status=500, echo_keys=True, times=None)
    )
    hub = client_for("hub", deadline=1.0, backoff_factor=0.01)
    # when: a GET (retried) and a POST (never repeated) meet it
    for call in (
        hub.list_connections,
        lambda: hub.create_connection(datadog_emulator.org_uuid("payments"), ["logs"]),
    ):
        with caplog.at_level(logging.DEBUG), pytest.raises(Unavailable) as caught:
            call()
        # then: a transport failure, ambiguous, with no key in it or in what it drags along
        assert caught.value.ambiguous and caught.value.status is None
        assert_no_key_anywhere(caught.value, hub_keys, caplog.text)
