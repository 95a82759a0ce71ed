"""Where the recorded Datadog traffic the tests replay lives: tests/fixtures/datadog-api, a copy of
the team's recorded facts (real requests and answers), so a clone runs every replay test."""

from pathlib import Path

RECORDED_API = Path(__file__).resolve().with_name("fixtures") / "datadog-api"
