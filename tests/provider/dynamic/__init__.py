"""The dynamic provider (`python -m pulumi.dynamic`) through the engine harness."""
