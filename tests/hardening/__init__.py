"""Faults, fuzzing, secrets and long random lifecycles against the dynamic provider."""
