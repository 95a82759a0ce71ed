"""What the real CLI keeps and prints: no key anywhere, and errors that lead with cause and fix."""

from __future__ import annotations

import socket
from collections import Counter

from tests.real_engine.cli_world import PAYMENTS as SHARED_PAYMENTS
from tests.real_engine.cli_world import CliStack

PAYMENTS = {**SHARED_PAYMENTS, "types": ["metrics"]}


def test_keys_set_as_secrets_appear_in_no_state_export_or_output(py_stack: CliStack) -> None:
    s = py_stack
    s.hub_and_spokes([PAYMENTS, {**PAYMENTS, "name": "search-to-hub", "org": "search"}])
    canaries = []
    # The key pairs become secrets set through the CLI, as a user sets real keys.
    for name, prefix in (("hub", "datadog:"), ("payments", None), ("search", None)):
        keys = s.emu.keys(name)
        canaries += [keys.api_key, keys.app_key]
        if prefix:
            s.set_secret("datadog:apiKey", keys.api_key)
            s.set_secret("datadog:appKey", keys.app_key)
        else:
            s.set_secret(f"datadog-crossorg:orgs.{name}.apiKey", keys.api_key, path=True)
            s.set_secret(f"datadog-crossorg:orgs.{name}.appKey", keys.app_key, path=True)
    stack_text = s.stack_file.read_text()
    assert not [c for c in canaries if c in stack_text], "config holds a key in clear"

    s.pulumi("preview")
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 2})  # the secret keys really were used
    s.pulumi("refresh", "--yes")
    s.pulumi("up", "--yes", "--expect-no-changes")

    # populated state: the backend's files, the export, and everything printed so far
    assert len(s.resources()) == 2
    places = {str(p): p.read_text(errors="replace") for p in s.cli.state_files()}
    places["stack export"] = s.pulumi("stack", "export").stdout
    places["outputs"] = s.pulumi("stack", "output", "--json").stdout
    places.update({str(r): r.output for r in s.log})
    leaks = {where: c for where, text in places.items() for c in canaries if c in text}
    assert leaks == {}


def _diagnostic(result, resource: str) -> str:
    """The error line the CLI prints for `resource`, with the lines that follow it."""
    lines = result.output.splitlines()
    for index, line in enumerate(lines):
        if f"({resource})" in line and index + 1 < len(lines) and "error:" in lines[index + 1]:
            return " ".join(" ".join(lines[index + 1 : index + 3]).split())
    raise AssertionError(f"no error shown for {resource}:\n{result}")


def test_bad_input_fails_preview_naming_field_value_and_fix(py_stack: CliStack) -> None:
    s = py_stack
    s.hub_and_spokes([{**PAYMENTS, "types": ["metrics", "logz"]}])
    result = s.pulumi("preview", check=False)
    assert result.code != 0
    first = _diagnostic(result, "payments-to-hub")
    assert (
        "connection_types" in first
        and "'logz'" in first
        and "use only audit, logs, metrics" in first
    )
    assert "Traceback" not in result.output
    assert s.api_calls() == Counter()


def test_existing_connection_without_adopt_says_how_to_adopt(py_stack: CliStack) -> None:
    s = py_stack
    s.client("payments").create_connection(s.emu.org_uuid("hub"), ["metrics"])
    s.hub_and_spokes([PAYMENTS])
    s.api_calls()
    result = s.pulumi("up", "--yes", check=False)
    assert result.code != 0
    first = _diagnostic(result, "payments-to-hub")
    assert "already exists" in first and "adopt=True" in first, first
    assert "Traceback" not in result.output
    assert len(s.emu.connections()) == 1  # nothing duplicated, nothing taken


def test_refused_key_pair_names_it_and_the_permission(py_stack: CliStack) -> None:
    s = py_stack
    s.hub_and_spokes([PAYMENTS])
    document_orgs = {
        "payments": {"apiKey": "not-a-key", "appKey": "not-a-key", "apiUrl": s.emu.url},
    }
    s.set_config({"datadog-crossorg:orgs": document_orgs})
    result = s.pulumi("up", "--yes", check=False)
    assert result.code != 0
    first = _diagnostic(result, "payments-to-hub")
    assert "key pair 'payments'" in first and "org_connections_write" in first, first
    assert "Traceback" not in result.output
    assert "not-a-key" not in result.output


def test_unreachable_datadog_says_where_it_looked(py_stack: CliStack) -> None:
    s = py_stack
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    s.hub_and_spokes([PAYMENTS])
    keys = s.emu.keys("payments")
    s.set_config(
        {
            "datadog-crossorg:orgs": {
                "payments": {"apiKey": keys.api_key, "appKey": keys.app_key, "apiUrl": closed}
            },
            "datadog-crossorg:requestDeadline": 3,
        }
    )
    result = s.pulumi("up", "--yes", check=False)
    assert result.code != 0
    first = _diagnostic(result, "payments-to-hub")
    assert closed in first and "apiUrl" in first, first
    assert "nothing was created" in first or "was not sent" in first, first
    assert "Traceback" not in result.output
