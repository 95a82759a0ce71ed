"""`python -m datadog_crossorg.cli` is `crossorg`."""

import sys

from datadog_crossorg.cli import main

sys.exit(main())
