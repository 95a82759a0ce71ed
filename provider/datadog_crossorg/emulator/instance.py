"""`Emulator`: a Backend served over HTTP on a loopback port, with faults, limits and a log."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from datadog_crossorg.emulator.faults import Fault, FaultPlan
from datadog_crossorg.emulator.model import KeyPair
from datadog_crossorg.emulator.ratelimit import RateLimit, RateLimiter, parse_limits
from datadog_crossorg.emulator.requestlog import RequestLog, RequestRecord
from datadog_crossorg.emulator.seed import SeedSource
from datadog_crossorg.emulator.server import Context, EmulatorHTTPServer, WireLimits
from datadog_crossorg.emulator.state import Backend


def loopback_host(host: str) -> str:
    """The address to bind; only loopback is allowed (the emulator serves demo keys)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"host must be a loopback address, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"host must be a loopback address, not {host!r}")
    return str(address)


class Emulator:
    """The offline Datadog: `with Emulator() as emu: ... emu.url ... emu.keys("hub")`.

    `seed` is None (the default seed), a path or a dict. With `state_file`, the world is loaded
    from it when it exists and saved to it after every change. `rate_limits` maps a group
    ("org_connections", "dashboards", "notebooks", "org", "validate", "restriction_policy",
    "query_timeseries") to {"limit": N, "period": seconds}; it adds to (and overrides) the
    seed's, and a group named nowhere runs on its generous default. `request_timeout` (seconds
    from a request's first byte to its last) and `max_body` (bytes) bound every request: past
    them the answer is 408 or 413.
    """

    def __init__(
        self,
        seed: SeedSource = None,
        state_file: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: Mapping[str, Any] | None = None,
        request_timeout: float = WireLimits.request_timeout,
        max_body: int = WireLimits.max_body,
    ) -> None:
        self._host = loopback_host(host)
        self._port = port
        backend = Backend(seed, state_file)
        limits = {**backend.seed_rate_limits, **parse_limits(rate_limits or {})}
        wire = WireLimits(request_timeout=request_timeout, max_body=max_body)
        self._context = Context(backend, FaultPlan(), RateLimiter(limits), RequestLog(), wire)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Emulator:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        server = EmulatorHTTPServer(self._host, self._port, self._context)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"datadog-emulator-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_live_connections()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start() or use `with`")
        host, port = self._server.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    # -- world -----------------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        return self._context.backend

    @property
    def key_pairs(self) -> dict[str, KeyPair]:
        return self.backend.key_pairs

    def keys(self, name: str) -> KeyPair:
        try:
            return self.backend.key_pairs[name]
        except KeyError:
            raise KeyError(f"no key pair named {name!r}") from None

    def org_uuid(self, name: str) -> str:
        """By org name ("Acme Hub") or key-pair name ("hub")."""
        return self.backend.org_uuid(name)

    def connections(self) -> list[dict[str, Any]]:
        return self.backend.connections()

    def deactivate_user(self, handle_or_id: str, *, revoke_keys: bool = False) -> list[str]:
        return self.backend.deactivate_user(handle_or_id, revoke_keys=revoke_keys)

    def reset(self) -> None:
        self._context.reset()

    # -- faults, limits, log -----------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        self._context.faults.add(fault)

    def clear_faults(self) -> None:
        self._context.faults.clear()

    def set_rate_limit(self, name: str, limit: int, period: int) -> None:
        self._context.limiter.configure(name, RateLimit(limit, period))

    @property
    def requests(self) -> list[RequestRecord]:
        return self._context.log.records()

    @property
    def max_in_flight(self) -> int:
        """The most API requests answered at once since the log was last cleared."""
        return self._context.log.max_in_flight

    @property
    def api_span(self) -> float:
        """Seconds from the first API request's start to the last answer since the log was cleared:
        the API phase of a command, without its start-up and planning."""
        return self._context.log.span()

    def clear_requests(self) -> None:
        self._context.log.clear()
