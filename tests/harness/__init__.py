"""The engine harness (`datadog_crossorg.testing.harness`) against a toy dynamic provider."""
