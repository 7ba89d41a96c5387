from __future__ import annotations

import bisect
from collections.abc import Iterator

import anyio
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import medianest_sdk as mn
from medianest_sdk.testing import ManualClock, capture_events


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """A manual clock that is also the wall clock `limits` reads (one source of time)."""
    clock = ManualClock(start=1.7e9)
    with clock.patch_wall_time():
        yield clock


async def test_try_acquire_per_key(clock: ManualClock) -> None:
    limiter = mn.RateLimiter("5/hour")
    assert [await limiter.try_acquire("alice") for _ in range(6)] == [True] * 5 + [False]
    assert await limiter.try_acquire("bob")  # another key has its own budget
    assert await limiter.remaining("alice") == 0
    assert await limiter.retry_after("alice") == pytest.approx(3600, abs=1)
    clock.advance(3601)
    assert await limiter.try_acquire("alice")


async def test_acquire_waits_on_the_clock(clock: ManualClock) -> None:
    limiter = mn.RateLimiter("2/minute", clock=clock)
    hooks_seen: list[mn.Event] = []
    limiter.hooks.register(hooks_seen.append)
    await limiter.acquire("k")
    await limiter.acquire("k")
    await limiter.acquire("k")  # waits ~60 s on the manual clock
    assert sum(clock.slept) == pytest.approx(60, abs=1)
    assert any(isinstance(e, mn.RateLimited) and e.waited_s for e in hooks_seen)


async def test_acquire_with_timeout_refuses_with_retry_after(clock: ManualClock) -> None:
    limiter = mn.RateLimiter("1/minute", clock=clock)
    await limiter.acquire("k")
    with pytest.raises(mn.RateLimitExceeded) as info:
        await limiter.acquire("k", timeout=10)
    assert info.value.retry_after == pytest.approx(60, abs=1)
    assert info.value.key == "k"
    assert clock.slept == []  # refused without waiting


async def test_cost_and_validation() -> None:
    limiter = mn.RateLimiter("10/second")
    assert await limiter.try_acquire("k", cost=10)
    assert not await limiter.try_acquire("k")
    with pytest.raises(ValueError, match="cost"):
        await limiter.try_acquire("k", cost=11)
    with pytest.raises(ValueError, match="cannot parse"):
        mn.RateLimiter("lots per day")
    with pytest.raises(ValueError, match="strategy"):
        mn.RateLimiter("1/second", strategy="leaky")  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window-counter", "moving-window"])
async def test_strategies_enforce_the_amount(strategy: str, clock: ManualClock) -> None:
    limiter = mn.RateLimiter("3/minute", strategy=strategy)  # type: ignore[arg-type]
    granted = [await limiter.try_acquire("k") for _ in range(5)]
    assert granted == [True, True, True, False, False]
    await limiter.clear("k")
    assert await limiter.try_acquire("k")


@pytest.mark.redis
async def test_redis_storage_is_shared(redis_url: str) -> None:
    a = mn.RateLimiter("3/minute", storage=redis_url)
    b = mn.RateLimiter("3/minute", storage=redis_url)
    assert [await a.try_acquire("u"), await b.try_acquire("u"), await a.try_acquire("u")] == [
        True,
        True,
        True,
    ]
    assert not await b.try_acquire("u")
    assert await b.remaining("u") == 0
    assert "redis://127.0.0.1" in repr(a)


def test_redis_url_credentials_never_shown() -> None:
    limiter = mn.RateLimiter("1/second", storage="redis://user:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(limiter)
    assert "hunter2" not in limiter.describe()


# -- stateful: never more than the limit in any window -----------------------------------------

LIMIT, PERIOD = 4, 60.0


class MovingWindowModel(RuleBasedStateMachine):
    backend = "asyncio"

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(start=1.7e9)
        self._patch = self.clock.patch_wall_time()
        self._patch.__enter__()
        self.limiter = mn.RateLimiter(f"{LIMIT}/minute", clock=self.clock)
        self.granted: dict[str, list[float]] = {"a": [], "b": []}

    def teardown(self) -> None:
        self._patch.__exit__(None, None, None)

    def _free_at(self, key: str, cost: int) -> float:
        """When ``key``'s window first has room for ``cost`` (the model's moving window)."""
        now = self.clock.now()
        times = self.granted[key]
        live = times[bisect.bisect_right(times, now - PERIOD) :]
        excess = len(live) + cost - LIMIT
        return now if excess <= 0 else live[excess - 1] + PERIOD

    @rule(
        key=st.sampled_from(["a", "b"]),
        cost=st.integers(min_value=1, max_value=3),
        timeout=st.sampled_from([0.0, 5.0, 30.0, None]),
    )
    def acquire(self, key: str, cost: int, timeout: float | None) -> None:
        start = self.clock.now()
        free_at = self._free_at(key, cost)

        async def go() -> float | None:
            try:
                await self.limiter.acquire(key, cost, timeout=timeout)
            except mn.RateLimitExceeded as exc:
                return exc.retry_after
            return None

        refused_after = anyio.run(go, backend=self.backend)
        now = self.clock.now()
        if refused_after is None:  # granted: exactly when the window had room
            assert now == pytest.approx(free_at, abs=0.01)
            assert timeout is None or now - start <= timeout + 0.01
            self.granted[key].extend([now] * cost)
            self.granted[key].sort()
        else:  # refused: the room would come too late; never waited past the deadline
            assert timeout is not None and free_at - start > timeout - 0.01
            assert now - start <= timeout + 0.01
            assert refused_after > 0.001

    @rule(key=st.sampled_from(["a", "b"]), cost=st.integers(min_value=1, max_value=2))
    def hit(self, key: str, cost: int) -> None:
        now = self.clock.now()
        before = self.granted[key]
        in_window = len(before) - bisect.bisect_right(before, now - PERIOD)
        allowed = anyio.run(lambda: self.limiter.try_acquire(key, cost), backend=self.backend)
        # moving window is exact: allowed iff the window has room
        assert allowed == (in_window + cost <= LIMIT)
        if allowed:
            before.extend([now] * cost)
            before.sort()

    @rule(seconds=st.floats(min_value=0, max_value=40, allow_nan=False))
    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def never_more_than_limit_in_any_window(self) -> None:
        for times in self.granted.values():
            for i, start in enumerate(times):
                assert bisect.bisect_left(times, start + PERIOD) - i <= LIMIT


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_moving_window_matches_the_model(backend: str) -> None:
    model = type("Model", (MovingWindowModel,), {"backend": backend})
    run_state_machine_as_test(
        model, settings=settings(max_examples=50, stateful_step_count=30, deadline=None)
    )


@pytest.mark.redis
def test_redis_never_exceeds_limit_under_concurrency(redis_server: str) -> None:
    """Many concurrent hits through Redis: exactly LIMIT are granted within the window."""
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    limiter = mn.RateLimiter("10/minute", storage=redis_server)
    granted: list[bool] = []

    async def main() -> None:
        async def one() -> None:
            granted.append(await limiter.try_acquire("shared"))

        async with anyio.create_task_group() as tg:
            for _ in range(40):
                tg.start_soon(one)

    anyio.run(main)
    assert sum(granted) == 10


@pytest.mark.redis
def test_redis_limiter_stateful(redis_server: str) -> None:
    """The same property through Redis: never more than the limit in the window, any key mix.

    Redis keeps real time, so a run of rules happens inside one 1-minute window: the model is
    then exact (a hit is granted iff the key's window has room).
    """
    import redis as redis_client
    from hypothesis import HealthCheck

    redis_client.Redis.from_url(redis_server).flushdb()
    runs = iter(range(10**6))

    class RedisWindow(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.limiter = mn.RateLimiter(
                f"{LIMIT}/minute", storage=redis_server, namespace=f"run{next(runs)}"
            )
            self.granted: dict[str, int] = {"a": 0, "b": 0}

        @rule(key=st.sampled_from(["a", "b"]), cost=st.integers(min_value=1, max_value=2))
        def hit(self, key: str, cost: int) -> None:
            allowed = anyio.run(lambda: self.limiter.try_acquire(key, cost))
            assert allowed == (self.granted[key] + cost <= LIMIT)
            if allowed:
                self.granted[key] += cost

        @invariant()
        def never_more_than_limit(self) -> None:
            assert all(count <= LIMIT for count in self.granted.values())

    run_state_machine_as_test(
        RedisWindow,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


async def test_acquire_is_first_come_first_served(clock: ManualClock) -> None:
    limiter = mn.RateLimiter("1/second", clock=clock)
    await limiter.acquire("k")
    order: list[str] = []

    async def wait_turn(name: str, cost: int = 1) -> None:
        await limiter.acquire("k", cost)
        order.append(name)

    async with anyio.create_task_group() as tg:
        for name in ("first", "second", "third"):
            tg.start_soon(wait_turn, name)
            await anyio.wait_all_tasks_blocked()
        assert not await limiter.try_acquire("k")  # a newcomer never jumps the queue
    assert order == ["first", "second", "third"]
    assert sum(clock.slept) == pytest.approx(3.0, abs=0.01)


async def test_a_costly_acquire_waits_for_enough_slots_without_spinning(
    clock: ManualClock,
) -> None:
    limiter = mn.RateLimiter("3/minute", clock=clock)
    for _ in range(3):
        await limiter.acquire("k")
        clock.advance(10)  # hits at t=0, 10, 20; now t=30
    with pytest.raises(mn.RateLimitExceeded) as info:
        await limiter.acquire("k", cost=2, timeout=5)
    assert info.value.retry_after == pytest.approx(30, abs=0.01)  # not 0.001
    await limiter.acquire("k", cost=2)  # frees at t=60 (one slot) and t=70 (two)
    assert clock.slept == pytest.approx([30, 10], abs=0.01)


@pytest.mark.redis
async def test_two_services_never_share_a_bucket(redis_url: str) -> None:
    def pipeline() -> mn.ResiliencePipeline:
        return mn.ResiliencePipeline(limiter=mn.RateLimiter("3/minute", storage=redis_url))

    plex = mn.ServiceClient("plex", "http://plex.test", pipeline=(p1 := pipeline()))
    seerr = mn.ServiceClient("overseerr", "http://seerr.test", pipeline=(p2 := pipeline()))
    assert p1.limiter is not None and p2.limiter is not None
    assert (p1.limiter.name, p2.limiter.name) == ("plex", "overseerr")
    for _ in range(3):
        await p1.limiter.acquire()
    assert await p2.limiter.remaining() == 3
    await plex.aclose()
    await seerr.aclose()


@pytest.mark.redis
async def test_limiter_store_down_fail_open_and_closed(redis_url: str) -> None:
    from .tcp_proxy import TcpProxy

    with TcpProxy.for_redis(redis_url) as proxy:
        proxy.cut()
        loose = mn.RateLimiter("1/minute", storage=proxy.url())
        strict = mn.RateLimiter("1/minute", storage=proxy.url(), on_store_error="fail_closed")
        with capture_events(mn.StoreUnavailable) as events:
            assert await loose.try_acquire("k")
            with pytest.raises(mn.StoreUnavailableError):
                await strict.acquire("k")
        proxy.restore()
        assert await strict.try_acquire("k")
        assert not await strict.try_acquire("k")
    assert [e.policy for e in events] == ["fail_open", "fail_closed"]
