"""Retry policy over `stamina <https://stamina.hynek.me/>`_: exponential backoff with jitter,
Retry-After honored, and only calls that are safe to repeat.

The wait before attempt *n + 1* is, as in stamina::

    min(wait_max, wait_initial * wait_exp_base ** (n - 1) + random.uniform(0, wait_jitter))

unless the failure carried ``retry_after`` (a 429 or 503 with ``Retry-After``): then exactly
that many seconds, and no retry at all when it exceeds ``max_retry_after``.

What is retried: transient failures (transport errors, timeouts, 408, 429, 5xx). For a call that
is not idempotent (``retry_safe=False``, e.g. a POST), only failures that prove the request never
reached the service (a refused connection, a pool timeout, a 429). Never retried: the caller's
errors (other 4xx), decode errors, :class:`~medianest_sdk.CircuitOpenError`,
:class:`~medianest_sdk.RateLimitExceeded`, :class:`~medianest_sdk.BulkheadFullError`, and
cancellation.

Testing: stamina's testing mode applies (``stamina.set_testing(True)`` makes every wait zero
and caps attempts); or pass a manual clock to skip real sleeping.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs

from ..events import EventHooks, RetryScheduled
from ._classify import REJECTIONS, is_retry_safe, is_transient
from ._clock import SYSTEM_CLOCK, Clock

__all__ = ["RetryPolicy"]

T = TypeVar("T")
_LOG_ONLY = EventHooks()


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"RetryPolicy: {attribute.name} must be >= 0 seconds, got {value!r}")


def _at_least_one(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"RetryPolicy: attempts must be >= 1, got {value!r}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How to retry a failing call; reusable and immutable.

    Args:
        attempts: Total tries including the first (>= 1; 1 means no retry).
        timeout: Seconds after the first try when no new attempt starts; ``None``: no limit.
            (Bound the whole call with the pipeline's ``timeout``.)
        wait_initial: Seconds of the first backoff (before jitter).
        wait_max: Longest backoff in seconds.
        wait_jitter: Up to this many random seconds are added to each backoff.
        wait_exp_base: Growth factor of the backoff.
        max_retry_after: Longest Retry-After (seconds) honored; beyond it the call fails at once
            with the service's error (the caller can read ``retry_after`` and reschedule).
        should_retry: ``exc -> bool`` replacing the transient test (the refusals listed in the
            module docs and the ``retry_safe`` rule still apply).

    Raises:
        ValueError: a number is out of range.
    """

    attempts: int = attrs.field(default=3, validator=_at_least_one)
    timeout: float | None = 45.0
    wait_initial: float = attrs.field(default=0.1, validator=_positive)
    wait_max: float = attrs.field(default=5.0, validator=_positive)
    wait_jitter: float = attrs.field(default=1.0, validator=_positive)
    wait_exp_base: float = attrs.field(default=2.0, validator=_positive)
    max_retry_after: float = attrs.field(default=60.0, validator=_positive)
    should_retry: Callable[[BaseException], bool] | None = None

    def describe(self) -> str:
        """``"3 attempts, backoff 0.1..5.0 s"``."""
        return f"{self.attempts} attempts, backoff {self.wait_initial}..{self.wait_max} s"

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), with jitter."""
        base = self.wait_initial * self.wait_exp_base ** (attempt - 1)
        return min(self.wait_max, base + random.uniform(0.0, self.wait_jitter))

    def decide(self, exc: BaseException, attempt: int, *, retry_safe: bool) -> float | None:
        """Seconds to wait before retrying after ``exc`` on attempt ``attempt``, or ``None``
        when the failure must not be retried."""
        if not isinstance(exc, Exception) or isinstance(exc, REJECTIONS):
            return None
        transient = self.should_retry(exc) if self.should_retry else is_transient(exc)
        if not transient or not (retry_safe or is_retry_safe(exc)):
            return None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)):
            return float(retry_after) if retry_after <= self.max_retry_after else None
        return self.backoff(attempt)

    def _schedule(
        self,
        exc: Exception,
        attempt: int,
        retry_safe: bool,
        clock: Clock,
        started: float,
        name: str,
    ) -> RetryScheduled | None:
        """The retry to schedule after ``exc`` failed attempt ``attempt``, or ``None``."""
        wait = self.decide(exc, attempt, retry_safe=retry_safe)
        if wait is None or attempt >= self.attempts:
            return None
        if self.timeout is not None and clock.now() + wait - started > self.timeout:
            return None
        return RetryScheduled(
            operation=name,
            attempt=attempt,
            wait_s=wait,
            error=f"{type(exc).__name__}: {exc}"[:300],
            from_retry_after=isinstance(getattr(exc, "retry_after", None), (int, float)),
        )

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        retry_safe: bool = True,
        name: str = "call",
        clock: Clock | None = None,
        hooks: EventHooks | None = None,
    ) -> T:
        """Await ``fn()`` until it succeeds, the failure is not retryable, or attempts run out.

        Args:
            fn: A zero-argument coroutine function (wrap arguments with ``functools.partial``).
            retry_safe: ``False`` for calls that are not idempotent: they are retried only when
                the failure proves the request never reached the service.
            name: Names the operation in :class:`~medianest_sdk.RetryScheduled` events (must not
                hold a secret).
            clock: What to sleep on between attempts.
            hooks: Receives ``RetryScheduled`` events.

        Raises:
            Exception: the last failure, unchanged.
        """
        clock = clock or SYSTEM_CLOCK
        started = clock.now()
        # The first attempt runs directly: a call that succeeds pays nothing for the policy.
        try:
            return await fn()
        except Exception as exc:
            first = self._schedule(exc, 1, retry_safe, clock, started, name)
            if first is None:
                raise
        import stamina  # only once a call has failed: a succeeding call never loads it

        pending: list[RetryScheduled] = [first]
        attempt_no = 1

        def on(exc: Exception) -> bool | float:
            event = self._schedule(exc, attempt_no, retry_safe, clock, started, name)
            if event is None:
                return False
            pending.append(event)
            return 0.0  # stamina runs the loop; we sleep on our own clock below

        async for attempt in stamina.retry_context(
            on=on,
            attempts=self.attempts - 1,
            timeout=None,
            wait_initial=0.0,
            wait_max=0.0,
            wait_jitter=0.0,
        ):
            attempt_no = attempt.num + 1
            if pending:
                event = pending.pop()
                await (hooks or _LOG_ONLY).emit(event)
                if not stamina.is_testing():
                    await clock.sleep(event.wait_s)
            with attempt:
                return await fn()
        raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover
