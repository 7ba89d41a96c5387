"""Resilience primitives over any awaitable: breaker, limiter, caches, retry, bulkhead, pipeline.

Nothing here knows about HTTP or the adapters: failures are classified by the ``transient``
and ``retry_safe`` flags of :mod:`medianest_sdk.errors`.
"""

from __future__ import annotations

from ._clock import Clock, SystemClock, WallClock
from .breaker import (
    BreakerMetrics,
    BreakerPermit,
    BreakerSnapshot,
    BreakerState,
    BreakerStore,
    CircuitBreaker,
    MemoryBreakerStore,
    RedisBreakerStore,
)
from .bulkhead import Bulkhead
from .cache import Cache, CacheEntry, MemoryCache, RedisCache
from .fallback import Fallback, Hedging
from .limiter import RateLimiter
from .pipeline import ResiliencePipeline
from .retry import RetryPolicy

__all__ = [
    "BreakerMetrics",
    "BreakerPermit",
    "BreakerSnapshot",
    "BreakerState",
    "BreakerStore",
    "Bulkhead",
    "Cache",
    "CacheEntry",
    "CircuitBreaker",
    "Clock",
    "Fallback",
    "Hedging",
    "MemoryBreakerStore",
    "MemoryCache",
    "RateLimiter",
    "RedisBreakerStore",
    "RedisCache",
    "ResiliencePipeline",
    "RetryPolicy",
    "SystemClock",
    "WallClock",
]
