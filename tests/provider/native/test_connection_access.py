"""The native plugin's ConnectionAccess cases the dynamic provider cannot have: `pulumi import`
by the policy's id alone (a dynamic Read gets no `__provider` to import with)."""

from __future__ import annotations

from pathlib import Path

from datadog_crossorg.emulator import Emulator
from datadog_crossorg.resources.connection_access import CONNECTION_ACCESS
from tests.provider.test_access_lifecycle import stack
from tests.support.access import PAYMENTS_ADMIN, PAYMENTS_TEAM
from tests.support.world import native_world


def test_import_by_id_reads_the_policy_Datadog_holds_with_one_call(
    datadog_emulator: Emulator, tmp_path: Path
) -> None:
    with native_world(datadog_emulator, ("payments",), tmp_path) as world:
        world.engine.up(stack(world, [PAYMENTS_ADMIN], [PAYMENTS_TEAM]))
        policy_id = world.engine.state["payments-access"].id
        world.api_calls()

        imported = world.engine.import_(
            CONNECTION_ACCESS.native_token, "imported", policy_id, provider_instance="payments"
        )

        assert world.api_calls() == {"GET": 1}
        assert imported.id == policy_id
        assert world.out(imported, "editors") == [PAYMENTS_ADMIN]
        assert world.out(imported, "viewers") == [PAYMENTS_TEAM]
        assert world.inp(imported, "connection_id") == policy_id.partition(":")[2]
        # Datadog cannot tell who deploys: the editors stand in, so the import passes Check
        assert world.inp(imported, "deployer") == [PAYMENTS_ADMIN]
