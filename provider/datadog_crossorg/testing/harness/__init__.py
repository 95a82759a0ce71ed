"""Drive a Pulumi provider exactly as the Pulumi engine does, without the Pulumi CLI: the dynamic
provider server (`python -m pulumi.dynamic`) or a provider plugin folder (`python <folder> ...`).

    from datadog_crossorg.testing.harness import Engine, Goal, ProviderServer

    with ProviderServer(cwd=project_dir) as server:          # python -u -m pulumi.dynamic
        server.configure({"datadog:apiKey": key}, secret_keys={"datadog:apiKey"})
        engine = Engine(server, stack="local", state_path=tmp_path / "state.json")
        goal = Goal(name="hub-to-payments", type="pulumi-python:dynamic/datadog:OrgConnection",
                    inputs={...}, provider=OrgConnectionProvider())
        engine.preview([goal])      # Check + Diff only
        engine.up([goal])           # Check, Diff, Create/Update/replace; leftovers deleted
        engine.refresh()            # Read every resource; gone ones leave the state
        engine.destroy()

    with ProviderServer(cwd=project_dir, plugin=NATIVE_DIR) as payments:  # python <folder> <addr>
        engine = Engine(stack="local")
        engine.add_provider("payments", payments, {"apiKey": secret(key), ...})  # CheckConfig,
        engine.up([Goal("p", "datadog-crossorg:index:OrgConnection",        # Configure
                        {"sinkOrgId": hub, ...}, provider_instance="payments")])
        engine.import_("datadog-crossorg:index:OrgConnection", "q", id_,
                       provider_instance="payments")                   # pulumi import

- `server`: `ProviderServer` (the gRPC calls, one at a time, as the engine builds them),
  `ProviderError`, `CheckResult`, `DiffResult`.
- `engine`: `Engine`, `Goal`, `Result`, `Step`, `CheckFailed`, `NotFound`, `Deployment`.
- `state`: `ResourceState` and the JSON state file.
- `values`: `UNKNOWN`, `secret()`, and the engine's secret handling.
The Mocks bridge (`datadog_crossorg.testing.mocks`) runs a whole Pulumi program against an Engine.
"""

from __future__ import annotations

from datadog_crossorg.testing.harness.engine import (
    CheckFailed,
    Deployment,
    Engine,
    Goal,
    NotFound,
    Result,
    Step,
)
from datadog_crossorg.testing.harness.server import (
    CheckResult,
    DiffResult,
    HarnessError,
    ProviderError,
    ProviderServer,
    ServerStartError,
)
from datadog_crossorg.testing.harness.state import ResourceState
from datadog_crossorg.testing.harness.values import UNKNOWN, is_secret, secret, strip_secrets

__all__ = [
    "UNKNOWN",
    "CheckFailed",
    "CheckResult",
    "Deployment",
    "DiffResult",
    "Engine",
    "Goal",
    "HarnessError",
    "NotFound",
    "ProviderError",
    "ProviderServer",
    "ResourceState",
    "Result",
    "ServerStartError",
    "Step",
    "is_secret",
    "secret",
    "strip_secrets",
]
