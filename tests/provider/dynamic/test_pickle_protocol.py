"""The `__provider` bytes a program registers do not follow `pickle.DEFAULT_PROTOCOL` (Python
3.14 raises it to 5): an interpreter upgrade must not show `~__provider` on every resource."""

from __future__ import annotations

import pickle
from typing import Any

import pulumi
import pytest

from datadog_crossorg.connection_access import ConnectionAccess
from datadog_crossorg.org_connection import OrgConnection
from datadog_crossorg.resources.tokens import CONNECTION_ACCESS, ORG_CONNECTION
from tests.provider.dynamic.test_secrets_and_faults import RELEASED_PICKLES
from tests.support.seed import HUB

CONNECTION = "00000000-0000-4000-8000-000000000001"


class Recorder(pulumi.runtime.Mocks):
    """Records the `__provider` input of every resource the program registers."""

    def __init__(self) -> None:
        self.pickles: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.pickles[args.typ] = args.inputs["__provider"]
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list]:
        return {}, []


@pytest.mark.parametrize("protocol", [4, 5])
def test_registered_provider_bytes_are_the_released_ones_whatever_the_default_protocol(
    monkeypatch: pytest.MonkeyPatch, protocol: int
) -> None:
    monkeypatch.setattr(pickle, "DEFAULT_PROTOCOL", protocol)
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, preview=False)

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        conn = OrgConnection("c", sink_org_id=HUB, connection_types=["logs"])
        access = ConnectionAccess("a", connection_id=CONNECTION, editors=["role:x"])
        return pulumi.Output.all(conn.id, access.id)

    program()

    released = {path.rpartition(".")[2]: blob for path, blob in RELEASED_PICKLES.items()}
    assert recorder.pickles == {
        ORG_CONNECTION: released["OrgConnectionProvider"],
        CONNECTION_ACCESS: released["ConnectionAccessProvider"],
    }
