"""Retry policy on `stamina <https://stamina.hynek.me/>`_: stamina runs the loop and does the
waiting; this module decides what may be retried and feeds ``Retry-After`` in.

The wait before attempt *n + 1* is stamina's::

    min(wait_max, wait_initial * wait_exp_base ** (n - 1) + random.uniform(0, wait_jitter))

unless the failure carried ``retry_after`` (a 429 or 503 with ``Retry-After``): then exactly
that many seconds, passed to stamina through its backoff hook (``on`` returning a float), and no
retry at all when it exceeds ``max_retry_after``. stamina's ``timeout`` bounds the time after
which no new attempt starts.

What is retried: transient failures (:func:`medianest_sdk.resilience.classify.is_transient`:
transport errors, timeouts, 408, 429, 5xx). For a call that is not idempotent
(``retry_safe=False``, e.g. a POST), only failures that prove the request never reached the
service (a refused connection, a pool timeout, a 429). Never retried: the caller's errors (other
4xx), decode errors, refusals by our own primitives, and cancellation.

Reporting: each retry is reported once, as a :class:`~medianest_sdk.RetryScheduled` event (which
is also one log line on the ``medianest_sdk`` logger), emitted when the retry starts, with the
wait stamina slept. stamina's own on-retry hooks (its log line, its Prometheus counter) are
skipped for our retries only: on the first retry the library wraps stamina's hooks in a filter
that passes every other retry in the process through unchanged.

What stamina cannot express, and so is not done: sleeping on an injected clock (stamina sleeps
on the event loop's clock). In tests use stamina's testing mode:
``stamina.set_testing(True, attempts=3)`` makes every wait zero.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import attrs

from ..events import EventHooks, RetryScheduled
from .classify import REJECTIONS, is_retry_safe, is_transient

__all__ = ["RetryPolicy"]

T = TypeVar("T")
_LOG_ONLY = EventHooks()

_OURS: dict[int, list[float]] = {}
"""id(failure) -> the waits stamina reported for it, for the failures of our own retry loops."""


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"RetryPolicy: {attribute.name} must be >= 0 seconds, got {value!r}")


def _at_least_one(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"RetryPolicy: attempts must be >= 1, got {value!r}")


class _SkipOurRetries:
    """A stamina on-retry hook wrapping the process's hooks: our retries are recorded (their
    wait) and not passed on; every other retry goes to the wrapped hooks as before."""

    def __init__(self, inner: tuple[Any, ...]) -> None:
        self.inner = inner

    def __call__(self, details: Any) -> contextlib.AbstractContextManager[None] | None:
        waits = _OURS.get(id(details.caused_by))
        if waits is not None:
            waits.append(float(details.wait_for))
            return None
        managers = [m for m in (hook(details) for hook in self.inner) if m is not None]
        return _enter_all(managers) if managers else None


@contextlib.contextmanager
def _enter_all(managers: list[contextlib.AbstractContextManager[None]]) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for manager in managers:
            stack.enter_context(manager)
        yield


def _filter_stamina_hooks() -> None:
    from stamina.instrumentation import get_on_retry_hooks, set_on_retry_hooks

    hooks = get_on_retry_hooks()
    if len(hooks) == 1 and isinstance(hooks[0], _SkipOurRetries):
        return
    set_on_retry_hooks([_SkipOurRetries(tuple(hooks))])


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How to retry a failing call; reusable and immutable. Every argument is stamina's
    (same name, same meaning) but ``max_retry_after`` and ``should_retry``.

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
        should_retry: ``exc -> bool`` replacing the transient test (refusals and the
            ``retry_safe`` rule still apply).

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

    def decide(self, exc: BaseException, *, retry_safe: bool) -> bool | float:
        """stamina's backoff-hook answer for ``exc``: ``False`` (do not retry), ``True`` (retry
        after stamina's backoff) or seconds to wait (the service's Retry-After)."""
        if not isinstance(exc, Exception) or isinstance(exc, REJECTIONS):
            return False
        transient = self.should_retry(exc) if self.should_retry else is_transient(exc)
        if not transient or not (retry_safe or is_retry_safe(exc)):
            return False
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)) and not isinstance(retry_after, bool):
            return float(retry_after) if retry_after <= self.max_retry_after else False
        return True

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        retry_safe: bool = True,
        name: str = "call",
        hooks: EventHooks | None = None,
    ) -> T:
        """Await ``fn()`` until it succeeds, the failure is not retryable, or stamina stops.

        Args:
            fn: A zero-argument coroutine function (wrap arguments with ``functools.partial``).
            retry_safe: ``False`` for calls that are not idempotent: they are retried only when
                the failure proves the request never reached the service.
            name: Names the operation in :class:`~medianest_sdk.RetryScheduled` events (must not
                hold a secret).
            hooks: Receives ``RetryScheduled`` events (otherwise they are only logged).

        Raises:
            Exception: the last failure, unchanged.
        """
        # The first attempt runs directly: a call that succeeds pays nothing for the policy.
        try:
            return await fn()
        except Exception as exc:
            if self.attempts == 1 or self.decide(exc, retry_safe=retry_safe) is False:
                raise
            first: Exception | None = exc
        import stamina  # only once a call has failed: a succeeding call never loads it

        _filter_stamina_hooks()
        waits: list[float] = []
        last: list[tuple[Exception, bool]] = []
        seen: list[int] = []

        def on(exc: Exception) -> bool | float:
            verdict = self.decide(exc, retry_safe=retry_safe)
            if verdict is not False:
                _OURS[id(exc)] = waits
                seen.append(id(exc))
                last.append((exc, not isinstance(verdict, bool)))
            return verdict

        try:
            async for attempt in stamina.retry_context(
                on=on,
                attempts=self.attempts,
                timeout=self.timeout,
                wait_initial=self.wait_initial,
                wait_max=self.wait_max,
                wait_jitter=self.wait_jitter,
                wait_exp_base=self.wait_exp_base,
            ):
                with attempt:
                    if first is not None:  # stamina's attempt 1 is the failure we already had
                        failure, first = first, None
                        raise failure
                    if last:
                        previous, from_retry_after = last[-1]
                        await (hooks or _LOG_ONLY).emit(
                            RetryScheduled(
                                operation=name,
                                attempt=attempt.num - 1,
                                wait_s=waits[-1] if waits else 0.0,
                                error=f"{type(previous).__name__}: {previous}"[:300],
                                from_retry_after=from_retry_after,
                            )
                        )
                    return await fn()
        finally:
            for key in seen:
                _OURS.pop(key, None)
        raise AssertionError("unreachable: stamina re-raises the last failure")  # pragma: no cover
