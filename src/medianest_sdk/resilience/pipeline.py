"""``ResiliencePipeline``: the primitives a host app chose, in one documented order.

Outermost first::

    cache ─ total timeout ─ retry ─ breaker ─ limiter ─ bulkhead ─ attempt timeout ─ call

Why this order:

- **cache** outermost: a hit costs nothing else (no limiter slot, no breaker trial); misses
  for one key share one upstream call (single-flight); when everything below fails, the cache
  may answer with a stale entry (stale-if-error).
- **total timeout** bounds everything the caller waits for, backoff sleeps included.
- **retry** outside the breaker: every attempt is one breaker call, so the breaker sees each
  failure, and an open breaker (``CircuitOpenError``) stops the retries at once.
- **breaker** outside the limiter and bulkhead: an open breaker rejects without spending a
  rate-limit slot or queueing; a limiter or bulkhead refusal is not a service failure and is
  not counted by the breaker.
- **limiter** outside the bulkhead: a call waiting for a rate-limit slot does not hold a
  concurrency slot.
- **attempt timeout** innermost: it bounds one try, and counts as a failure for the breaker
  and the retry.

Timeouts raise :class:`~medianest_sdk.PipelineTimeout` (a :class:`TimeoutError`) with
``phase`` ``"attempt"`` or ``"total"``; ``ServiceClient`` turns it into
:class:`~medianest_sdk.RequestTimeout` with the same phase.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import attrs

from ..events import CacheLookup, EventHooks
from ._classify import REJECTIONS, is_transient
from ._timeout import within
from .breaker import CircuitBreaker
from .bulkhead import Bulkhead
from .cache import Cache
from .limiter import RateLimiter
from .retry import RetryPolicy

__all__ = ["ResiliencePipeline"]

T = TypeVar("T")


@attrs.define
class _Flight:
    done: anyio.Event = attrs.Factory(anyio.Event)
    ok: bool = False
    value: Any = None
    error: BaseException | None = None


class ResiliencePipeline:
    """Composes whichever primitives it is given, in the order in the module docs.

    Every argument is optional; a pipeline with none of them runs the call as is.

    Args:
        cache: A :class:`~medianest_sdk.MemoryCache` or :class:`~medianest_sdk.RedisCache`;
            used only for calls that pass a ``cache_key``.
        cache_ttl: Default seconds a cached value stays fresh (per-call ``ttl`` overrides);
            ``None``: the cache's own default.
        max_stale: Seconds past its TTL that an entry may still be served when the upstream
            fails or the breaker is open (stale-if-error); ``0`` turns that off.
        timeout: Seconds for the whole call, retries and waits included; ``None``: no bound.
        retry: A :class:`~medianest_sdk.RetryPolicy`.
        breaker: A :class:`~medianest_sdk.CircuitBreaker`.
        limiter: A :class:`~medianest_sdk.RateLimiter`; the pipeline waits for a slot
            (bounded by ``limiter_max_wait`` and ``timeout``).
        limiter_key: The rate-limit key for calls through this pipeline.
        limiter_max_wait: Longest wait in seconds for a rate-limit slot; ``None``: as long as
            ``timeout`` allows; ``0``: refuse at once with ``RateLimitExceeded``.
        bulkhead: A :class:`~medianest_sdk.Bulkhead`.
        attempt_timeout: Seconds for each single attempt; ``None``: no bound.
        hooks: Receives :class:`~medianest_sdk.CacheLookup` and
            :class:`~medianest_sdk.RetryScheduled` events.

    Raises:
        ValueError: a timeout or ``max_stale`` is negative or not finite.
    """

    def __init__(
        self,
        *,
        cache: Cache | None = None,
        cache_ttl: float | None = None,
        max_stale: float = 0.0,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        limiter: RateLimiter | None = None,
        limiter_key: str = "default",
        limiter_max_wait: float | None = None,
        bulkhead: Bulkhead | None = None,
        attempt_timeout: float | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        for label, value in (
            ("timeout", timeout),
            ("attempt_timeout", attempt_timeout),
            ("cache_ttl", cache_ttl),
            ("limiter_max_wait", limiter_max_wait),
            ("max_stale", max_stale),
        ):
            if value is not None and not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"ResiliencePipeline: {label} must be >= 0 seconds, got {value!r}")
        self.cache = cache
        self.cache_ttl = cache_ttl
        self.max_stale = max_stale
        self.timeout = timeout
        self.retry = retry
        self.breaker = breaker
        self.limiter = limiter
        self.limiter_key = limiter_key
        self.limiter_max_wait = limiter_max_wait
        self.bulkhead = bulkhead
        self.attempt_timeout = attempt_timeout
        self.hooks = hooks if hooks is not None else EventHooks()
        self._flights: dict[str, _Flight] = {}

    def __repr__(self) -> str:
        return f"ResiliencePipeline({' -> '.join(self.describe()) or 'empty'})"

    def describe(self) -> list[str]:
        """The primitives in the order they apply, outermost first, e.g.
        ``["cache(memory, 10000 entries max; max_stale=0s)", "timeout(5.0s)",
        "retry(3 attempts, backoff 0.1..5.0 s)", "breaker(plex)",
        "limiter(100 per 15 minutes (moving-window, memory://))",
        "bulkhead(10 concurrent, unbounded waiting)", "attempt_timeout(2.0s)"]``."""
        steps = []
        if self.cache is not None:
            what = getattr(self.cache, "describe", lambda: type(self.cache).__name__)()
            steps.append(f"cache({what}; max_stale={self.max_stale:g}s)")
        if self.timeout is not None:
            steps.append(f"timeout({self.timeout:g}s)")
        if self.retry is not None:
            steps.append(f"retry({self.retry.describe()})")
        if self.breaker is not None:
            steps.append(f"breaker({self.breaker.name})")
        if self.limiter is not None:
            steps.append(f"limiter({self.limiter.describe()})")
        if self.bulkhead is not None:
            steps.append(f"bulkhead({self.bulkhead.describe()})")
        if self.attempt_timeout is not None:
            steps.append(f"attempt_timeout({self.attempt_timeout:g}s)")
        return steps

    async def execute(
        self,
        operation: Callable[[], Awaitable[T]],
        *,
        cache_key: str | None = None,
        ttl: float | None = None,
        retry_safe: bool = True,
        name: str = "",
    ) -> T:
        """Run ``operation`` under the pipeline.

        Args:
            operation: A zero-argument coroutine function: one attempt of the call.
            cache_key: Cache the (JSON-compatible) result under this key; ``None``: no cache.
            ttl: Seconds the cached result stays fresh; default ``cache_ttl``.
            retry_safe: ``False`` for non-idempotent calls (see :class:`RetryPolicy`).
            name: Names the call in events (no secrets).

        Raises:
            PipelineTimeout: ``timeout`` (phase ``"total"``) or ``attempt_timeout`` (phase
                ``"attempt"``) elapsed; a :class:`TimeoutError`.
            CircuitOpenError, RateLimitExceeded, BulkheadFullError: from the primitives.
            Exception: the operation's own failure, after retries.
        """
        if self.cache is None or cache_key is None:
            return await self._guarded(operation, retry_safe, name)
        return await self._cached(operation, cache_key, ttl, retry_safe, name)

    async def _cached(
        self,
        operation: Callable[[], Awaitable[T]],
        key: str,
        ttl: float | None,
        retry_safe: bool,
        name: str,
    ) -> T:
        assert self.cache is not None
        cache = self.cache
        entry = await cache.get(key)
        now = cache.clock.now()
        if entry is not None and entry.is_fresh(now):
            if self.hooks.active(CacheLookup):
                await self.hooks.emit(CacheLookup(key=key, result="hit", age_s=entry.age(now)))
            value: T = entry.value
            return value
        while (flight := self._flights.get(key)) is not None:
            await flight.done.wait()
            if flight.ok:
                shared: T = flight.value
                return shared
            if flight.error is not None:
                raise flight.error
            # the leader was cancelled: try to lead ourselves
        flight = self._flights[key] = _Flight()
        try:
            if self.hooks.active(CacheLookup):
                await self.hooks.emit(CacheLookup(key=key, result="miss"))
            try:
                value = await self._guarded(operation, retry_safe, name)
            except Exception as exc:
                stale = entry if self.max_stale > 0 else None
                can_serve = is_transient(exc) or isinstance(exc, REJECTIONS)
                now = cache.clock.now()
                if stale is not None and can_serve and now < stale.fresh_until + self.max_stale:
                    await self.hooks.emit(
                        CacheLookup(
                            key=key, result="stale", age_s=stale.age(now), error=type(exc).__name__
                        )
                    )
                    flight.ok, flight.value = True, stale.value
                    stale_value: T = stale.value
                    return stale_value
                flight.error = exc
                raise
            flight.ok, flight.value = True, value
            await cache.set(
                key, value, ttl=ttl if ttl is not None else self.cache_ttl, max_stale=self.max_stale
            )
            return value
        finally:
            del self._flights[key]
            flight.done.set()

    async def _guarded(
        self, operation: Callable[[], Awaitable[T]], retry_safe: bool, name: str
    ) -> T:
        if self.timeout is None:
            return await self._retried(operation, retry_safe, name)
        return await within(
            self.timeout, lambda: self._retried(operation, retry_safe, name), "total"
        )

    async def _retried(
        self, operation: Callable[[], Awaitable[T]], retry_safe: bool, name: str
    ) -> T:
        if self.retry is None:
            return await self._attempt(operation)
        return await self.retry.call(
            lambda: self._attempt(operation), retry_safe=retry_safe, name=name, hooks=self.hooks
        )

    async def _attempt(self, operation: Callable[[], Awaitable[T]]) -> T:
        if self.breaker is not None:
            return await self.breaker.call(self._limited, operation)
        return await self._limited(operation)

    async def _limited(self, operation: Callable[[], Awaitable[T]]) -> T:
        if self.limiter is not None:
            await self.limiter.acquire(self.limiter_key, timeout=self.limiter_max_wait)
        if self.bulkhead is not None:
            async with self.bulkhead.slot():
                return await self._timed(operation)
        return await self._timed(operation)

    async def _timed(self, operation: Callable[[], Awaitable[T]]) -> T:
        if self.attempt_timeout is None:
            return await operation()
        return await within(self.attempt_timeout, operation, "attempt")
