"""The provider's import path stays cheap: preview runs only Check and Diff."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_provider_loads_no_http_stack() -> None:
    """Check and Diff (all that preview runs) need no HTTP: requests loads on the first call."""
    code = (
        "import sys, datadog_crossorg.org_connection\n"
        "print(sorted(m for m in ('requests', 'urllib3') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
