from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest
import respx

import medianest_sdk as mn
from medianest_sdk.testing import ManualClock, capture_events

from .servers import LoopbackServer, Reply


def full_pipeline(clock: ManualClock | None = None, **kw: object) -> mn.ResiliencePipeline:
    params: dict[str, object] = {
        "cache": mn.MemoryCache(clock=clock),
        "timeout": 5.0,
        "retry": mn.RetryPolicy(attempts=3, wait_initial=0.0, wait_jitter=0.0),
        "breaker": mn.CircuitBreaker("svc", minimum_throughput=2, clock=clock),
        "limiter": mn.RateLimiter("100/minute", clock=clock),
        "bulkhead": mn.Bulkhead(4, max_waiting=10),
        "attempt_timeout": 2.0,
    }
    params.update(kw)
    return mn.ResiliencePipeline(**params)  # type: ignore[arg-type]


def test_describe_gives_the_documented_order() -> None:
    steps = full_pipeline().describe()
    assert [s.split("(")[0] for s in steps] == [
        "cache",
        "timeout",
        "retry",
        "breaker",
        "limiter",
        "bulkhead",
        "attempt_timeout",
    ]
    assert mn.ResiliencePipeline().describe() == []


async def test_empty_pipeline_runs_the_call() -> None:
    async def op() -> int:
        return 42

    assert await mn.ResiliencePipeline().execute(op) == 42


async def test_cache_hit_skips_everything_below() -> None:
    pipeline = full_pipeline()
    calls = 0

    async def op() -> dict[str, int]:
        nonlocal calls
        calls += 1
        return {"n": calls}

    assert await pipeline.execute(op, cache_key="k") == {"n": 1}
    assert await pipeline.execute(op, cache_key="k") == {"n": 1}
    assert calls == 1


async def test_single_flight() -> None:
    pipeline = full_pipeline()
    calls = 0
    release = anyio.Event()

    async def op() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "v"

    results: list[str] = []

    async def one() -> None:
        results.append(await pipeline.execute(op, cache_key="same"))

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(one)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert calls == 1
    assert results == ["v"] * 10


async def test_single_flight_survives_a_cancelled_leader() -> None:
    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    release = anyio.Event()
    calls = 0

    async def op() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await anyio.sleep_forever()
        await release.wait()
        return "second"

    got: list[str] = []
    leader_scope = anyio.CancelScope()
    async with anyio.create_task_group() as tg:
        tg.start_soon(_run_in, leader_scope, pipeline, op)
        await anyio.wait_all_tasks_blocked()

        async def follower() -> None:
            got.append(await pipeline.execute(op, cache_key="k"))

        tg.start_soon(follower)
        await anyio.wait_all_tasks_blocked()
        leader_scope.cancel()
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert got == ["second"]
    assert calls == 2


async def test_single_flight_shares_a_failure() -> None:
    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    release = anyio.Event()
    calls = 0

    async def op() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        raise mn.ServerError("x", service="s", method="GET", url="u", status=500)

    errors: list[BaseException] = []

    async def one() -> None:
        try:
            await pipeline.execute(op, cache_key="k")
        except mn.ServerError as exc:
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(one)
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert calls == 1
    assert len(errors) == 5
    # every follower has its own exception: same type and message, the leader's as cause
    assert len({id(e) for e in errors}) == 5
    assert {str(e) for e in errors} == {str(errors[0])}
    leaders = [e for e in errors if e.__cause__ is None]
    assert len(leaders) == 1
    assert all(e.__cause__ is leaders[0] for e in errors if e is not leaders[0])


async def test_the_breaker_times_only_the_call_not_our_own_throttling() -> None:
    clock = ManualClock()
    breaker = mn.CircuitBreaker(
        "svc", minimum_throughput=2, slow_call_duration=0.5, slow_call_ratio=0.5, clock=clock
    )
    pipeline = mn.ResiliencePipeline(
        breaker=breaker, limiter=mn.RateLimiter("1/second"), clock=clock
    )

    async def instant() -> str:
        return "ok"

    with clock.patch_wall_time():
        for _ in range(4):
            assert await pipeline.execute(instant) == "ok"  # each waits ~1 s for the limiter
    assert sum(clock.slept) >= 2.9
    assert breaker.state is mn.BreakerState.CLOSED
    assert breaker.metrics().slow_calls == 0


async def test_pipeline_hooks_and_clock_reach_every_primitive() -> None:
    hooks, clock = mn.EventHooks(), ManualClock()
    own = mn.EventHooks()
    pipeline = full_pipeline(hooks=hooks, clock=clock, bulkhead=mn.Bulkhead(1, hooks=own))
    assert pipeline.breaker is not None and pipeline.limiter is not None
    assert pipeline.breaker.hooks is hooks and pipeline.breaker.clock is clock
    assert pipeline.limiter.hooks is hooks and pipeline.limiter.clock is clock
    assert pipeline.bulkhead is not None and pipeline.bulkhead.hooks is own  # its own wins
    seen: list[mn.Event] = []
    hooks.register(seen.append)
    assert pipeline.breaker is not None
    await pipeline.breaker.isolate()
    assert any(isinstance(e, mn.BreakerStateChanged) for e in seen)


async def _run_in(
    scope: anyio.CancelScope, pipeline: mn.ResiliencePipeline, op: Callable[[], Awaitable[str]]
) -> None:
    with scope:
        await pipeline.execute(op, cache_key="k")


async def test_stale_if_error_serves_expired_entry_and_says_so() -> None:
    clock = ManualClock()
    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache(clock=clock), cache_ttl=10, max_stale=60)
    healthy = True

    async def op() -> str:
        if not healthy:
            raise mn.ServerError("down", service="s", method="GET", url="u", status=502)
        return "fresh"

    with capture_events(mn.CacheLookup) as lookups:
        assert await pipeline.execute(op, cache_key="k") == "fresh"
        healthy = False
        clock.advance(30)
        assert await pipeline.execute(op, cache_key="k") == "fresh"
    assert [e.result for e in lookups] == ["miss", "miss", "stale"]
    clock.advance(60)  # past max_stale
    with pytest.raises(mn.ServerError):
        await pipeline.execute(op, cache_key="k")


async def test_stale_is_not_served_for_caller_errors() -> None:
    clock = ManualClock()
    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache(clock=clock), cache_ttl=1, max_stale=60)
    gone = False

    async def op() -> str:
        if gone:
            raise mn.NotFoundError("gone", service="s", method="GET", url="u", status=404)
        return "v"

    await pipeline.execute(op, cache_key="k")
    gone = True
    clock.advance(5)
    with pytest.raises(mn.NotFoundError):
        await pipeline.execute(op, cache_key="k")


async def test_retry_stops_when_breaker_opens() -> None:
    breaker = mn.CircuitBreaker("svc", consecutive_failures=2, minimum_throughput=100)
    pipeline = mn.ResiliencePipeline(
        retry=mn.RetryPolicy(attempts=5, wait_initial=0, wait_jitter=0), breaker=breaker
    )
    calls = 0

    async def op() -> None:
        nonlocal calls
        calls += 1
        raise mn.ServerError("x", service="s", method="GET", url="u", status=500)

    with pytest.raises(mn.CircuitOpenError):
        await pipeline.execute(op)
    assert calls == 2


async def test_attempt_timeout_is_retried_and_total_timeout_bounds_all() -> None:
    calls = 0

    async def slow_then_fast() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await anyio.sleep(10)
        return "ok"

    pipeline = mn.ResiliencePipeline(
        retry=mn.RetryPolicy(attempts=2, wait_initial=0, wait_jitter=0), attempt_timeout=0.05
    )
    assert await pipeline.execute(slow_then_fast) == "ok"
    with pytest.raises(TimeoutError):
        await mn.ResiliencePipeline(timeout=0.05).execute(lambda: anyio.sleep(10))


async def test_limiter_refusal_is_not_a_breaker_failure() -> None:
    breaker = mn.CircuitBreaker("svc", consecutive_failures=1)
    pipeline = mn.ResiliencePipeline(
        breaker=breaker, limiter=mn.RateLimiter("1/hour"), limiter_max_wait=0
    )

    async def op() -> str:
        return "ok"

    await pipeline.execute(op)
    with pytest.raises(mn.RateLimitExceeded):
        await pipeline.execute(op)
    assert breaker.state is mn.BreakerState.CLOSED


@pytest.mark.parametrize("stage", ["limiter", "bulkhead", "operation", "half_open"])
async def test_cancellation_at_every_stage_leaves_nothing_held(stage: str) -> None:
    clock = ManualClock()
    breaker = mn.CircuitBreaker("svc", consecutive_failures=1, break_duration=1, clock=clock)
    limiter = mn.RateLimiter("1/hour")
    bulkhead = mn.Bulkhead(1, max_waiting=5)
    pipeline = mn.ResiliencePipeline(
        cache=mn.MemoryCache(), breaker=breaker, limiter=limiter, bulkhead=bulkhead
    )

    async def op() -> str:
        await anyio.sleep_forever()
        return "never"

    if stage == "limiter":
        await limiter.acquire("default")  # next call waits for the limiter
    if stage == "half_open":
        with pytest.raises(mn.ServerError):
            await breaker.call(_fail)
        clock.advance(1)
    async with anyio.create_task_group() as tg:
        if stage == "bulkhead":
            tg.start_soon(bulkhead.call, anyio.sleep_forever)
            await anyio.wait_all_tasks_blocked()
        with anyio.move_on_after(0.05):
            await pipeline.execute(op, cache_key="k")
        tg.cancel_scope.cancel()
    assert bulkhead.in_use == 0
    assert bulkhead.waiting == 0
    assert pipeline._flights == {}
    if stage == "half_open":
        assert breaker.state is mn.BreakerState.HALF_OPEN
        assert await breaker.call(_ok) == "ok"  # the trial slot came back
    else:
        assert breaker.state is mn.BreakerState.CLOSED


async def _fail() -> None:
    raise mn.ServerError("x", service="s", method="GET", url="u", status=500)


async def _ok() -> str:
    return "ok"


# -- through ServiceClient ---------------------------------------------------------------


async def test_service_client_retries_then_caches(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("http://svc.test/items").mock(
        side_effect=[
            respx.MockResponse(503, headers={"Retry-After": "0"}),
            respx.MockResponse(200, json=[1, 2]),
        ]
    )
    pipeline = full_pipeline()
    async with mn.ServiceClient("svc", "http://svc.test", pipeline=pipeline) as client:
        assert await client.get_json("/items", cache=True) == [1, 2]
        assert await client.get_json("/items", cache=True) == [1, 2]
    assert route.call_count == 2


async def test_service_client_never_retries_a_post_that_may_have_arrived(
    loopback: LoopbackServer,
) -> None:
    loopback.routes["POST /create"] = loopback.routes["PUT /create"] = Reply(status=502)
    pipeline = mn.ResiliencePipeline(retry=mn.RetryPolicy(attempts=3, wait_initial=0))
    async with mn.ServiceClient("svc", loopback.url, pipeline=pipeline) as client:
        with pytest.raises(mn.ServerError):
            await client.request("POST", "/create", json={})
        with pytest.raises(mn.ServerError):
            await client.request("PUT", "/create", json={})
    methods = [s.method for s in loopback.seen]
    assert methods.count("POST") == 1  # a 502 may have come after the work was done
    assert methods.count("PUT") == 3  # idempotent: retried until attempts run out


async def test_service_client_maps_pipeline_timeout(loopback: LoopbackServer) -> None:
    loopback.routes["GET /slow"] = Reply(delay=1.0)
    pipeline = mn.ResiliencePipeline(timeout=0.1)
    async with mn.ServiceClient("svc", loopback.url, pipeline=pipeline) as client:
        with pytest.raises(mn.RequestTimeout) as info:
            await client.get_json("/slow")
    assert info.value.phase == "total"


@pytest.mark.redis
async def test_redis_backed_pipeline(redis_url: str, loopback: LoopbackServer) -> None:
    loopback.routes["GET /x"] = Reply.json({"ok": True})
    pipeline = mn.ResiliencePipeline(
        cache=mn.RedisCache(redis_url),
        limiter=mn.RateLimiter("10/minute", storage=redis_url),
        breaker=mn.CircuitBreaker("svc", store=redis_url),
    )
    async with mn.ServiceClient("svc", loopback.url, pipeline=pipeline) as client:
        for _ in range(3):
            assert await client.get_json("/x", cache=True) == {"ok": True}
    assert len(loopback.seen) == 1
