"""``ResiliencePipeline``: the primitives a host app chose, in one documented order.

Outermost first::

    fallback ─ cache ─ total timeout ─ hedging ─ retry ─ breaker ─ limiter ─ bulkhead
             ─ attempt timeout ─ call

Why this order:

- **fallback** outermost, outside the cache: when everything below fails, a stale cached answer
  (stale-if-error) is real data and wins; the fallback answers only when there is none. A
  fallback inside the cache would also be cached as if it were fresh.
- **cache** outermost: a hit costs nothing else (no limiter slot, no breaker trial); misses
  for one key share one upstream call (single-flight); when everything below fails, the cache
  may answer with a stale entry (stale-if-error).
- **total timeout** bounds everything the caller waits for, backoff sleeps included.
- **hedging** outside retry: each hedged attempt retries on its own; the first to succeed wins.
- **retry** outside the breaker: every attempt is one breaker call, so the breaker sees each
  failure, and an open breaker (``CircuitOpenError``) stops the retries at once.
- **breaker** outside the limiter and bulkhead: an open breaker rejects without spending a
  rate-limit slot or queueing; a limiter or bulkhead refusal is not a service failure and is
  not counted by the breaker.
- **limiter** outside the bulkhead: a call waiting for a rate-limit slot does not hold a
  concurrency slot.
- **attempt timeout** innermost: it bounds one try, and counts as a failure for the breaker
  and the retry.

The breaker admits a call first, then the limiter and bulkhead let it through, and only then
does the breaker's timer start: waiting for our own throttling is never a slow call, and a
limiter refusal or a store failure is never a service failure.

One list of stages drives both the execution order and :meth:`ResiliencePipeline.describe`.
``hooks`` and ``clock`` given to the pipeline reach every primitive it holds, unless the
primitive was given its own. When a ``ServiceClient`` takes the pipeline, the pipeline takes the
client's service name (if it has none), and so does an unnamed limiter, so two services never
share a rate-limit bucket.

Timeouts raise :class:`~medianest_sdk.PipelineTimeout` (a :class:`TimeoutError`) with
``phase`` ``"attempt"`` or ``"total"``; ``ServiceClient`` turns it into
:class:`~medianest_sdk.RequestTimeout` with the same phase.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import attrs

from ..events import CacheLookup, EventHooks
from ._clock import Clock
from ._timeout import within
from .breaker import CircuitBreaker
from .bulkhead import Bulkhead
from .cache import Cache
from .classify import REJECTIONS, is_transient
from .fallback import Fallback, Hedging
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
        fallback: A :class:`~medianest_sdk.resilience.Fallback`: the answer when the call fails
            (and no stale entry can be served).
        hedging: A :class:`~medianest_sdk.resilience.Hedging`: start the same call again when
            an attempt is slow or fails (idempotent calls only; behind a load balancer).
        name: Names the pipeline (and an unnamed limiter's bucket); ``None`` takes the service
            name of the first ``ServiceClient`` it is given to.
        hooks: Receives every event of the pipeline and of each primitive that was given no
            hooks of its own (cache lookups, retries, breaker changes, rate limiting, bulkhead
            refusals, store failures).
        clock: Passed to each primitive that was given no clock of its own.

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
        fallback: Fallback[Any] | None = None,
        hedging: Hedging[Any] | None = None,
        name: str | None = None,
        hooks: EventHooks | None = None,
        clock: Clock | None = None,
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
        self.fallback = fallback
        self.hedging = hedging
        self.name = name
        self.hooks = hooks if hooks is not None else EventHooks()
        self._own_hooks = hooks is not None
        self.clock = clock
        for primitive in self._primitives():
            primitive.adopt(hooks=hooks, clock=clock)
        if limiter is not None and name is not None:
            limiter.adopt(hooks=None, clock=None, name=name)
        self._flights: dict[str, _Flight] = {}
        self._stages = self._build_stages()
        self._runners = [run for _, run in reversed(self._stages) if run is not None]

    def _primitives(self) -> list[Any]:
        return [
            p
            for p in (
                self.cache,
                self.breaker,
                self.limiter,
                self.bulkhead,
                self.fallback,
                self.hedging,
            )
            if p is not None
        ]

    def __repr__(self) -> str:
        return f"ResiliencePipeline({' -> '.join(self.describe()) or 'empty'})"

    def bind(self, service: str, hooks: EventHooks | None = None) -> EventHooks:
        """Take ``service`` as the pipeline's name (and an unnamed limiter's) if it has none,
        and ``hooks`` (passed on to every primitive given none) if the pipeline was given no
        hooks of its own; return the pipeline's hooks. ``ServiceClient`` calls this when it is
        given the pipeline (and shares the returned hooks when it was given none)."""
        if self.name is None:
            self.name = service
        if hooks is not None and not self._own_hooks:
            self.hooks = hooks
            self._own_hooks = True
            for primitive in self._primitives():
                primitive.adopt(hooks=hooks, clock=None)
        if self.limiter is not None:
            self.limiter.adopt(hooks=None, clock=None, name=self.name)
        return self.hooks

    def _build_stages(self) -> list[tuple[str, Callable[..., Awaitable[Any]] | None]]:
        """Outermost first: (description, the stage's runner or ``None`` for the cache, which
        wraps the rest with its key)."""
        stages: list[tuple[str, Callable[..., Awaitable[Any]] | None]] = []
        if self.fallback is not None:
            stages.append((f"fallback({self.fallback.describe()})", None))
        if self.cache is not None:
            what = getattr(self.cache, "describe", lambda: type(self.cache).__name__)()
            stages.append((f"cache({what}; max_stale={self.max_stale:g}s)", None))
        if self.timeout is not None:
            stages.append((f"timeout({self.timeout:g}s)", self._total_timeout))
        if self.hedging is not None:
            stages.append((f"hedging({self.hedging.describe()})", self._hedged))
        if self.retry is not None:
            stages.append((f"retry({self.retry.describe()})", self._retried))
        if self.breaker is not None:
            stages.append((f"breaker({self.breaker.name})", self._broken))
        if self.limiter is not None:
            stages.append((f"limiter({self.limiter.describe()})", self._limited))
        if self.bulkhead is not None:
            stages.append((f"bulkhead({self.bulkhead.describe()})", self._bulkheaded))
        if self.attempt_timeout is not None:
            stages.append((f"attempt_timeout({self.attempt_timeout:g}s)", self._attempt_timeout))
        return stages

    def describe(self) -> list[str]:
        """The stages in the order they apply, outermost first, e.g.
        ``["cache(memory, 10000 entries max; max_stale=0s)", "timeout(5s)",
        "retry(3 attempts, backoff 0.1..5.0 s)", "breaker(plex)",
        "limiter(100 per 15 minutes (moving-window, memory://))",
        "bulkhead(10 concurrent, unbounded waiting)", "attempt_timeout(2s)"]``."""
        return [text for text, _ in self._stages]

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
            CircuitOpenError, RateLimitExceeded, BulkheadFullError, StoreUnavailableError:
                from the primitives.
            Exception: the operation's own failure, after retries.
        """
        run = self._chain(operation, _Call(retry_safe, name))
        if self.cache is not None and cache_key is not None:
            key = cache_key
            inner = run

            async def cached() -> T:
                return await self._cached(inner, key, ttl)

            run = cached
        if self.fallback is None:
            return await run()
        result: T = await self.fallback.call(run, name=name)
        return result

    def _chain(
        self, operation: Callable[[], Awaitable[T]], call: _Call
    ) -> Callable[[], Awaitable[T]]:
        """``operation`` wrapped in every stage, innermost last."""
        run: Callable[[], Awaitable[T]] = operation
        if self.breaker is not None:
            clock = self.breaker.clock

            async def timed() -> T:
                call.started = clock.now()
                return await operation()

            run = timed
        for stage in self._runners:
            run = functools.partial(stage, run, call)
        return run

    async def _cached(self, run: Callable[[], Awaitable[T]], key: str, ttl: float | None) -> T:
        assert self.cache is not None
        cache = self.cache
        entry = await cache.get(key)
        now = cache.clock.now()
        if entry is not None and entry.is_fresh(now):
            if self.hooks.active(CacheLookup):
                await self.hooks.emit(
                    CacheLookup(name=self.name or "", key=key, result="hit", age_s=entry.age(now))
                )
            value: T = entry.value
            return value
        while (flight := self._flights.get(key)) is not None:
            await flight.done.wait()
            if flight.ok:
                shared: T = flight.value
                return shared
            if flight.error is not None:
                raise _own_copy(flight.error) from flight.error
            # the leader was cancelled: try to lead ourselves
        flight = self._flights[key] = _Flight()
        try:
            if self.hooks.active(CacheLookup):
                await self.hooks.emit(CacheLookup(name=self.name or "", key=key, result="miss"))
            try:
                value = await run()
            except Exception as exc:
                stale = entry if self.max_stale > 0 else None
                can_serve = is_transient(exc) or isinstance(exc, REJECTIONS)
                now = cache.clock.now()
                if stale is not None and can_serve and now < stale.fresh_until + self.max_stale:
                    await self.hooks.emit(
                        CacheLookup(
                            name=self.name or "",
                            key=key,
                            result="stale",
                            age_s=stale.age(now),
                            error=type(exc).__name__,
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

    # -- the stages: each runs ``inner`` (the stages inside it, then the operation) ------

    async def _total_timeout(self, inner: Callable[[], Awaitable[T]], call: _Call) -> T:
        assert self.timeout is not None
        return await within(self.timeout, inner, "total")

    async def _hedged(self, inner: Callable[[], Awaitable[T]], call: _Call) -> T:
        assert self.hedging is not None

        async def again(_: None) -> T:
            return await inner()

        return await self.hedging.call(
            again, targets=[None], retry_safe=call.retry_safe, name=call.name
        )

    async def _retried(self, inner: Callable[[], Awaitable[T]], call: _Call) -> T:
        assert self.retry is not None
        return await self.retry.call(
            inner, retry_safe=call.retry_safe, name=call.name, hooks=self.hooks
        )

    async def _broken(self, inner: Callable[[], Awaitable[T]], call: _Call) -> T:
        breaker = self.breaker
        assert breaker is not None
        permit = await breaker.admit()
        call.started = None
        try:
            result = await inner()
        except BaseException as exc:
            start = call.started
            if start is None:  # refused by the limiter or bulkhead, or cancelled waiting
                await breaker.record(permit, "ignored", 0.0)
            else:
                await breaker.record_exception(permit, exc, breaker.clock.now() - start)
            raise
        start = call.started if call.started is not None else breaker.clock.now()
        await breaker.record(permit, "success", breaker.clock.now() - start)
        return result

    async def _limited(self, inner: Callable[[], Awaitable[T]], call: _Call) -> T:
        assert self.limiter is not None
        await self.limiter.acquire(self.limiter_key, timeout=self.limiter_max_wait)
        return await inner()

    async def _bulkheaded(self, inner: Callable[[], Awaitable[T]], call: _Call) -> T:
        assert self.bulkhead is not None
        async with self.bulkhead.slot():
            return await inner()

    async def _attempt_timeout(self, inner: Callable[[], Awaitable[T]], call: _Call) -> T:
        assert self.attempt_timeout is not None
        return await within(self.attempt_timeout, inner, "attempt")


class _Call:
    """What one call carries through the stages."""

    __slots__ = ("name", "retry_safe", "started")

    def __init__(self, retry_safe: bool, name: str) -> None:
        self.retry_safe = retry_safe
        self.name = name
        self.started: float | None = None
        """When the protected operation started (the breaker times from here)."""


def _own_copy(error: BaseException) -> BaseException:
    """A single-flight follower's own exception: same type, message and attributes (raised
    ``from`` the leader's), so followers never share one traceback; the leader's own object
    when it cannot be copied."""
    try:
        clone = copy.copy(error)
    except Exception:
        return error
    clone.__traceback__ = None
    return clone
