"""Test-suite wiring: our own public pytest plugin gives every test a fresh offline Datadog."""

pytest_plugins = ["datadog_crossorg.testing.pytest_plugin"]
