"""The breaker never gets stuck: leases, hooks that hang or raise, stores that fail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import anyio
import pytest

import medianest_sdk as mn
from medianest_sdk.resilience import RedisBreakerStore
from medianest_sdk.testing import ManualClock, capture_events

from .tcp_proxy import TcpProxy


class Boom(Exception):
    pass


async def ok() -> str:
    return "ok"


async def fail() -> None:
    raise Boom("down")


def opened(clock: ManualClock, **kw: object) -> mn.CircuitBreaker:
    return mn.CircuitBreaker(
        "svc",
        consecutive_failures=1,
        break_duration=5.0,
        clock=clock,
        **kw,  # type: ignore[arg-type]
    )


async def open_it(breaker: mn.CircuitBreaker) -> None:
    with pytest.raises(Boom):
        await breaker.call(fail)
    assert breaker.state is mn.BreakerState.OPEN


async def test_a_probe_that_never_returns_frees_its_slot_when_its_lease_expires() -> None:
    clock = ManualClock()
    breaker = opened(clock, trial_timeout=2.0)
    await open_it(breaker)
    clock.advance(5)
    hung = await breaker.admit()  # a trial that will never report back
    assert hung.kind == "trial"
    with pytest.raises(mn.CircuitOpenError) as info:
        await breaker.call(ok)
    assert info.value.retry_after == pytest.approx(2.0)  # not None: the lease tells when
    clock.advance(2.0)
    assert await breaker.call(ok) == "ok"  # a new probe after the lease
    assert breaker.state is mn.BreakerState.CLOSED
    await breaker.record(hung, "failure", 99.0)  # the stale trial reports late: no effect
    assert breaker.state is mn.BreakerState.CLOSED


async def test_cancelled_inside_an_async_hook_leaves_no_trial_held() -> None:
    clock = ManualClock()
    hooks = mn.EventHooks()
    gate = anyio.Event()

    async def slow_hook(event: mn.Event) -> None:
        if isinstance(event, mn.BreakerStateChanged) and event.new == "half_open":
            await gate.wait()

    hooks.register(slow_hook)
    breaker = opened(clock, hooks=hooks)
    await open_it(breaker)
    clock.advance(5)
    with anyio.move_on_after(0.05) as scope:
        await breaker.call(ok)  # admitted as a trial, then cancelled inside the hook
    assert scope.cancelled_caught
    gate.set()
    assert breaker.metrics().trials == 0
    assert await breaker.call(ok) == "ok"  # the next call is a trial at once
    assert breaker.state is mn.BreakerState.CLOSED


async def test_hooks_run_outside_the_shield() -> None:
    hooks = mn.EventHooks()
    outcome: list[str] = []

    async def metrics_sink(event: mn.Event) -> None:
        try:
            await anyio.sleep(5)
            outcome.append("completed")
        except anyio.get_cancelled_exc_class():
            outcome.append("cancelled")
            raise

    hooks.register(metrics_sink, mn.BreakerStateChanged)
    breaker = opened(ManualClock(), hooks=hooks)
    with anyio.move_on_after(0.1) as scope:
        await breaker.call(fail)
    assert scope.cancelled_caught
    assert outcome == ["cancelled"]  # the hook was cancelled, not waited for
    assert breaker.state is mn.BreakerState.OPEN  # the change was committed first


async def test_a_raising_should_handle_counts_as_failure_and_surfaces() -> None:
    def broken(exc: BaseException) -> bool:
        raise KeyError("bug in should_handle")

    breaker = opened(ManualClock(), should_handle=broken)
    with pytest.raises(KeyError) as info:
        await breaker.call(fail)
    assert isinstance(info.value.__cause__, Boom)
    assert breaker.state is mn.BreakerState.OPEN


async def test_isolate_raises_its_own_error() -> None:
    breaker = opened(ManualClock())
    await breaker.isolate()
    with pytest.raises(mn.IsolatedCircuitError) as info:
        await breaker.call(ok)
    assert isinstance(info.value, mn.CircuitOpenError)
    assert info.value.retry_after is None
    await breaker.reset()
    assert await breaker.call(ok) == "ok"


# -- Redis ------------------------------------------------------------------------------------


@pytest.fixture
def proxy(redis_url: str) -> Iterator[TcpProxy]:
    with TcpProxy.for_redis(redis_url) as p:
        yield p


@pytest.mark.redis
@pytest.mark.parametrize(
    "saved",
    [
        b"null",
        b"[]",
        b'{"state": "open", "open_until": "soon"}',
        b'{"state":"closed","buckets":[[1,2]]}',
        b'{"state": "open", "open_until": 1e400}',
        b"[" * 100_000,
        b"\xff",
    ],
)
async def test_an_unreadable_shared_state_is_replaced_and_reported(
    redis_url: str, saved: bytes
) -> None:
    import redis

    redis.Redis.from_url(redis_url).set("medianest:breaker:svc", saved)
    breaker = mn.CircuitBreaker("svc", store=redis_url, clock=ManualClock(1.7e9))
    assert breaker.state is mn.BreakerState.CLOSED  # no I/O yet, no error
    with capture_events(mn.BreakerStateChanged) as events:
        assert await breaker.call(ok) == "ok"
        assert [(e.old, e.new) for e in events] == [("unreadable", "closed")]
        assert "did not parse" in events[0].reason
        saved_now: Any = redis.Redis.from_url(redis_url).get("medianest:breaker:svc")
        assert saved_now is not None and json.loads(saved_now)["state"] == "closed"
        assert await breaker.call(ok) == "ok"
    assert len(events) == 1


@pytest.mark.redis
async def test_refused_calls_write_nothing(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    clock = ManualClock(1.7e9)
    breaker = opened(clock, store=RedisBreakerStore(redis_url, ttl=100))
    await open_it(breaker)
    client.expire("medianest:breaker:svc", 7)
    before = client.get("medianest:breaker:svc")
    for _ in range(5):
        with pytest.raises(mn.CircuitOpenError):
            await breaker.call(ok)
    assert client.get("medianest:breaker:svc") == before
    assert cast(int, client.ttl("medianest:breaker:svc")) <= 7  # no refusal extended the key's life


@pytest.mark.redis
async def test_redis_cut_mid_probe_never_wedges_any_process(proxy: TcpProxy) -> None:
    clock = ManualClock(1.7e9)
    a = opened(clock, store=proxy.url())
    b = opened(clock, store=proxy.url())  # another process
    await open_it(a)
    clock.advance(5)
    probe_started = anyio.Event()
    release = anyio.Event()

    async def probe() -> str:
        probe_started.set()
        await release.wait()
        return "ok"

    with capture_events(mn.StoreUnavailable) as events:
        async with anyio.create_task_group() as tg:
            tg.start_soon(a.call, probe)
            await probe_started.wait()
            proxy.cut()  # Redis goes away while the trial runs
            release.set()
    # the trial's success could not be recorded: reported, not raised
    assert [e.operation for e in events] == ["record"]
    proxy.restore()
    with pytest.raises(mn.CircuitOpenError):
        await b.call(ok)  # the lost trial still holds its lease ...
    clock.advance(5)
    assert await b.call(ok) == "ok"  # ... until it expires: a new probe closes it
    assert await a.call(ok) == "ok"


@pytest.mark.redis
async def test_store_down_fail_open_and_fail_closed(proxy: TcpProxy) -> None:
    proxy.cut()
    loose = mn.CircuitBreaker("svc", store=proxy.url())
    strict = mn.CircuitBreaker("svc", store=proxy.url(), on_store_error="fail_closed")
    with capture_events(mn.StoreUnavailable) as events:
        assert await loose.call(ok) == "ok"
        with pytest.raises(mn.StoreUnavailableError) as info:
            await strict.call(ok)
    assert info.value.store == proxy.url()
    assert [e.policy for e in events] == ["fail_open", "fail_closed"]
