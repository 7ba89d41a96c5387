"""Circuit breaker: a pure state machine (:mod:`.machine`), stores (:mod:`.stores`: memory,
Redis) and the async facade :class:`CircuitBreaker` (:mod:`.circuit`)."""

from __future__ import annotations

from .circuit import BreakerMetrics, BreakerPermit, CircuitBreaker, StoreErrorPolicy
from .machine import BreakerPolicy, BreakerSnapshot, BreakerState, Transition
from .stores import BreakerStore, MemoryBreakerStore, RedisBreakerStore

__all__ = [
    "BreakerMetrics",
    "BreakerPermit",
    "BreakerPolicy",
    "BreakerSnapshot",
    "BreakerState",
    "BreakerStore",
    "CircuitBreaker",
    "MemoryBreakerStore",
    "RedisBreakerStore",
    "StoreErrorPolicy",
    "Transition",
]
