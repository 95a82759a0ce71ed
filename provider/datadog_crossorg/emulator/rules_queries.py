"""Rules of `POST /api/v2/query/timeseries`: deterministic data per org, and cross-org access.

Plain functions over a `World` (the Backend holds the lock). The response shape follows the
recording in shared/datadog-api/recorded-access (`data.id` "0", `series` items with empty
`group_tags` and a null `unit`, one `times` list shared by every series).

Data: a seed may give points for an org and a metric (or event search); every other query gets
a synthetic series, a pure function of (org, data source, metric or search, timestamp), so two
runs, two emulators and two orgs' answers differ only where the inputs do. Aggregators, scopes,
`by {...}` groups and formula `limit`s do not change the numbers (one group, no tags).

Data sources: metrics, and the event sources logs, audit, ci_pipelines (CI Visibility pipeline
runs) and ci_tests (Test Optimization test runs), each queried like logs (`compute`, `search`).
Every one gets synthetic data as logs do, and a seed may give any of them points.

Access: a query with `cross_org_uuids: [<source>]` from another org reads the source only while
a connection from the source to the caller's org exists, shares the type that carries the query's
data source (metrics -> "metrics", logs -> "logs", audit -> "audit", and ci_pipelines, ci_tests
-> "logs": Datadog documents that connections share CI data but names no type for it, so the
emulator makes the project's one assumption, `datadog_crossorg.data_sources`, the only module of
the project it imports), and the sink's restriction policy on that connection (if any) makes the
caller a viewer or an editor. Otherwise the answer is 403: Datadog's answer is not recorded, and
403 is what its API gives when the caller may not read what it asked for (as for a missing
permission); the text names the query, org and reason.
"""

from __future__ import annotations

import ast
import hashlib
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from datadog_crossorg.data_sources import ASSUMED, CONNECTION_TYPE_FOR
from datadog_crossorg.emulator import rules_policies
from datadog_crossorg.emulator.errors import BadRequest, Forbidden
from datadog_crossorg.emulator.model import KeyPair, World, require

PERMISSION = "timeseries_query"
# What a cross-org query may read: every data source a connection type carries. Besides metrics,
# event-platform sources: audit, logs and the CI sources that travel with logs (assumed).
EVENT_SOURCES = tuple(source for source in CONNECTION_TYPE_FOR if source != "metrics")
DATA_SOURCES = ("metrics", *EVENT_SOURCES)
MAX_POINTS = 300
DEFAULT_POINTS = 150
MAX_MILLIS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: later is no time at all
# Bounds on a formula, far above any real one, so that no formula can exhaust the parser or the
# evaluator's stack (a 20,000-term sum did): Datadog's own limits are not documented.
MAX_FORMULA_LENGTH = 4096
MAX_FORMULA_DEPTH = 100
_METRIC_QUERY = re.compile(
    r"^(?:(?:avg|sum|min|max|count):)?(?P<metric>[A-Za-z][A-Za-z0-9_.]*)\{[^{}]*\}"
    r"(?:\s*by\s*\{[^{}]*\})?(?:\.[a-z_]+\([^()]*\))*$"
)
_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


@dataclass(frozen=True)
class _Query:
    name: str
    data_source: str
    subject: str  # the metric name, or the event search
    org_uuid: str  # the org whose data it reads


# -- parsing ---------------------------------------------------------------------------------
def _invalid(text: str) -> BadRequest:
    # Undocumented texts: each names the offending field.
    return BadRequest(f"Invalid timeseries request: {text}")


def _millis(attributes: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = attributes.get(name)
    if value is None and not required:
        return None
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    # 1e999 arrives as inf: it, NaN and 400-digit integers are no time either
    if number is None or not (0 <= number <= MAX_MILLIS) or number != int(number):
        raise _invalid(
            f"'{name}' must be a time in milliseconds since the epoch (0 to {MAX_MILLIS})"
        )
    return int(number)


def _parse_query(raw: Any, index: int, caller_org: str) -> _Query:
    where = f"queries[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise _invalid(f"{where} needs a 'name'")
    source = raw.get("data_source")
    if source not in DATA_SOURCES:
        raise _invalid(
            f"{where}.data_source {source!r} is not served by the emulator "
            f"(it serves {', '.join(DATA_SOURCES)})"
        )
    if source == "metrics":
        query = raw.get("query")
        found = _METRIC_QUERY.match(query) if isinstance(query, str) else None
        if found is None:
            raise _invalid(f"{where}.query {query!r} is not a metric query like avg:metric{{*}}")
        subject = found["metric"]
    else:
        compute = raw.get("compute")
        if not isinstance(compute, dict) or not isinstance(compute.get("aggregation"), str):
            raise _invalid(f"{where} ({source}) needs 'compute': {{'aggregation': 'count'}}")
        search = raw.get("search") or {}
        text = search.get("query") if isinstance(search, dict) else None
        subject = text.strip() if isinstance(text, str) and text.strip() else "*"
    uuids = raw.get("cross_org_uuids")
    if uuids is None:
        org = caller_org
    elif not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
        raise _invalid(f"{where}.cross_org_uuids must be a list of org UUIDs")
    elif len(uuids) > 1:
        raise _invalid(f"{where}.cross_org_uuids accepts at most one org UUID, got {len(uuids)}")
    else:
        org = uuids[0].lower() if uuids else caller_org
    return _Query(raw["name"], source, subject, org)


def _parse(body: Any, caller_org: str) -> tuple[int, int, int | None, list[_Query], list[str]]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or data.get("type") != "timeseries_request":
        raise _invalid("'data.type' must be 'timeseries_request'")
    attributes = data.get("attributes")
    if not isinstance(attributes, dict):
        raise _invalid("'data.attributes' is required")
    start, end = _millis(attributes, "from"), _millis(attributes, "to")
    interval = _millis(attributes, "interval", required=False)
    assert start is not None and end is not None
    if end <= start:
        raise _invalid("'to' must be after 'from'")
    if interval is not None and interval <= 0:
        raise _invalid("'interval' must be positive")
    raw_queries = attributes.get("queries")
    if not isinstance(raw_queries, list) or not raw_queries:
        raise _invalid("'queries' must be a non-empty list")
    queries = [_parse_query(q, i, caller_org) for i, q in enumerate(raw_queries)]
    names = [q.name for q in queries]
    if len(set(names)) != len(names):
        raise _invalid("query names must be unique")
    raw_formulas = attributes.get("formulas") or []
    if not isinstance(raw_formulas, list):
        raise _invalid("'formulas' must be a list")
    formulas = []
    for index, item in enumerate(raw_formulas):
        formula = item.get("formula") if isinstance(item, dict) else None
        if not isinstance(formula, str) or not formula.strip():
            raise _invalid(f"formulas[{index}] needs a 'formula'")
        formulas.append(formula)
    return start, end, interval, queries, formulas


# -- access ----------------------------------------------------------------------------------
def _require_access(world: World, key_pair: KeyPair, query: _Query) -> None:
    """A cross-org query reads the source only through a connection to the caller's org."""
    if query.org_uuid == key_pair.org_uuid:
        return
    conn = next(
        (
            c
            for c in world.connections.values()
            if c.source_uuid == query.org_uuid and c.sink_uuid == key_pair.org_uuid
        ),
        None,
    )
    if conn is None:
        raise Forbidden(
            f"Forbidden: query '{query.name}' reads org {query.org_uuid}, which has no org "
            "connection sharing data with this org"
        )
    needed = CONNECTION_TYPE_FOR[query.data_source]
    if needed not in conn.connection_types:
        assumed = ASSUMED.get(query.data_source)
        raise Forbidden(
            f"Forbidden: query '{query.name}' reads {query.data_source} of org {query.org_uuid}, "
            f"but its connection {conn.id} to this org shares only "
            f"{', '.join(conn.connection_types)}"
            + (f" ({query.data_source} needs {needed}; {assumed})" if assumed else "")
        )
    resource = rules_policies.connection_resource(conn.id)
    if not rules_policies.has_relation(
        world, key_pair.org_uuid, key_pair.user_id, resource, rules_policies.VIEWER
    ):
        raise Forbidden(
            f"Forbidden: the restriction policy on {resource} does not make this user a viewer "
            "of the data it shares"
        )


# -- data ------------------------------------------------------------------------------------
def _grid(start: int, end: int, interval: int | None) -> list[int]:
    """Timestamps every `step` ms within [start, end], at most MAX_POINTS, whole seconds."""
    span = end - start
    step = max(interval or span // DEFAULT_POINTS, math.ceil(span / MAX_POINTS), 1000)
    step = math.ceil(step / 1000) * 1000
    first = math.ceil(start / step) * step
    return list(range(first, end + 1, step))


def synthetic_value(org_uuid: str, data_source: str, subject: str, timestamp: int) -> float | int:
    """The emulator's data: metrics in [0, 100) with 3 decimals, event counts in [0, 50)."""
    digest = hashlib.sha256(f"{org_uuid}|{data_source}|{subject}|{timestamp}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    if data_source == "metrics":
        return round((number % 100_000) / 1000, 3)
    return number % 50


def _points(world: World, query: _Query, grid: list[int], start: int, end: int) -> dict[int, Any]:
    seeded = world.series.get((query.org_uuid, query.data_source, query.subject))
    if seeded is not None:
        return {t: v for t, v in seeded.points if start <= t <= end}
    return {t: synthetic_value(query.org_uuid, query.data_source, query.subject, t) for t in grid}


# -- formulas --------------------------------------------------------------------------------
def _compile(formula: str, names: set[str]) -> ast.expr:
    """Arithmetic over query names and numbers; functions are not emulated (400).

    Integers past 2**53 become floats, so a 5000-digit constant is refused here rather than
    overflowing in evaluation, and the tree's depth is bounded before it is evaluated
    recursively.
    """
    if len(formula) > MAX_FORMULA_LENGTH:
        raise _invalid(f"a formula may be at most {MAX_FORMULA_LENGTH} characters long")
    try:
        tree = ast.parse(formula.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _invalid(f"formula {formula!r} does not parse") from None
    if _depth(tree) > MAX_FORMULA_DEPTH:
        raise _invalid(f"formula {formula!r} nests deeper than {MAX_FORMULA_DEPTH} operations")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in names:
            raise _invalid(f"formula {formula!r} names no query {node.id!r}")
        allowed = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.USub, ast.UAdd)
        if not isinstance(node, allowed + tuple(_OPERATORS)):
            raise _invalid(
                f"formula {formula!r}: only + - * / over query names and numbers are emulated"
            )
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise _invalid(f"formula {formula!r}: constants must be numbers")
            if isinstance(node.value, int) and abs(node.value) >= 2**53:
                try:  # an integer this large only overflows later: make it a float now
                    node.value = float(node.value)
                except OverflowError:
                    raise _invalid(f"formula {formula!r}: a constant is too large") from None
    return tree


def _depth(tree: ast.expr) -> int:
    """Iterative: measuring a deep tree must not itself recurse."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _finite(value: Any) -> Any:
    """Overflow (1e308 * 1e308) is no data point: null, as a division by zero is."""
    try:
        return value if value is None or math.isfinite(value) else None
    except OverflowError:  # an integer past the largest float
        return None


def _evaluate(node: ast.expr, row: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return row[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, row)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    assert isinstance(node, ast.BinOp)
    left, right = _evaluate(node.left, row), _evaluate(node.right, row)
    if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
        return None
    try:
        return _OPERATORS[type(node.op)](left, right)
    except OverflowError:  # an integer too large for a float: no data point
        return None


# -- the endpoint ----------------------------------------------------------------------------
def query_timeseries(world: World, key_pair: KeyPair, body: Any) -> dict[str, Any]:
    require(key_pair, PERMISSION)
    start, end, interval, queries, formulas = _parse(body, key_pair.org_uuid)
    trees = [_compile(f, {q.name for q in queries}) for f in formulas]
    for query in queries:
        _require_access(world, key_pair, query)
    grid = _grid(start, end, interval)
    by_name = {q.name: _points(world, q, grid, start, end) for q in queries}
    times = sorted({t for points in by_name.values() for t in points})
    if trees:
        rows = [{name: points.get(t) for name, points in by_name.items()} for t in times]
        values = [[_finite(_evaluate(tree, row)) for row in rows] for tree in trees]
    else:
        values = [[by_name[q.name].get(t) for t in times] for q in queries]
    return {
        "data": {
            "id": "0",
            "type": "timeseries_response",
            "attributes": {
                "series": [
                    {"group_tags": [], "query_index": index, "unit": None}
                    for index in range(len(values))
                ],
                "times": times,
                "values": values,
            },
        }
    }
