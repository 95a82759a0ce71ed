"""Loaded at start-up by the provider processes of the hardening tests (put first on PYTHONPATH by
the `provider_site` fixture), never by users.

- `CROSSORG_TEST_LOG_LEVEL=DEBUG` sends every logger of the process (ours, urllib3's, grpc's) to
  stderr, which the harness keeps, so a test can scan all of it for key material.
"""

from __future__ import annotations

import logging
import os
import sys

_level = os.environ.get("CROSSORG_TEST_LOG_LEVEL")
if _level:
    logging.basicConfig(
        level=_level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
