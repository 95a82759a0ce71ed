"""The repository's folders the tests read, spelled once."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACKS = ROOT / "stacks"
YAML_STACK_DIR = STACKS / "native-yaml"
# A copy of the team's recorded facts (real requests and answers), so a clone runs every replay.
RECORDED_API = ROOT / "tests" / "fixtures" / "datadog-api"
