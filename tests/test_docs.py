"""What a clone's documents point at exists in the clone (a clone has no ../shared)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "DESIGN.md")
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def test_every_relative_link_of_the_documents_resolves_inside_the_repository() -> None:
    for name in DOCUMENTS:
        text = (ROOT / name).read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if "://" in target:
                continue
            path = (ROOT / target).resolve()
            assert path.is_relative_to(ROOT), f"{name} links outside the repository: {target}"
            assert path.exists(), f"{name} links {target}, which the repository lacks"
        assert "../shared" not in text, f"{name} points at ../shared, which no clone has"


def test_readme_links_the_design_document() -> None:
    assert "](DESIGN.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert (ROOT / "DESIGN.md").read_text(encoding="utf-8").startswith("# datadog-crossorg: design")
