"""Resilience primitives: overhead per call around a no-op, and against the peers."""

from __future__ import annotations

import importlib.util
from typing import Any

import anyio

import medianest_sdk as mn

from .harness import Side, report, run_case


async def noop() -> int:
    return 1


def noop_sync() -> int:
    return 1


async def run(iterations: int, rounds: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    print("\n# each primitive alone, around a no-op coroutine (baseline: bare await)")
    breaker = mn.CircuitBreaker("bench", minimum_throughput=10**9)
    limiter = mn.RateLimiter("1000000/second")
    bulkhead = mn.Bulkhead(10)
    retry = mn.RetryPolicy()
    cache_pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    await cache_pipeline.execute(noop, cache_key="k")
    full = mn.ResiliencePipeline(
        timeout=5.0,
        retry=mn.RetryPolicy(),
        breaker=mn.CircuitBreaker("bench-full", minimum_throughput=10**9),
        limiter=mn.RateLimiter("1000000/second"),
        bulkhead=mn.Bulkhead(10),
    )
    sides = [
        Side("bare await", noop),
        Side("CircuitBreaker.call", lambda: breaker.call(noop)),
        Side("RateLimiter.try_acquire (memory, moving)", lambda: limiter.try_acquire("k")),
        Side("Bulkhead.call", lambda: bulkhead.call(noop)),
        Side("RetryPolicy.call (no failure)", lambda: retry.call(noop)),
        Side("pipeline cache hit", lambda: cache_pipeline.execute(noop, cache_key="k")),
        Side(
            "full pipeline (timeout,retry,breaker,limiter,bulkhead)",
            lambda: full.execute(noop),
        ),
    ]
    rows += report(
        await run_case("primitives", sides, iterations=iterations, rounds=rounds), "bare await"
    )

    print("\n# breaker vs peers (baseline: our CircuitBreaker.call)")
    sides = [Side("medianest CircuitBreaker.call", lambda: breaker.call(noop))]
    if importlib.util.find_spec("purgatory"):
        from purgatory import AsyncCircuitBreakerFactory

        factory = AsyncCircuitBreakerFactory(default_threshold=10**9)

        async def purgatory_call() -> int:
            async with await factory.get_breaker("bench"):
                return await noop()

        sides.append(Side("purgatory (async)", purgatory_call))
    if importlib.util.find_spec("pybreaker"):
        import pybreaker

        pb = pybreaker.CircuitBreaker(fail_max=10**9)
        sides.append(Side("pybreaker (sync call, sync no-op)", lambda: pb.call(noop_sync), False))
    rows += report(
        await run_case("breaker", sides, iterations=iterations, rounds=rounds),
        "medianest CircuitBreaker.call",
    )

    rows += await _rejections(iterations, rounds)

    print("\n# limiter vs peers (baseline: limits' own moving-window hit)")
    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    raw = MovingWindowRateLimiter(MemoryStorage())
    item = parse("1000000/second")
    sides = [
        Side("limits MovingWindowRateLimiter.hit (sync)", lambda: raw.hit(item, "k"), False),
        Side("medianest RateLimiter.try_acquire", lambda: limiter.try_acquire("k")),
    ]
    if importlib.util.find_spec("aiolimiter"):
        from aiolimiter import AsyncLimiter

        aio = AsyncLimiter(10**9, 3600)
        sides.append(Side("aiolimiter acquire", aio.acquire))
    rows += report(
        # short interleaved batches: a moving window's cost depends on how full it is
        await run_case("limiter", sides, iterations=max(50, iterations // 4), rounds=rounds * 3),
        "limits MovingWindowRateLimiter.hit (sync)",
    )
    # `limits`' memory storage expires entries from a background thread: empty the windows so
    # those threads stop working (and taking the GIL) during the cases that follow.
    await limiter.clear("k")
    if full.limiter is not None:
        await full.limiter.clear("default")
    raw.clear(item, "k")
    return rows


async def failing() -> None:
    raise RuntimeError("down")


def failing_sync() -> None:
    raise RuntimeError("down")


async def _rejections(iterations: int, rounds: int) -> list[dict[str, Any]]:
    """The paths users hit when a service is down: an open breaker refusing, a limiter
    refusing. Each side catches its own library's refusal."""
    print("\n# open breaker rejecting a call (baseline: our CircuitBreaker.call)")
    ours = mn.CircuitBreaker("rejecting", consecutive_failures=1, break_duration=3600)
    try:
        await ours.call(failing)
    except RuntimeError:
        pass

    async def ours_rejects() -> None:
        try:
            await ours.call(noop)
        except mn.CircuitOpenError:
            pass

    sides = [Side("medianest CircuitBreaker.call (open)", ours_rejects)]
    if importlib.util.find_spec("aiobreaker"):
        import datetime

        import aiobreaker

        aio_cb = aiobreaker.CircuitBreaker(fail_max=1, timeout_duration=datetime.timedelta(hours=1))
        try:
            await aio_cb.call_async(failing)
        except (RuntimeError, aiobreaker.CircuitBreakerError):
            pass

        async def aiobreaker_rejects() -> None:
            try:
                await aio_cb.call_async(noop)
            except aiobreaker.CircuitBreakerError:
                pass

        sides.append(Side("aiobreaker call_async (open)", aiobreaker_rejects))
    if importlib.util.find_spec("pybreaker"):
        import pybreaker

        pb = pybreaker.CircuitBreaker(fail_max=1, reset_timeout=3600)
        try:
            pb.call(failing_sync)
        except (RuntimeError, pybreaker.CircuitBreakerError):
            pass

        def pybreaker_rejects() -> None:
            try:
                pb.call(noop_sync)
            except pybreaker.CircuitBreakerError:
                pass

        sides.append(Side("pybreaker call (open, sync)", pybreaker_rejects, False))
    if importlib.util.find_spec("purgatory"):
        from purgatory import AsyncCircuitBreakerFactory
        from purgatory.domain.model import OpenedState

        factory = AsyncCircuitBreakerFactory(default_threshold=1, default_ttl=3600)
        try:
            async with await factory.get_breaker("rejecting"):
                await failing()
        except RuntimeError:
            pass

        async def purgatory_rejects() -> None:
            try:
                async with await factory.get_breaker("rejecting"):
                    await noop()
            except OpenedState:
                pass

        sides.append(Side("purgatory (open)", purgatory_rejects))
    rows = report(
        await run_case("breaker-rejection", sides, iterations=iterations, rounds=rounds),
        "medianest CircuitBreaker.call (open)",
    )

    print("\n# limiter refusing (baseline: limits' own moving-window hit, refused)")
    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    raw = MovingWindowRateLimiter(MemoryStorage())
    item = parse("1/hour")
    raw.hit(item, "full")
    full_limiter = mn.RateLimiter("1/hour")
    await full_limiter.try_acquire("full")
    sides = [
        Side("limits hit (refused, sync)", lambda: raw.hit(item, "full"), False),
        Side("medianest try_acquire (refused)", lambda: full_limiter.try_acquire("full")),
    ]
    rows += report(
        await run_case("limiter-refusal", sides, iterations=iterations, rounds=rounds),
        "limits hit (refused, sync)",
    )
    return rows


def main(iterations: int = 2000, rounds: int = 7) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = anyio.run(run, iterations, rounds)
    return result
