"""Test your own stacks offline with the real provider code.

- `pytest_plugin`: opt in with `pytest_plugins = ["datadog_crossorg.testing.pytest_plugin"]`
  and take the `datadog_emulator` fixture (a fresh offline Datadog per test).
- `harness`: the real `python -m pulumi.dynamic` provider server driven over gRPC as the engine does.
- `mocks`: a `pulumi.runtime.Mocks` that forwards a program's dynamic resources to that server.
"""
