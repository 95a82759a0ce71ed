"""Loaded at start-up by the provider processes of the hardening tests (put first on PYTHONPATH by
the `provider_site` fixture), never by users.

- `CROSSORG_TEST_CLIENT_DEFAULTS="read_timeout=0.5,deadline=4"` lowers DatadogClient's defaults:
  stack config cannot set the client's timeouts today, and a read-timeout fault must not cost the
  default 30 s read timeout (or a persistent fault the default 60 s deadline).
- `CROSSORG_TEST_LOG_LEVEL=DEBUG` sends every logger of the process (ours, urllib3's, grpc's) to
  stderr, which the harness keeps, so a test can scan all of it for key material.
"""

from __future__ import annotations

import logging
import os
import sys

_defaults = os.environ.get("CROSSORG_TEST_CLIENT_DEFAULTS")
if _defaults:
    from datadog_crossorg.client.api import DatadogClient

    kwdefaults = DatadogClient.__init__.__kwdefaults__
    for item in _defaults.split(","):
        name, _, value = item.partition("=")
        if name not in kwdefaults:
            raise KeyError(f"DatadogClient has no keyword argument {name!r}")
        kwdefaults[name] = float(value)

_level = os.environ.get("CROSSORG_TEST_LOG_LEVEL")
if _level:
    logging.basicConfig(
        level=_level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
