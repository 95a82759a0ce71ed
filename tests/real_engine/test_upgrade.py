"""A stack deployed by the previous release previews with no change under this one.

`fixtures/released-af12b84.json` is `pulumi stack export` of stacks/__main__.py deployed by the
real CLI (v3.274.1) with the package as released at commit af12b84 (installed from a wheel of that
commit into its own virtualenv), with the config `released_config` sets. Imported into a new stack
of the current checkout with the same config, `pulumi preview --expect-no-changes` must pass:
no `~__provider` (the pickled provider's bytes are the released ones), no spurious update.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from datadog_crossorg.resources.tokens import ORG_CONNECTION
from tests.real_engine.cli_world import CliStack
from tests.support.seed import HUB

FIXTURE = Path(__file__).with_name("fixtures") / "released-af12b84.json"
# The URL the released stack was deployed against. Preview makes no API call, so nothing needs
# to listen there; it only has to be the same config the provider was configured with.
RELEASED_URL = "http://127.0.0.1:18199"


def released_config(s: CliStack, url: str = RELEASED_URL) -> None:
    """The released stack's config: keys as secrets, as a user sets them."""
    s.set_config(
        {
            "datadog:apiUrl": url,
            "datadog-crossorg:orgUuids": {"hub": HUB},
            "datadog-crossorg:connections": [
                {
                    "name": "payments-to-hub",
                    "org": "payments",
                    "sink": "hub",
                    "types": ["metrics", "logs"],
                },
                {"name": "search-to-hub", "org": "search", "sink": "hub", "types": ["metrics"]},
            ],
        }
    )
    s.set_secret("datadog:apiKey", "emu-hub-api-key")
    s.set_secret("datadog:appKey", "emu-hub-app-key")
    for org in ("payments", "search"):
        s.set_secret(f"datadog-crossorg:orgs.{org}.apiKey", f"emu-{org}-api-key", path=True)
        s.set_secret(f"datadog-crossorg:orgs.{org}.appKey", f"emu-{org}-app-key", path=True)
        s.pulumi("config", "set", "--path", f"datadog-crossorg:orgs.{org}.apiUrl", url)


def test_a_stack_deployed_by_the_previous_release_previews_with_no_changes(
    py_stack: CliStack,
) -> None:
    s = py_stack
    released = FIXTURE.read_text()
    assert f'"{ORG_CONNECTION}"' in released  # the released token is still ours
    assert "emu-payments-api-key" not in released  # its keys were secrets
    s.pulumi("stack", "import", "--file", str(FIXTURE))
    released_config(s)

    preview = s.pulumi("preview", "--diff", "--expect-no-changes")
    assert "__provider" not in preview.stdout, preview
    assert "2 unchanged" in preview.stdout or "unchanged" in preview.stdout, preview
    assert s.api_calls() == Counter()
