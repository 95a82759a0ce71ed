"""`datadog-crossorg:dashboards`: inline or from files under stacks/, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datadog_crossorg.config.stack_program import StackConfigError
from datadog_crossorg.dashboards.config import DocumentDecl, dashboard_specs
from tests.support.seed import HUB, PAY

ORG_UUIDS = {"hub": HUB, "payments": PAY}
DOC = {
    "title": "T",
    "layout_type": "ordered",
    "widgets": [
        {
            "definition": {
                "type": "timeseries",
                "requests": [
                    {
                        "queries": [
                            {"data_source": "logs", "name": "q", "cross_org_uuids": ["payments"]}
                        ]
                    }
                ],
            }
        }
    ],
}


def test_inline_and_file_dashboards_with_org_names_turned_into_uuids(tmp_path: Path) -> None:
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "t.json").write_text(json.dumps(DOC))
    entries = [
        {"name": "inline", "dashboard": DOC, "sink": "hub"},
        {"name": "from-file", "file": "dashboards/t.json", "org": "hub"},
        {"name": "as-text", "dashboard": json.dumps(DOC)},
    ]

    decls = dashboard_specs(entries, ORG_UUIDS, tmp_path)

    resolved = json.loads(json.dumps(DOC).replace('"payments"', f'"{PAY}"'))
    assert decls == [
        DocumentDecl("inline", resolved, sink_org_id=HUB),
        DocumentDecl("from-file", resolved, sink_org_id=HUB, org="hub"),
        DocumentDecl("as-text", resolved),
    ]
    assert DOC["widgets"][0]["definition"]["requests"][0]["queries"][0]["cross_org_uuids"] == [
        "payments"
    ]


def test_no_dashboards_in_config_means_none() -> None:
    assert dashboard_specs(None, ORG_UUIDS, ".") == []


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"name": "x"}, "must be a list"),
        (["x"], r"\[0\] must be an object"),
        ([{"name": "x", "dashboard": DOC, "title": "y"}], "unknown field\\(s\\) title"),
        ([{"dashboard": DOC}], r"\[0\]\.name is missing"),
        ([{"name": "x", "dashboard": DOC}, {"name": "x", "dashboard": DOC}], "'x' is used twice"),
        ([{"name": "x"}], "needs exactly one of file .* or dashboard"),
        ([{"name": "x", "file": "a.json", "dashboard": DOC}], "needs exactly one of"),
        ([{"name": "x", "dashboard": [1]}], "dashboard must be an object"),
        ([{"name": "x", "dashboard": "{not json"}], r"\(x\)\.dashboard is not valid JSON"),
        ([{"name": "x", "dashboard": "[]"}], "must hold a JSON object"),
        ([{"name": "x", "file": "../secrets.json"}], "is outside .*: keep it under stacks/"),
        ([{"name": "x", "file": "missing.json"}], "'missing.json' cannot be read"),
    ],
)
def test_malformed_entries_name_the_entry_and_the_fix(
    entries: object, message: str, tmp_path: Path
) -> None:
    with pytest.raises(StackConfigError, match=message):
        dashboard_specs(entries, ORG_UUIDS, tmp_path)
