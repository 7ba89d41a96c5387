"""Circuit breaker: failure ratio over a rolling sampling window, half-open probes, manual isolate.

Semantics follow Polly v8 and resilience4j:

- **closed**: calls run. Outcomes are counted in a rolling window of ``sampling_duration``
  seconds, split into ``buckets`` equal buckets. The breaker opens when, within the window, at
  least ``minimum_throughput`` calls were made and ``failures / calls >= failure_ratio``; or
  (optionally) after ``consecutive_failures`` failures in a row; or (optionally) when at least
  ``minimum_throughput`` calls were made and the share of calls slower than
  ``slow_call_duration`` reached ``slow_call_ratio``.
- **open**: calls are rejected with :class:`~medianest_sdk.CircuitOpenError` (``retry_after`` =
  seconds left) for the break duration: ``break_duration * break_duration_growth ** (n - 1)``
  for the n-th consecutive opening, capped at ``max_break_duration``.
- **half_open**: after the break, at most ``half_open_max_calls`` trial calls run at once; one
  success closes the breaker (and clears the window), one failure opens it again.
- **isolated**: forced open by :meth:`CircuitBreaker.isolate` until :meth:`CircuitBreaker.reset`.

What is a failure: ``should_handle(exc)``; the default counts transient errors (transport
errors, timeouts, 408, 429, 5xx, and exceptions from outside this library) and not the
caller's errors (other 4xx, decode errors), which count as successes: the service answered.
Refusals by other primitives (rate limiter, bulkhead) and cancellation count as nothing, and a
cancelled trial call gives its half-open slot back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import anyio
import attrs

from ..errors import CircuitOpenError, MediaNestError
from ..events import BreakerStateChanged, EventHooks
from ._classify import REJECTIONS
from ._clock import SYSTEM_CLOCK, Clock, WallClock

__all__ = [
    "BreakerMetrics",
    "BreakerSnapshot",
    "BreakerState",
    "BreakerStore",
    "CircuitBreaker",
    "MemoryBreakerStore",
    "RedisBreakerStore",
]

T = TypeVar("T")
R = TypeVar("R")


class BreakerState(StrEnum):
    """The four states of a :class:`CircuitBreaker`."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"
    ISOLATED = "isolated"


def default_should_handle(exc: BaseException) -> bool:
    """The default failure test: our own errors by their ``transient`` flag, others always."""
    if isinstance(exc, MediaNestError):
        return exc.transient
    return True


@attrs.define
class BreakerSnapshot:
    """The whole state of one breaker; what a :class:`BreakerStore` keeps.

    Times are on the breaker's clock (monotonic in memory, unix seconds in Redis).

    Attributes:
        state: The current state.
        open_until: When an open breaker lets a trial call through, or ``None``.
        opened_at: When it last opened, or ``None``.
        openings: Consecutive openings without a close in between (for the growing break).
        half_open_in_flight: Trial calls running now.
        consecutive_failures: Failures in a row while closed.
        buckets: ``[bucket_id, calls, failures, slow_calls]`` per bucket in the window.
        calls, failures, slow: The window's totals as of the last recorded call (the sums of
            ``buckets``, kept so a call costs O(1)).
    """

    state: BreakerState = BreakerState.CLOSED
    open_until: float | None = None
    opened_at: float | None = None
    openings: int = 0
    half_open_in_flight: int = 0
    consecutive_failures: int = 0
    buckets: list[list[int]] = attrs.Factory(list)
    calls: int = 0
    failures: int = 0
    slow: int = 0

    def clear_window(self) -> None:
        """Forget every counted call."""
        self.buckets = []
        self.calls = self.failures = self.slow = 0

    def to_json(self) -> str:
        """Serialize for a shared store (JSON, never pickle)."""
        data = attrs.asdict(self)
        data["state"] = self.state.value
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> BreakerSnapshot:
        """Inverse of :meth:`to_json`; unknown or malformed content gives a fresh snapshot."""
        try:
            data = json.loads(text)
            buckets = [[int(x) for x in b][:4] for b in data.get("buckets", [])]
            return cls(
                state=BreakerState(data["state"]),
                open_until=data.get("open_until"),
                opened_at=data.get("opened_at"),
                openings=int(data.get("openings", 0)),
                half_open_in_flight=int(data.get("half_open_in_flight", 0)),
                consecutive_failures=int(data.get("consecutive_failures", 0)),
                buckets=buckets,
                calls=sum(b[1] for b in buckets),
                failures=sum(b[2] for b in buckets),
                slow=sum(b[3] for b in buckets),
            )
        except (ValueError, KeyError, TypeError):
            return cls()


@attrs.frozen(kw_only=True)
class BreakerMetrics:
    """What :meth:`CircuitBreaker.metrics` reports (from this process's latest view).

    Attributes:
        name: The breaker's name.
        state: Current state.
        calls: Calls counted in the sampling window.
        failures: Failures among them.
        slow_calls: Calls slower than ``slow_call_duration`` among them.
        failure_ratio: ``failures / calls`` (0.0 with no calls).
        consecutive_failures: Failures in a row.
        opened_at: Clock time of the last opening, or ``None``.
        retry_after: Seconds until an open breaker allows a trial call, else ``None``.
    """

    name: str
    state: BreakerState
    calls: int
    failures: int
    slow_calls: int
    failure_ratio: float
    consecutive_failures: int
    opened_at: float | None
    retry_after: float | None


class BreakerStore(Protocol):
    """Where breaker state lives. ``update`` must apply ``change`` atomically."""

    shared: bool
    """``True`` when several processes share the state (needs a wall clock)."""

    async def update(self, name: str, change: Callable[[BreakerSnapshot], R]) -> R:
        """Apply ``change`` (which mutates the snapshot) atomically; return its result."""
        ...

    def peek(self, name: str) -> BreakerSnapshot:
        """The latest snapshot this process has seen (no I/O)."""
        ...


class MemoryBreakerStore:
    """In-process breaker state (the default)."""

    shared = False

    def __init__(self) -> None:
        self._snapshots: dict[str, BreakerSnapshot] = {}

    def snapshot(self, name: str) -> BreakerSnapshot:
        """The live snapshot for ``name`` (created on first use)."""
        snapshot = self._snapshots.get(name)
        if snapshot is None:
            snapshot = self._snapshots[name] = BreakerSnapshot()
        return snapshot

    async def update(self, name: str, change: Callable[[BreakerSnapshot], R]) -> R:
        """Apply ``change`` to the snapshot in place."""
        return change(self.snapshot(name))

    def peek(self, name: str) -> BreakerSnapshot:
        """The snapshot itself."""
        return self._snapshots.get(name) or BreakerSnapshot()


class RedisBreakerStore:
    """Breaker state in Redis, shared by every process that names the same breaker.

    Each update is an optimistic transaction (``WATCH``/``MULTI``/``EXEC``) on one key holding
    the snapshot as JSON, retried on conflict; the Redis client runs in a worker thread, so it
    works under asyncio and trio alike.

    Caveat: one breaker for all processes means one process with a broken network path to the
    service can open the breaker for every process. Share a breaker only between processes
    that reach the service the same way.

    Args:
        url: ``redis://host:port/db`` (credentials in the URL are never logged).
        prefix: Key prefix; the key is ``f"{prefix}{name}"``.
        ttl: Seconds an untouched breaker key lives (refreshed on every update).

    Raises:
        ImportError: the ``redis`` package is missing (``pip install "medianest-sdk[redis]"``).
    """

    shared = True

    def __init__(
        self, url: str, *, prefix: str = "medianest:breaker:", ttl: float = 86_400.0
    ) -> None:
        from .._redis import sync_client

        self._redis = sync_client(url)
        self._prefix = prefix
        self._ttl = int(ttl)
        self._seen: dict[str, BreakerSnapshot] = {}

    def _update_sync(self, name: str, change: Callable[[BreakerSnapshot], R]) -> R:
        import redis

        key = self._prefix + name
        while True:
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(key)  # type: ignore[no-untyped-call]
                    raw = pipe.get(key)
                    snapshot = BreakerSnapshot.from_json(raw) if raw else BreakerSnapshot()
                    result = change(snapshot)
                    pipe.multi()
                    pipe.set(key, snapshot.to_json(), ex=self._ttl)
                    pipe.execute()
                except redis.WatchError:
                    continue
            self._seen[name] = snapshot
            return result

    async def update(self, name: str, change: Callable[[BreakerSnapshot], R]) -> R:
        """Read, change and write the snapshot in one optimistic transaction."""
        return await anyio.to_thread.run_sync(self._update_sync, name, change)

    def peek(self, name: str) -> BreakerSnapshot:
        """The snapshot as of this process's last update."""
        return self._seen.get(name) or BreakerSnapshot()


_ALLOWED, _TRIAL = 1, 2
_SUCCESS, _FAILURE, _IGNORED = "success", "failure", "ignored"


class CircuitBreaker:
    """A circuit breaker around any awaitable; see the module docs for the semantics.

    Args:
        name: Names the breaker in events, errors and (for Redis) the store key.
        failure_ratio: Open when ``failures / calls`` in the window reaches this (0 < r <= 1).
        minimum_throughput: Calls needed in the window before the ratio counts (>= 1).
        sampling_duration: Seconds the rolling window covers.
        buckets: Buckets the window is split into (its resolution), >= 1.
        break_duration: Seconds the breaker stays open after the first opening.
        break_duration_growth: Factor applied on each consecutive re-opening (>= 1.0).
        max_break_duration: Cap in seconds for the growing break; ``None``: no cap.
        consecutive_failures: Also open after this many failures in a row; ``None``: off.
        half_open_max_calls: Trial calls allowed at once while half-open.
        slow_call_duration: Seconds after which a call counts as slow; ``None``: off.
        slow_call_ratio: Open when the share of slow calls reaches this.
        should_handle: ``exc -> bool``: is this exception a failure? Default: see module docs.
        store: Where state lives: a :class:`MemoryBreakerStore` (default) or a
            :class:`RedisBreakerStore`, or the URL of one (``"memory://"``, ``"redis://..."``).
        clock: Time source; default monotonic, or wall time for a shared store.
        hooks: Receives :class:`~medianest_sdk.BreakerStateChanged` events.

    Raises:
        ValueError: a parameter is out of range (the message names it).

    Example::

        breaker = CircuitBreaker("plex", failure_ratio=0.5, minimum_throughput=10,
                                 sampling_duration=10.0, break_duration=30.0)
        sections = await breaker.call(plex.library_sections)
    """

    def __init__(
        self,
        name: str,
        *,
        failure_ratio: float = 0.5,
        minimum_throughput: int = 10,
        sampling_duration: float = 30.0,
        buckets: int = 10,
        break_duration: float = 5.0,
        break_duration_growth: float = 1.0,
        max_break_duration: float | None = None,
        consecutive_failures: int | None = None,
        half_open_max_calls: int = 1,
        slow_call_duration: float | None = None,
        slow_call_ratio: float = 1.0,
        should_handle: Callable[[BaseException], bool] | None = None,
        store: BreakerStore | str | None = None,
        clock: Clock | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        _check(0.0 < failure_ratio <= 1.0, "failure_ratio must be in (0, 1]", failure_ratio)
        _check(minimum_throughput >= 1, "minimum_throughput must be >= 1", minimum_throughput)
        _check(sampling_duration > 0, "sampling_duration must be > 0 seconds", sampling_duration)
        _check(buckets >= 1, "buckets must be >= 1", buckets)
        _check(break_duration > 0, "break_duration must be > 0 seconds", break_duration)
        _check(
            break_duration_growth >= 1.0,
            "break_duration_growth must be >= 1",
            break_duration_growth,
        )
        _check(
            max_break_duration is None or max_break_duration >= break_duration,
            "max_break_duration must be >= break_duration",
            max_break_duration,
        )
        _check(
            consecutive_failures is None or consecutive_failures >= 1,
            "consecutive_failures must be >= 1 or None",
            consecutive_failures,
        )
        _check(half_open_max_calls >= 1, "half_open_max_calls must be >= 1", half_open_max_calls)
        _check(
            slow_call_duration is None or slow_call_duration > 0,
            "slow_call_duration must be > 0 seconds or None",
            slow_call_duration,
        )
        _check(0.0 < slow_call_ratio <= 1.0, "slow_call_ratio must be in (0, 1]", slow_call_ratio)
        self.name = name
        self.failure_ratio = failure_ratio
        self.minimum_throughput = minimum_throughput
        self.sampling_duration = sampling_duration
        self.buckets = buckets
        self.break_duration = break_duration
        self.break_duration_growth = break_duration_growth
        self.max_break_duration = max_break_duration
        self.consecutive_failures = consecutive_failures
        self.half_open_max_calls = half_open_max_calls
        self.slow_call_duration = slow_call_duration
        self.slow_call_ratio = slow_call_ratio
        self.should_handle = should_handle or default_should_handle
        if store is None or store == "memory://":
            store = MemoryBreakerStore()
        elif isinstance(store, str):
            store = RedisBreakerStore(store)
        self.store: BreakerStore = store
        self.clock: Clock = clock or (WallClock() if store.shared else SYSTEM_CLOCK)
        self.hooks = hooks if hooks is not None else EventHooks()
        self._bucket_width = sampling_duration / buckets
        # In memory the state machine runs synchronously on the live snapshot (no awaits).
        self._memory = store.snapshot(name) if isinstance(store, MemoryBreakerStore) else None

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self.state.value})"

    # -- public API ------------------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose break is over reports ``half_open``).

        With a shared store this is the state as of this process's last call.
        """
        snapshot = self.store.peek(self.name)
        if (
            snapshot.state is BreakerState.OPEN
            and snapshot.open_until is not None
            and self.clock.now() >= snapshot.open_until
        ):
            return BreakerState.HALF_OPEN
        return snapshot.state

    def metrics(self) -> BreakerMetrics:
        """Counts over the sampling window and the state, from this process's latest view."""
        snapshot = self.store.peek(self.name)
        now = self.clock.now()
        calls, failures, slow = self._window(snapshot, now)
        retry_after = None
        if snapshot.state is BreakerState.OPEN and snapshot.open_until is not None:
            retry_after = max(0.0, snapshot.open_until - now)
        return BreakerMetrics(
            name=self.name,
            state=self.state,
            calls=calls,
            failures=failures,
            slow_calls=slow,
            failure_ratio=failures / calls if calls else 0.0,
            consecutive_failures=snapshot.consecutive_failures,
            opened_at=snapshot.opened_at,
            retry_after=retry_after,
        )

    async def call(self, fn: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Run ``await fn(*args, **kwargs)`` through the breaker.

        Raises:
            CircuitOpenError: the breaker is open, isolated, or half-open with every trial slot
                taken; ``fn`` was not called.
            Exception: whatever ``fn`` raises, unchanged.
        """
        clock = self.clock
        start = clock.now()
        memory = self._memory
        if memory is not None:
            if memory.state is BreakerState.CLOSED:
                permit: int | CircuitOpenError = _ALLOWED
            else:
                permit, event = self._admit(memory, start)
                if event is not None:
                    await self.hooks.emit(event)
        else:
            permit, event = await self.store.update(self.name, lambda s: self._admit(s, start))
            if event is not None:
                await self.hooks.emit(event)
        if isinstance(permit, CircuitOpenError):
            raise permit
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            if isinstance(exc, Exception) and not isinstance(exc, REJECTIONS):
                outcome = _FAILURE if self.should_handle(exc) else _SUCCESS
            else:  # cancellation, KeyboardInterrupt, or another primitive's refusal
                outcome = _IGNORED
            with anyio.CancelScope(shield=True):
                await self._finish(permit, outcome, start)
            raise
        if memory is not None:
            now = clock.now()
            if (
                permit == _ALLOWED
                and memory.state is BreakerState.CLOSED
                and self.slow_call_duration is None
                and (memory.failures == 0 or memory.calls + 1 < self.minimum_throughput)
            ):
                # Hot path: a success that cannot open the breaker (no failure in the window,
                # or too few calls yet); count it and go.
                self._count(memory, now, False, False)
                memory.consecutive_failures = 0
                return result
            event = self._settle(memory, permit, _SUCCESS, now - start, now)
            if event is not None:
                await self.hooks.emit(event)
        else:
            await self._finish(permit, _SUCCESS, start)
        return result

    async def _finish(self, permit: int, outcome: str, start: float) -> None:
        now = self.clock.now()
        if self._memory is not None:
            event = self._settle(self._memory, permit, outcome, now - start, now)
        else:
            event = await self.store.update(
                self.name, lambda s: self._settle(s, permit, outcome, now - start, now)
            )
        if event is not None:
            await self.hooks.emit(event)

    async def isolate(self) -> None:
        """Force the breaker open until :meth:`reset`; calls raise ``CircuitOpenError``."""
        await self._transition(BreakerState.ISOLATED, "isolated by hand")

    async def reset(self) -> None:
        """Close the breaker and clear its window (ends isolation too)."""
        await self._transition(BreakerState.CLOSED, "reset by hand")

    # -- state machine ---------------------------------------------------------------------

    def _break_for(self, openings: int) -> float:
        duration = self.break_duration * self.break_duration_growth ** max(0, openings - 1)
        if self.max_break_duration is not None:
            duration = min(duration, self.max_break_duration)
        return duration

    def _window(self, snapshot: BreakerSnapshot, now: float) -> tuple[int, int, int]:
        oldest = math.floor(now / self._bucket_width) - self.buckets + 1
        calls = failures = slow = 0
        for bucket_id, c, f, s in snapshot.buckets:
            if bucket_id >= oldest:
                calls += c
                failures += f
                slow += s
        return calls, failures, slow

    def _open(self, s: BreakerSnapshot, now: float) -> float:
        s.openings += 1
        duration = self._break_for(s.openings)
        s.state = BreakerState.OPEN
        s.opened_at = now
        s.open_until = now + duration
        s.half_open_in_flight = 0
        s.consecutive_failures = 0
        return duration

    def _admit(
        self, s: BreakerSnapshot, now: float
    ) -> tuple[int | CircuitOpenError, BreakerStateChanged | None]:
        """Decide whether a call may run; a shared store may run this more than once."""
        if s.state is BreakerState.CLOSED:
            return _ALLOWED, None
        if s.state is BreakerState.ISOLATED:
            return CircuitOpenError(
                f"circuit {self.name!r} is isolated; call reset() to close it",
                breaker=self.name,
                retry_after=None,
            ), None
        event = None
        if s.state is BreakerState.OPEN:
            if s.open_until is not None and now < s.open_until:
                wait = s.open_until - now
                return CircuitOpenError(
                    f"circuit {self.name!r} is open; next trial call in {wait:.1f} s",
                    breaker=self.name,
                    retry_after=wait,
                ), None
            s.state = BreakerState.HALF_OPEN
            s.half_open_in_flight = 0
            event = self._event("open", "half_open", "break duration elapsed")
        if s.half_open_in_flight < self.half_open_max_calls:
            s.half_open_in_flight += 1
            return _TRIAL, event
        return CircuitOpenError(
            f"circuit {self.name!r} is half-open and its trial calls are all running",
            breaker=self.name,
            retry_after=None,
        ), event

    def _settle(
        self, s: BreakerSnapshot, permit: int, outcome: str, duration: float, now: float
    ) -> BreakerStateChanged | None:
        """Record one outcome; return the state change it caused, if any."""
        if permit == _TRIAL:
            if s.state is not BreakerState.HALF_OPEN:
                return None
            s.half_open_in_flight = max(0, s.half_open_in_flight - 1)
            if outcome == _SUCCESS:
                s.state = BreakerState.CLOSED
                s.openings = 0
                s.open_until = None
                s.clear_window()
                return self._event("half_open", "closed", "trial call succeeded")
            if outcome == _FAILURE:
                return self._event("half_open", "open", "trial call failed", self._open(s, now))
            return None
        if outcome == _IGNORED or s.state is not BreakerState.CLOSED:
            return None
        failed = outcome == _FAILURE
        slow = self.slow_call_duration is not None and duration >= self.slow_call_duration
        self._count(s, now, failed, slow)
        s.consecutive_failures = s.consecutive_failures + 1 if failed else 0
        reason = self._should_open(s, now)
        if reason is None:
            return None
        return self._event("closed", "open", reason, self._open(s, now))

    def _count(self, s: BreakerSnapshot, now: float, failed: bool, slow: bool) -> None:
        bucket_id = int(now // self._bucket_width)
        buckets = s.buckets
        if buckets and buckets[-1][0] == bucket_id:
            bucket = buckets[-1]
        else:
            oldest = bucket_id - self.buckets + 1
            while buckets and buckets[0][0] < oldest:
                _, c, f, w = buckets.pop(0)
                s.calls -= c
                s.failures -= f
                s.slow -= w
            bucket = [bucket_id, 0, 0, 0]
            buckets.append(bucket)
        bucket[1] += 1
        s.calls += 1
        if failed:
            bucket[2] += 1
            s.failures += 1
        if slow:
            bucket[3] += 1
            s.slow += 1

    def _should_open(self, s: BreakerSnapshot, now: float) -> str | None:
        if (
            self.consecutive_failures is not None
            and s.consecutive_failures >= self.consecutive_failures
        ):
            return f"{s.consecutive_failures} consecutive failures"
        calls, failures, slow = s.calls, s.failures, s.slow  # current after _count
        if calls < self.minimum_throughput:
            return None
        if failures / calls >= self.failure_ratio:
            return (
                f"failure ratio {failures / calls:.2f} >= {self.failure_ratio:.2f} "
                f"over {calls} calls"
            )
        if self.slow_call_duration is not None and slow / calls >= self.slow_call_ratio:
            return f"slow-call ratio {slow / calls:.2f} >= {self.slow_call_ratio:.2f}"
        return None

    def _event(
        self, old: str, new: str, reason: str, duration: float | None = None
    ) -> BreakerStateChanged:
        return BreakerStateChanged(
            breaker=self.name, old=old, new=new, reason=reason, break_duration=duration
        )

    async def _transition(self, target: BreakerState, reason: str) -> None:
        def change(s: BreakerSnapshot) -> BreakerStateChanged | None:
            old = s.state
            s.state = target
            s.open_until = None
            s.half_open_in_flight = 0
            s.consecutive_failures = 0
            if target is BreakerState.CLOSED:
                s.openings = 0
                s.clear_window()
            return None if old is target else self._event(old.value, target.value, reason)

        event = await self.store.update(self.name, change)
        if event is not None:
            await self.hooks.emit(event)


def _check(ok: bool, message: str, value: object) -> None:
    if not ok:
        raise ValueError(f"CircuitBreaker: {message}, got {value!r}")
