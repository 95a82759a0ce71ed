"""The offline Datadog itself: its rules on the backend, its wire through real HTTP."""
