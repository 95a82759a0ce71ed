"""The real `pulumi` CLI (built by engine/build.py) against the offline Datadog."""
