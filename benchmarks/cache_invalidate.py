"""``MemoryCache.invalidate(prefix)`` on a large cache: how long it takes and how long it holds
the event loop (a 1 ms ticker measures the worst gap while it runs, against the same ticker on
an idle loop in the same run)."""

from __future__ import annotations

import gc
import time
from typing import Any

import anyio

import medianest_sdk as mn

Rows = list[dict[str, Any]]


async def _worst_gap(work: Any) -> tuple[float, float]:
    """(seconds ``work()`` took, worst gap in seconds between 1 ms ticks meanwhile)."""
    worst = 0.0
    done = anyio.Event()

    async def ticker() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done.is_set():
            await anyio.sleep(0.001)
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now

    async with anyio.create_task_group() as tg:
        tg.start_soon(ticker)
        await anyio.sleep(0.01)
        began = time.perf_counter()
        await work()
        took = time.perf_counter() - began
        done.set()
    return took, worst


async def run(size: int, dropped: int) -> Rows:
    cache = mn.MemoryCache(max_entries=size + 1)
    scope = "plex:0123456789abcdef0123456789abcdef:"
    for n in range(size - dropped):
        cache.add_now(f"{scope}/library/metadata/{n}", {"n": n}, ttl=3600)
    for n in range(dropped):
        cache.add_now(f"{scope}/library/sections/7/all?page={n}", {"n": n}, ttl=3600)
    gc.collect()

    async def idle() -> None:
        await anyio.sleep(0.2)

    async def drop_none() -> None:
        assert await cache.invalidate(f"{scope}/hubs/") == 0

    async def drop_some() -> None:
        assert await cache.invalidate(f"{scope}/library/sections/7/") == dropped

    rows: Rows = []
    _, idle_gap = await _worst_gap(idle)
    # the first call builds the sorted key index (stores before it do not keep one)
    for label, work in (
        ("first call, builds the key index, nothing to drop", drop_none),
        (f"{dropped:,} entries", drop_some),
    ):
        took, gap = await _worst_gap(work)
        rows.append(
            {
                "case": "cache_invalidate",
                "side": f"invalidate(prefix) in {size:,} entries: {label}",
                "baseline": "idle loop",
                "median_us": took * 1e6,
                "ratio": gap / idle_gap if idle_gap else 0.0,
                "worst_gap_ms": gap * 1000,
                "idle_gap_ms": idle_gap * 1000,
            }
        )
        print(
            f"  {rows[-1]['side']:<58} {took * 1000:8.2f} ms, loop held at most "
            f"{gap * 1000:.1f} ms (idle loop: {idle_gap * 1000:.1f} ms)"
        )
    return rows


def main(size: int = 1_000_000, dropped: int = 20_000) -> Rows:
    print(f"\n# 13. MemoryCache.invalidate(prefix) with {size:,} entries")
    rows: Rows = anyio.run(run, size, dropped)
    return rows


if __name__ == "__main__":
    main()
