"""What counts as a failure, for primitives that know nothing of HTTP.

The HTTP layer (``http.py``) encodes the meaning of each failure in the error it raises
(``transient``, ``retry_safe``); this module reads those flags.
"""

from __future__ import annotations

from ..errors import BulkheadFullError, CircuitOpenError, MediaNestError, RateLimitExceeded

REJECTIONS = (CircuitOpenError, RateLimitExceeded, BulkheadFullError)
"""Refusals by our own primitives: the call never ran, so it is neither success nor failure."""


def is_transient(exc: BaseException) -> bool:
    """``True`` for failures that say the service is unwell and may pass on retry.

    A :class:`MediaNestError` answers with its ``transient`` flag (transport errors, timeouts,
    408, 429, 5xx); :class:`TimeoutError` (a pipeline timeout) and :class:`OSError` are
    transient; anything else (a bug, a 404, a decode error) is not.
    """
    if isinstance(exc, MediaNestError):
        return exc.transient
    return isinstance(exc, (TimeoutError, OSError))


def is_retry_safe(exc: BaseException) -> bool:
    """``True`` when the failed call certainly did not reach the service (safe even for POST)."""
    return isinstance(exc, MediaNestError) and exc.retry_safe
