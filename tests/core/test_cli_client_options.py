"""The CLI's clients take the stack's `requestTimeout` and `requestDeadline`, as providers do."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from datadog_crossorg.cli.key_options import clients


def test_the_cli_clients_use_the_stack_configs_limits(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "datadog:apiKey": "k",
                "datadog:appKey": "a",
                "datadog-crossorg:requestTimeout": "2.5",
                "datadog-crossorg:requestDeadline": "9",
            }
        )
    )
    args = argparse.Namespace(config=str(config), org=[])
    with clients(args) as made:
        transport = made[None]._transport
        assert (transport.read_timeout, transport.deadline) == (2.5, 9.0)
