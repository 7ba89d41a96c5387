"""One answer to "what does this exception mean?", for every primitive and the health monitor.

The HTTP layer encodes the meaning of each failure in the error it raises (``transient``,
``retry_safe``, see :mod:`medianest_sdk.errors`); this module reads those flags, and gives
exceptions from outside the library one meaning too:

=====================================  =========  ==========  ========================
exception                              transient  retry_safe  breaker outcome
=====================================  =========  ==========  ========================
``MediaNestError`` (``transient``)     yes        its flag    failure
``MediaNestError`` (not transient)     no         its flag    success (it answered)
refusals: ``CircuitOpenError``,        no         --          ignored (never ran)
``RateLimitExceeded``,
``BulkheadFullError``,
``StoreUnavailableError``
any other ``Exception``                yes        no          failure
cancellation, ``KeyboardInterrupt``    --         --          ignored
=====================================  =========  ==========  ========================

An exception from outside the library (a database driver's, a host callable's) is taken as the
protected service failing, as Polly and pybreaker take it: it counts against the breaker and an
idempotent call is retried. Our own errors say precisely what they mean instead (a 404 is the
caller's error, a decode error is not a service outage).

The retry policy retries *transient* failures (only *retry-safe* ones for non-idempotent
calls); the breaker counts *transient* failures; the health monitor reports a transient failure
of ours or a timeout as degraded and anything else as unhealthy.
"""

from __future__ import annotations

from typing import Literal

from ..errors import (
    BulkheadFullError,
    CircuitOpenError,
    MediaNestError,
    RateLimitExceeded,
    StoreUnavailableError,
)

__all__ = ["REJECTIONS", "Outcome", "is_retry_safe", "is_transient", "outcome"]

REJECTIONS = (CircuitOpenError, RateLimitExceeded, BulkheadFullError, StoreUnavailableError)
"""Refusals by our own primitives: the call never ran, so it is neither success nor failure."""

Outcome = Literal["success", "failure", "ignored"]


def is_transient(exc: BaseException) -> bool:
    """``True`` for failures that say the service is unwell and may pass on retry: a
    :class:`MediaNestError` by its ``transient`` flag (never a refusal); any other
    :class:`Exception`; never cancellation."""
    if isinstance(exc, MediaNestError):
        return exc.transient and not isinstance(exc, REJECTIONS)
    return isinstance(exc, Exception)


def is_retry_safe(exc: BaseException) -> bool:
    """``True`` when the failed call certainly did not reach the service (safe even for POST)."""
    return isinstance(exc, MediaNestError) and exc.retry_safe


def outcome(exc: BaseException) -> Outcome:
    """What a call that raised ``exc`` means to a circuit breaker (see the module table)."""
    if not isinstance(exc, Exception) or isinstance(exc, REJECTIONS):
        return "ignored"
    return "failure" if is_transient(exc) else "success"
