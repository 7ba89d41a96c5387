"""``CircuitBreaker``: the async facade over the state machine and a store."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import anyio
import attrs

from ...errors import CircuitOpenError, IsolatedCircuitError, StoreUnavailableError
from ...events import BreakerStateChanged, EventHooks, StoreUnavailable
from .._clock import SYSTEM_CLOCK, Clock, WallClock
from ..classify import REJECTIONS, Outcome, outcome
from . import machine
from .machine import Admission, BreakerPolicy, BreakerSnapshot, BreakerState, Transition
from .stores import BreakerStore, MemoryBreakerStore, RedisBreakerStore

__all__ = ["BreakerMetrics", "BreakerPermit", "CircuitBreaker", "StoreErrorPolicy"]

T = TypeVar("T")
StoreErrorPolicy = Literal["fail_open", "fail_closed"]


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
        trials: Half-open trial calls holding a lease now.
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
    trials: int = 0


@attrs.frozen
class BreakerPermit:
    """Leave to make one call, from :meth:`CircuitBreaker.admit`; hand it back to
    :meth:`CircuitBreaker.record` with the outcome.

    Attributes:
        kind: ``"allowed"`` (closed), ``"trial"`` (a half-open trial holding ``lease``) or
            ``"unrecorded"`` (the store was down and the policy is fail-open: nothing is
            recorded).
        lease: The trial's lease id, or ``None``.
    """

    kind: Literal["allowed", "trial", "unrecorded"]
    lease: str | None = None


_ALLOWED = BreakerPermit("allowed")
_UNRECORDED = BreakerPermit("unrecorded")


class CircuitBreaker:
    """A circuit breaker around any awaitable (semantics in
    ``medianest_sdk.resilience.breaker.machine``: Polly v8 and resilience4j).

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
        trial_timeout: Seconds a half-open trial holds its slot (its lease); a trial that
            hangs, crashes or is lost frees the slot after it. Default: ``break_duration``.
        slow_call_duration: Seconds after which a call counts as slow; ``None``: off. Only
            the protected operation is timed (in a pipeline: after the limiter and bulkhead
            let it through).
        slow_call_ratio: Open when the share of slow calls reaches this.
        should_handle: ``exc -> bool``: is this exception a failure? Default:
            :func:`medianest_sdk.resilience.classify.outcome` (transient failures count;
            the caller's errors count as successes; refusals and cancellation count as
            nothing). If it raises, the call counts as a failure and its exception is raised
            (chained to the call's).
        store: Where state lives: :class:`MemoryBreakerStore` (default),
            :class:`RedisBreakerStore`, or a URL (``"memory://"``, ``"redis://..."``).
        on_store_error: When a shared store fails: ``"fail_open"`` (default: the call runs
            unprotected and nothing is recorded) or ``"fail_closed"`` (the call is refused with
            :class:`~medianest_sdk.StoreUnavailableError`). Either way a
            :class:`~medianest_sdk.StoreUnavailable` event says so. Recording an outcome never
            raises: the call's own result or error always reaches the caller.
        clock: Time source; default monotonic, or wall time for a shared store.
        hooks: Receives :class:`~medianest_sdk.BreakerStateChanged` and ``StoreUnavailable``.

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
        trial_timeout: float | None = None,
        slow_call_duration: float | None = None,
        slow_call_ratio: float = 1.0,
        should_handle: Callable[[BaseException], bool] | None = None,
        store: BreakerStore | str | None = None,
        on_store_error: StoreErrorPolicy = "fail_open",
        clock: Clock | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        _check(0.0 < failure_ratio <= 1.0, "failure_ratio must be in (0, 1]", failure_ratio)
        _check(minimum_throughput >= 1, "minimum_throughput must be >= 1", minimum_throughput)
        _check(_seconds(sampling_duration), "sampling_duration must be > 0 s", sampling_duration)
        _check(buckets >= 1, "buckets must be >= 1", buckets)
        _check(_seconds(break_duration), "break_duration must be > 0 seconds", break_duration)
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
            trial_timeout is None or _seconds(trial_timeout),
            "trial_timeout must be > 0 seconds or None",
            trial_timeout,
        )
        _check(
            slow_call_duration is None or _seconds(slow_call_duration),
            "slow_call_duration must be > 0 seconds or None",
            slow_call_duration,
        )
        _check(0.0 < slow_call_ratio <= 1.0, "slow_call_ratio must be in (0, 1]", slow_call_ratio)
        _check(
            on_store_error in ("fail_open", "fail_closed"),
            'on_store_error must be "fail_open" or "fail_closed"',
            on_store_error,
        )
        self.name = name
        self.policy = BreakerPolicy(
            failure_ratio=failure_ratio,
            minimum_throughput=minimum_throughput,
            sampling_duration=sampling_duration,
            buckets=buckets,
            break_duration=break_duration,
            break_duration_growth=break_duration_growth,
            max_break_duration=max_break_duration,
            consecutive_failures=consecutive_failures,
            half_open_max_calls=half_open_max_calls,
            slow_call_duration=slow_call_duration,
            slow_call_ratio=slow_call_ratio,
            trial_timeout=trial_timeout,
        )
        self.should_handle = should_handle
        self.on_store_error: StoreErrorPolicy = on_store_error
        if store is None or store == "memory://":
            store = MemoryBreakerStore()
        elif isinstance(store, str):
            store = RedisBreakerStore(store)
        self.store: BreakerStore = store
        self._own_clock = clock is not None
        self.clock: Clock = clock or (WallClock() if store.shared else SYSTEM_CLOCK)
        self._own_hooks = hooks is not None
        self.hooks = hooks if hooks is not None else EventHooks()
        # In memory the state machine runs synchronously on the live snapshot (no awaits).
        self._memory = store.snapshot(name) if isinstance(store, MemoryBreakerStore) else None
        self._open_prefix = f"circuit {name!r} is open; next trial in "

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self.state.value})"

    def adopt(self, *, hooks: EventHooks | None, clock: Clock | None) -> None:
        """Take a pipeline's hooks and clock where none were given to the constructor."""
        if hooks is not None and not self._own_hooks:
            self.hooks = hooks
        if clock is not None and not self._own_clock:
            self.clock = clock

    # -- state ---------------------------------------------------------------------------

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

    def describe(self) -> str:
        """``"plex (memory://)"``."""
        return f"{self.name} ({self.store.url})"

    def metrics(self) -> BreakerMetrics:
        """Counts over the sampling window and the state, from this process's latest view."""
        snapshot = self.store.peek(self.name)
        now = self.clock.now()
        calls, failures, slow = machine.window(self.policy, snapshot, now)
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
            trials=len(snapshot.trials),
        )

    # -- calls ---------------------------------------------------------------------------

    async def call(self, fn: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Run ``await fn(*args, **kwargs)`` through the breaker; only ``fn`` is timed.

        Raises:
            CircuitOpenError: the breaker is open, or half-open with every trial slot leased
                (``IsolatedCircuitError`` when isolated); ``fn`` was not called.
            StoreUnavailableError: the store failed and ``on_store_error="fail_closed"``.
            Exception: whatever ``fn`` raises, unchanged (or ``should_handle``'s own error).
        """
        memory = self._memory
        if memory is not None and memory.state is BreakerState.CLOSED:
            permit = _ALLOWED  # hot path: no admission work while closed
        else:
            if memory is not None and memory.state is BreakerState.OPEN:
                # hot path of an outage: refuse without building an admission
                wait = (memory.open_until or 0.0) - self.clock.now()
                if wait > 0:
                    raise CircuitOpenError(
                        f"{self._open_prefix}{wait:.1f} s", breaker=self.name, retry_after=wait
                    )
            permit = await self.admit()
        start = self.clock.now()
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            await self.record_exception(permit, exc, self.clock.now() - start)
            raise
        if (
            memory is not None
            and permit is _ALLOWED
            and memory.state is BreakerState.CLOSED
            and self.policy.slow_call_duration is None
            and (memory.failures == 0 or memory.calls + 1 < self.policy.minimum_throughput)
        ):
            # Hot path: a success that cannot open the breaker; count it and go.
            machine.count(self.policy, memory, self.clock.now(), False, False)
            memory.consecutive_failures = 0
            return result
        await self.record(permit, "success", self.clock.now() - start)
        return result

    async def admit(self) -> BreakerPermit:
        """Ask leave to make one call (the first half of :meth:`call`, for composing: the
        pipeline admits, then waits for the limiter and bulkhead, then times the call).

        Every permit must be handed back to :meth:`record`, also when the call is cancelled
        (with outcome ``"ignored"``); a lost trial permit frees its slot when its lease
        expires. If this coroutine itself is cancelled, no permit is left held.

        Raises:
            CircuitOpenError: refused (``IsolatedCircuitError`` when isolated).
            StoreUnavailableError: the store failed and the policy is fail-closed.
        """
        now = self.clock.now()
        memory = self._memory
        if memory is not None:
            if memory.state is BreakerState.CLOSED:
                return _ALLOWED
            admission = machine.admit(self.policy, memory, now)
            recovered = None
        else:
            try:
                admission, recovered = await self.store.update(
                    self.name, lambda s: self._admit_change(s, now)
                )
            except StoreUnavailableError as exc:
                await self._store_failed(exc, "admission")
                if self.on_store_error == "fail_closed":
                    raise
                return _UNRECORDED
        if admission.kind == "rejected":
            await self._emit(recovered, admission.transition)
            raise self._refusal(admission)
        permit = (
            _ALLOWED if admission.kind == "allowed" else BreakerPermit("trial", admission.lease)
        )
        try:
            await self._emit(recovered, admission.transition)
        except BaseException:  # cancelled while a hook ran: give the permit back
            await self.record(permit, "ignored", 0.0)
            raise
        return permit

    def _admit_change(
        self, s: BreakerSnapshot, now: float
    ) -> tuple[tuple[Admission, str | None], bool]:
        admission = machine.admit(self.policy, s, now)
        return (admission, s.recovered), admission.changed

    async def record(self, permit: BreakerPermit, result: Outcome, duration: float) -> None:
        """Report how a call made under ``permit`` went (the second half of :meth:`call`).

        Args:
            permit: From :meth:`admit`.
            result: ``"success"``, ``"failure"`` or ``"ignored"`` (cancelled, refused by
                another primitive: counts as nothing, frees a trial slot).
            duration: Seconds the protected operation took (for the slow-call rule).

        Never raises but for cancellation: a failing store is reported as an event. The state
        change is committed (shielded from cancellation) before any hook runs, and hooks run
        outside the shield.
        """
        if permit.kind == "unrecorded":
            return
        now = self.clock.now()
        memory = self._memory
        recovered = None
        if memory is not None:
            kind: machine.Kind = "trial" if permit.kind == "trial" else "allowed"
            transition, _ = machine.settle(
                self.policy, memory, kind, permit.lease, result, duration, now
            )
        else:
            try:
                with anyio.CancelScope(shield=True):
                    transition, recovered = await self.store.update(
                        self.name, lambda s: self._settle_change(s, permit, result, duration, now)
                    )
            except StoreUnavailableError as exc:
                await self._store_failed(exc, "record")
                return
        await self._emit(recovered, transition)

    def _settle_change(
        self,
        s: BreakerSnapshot,
        permit: BreakerPermit,
        result: Outcome,
        duration: float,
        now: float,
    ) -> tuple[tuple[Transition | None, str | None], bool]:
        kind: machine.Kind = "trial" if permit.kind == "trial" else "allowed"
        transition, changed = machine.settle(
            self.policy, s, kind, permit.lease, result, duration, now
        )
        return (transition, s.recovered), changed

    async def record_exception(
        self, permit: BreakerPermit, exc: BaseException, duration: float
    ) -> None:
        """Record a call under ``permit`` that raised ``exc`` (seconds ``duration``): classify
        it with ``should_handle`` (or the default), then :meth:`record`.

        Raises:
            Exception: ``should_handle``'s own exception, if it raised (the call is recorded
                as a failure first; the exception is chained to ``exc``).
        """
        handler_error: Exception | None = None
        try:
            result = self._outcome(exc)
        except Exception as raised:
            handler_error, result = raised, "failure"
        await self.record(permit, result, duration)
        if handler_error is not None:
            raise handler_error from exc

    def _outcome(self, exc: BaseException) -> Outcome:
        if self.should_handle is None or not isinstance(exc, Exception):
            return outcome(exc)
        if isinstance(exc, REJECTIONS):
            return "ignored"
        return "failure" if self.should_handle(exc) else "success"

    async def isolate(self) -> None:
        """Force the breaker open until :meth:`reset`; calls raise ``IsolatedCircuitError``.

        Raises:
            StoreUnavailableError: a shared store failed (the state did not change).
        """
        await self._force(BreakerState.ISOLATED, "isolated by hand")

    async def reset(self) -> None:
        """Close the breaker and clear its window (ends isolation too).

        Raises:
            StoreUnavailableError: a shared store failed (the state did not change).
        """
        await self._force(BreakerState.CLOSED, "reset by hand")

    async def _force(self, target: BreakerState, reason: str) -> None:
        def change(s: BreakerSnapshot) -> tuple[tuple[Transition | None, str | None], bool]:
            return (machine.force(s, target, reason), s.recovered), True

        transition, recovered = await self.store.update(self.name, change)
        await self._emit(recovered, transition)

    # -- events --------------------------------------------------------------------------

    def _refusal(self, admission: Admission) -> CircuitOpenError:
        message = f"circuit {self.name!r} is {admission.reason}"
        if admission.retry_after is None:
            return IsolatedCircuitError(message, breaker=self.name, retry_after=None)
        return CircuitOpenError(message, breaker=self.name, retry_after=admission.retry_after)

    async def _emit(self, recovered: str | None, transition: Transition | None) -> None:
        if recovered is not None:
            await self.hooks.emit(
                BreakerStateChanged(
                    breaker=self.name,
                    old="unreadable",
                    new="closed",
                    reason=f"{recovered}: replaced by a fresh closed state",
                )
            )
        if transition is not None:
            await self.hooks.emit(
                BreakerStateChanged(
                    breaker=self.name,
                    old=transition.old,
                    new=transition.new,
                    reason=transition.reason,
                    break_duration=transition.break_duration,
                )
            )

    async def _store_failed(self, exc: StoreUnavailableError, operation: str) -> None:
        await self.hooks.emit(
            StoreUnavailable(
                primitive=f"breaker {self.name!r}",
                store=exc.store,
                operation=operation,
                policy="fail_closed"
                if self.on_store_error == "fail_closed" and operation == "admission"
                else "fail_open",
                error=exc.message,
            )
        )


def _seconds(value: float) -> bool:
    return value > 0 and math.isfinite(value)


def _check(ok: bool, message: str, value: object) -> None:
    if not ok:
        raise ValueError(f"CircuitBreaker: {message}, got {value!r}")
