"""Run one function per node of a dependency graph, independent nodes concurrently.

This is how the engine's step executor behaves: a step starts once the steps it depends on are
done, up to `parallel` at once; after the first failure no new step starts, steps already
running finish, and the failure is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

_K = TypeVar("_K", bound=Hashable)


def run_graph(
    nodes: Iterable[_K],
    after: Mapping[_K, Iterable[_K]],
    step: Callable[[_K], object],
    parallel: int,
) -> BaseException | None:
    """Call `step(node)` for every node once all nodes in `after[node]` succeeded.

    Returns the first exception raised (later nodes are then not started), else None.
    """
    waiting = {node: set(after.get(node, ())) for node in nodes}
    unknown = {dep for deps in waiting.values() for dep in deps} - set(waiting)
    if unknown:
        raise ValueError(f"dependencies on unknown resources: {sorted(map(str, unknown))}")
    failure: BaseException | None = None
    running: dict[Future[object], _K] = {}
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="step") as pool:
        while waiting or running:
            if failure is None:
                ready = [node for node, deps in waiting.items() if not deps]
                for node in ready[: max(0, parallel - len(running))]:
                    del waiting[node]
                    running[pool.submit(step, node)] = node
            if not running:
                if waiting and failure is None:
                    raise ValueError(f"dependency cycle among {sorted(map(str, waiting))}")
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                node = running.pop(future)
                error = future.exception()
                if error is not None:
                    failure = failure or error
                    continue
                for deps in waiting.values():
                    deps.discard(node)
    return failure
