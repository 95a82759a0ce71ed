"""The stack program of stacks/ under the real `pulumi` CLI: every lifecycle claim, API calls
counted at the offline Datadog."""

from __future__ import annotations

from collections import Counter

from datadog_crossorg.resources.tokens import ORG_CONNECTION
from tests.real_engine.cli_world import PAYMENTS, SEARCH, CliStack, plan_lines


def _steps(result, name: str) -> list[str]:
    return [line for line in plan_lines(result) if f"OrgConnection {name} " in line + " "]


def test_preview_up_noop_update_replace_refresh_destroy(py_stack: CliStack) -> None:
    s = py_stack
    hub, payments, search, edge = (s.emu.org_uuid(n) for n in ("hub", "payments", "search", "edge"))
    s.hub_and_spokes([PAYMENTS, SEARCH])

    # preview: no API call, each connection listed as a create
    preview = s.pulumi("preview")
    assert s.api_calls() == Counter()
    for name in ("payments-to-hub", "search-to-hub"):
        assert any("create" in line for line in _steps(preview, name)), preview

    # up: one POST per connection, each with its own source org's key pair
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 2})
    assert s.remote() == {(payments, hub): ["logs", "metrics"], (search, hub): ["metrics"]}
    posts = {r.key_pair for r in s.emu.requests if r.method == "POST"}
    assert posts == {"payments", "search"}
    ids = s.cli.outputs()["connection_ids"]
    assert set(ids) == {"payments-to-hub", "search-to-hub"}
    # the state records the program's line as where each connection was declared, not ours
    for resource in s.resources().values():
        assert resource["sourcePosition"].startswith("project:///stacks/__main__.py#"), resource

    # a second up changes nothing and calls nothing
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()

    # types changed: an in-place update in the diff, one PATCH at up, same id
    s.hub_and_spokes([{**PAYMENTS, "types": ["metrics"]}, SEARCH])
    diff = s.pulumi("preview", "--diff")
    assert f"~ {ORG_CONNECTION}: (update)" in diff.stdout, diff
    assert "~ connection_types" in diff.stdout and "replace" not in diff.stdout, diff
    assert "__provider" not in diff.stdout
    assert s.api_calls() == Counter()
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"PATCH": 1})
    assert s.remote()[(payments, hub)] == ["metrics"]
    assert s.cli.outputs()["connection_ids"] == ids

    # sink changed: replace, the new connection created before the old one is deleted
    s.hub_and_spokes([{**PAYMENTS, "types": ["metrics"]}, {**SEARCH, "sink": "edge"}])
    replace = s.pulumi("preview", "--diff")
    assert f"+-{ORG_CONNECTION}: (replace)" in replace.stdout, replace
    start = len(s.emu.requests)
    s.api_calls()
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 1, "DELETE": 1})
    methods = [method for method, _path in s.request_sequence(start)]
    assert methods.index("POST") < methods.index("DELETE"), methods
    assert s.remote() == {(payments, hub): ["metrics"], (search, edge): ["metrics"]}

    # out of band: one deleted, one retyped; refresh shows both, the next up restores both
    new_ids = s.cli.outputs()["connection_ids"]
    s.client("payments").delete_connection(new_ids["payments-to-hub"])
    s.client("search").update_connection(new_ids["search-to-hub"], ["metrics", "logs"])
    s.api_calls()
    refresh = s.pulumi("refresh", "--yes")
    assert s.api_calls()["GET"] >= 1
    assert "deleted" in "".join(_steps(refresh, "payments-to-hub")), refresh
    assert "updated" in "".join(_steps(refresh, "search-to-hub")), refresh
    assert "payments-to-hub" not in s.resources()
    s.pulumi("up", "--yes")
    assert s.api_calls() == Counter({"POST": 1, "PATCH": 1})
    assert s.remote() == {(payments, hub): ["metrics"], (search, edge): ["metrics"]}
    s.pulumi("up", "--yes", "--expect-no-changes")
    assert s.api_calls() == Counter()

    # destroy: one DELETE per connection, nothing left
    s.pulumi("destroy", "--yes")
    assert s.api_calls() == Counter({"DELETE": 2})
    assert s.remote() == {}
    assert s.resources() == {}
