"""Alternating-rounds timing and the report format shared by every case."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs

AsyncFn = Callable[[], Awaitable[object]]
SyncFn = Callable[[], object]


@attrs.frozen
class Side:
    """One contender: ``fn`` is timed ``iterations`` times per round (async or sync)."""

    name: str
    fn: AsyncFn | SyncFn
    is_async: bool = True


@attrs.frozen
class Result:
    case: str
    side: str
    per_call_us: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.per_call_us)


async def run_case(
    case: str, sides: list[Side], *, rounds: int = 7, iterations: int = 2000
) -> list[Result]:
    """Time each side alternately, ``rounds`` times; returns per-call microseconds per round."""
    times: dict[str, list[float]] = {s.name: [] for s in sides}
    for side in sides:  # warm-up
        for _ in range(min(200, iterations)):
            if side.is_async:
                await side.fn()  # type: ignore[misc]
            else:
                side.fn()
    for n in range(rounds):
        # rotate who goes first: drift on a shared machine then hits every side alike
        for side in sides[n % len(sides) :] + sides[: n % len(sides)]:
            start = time.perf_counter()
            if side.is_async:
                fn_a: Any = side.fn
                for _ in range(iterations):
                    await fn_a()
            else:
                fn_s = side.fn
                for _ in range(iterations):
                    fn_s()
            times[side.name].append((time.perf_counter() - start) / iterations * 1e6)
    return [Result(case, name, per) for name, per in times.items()]


def report(results: list[Result], baseline: str) -> list[dict[str, Any]]:
    """Print one table row per side with its ratio to ``baseline``; return JSON rows.

    The ratio is the median of the per-round ratios (each side against the baseline in the
    same round), which cancels the slow drift of a shared machine better than a ratio of
    medians.
    """
    base_result = next(r for r in results if r.side == baseline)
    rows = []
    for r in results:
        paired = [a / b for a, b in zip(r.per_call_us, base_result.per_call_us, strict=True) if b]
        ratio = statistics.median(paired) if paired else float("nan")
        print(
            f"  {r.side:<46} min {min(r.per_call_us):9.2f}  med {r.median:9.2f}  "
            f"max {max(r.per_call_us):9.2f} us/call   ratio {ratio:6.2f}"
        )
        rows.append(
            {
                "case": r.case,
                "side": r.side,
                "baseline": baseline,
                "min_us": min(r.per_call_us),
                "median_us": r.median,
                "max_us": max(r.per_call_us),
                "ratio": ratio,
            }
        )
    return rows


def write_json(rows: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
    }
    path.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
