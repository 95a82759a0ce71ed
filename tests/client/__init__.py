"""The HTTP client against the offline Datadog."""
