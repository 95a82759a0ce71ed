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


def test_a_program_declaring_connections_loads_only_the_declarations() -> None:
    """A program only declares resources: what serves calls (the rules, the provider process, the
    client, the settings, the server patches) loads in the provider process on its first call,
    so a program's import costs little beyond `import pulumi` (bench/import_cost.py)."""
    code = (
        "import sys\n"
        "from datadog_crossorg import OrgConnection\n"
        "OrgConnection.Args\n"
        "serving = ('datadog_crossorg.rules.connections', 'datadog_crossorg.process',\n"
        "           'datadog_crossorg.client', 'datadog_crossorg.config.settings',\n"
        "           'datadog_crossorg.dynamic.server_patches', 'datadog_crossorg.rules.inputs')\n"
        "print(sorted(m for m in serving if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_native_plugin_answers_the_engine_before_loading_the_http_stack() -> None:
    """The native plugin's first answer (GetPluginInfo) needs no HTTP: `requests` loads with the
    first client, so the plugin starts about as fast as `import pulumi` (bench/import_cost.py)."""
    code = (
        "import sys, datadog_crossorg.native.provider\n"
        "print(sorted(m for m in ('requests', 'urllib3') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
