from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import medianest_sdk as mn
from medianest_sdk.resilience import MemoryBreakerStore, RedisBreakerStore
from medianest_sdk.testing import ManualClock


class Boom(Exception):
    pass


async def ok() -> str:
    return "ok"


async def fail() -> None:
    raise Boom("down")


async def not_found() -> None:
    raise mn.NotFoundError("gone", service="s", method="GET", url="u", status=404)


def breaker(clock: ManualClock, **kw: object) -> mn.CircuitBreaker:
    params: dict[str, object] = {
        "failure_ratio": 0.5,
        "minimum_throughput": 4,
        "sampling_duration": 10.0,
        "break_duration": 5.0,
        "clock": clock,
    }
    params.update(kw)
    return mn.CircuitBreaker("svc", **params)  # type: ignore[arg-type]


async def test_opens_on_failure_ratio_and_recovers_through_half_open() -> None:
    clock = ManualClock()
    hooks = mn.EventHooks()
    changes: list[mn.BreakerStateChanged] = []
    hooks.register(lambda e: changes.append(e) if isinstance(e, mn.BreakerStateChanged) else None)
    b = breaker(clock, hooks=hooks)
    for fn in (ok, fail, ok):
        with pytest.raises(Boom) if fn is fail else _nothing():
            await b.call(fn)
    assert b.state is mn.BreakerState.CLOSED  # 3 calls < minimum throughput
    with pytest.raises(Boom):
        await b.call(fail)  # 2/4 failures = 0.5 -> open
    assert b.metrics().state is mn.BreakerState.OPEN
    with pytest.raises(mn.CircuitOpenError) as info:
        await b.call(ok)
    assert info.value.retry_after == pytest.approx(5.0)
    clock.advance(5.0)
    assert b.metrics().state is mn.BreakerState.HALF_OPEN
    assert await b.call(ok) == "ok"
    assert b.state is mn.BreakerState.CLOSED
    assert [(e.old, e.new) for e in changes] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None:
        return None


async def test_caller_errors_never_open_it() -> None:
    b = breaker(ManualClock(), minimum_throughput=1, failure_ratio=0.1)
    for _ in range(20):
        with pytest.raises(mn.NotFoundError):
            await b.call(not_found)
    assert b.state is mn.BreakerState.CLOSED
    assert b.metrics().failures == 0


async def test_consecutive_failures_and_growing_break() -> None:
    clock = ManualClock()
    b = breaker(
        clock,
        minimum_throughput=100,
        consecutive_failures=3,
        break_duration_growth=2.0,
        max_break_duration=12.0,
    )
    for _ in range(3):
        with pytest.raises(Boom):
            await b.call(fail)
    assert b.metrics().retry_after == pytest.approx(5.0)
    for expected in (10.0, 12.0):  # 5 * 2, then capped at 12
        clock.advance(100)
        with pytest.raises(Boom):
            await b.call(fail)  # trial fails: re-open, longer
        assert b.metrics().retry_after == pytest.approx(expected)


async def test_old_calls_leave_the_sampling_window() -> None:
    clock = ManualClock()
    b = breaker(clock)
    for _ in range(3):
        with pytest.raises(Boom):
            await b.call(fail)
    clock.advance(11.0)  # those failures are out of the 10 s window
    await b.call(ok)
    assert b.state is mn.BreakerState.CLOSED
    assert b.metrics().calls == 1


async def test_slow_calls() -> None:
    clock = ManualClock()
    b = breaker(clock, slow_call_duration=1.0, slow_call_ratio=0.5, minimum_throughput=2)

    async def slow() -> str:
        await clock.sleep(2.0)
        return "late"

    await b.call(slow)
    await b.call(slow)
    assert b.state is mn.BreakerState.OPEN


async def test_isolate_and_reset() -> None:
    b = breaker(ManualClock())
    await b.isolate()
    with pytest.raises(mn.CircuitOpenError) as info:
        await b.call(ok)
    assert info.value.retry_after is None
    assert "isolated" in str(info.value)
    await b.reset()
    assert await b.call(ok) == "ok"


async def test_half_open_admits_limited_trials() -> None:
    clock = ManualClock()
    b = breaker(clock, consecutive_failures=1, half_open_max_calls=1)
    with pytest.raises(Boom):
        await b.call(fail)
    clock.advance(5)
    release = anyio.Event()
    results: list[str] = []

    async def trial() -> str:
        await release.wait()
        return "trial"

    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: _collect(b.call(trial), results))
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(mn.CircuitOpenError, match="every trial call"):
            await b.call(ok)
        release.set()
    assert results == ["trial"]
    assert b.state is mn.BreakerState.CLOSED


async def _collect(aw: Awaitable[str], into: list[str]) -> None:
    into.append(await aw)


async def test_cancelled_trial_releases_its_slot_and_counts_nothing() -> None:
    clock = ManualClock()
    b = breaker(clock, consecutive_failures=1)
    with pytest.raises(Boom):
        await b.call(fail)
    clock.advance(5)
    with anyio.move_on_after(0.05):
        await b.call(anyio.sleep_forever)
    assert b.state is mn.BreakerState.HALF_OPEN
    assert await b.call(ok) == "ok"  # the slot is free again
    assert b.metrics().state is mn.BreakerState.CLOSED


async def test_cancelled_call_is_not_a_failure() -> None:
    b = breaker(ManualClock(), minimum_throughput=1, failure_ratio=0.1)
    for _ in range(5):
        with anyio.move_on_after(0.01):
            await b.call(anyio.sleep_forever)
    assert b.state is mn.BreakerState.CLOSED
    assert b.metrics().calls == 0


def test_validation_names_the_parameter() -> None:
    with pytest.raises(ValueError, match="failure_ratio"):
        mn.CircuitBreaker("x", failure_ratio=0)
    with pytest.raises(ValueError, match="minimum_throughput"):
        mn.CircuitBreaker("x", minimum_throughput=0)
    with pytest.raises(ValueError, match="max_break_duration"):
        mn.CircuitBreaker("x", break_duration=10, max_break_duration=5)


@pytest.mark.redis
async def test_redis_store_is_shared_between_breakers(redis_url: str) -> None:
    clock = ManualClock(start=1.7e9)
    a = breaker(clock, store=RedisBreakerStore(redis_url), consecutive_failures=2)
    b = breaker(clock, store=redis_url, consecutive_failures=2)  # another "process"
    with pytest.raises(Boom):
        await a.call(fail)
    with pytest.raises(Boom):
        await b.call(fail)  # second failure in a row, seen through Redis
    with pytest.raises(mn.CircuitOpenError):
        await a.call(ok)
    clock.advance(5)
    assert await a.call(ok) == "ok"
    assert await b.call(ok) == "ok"
    assert b.state is mn.BreakerState.CLOSED


# -- stateful test against a reference model -------------------------------------------------

FAILURE_RATIO, MIN_THROUGHPUT, WINDOW, BUCKETS = 0.5, 4, 10.0, 5
BREAK, GROWTH, MAX_BREAK, CONSECUTIVE = 5.0, 2.0, 20.0, 3


class FlakyStore:
    """A store that fails on demand; not the memory fast path (``update`` is always used)."""

    shared = False
    url = "flaky://"

    def __init__(self) -> None:
        self.inner = MemoryBreakerStore()
        self.down = False

    async def update(self, name: str, change: Any) -> Any:
        if self.down:
            raise mn.StoreUnavailableError("down", store=self.url, operation="update")
        return await self.inner.update(name, change)

    def peek(self, name: str) -> Any:
        return self.inner.peek(name)


class BreakerModel(RuleBasedStateMachine):
    """A plain model: a list of (bucket, failed) calls, the four states, and the expiry times
    of the trial leases that were taken and never given back."""

    backend = "asyncio"
    store_kind = "memory"
    redis_url = ""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(start=1.7e9)
        store: Any
        if self.store_kind == "redis":
            import redis

            redis.Redis.from_url(self.redis_url).flushdb()
            store = RedisBreakerStore(self.redis_url)
        elif self.store_kind == "flaky":
            store = FlakyStore()
        else:
            store = MemoryBreakerStore()
        self.store = store
        self.breaker = mn.CircuitBreaker(
            "model",
            failure_ratio=FAILURE_RATIO,
            minimum_throughput=MIN_THROUGHPUT,
            sampling_duration=WINDOW,
            buckets=BUCKETS,
            break_duration=BREAK,
            break_duration_growth=GROWTH,
            max_break_duration=MAX_BREAK,
            consecutive_failures=CONSECUTIVE,
            store=store,
            clock=self.clock,
        )
        self.state = "closed"
        self.calls: list[tuple[int, bool]] = []
        self.streak = 0
        self.openings = 0
        self.open_until = 0.0
        self.leases: list[float] = []

    def go(self, fn: Callable[[], Awaitable[str]]) -> str:
        return anyio.run(fn, backend=self.backend)

    def run(self, fn: Callable[[], Awaitable[object]]) -> str:
        async def go() -> str:
            try:
                await self.breaker.call(fn)
            except mn.CircuitOpenError:
                return "rejected"
            except Boom:
                return "failed"
            except mn.NotFoundError:
                return "caller-error"
            return "ok"

        return self.go(go)

    def _bucket(self) -> int:
        return math.floor(self.clock.now() / (WINDOW / BUCKETS))

    def _open(self) -> None:
        self.openings += 1
        self.state = "open"
        self.open_until = self.clock.now() + min(MAX_BREAK, BREAK * GROWTH ** (self.openings - 1))
        self.streak = 0
        self.leases = []

    def _admit(self) -> str:
        """The model's admission: "allowed", "trial" or "rejected"."""
        now = self.clock.now()
        if self.state == "isolated" or (self.state == "open" and now < self.open_until):
            return "rejected"
        if self.state == "open":
            self.state, self.leases = "half_open", []
        if self.state == "half_open":
            self.leases = [t for t in self.leases if t > now]
            return "rejected" if self.leases else "trial"
        return "allowed"

    def expect(self, failed: bool) -> str:
        """Apply one call to the model; return what the breaker must answer."""
        if isinstance(self.store, FlakyStore) and self.store.down:
            return "failed" if failed else "ok"  # fail open: runs, nothing recorded
        return self._apply(self._admit(), failed)

    def _apply(self, admission: str, failed: bool) -> str:
        if admission == "rejected":
            return "rejected"
        if admission == "trial":
            if failed:
                self._open()
            else:
                self.state, self.openings, self.calls = "closed", 0, []
            return "failed" if failed else "ok"
        self.calls.append((self._bucket(), failed))
        self.streak = self.streak + 1 if failed else 0
        oldest = self._bucket() - BUCKETS + 1
        window = [f for b, f in self.calls if b >= oldest]
        if self.streak >= CONSECUTIVE or (
            len(window) >= MIN_THROUGHPUT and sum(window) / len(window) >= FAILURE_RATIO
        ):
            self._open()
        return "failed" if failed else "ok"

    @precondition(lambda self: self.store_kind != "redis")
    @precondition(lambda self: not (isinstance(self.store, FlakyStore) and self.store.down))
    @rule(failed=st.booleans())
    def caller_gives_up_while_hooks_hang(self, failed: bool) -> None:
        """The caller's deadline passes while a state-change hook hangs: the change is still
        committed, and a trial admitted just before is given back."""

        async def hang(event: mn.Event) -> None:
            await anyio.sleep_forever()

        async def go() -> str:
            with anyio.move_on_after(0):
                try:
                    await self.breaker.call(fail if failed else ok)
                except mn.CircuitOpenError:
                    return "rejected"
                except Boom:
                    return "failed"
                return "ok"
            return "cancelled"

        self.breaker.hooks.register(hang, mn.BreakerStateChanged)
        try:
            got = self.go(go)
        finally:
            self.breaker.hooks.unregister(hang)
        now = self.clock.now()
        if self.state == "open" and now >= self.open_until:
            self.state, self.leases = "half_open", []  # the hook hung at admission
            assert got == "cancelled"
            return
        before = (self.state, self.openings)
        expected = self._apply(self._admit(), failed)
        changed = (self.state, self.openings) != before
        assert got == ("cancelled" if changed and expected != "rejected" else expected)

    @rule()
    def success(self) -> None:
        assert self.run(ok) == self.expect(False)

    @rule()
    def failure(self) -> None:
        assert self.run(fail) == self.expect(True)

    @rule()
    def caller_error(self) -> None:
        expected = self.expect(False)
        assert self.run(not_found) == ("caller-error" if expected == "ok" else expected)

    @precondition(lambda self: not (isinstance(self.store, FlakyStore) and self.store.down))
    @rule()
    def abandoned_trial(self) -> None:
        """A call admitted and never reported back (its process died, it hangs forever)."""

        async def take() -> str:
            try:
                permit = await self.breaker.admit()
            except mn.CircuitOpenError:
                return "rejected"
            return permit.kind

        got = self.go(take)
        expected = self._admit()
        if expected == "trial":
            self.leases.append(self.clock.now() + BREAK)  # trial_timeout defaults to BREAK
        assert got == expected

    @rule(seconds=st.floats(min_value=0, max_value=12, allow_nan=False))
    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @precondition(lambda self: self.store_kind == "flaky")
    @rule()
    def store_fails_or_returns(self) -> None:
        assert isinstance(self.store, FlakyStore)
        self.store.down = not self.store.down

    @precondition(lambda self: self.state != "isolated")
    @precondition(lambda self: not (isinstance(self.store, FlakyStore) and self.store.down))
    @rule()
    def isolate(self) -> None:
        self.go(self.breaker.isolate)  # type: ignore[arg-type]
        self.state, self.leases = "isolated", []

    @precondition(lambda self: not (isinstance(self.store, FlakyStore) and self.store.down))
    @rule()
    def reset(self) -> None:
        self.go(self.breaker.reset)  # type: ignore[arg-type]
        self.state, self.openings, self.calls, self.streak, self.leases = "closed", 0, [], 0, []

    @invariant()
    def same_state(self) -> None:
        shown = self.state
        if shown == "open" and self.clock.now() >= self.open_until:
            shown = "half_open"
        assert self.breaker.state.value == shown


MODEL_SETTINGS = settings(max_examples=40, stateful_step_count=40, deadline=None)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("store_kind", ["memory", "flaky"])
def test_breaker_matches_the_model(backend: str, store_kind: str) -> None:
    model = type("Model", (BreakerModel,), {"backend": backend, "store_kind": store_kind})
    run_state_machine_as_test(model, settings=MODEL_SETTINGS)


@pytest.mark.redis
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_breaker_matches_the_model_on_redis(backend: str, redis_url: str) -> None:
    model = type(
        "Model",
        (BreakerModel,),
        {"backend": backend, "store_kind": "redis", "redis_url": redis_url},
    )
    run_state_machine_as_test(
        model, settings=settings(max_examples=10, stateful_step_count=25, deadline=None)
    )
