"""Test-suite wiring: our own public pytest plugin gives every test a fresh offline Datadog."""

# Imported here, on the main thread at collection, rather than lazily by hypothesis' pytest plugin
# at the end of the session: CPython 3.11.7 shares the AST converter's recursion counter between
# threads (fixed in 3.11.8), so an ast.parse racing a traceback formatted on a Pulumi program
# thread can fail with "AST constructor recursion depth mismatch".
import hypothesis  # noqa: F401

pytest_plugins = ["datadog_crossorg.testing.pytest_plugin"]
