"""What the review's tests share: the saved previews (tests/fixtures/review, made by the real
CLI: see make_fixtures.py there) and the default seed's orgs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datadog_crossorg.reports.review.analysis import Review, review
from datadog_crossorg.reports.review.preview import parse
from tests.support.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "review"


def fixture_path(name: str) -> Path:
    return FIXTURES / f"{name}.json"


def fixture_text(name: str) -> str:
    return fixture_path(name).read_text(encoding="utf-8")


def fixture(name: str) -> dict[str, Any]:
    return json.loads(fixture_text(name))


def reviewed(name: str) -> Review:
    return review(parse(fixture_text(name), name))


def flow_rows(result: Review) -> set[tuple[str, str | None, str | None, str | None]]:
    """(status, type, source, sink) of every flow."""
    return {
        (f.status, f.flow.connection_type, f.flow.source_org_id, f.flow.sink_org_id)
        for f in result.flows
    }
