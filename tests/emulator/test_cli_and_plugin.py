"""`crossorg emulator` and the public pytest plugin, each in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from datadog_crossorg.cli import main


def test_emulator_help_exits_zero_and_documents_the_options(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--seed", "--state", "--rate-limit"):
        assert option in out


def test_crossorg_without_a_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "emulator" in capsys.readouterr().out


def test_a_bad_rate_limit_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--rate-limit", "everything=1/1"])
    assert exited.value.code == 2
    assert "unknown rate-limit group" in capsys.readouterr().err


def test_a_non_loopback_host_is_refused(capsys):
    assert main(["emulator", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_the_emulator_command_prints_its_url_and_keys_then_serves_until_terminated(tmp_path):
    # given `crossorg emulator` on any free port, with a state file and a rate limit
    state = tmp_path / "state.json"
    command = [sys.executable, "-m", "datadog_crossorg.cli", "emulator", "--port", "0"]
    command += ["--state", str(state), "--rate-limit", "org_connections=50/10"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # when it has printed its banner
        first = process.stdout.readline()
        lines = [first]
        while not lines[-1].startswith("Press Ctrl-C"):
            line = process.stdout.readline()
            assert line, f"exited early: {process.stderr.read()}"
            lines.append(line)
        # then the first line names the URL, the table the seeded key pairs, and it serves
        assert first.startswith("Datadog emulator listening on http://127.0.0.1:")
        url = first.split()[-1]
        table = "".join(lines)
        for cell in ("hub", "Acme Hub", "ba11379d-38db-492a-a71e-7f33d3254a94", "emu-hub-api-key"):
            assert cell in table
        answer = requests.get(
            f"{url}/api/v2/org_connections",
            headers={"DD-API-KEY": "emu-edge-api-key", "DD-APPLICATION-KEY": "emu-edge-app-key"},
            timeout=5,
        )
        assert answer.status_code == 200 and answer.headers["X-RateLimit-Limit"] == "50"
        assert state.exists()
    finally:
        process.terminate()
        code = process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
    assert code == 0


PLUGIN_USER = """
import json, os

def test_uses_the_fixtures(datadog_emulator, datadog_emulator_factory):
    other = datadog_emulator_factory(rate_limits={"org": {"limit": 1, "period": 60}})
    assert datadog_emulator.connections() == [] and other.url != datadog_emulator.url
    with open(os.environ["EMULATOR_URLS"], "w") as handle:
        json.dump([datadog_emulator.url, other.url], handle)
"""


def test_the_pytest_plugin_gives_running_emulators_and_stops_them(tmp_path: Path):
    # given a project that opts in to the plugin from its conftest.py
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["datadog_crossorg.testing.pytest_plugin"]\n'
    )
    (tmp_path / "test_user.py").write_text(PLUGIN_USER)
    urls = tmp_path / "urls.json"
    # when its test runs
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "EMULATOR_URLS": str(urls)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then it passed with two running emulators, both stopped afterwards
    assert run.returncode == 0, run.stdout + run.stderr
    for url in json.loads(urls.read_text()):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/api/v1/validate", timeout=2)


def test_the_plugin_and_the_emulator_import_nothing_heavy_and_nothing_of_the_provider():
    probe = (
        "import sys, datadog_crossorg.testing.pytest_plugin, datadog_crossorg.emulator;"
        "print([m for m in sys.modules if m.split('.')[0] == 'pulumi' or m in ("
        "'datadog_crossorg.client', 'datadog_crossorg.rules.connections', "
        "'datadog_crossorg.org_connection', 'datadog_crossorg.config.credentials', "
        "'datadog_crossorg.dashboards', 'rich')])"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.strip() == "[]"


# -- what `crossorg emulator` offers a new user: latency, faults, one-line mistakes -------------
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_faults_body() -> dict:
    """The JSON block README gives for POST /_emulator/faults (under its marker comment)."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- emulator-faults-body -->", 1)[1].split("```json", 1)[1]
    return json.loads(block.split("```", 1)[0])


def test_emulator_help_offers_latency_and_fault_options(capsys):
    with pytest.raises(SystemExit):
        main(["emulator", "--help"])
    out = capsys.readouterr().out
    assert "--latency SECONDS" in out and "--fault JSON" in out
    assert "/_emulator/faults" in out


@pytest.mark.parametrize(
    ("option", "value", "names"),
    [
        ("--rate-limit", "foo", "NAME=LIMIT/PERIOD"),
        ("--rate-limit", "org_connections=x/10", "NAME=LIMIT/PERIOD"),
        ("--latency", "soon", "number of seconds"),
        ("--fault", '{"kind": "boom"}', "expected a JSON object"),
        ("--fault", "status", "expected a JSON object"),
    ],
)
def test_a_bad_emulator_option_ends_with_one_line_naming_option_value_and_form(
    capsys, option: str, value: str, names: str
):
    with pytest.raises(SystemExit) as exited:
        main(["emulator", option, value])
    assert exited.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"crossorg emulator: error: argument {option}: {value!r}")
    assert names in last
    assert "invalid literal" not in last and "Traceback" not in last


def test_readmes_faults_body_is_accepted_by_a_running_emulator(datadog_emulator, api):
    body = readme_faults_body()
    armed = requests.post(f"{datadog_emulator.url}/_emulator/faults", json=body, timeout=5)
    assert armed.status_code == 200, armed.text
    assert [f["kind"] for f in armed.json()["faults"]] == [f["kind"] for f in body["faults"]]
    # and it acts as README says: the first POST answers 503 without applying
    requests.delete(f"{datadog_emulator.url}/_emulator/faults", timeout=5)
    requests.post(
        f"{datadog_emulator.url}/_emulator/faults", json={"faults": body["faults"][:1]}, timeout=5
    )
    from tests.emulator.plain_http import CONNECTIONS, connection_body

    payments = api("payments")
    answer = payments.post(CONNECTIONS, json=connection_body(datadog_emulator.org_uuid("hub")))
    assert answer.status_code == 503 and datadog_emulator.connections() == []


def test_the_emulator_command_arms_latency_and_faults_at_start():
    command = [sys.executable, "-m", "datadog_crossorg.cli", "emulator", "--port", "0"]
    command += ["--latency", "0.3", "--fault", '{"kind": "status", "status": 503, "times": 1}']
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("Datadog emulator listening on"), process.stderr.read()
        url = first.split()[-1]
        headers = {"DD-API-KEY": "emu-edge-api-key", "DD-APPLICATION-KEY": "emu-edge-app-key"}
        answers = []
        for _ in range(2):
            answer = requests.get(f"{url}/api/v2/org_connections", headers=headers, timeout=5)
            answers.append((answer.status_code, answer.elapsed.total_seconds() >= 0.3))
        assert answers == [(503, True), (200, True)]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
