"""``Retry-After`` (RFC 9110 section 10.2.3) and ``retry-after-ms``, parsed defensively."""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx

__all__ = ["MAX_RETRY_AFTER", "parse_retry_after"]

MAX_RETRY_AFTER = 7 * 24 * 3600.0
"""The longest wait (seconds, one week) a parsed ``Retry-After`` can give. A larger or absurd
value (a 400-digit delta, a date in the year 9999) is capped to it rather than overflowing; a
``RetryPolicy`` applies its own, much lower ``max_retry_after`` on top."""

_MAX_DIGITS = len(str(int(MAX_RETRY_AFTER)))


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a response's headers, or ``None`` when none say.

    Reads ``retry-after-ms`` (milliseconds, as OpenAI and Azure send it) first, then
    ``Retry-After`` as delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). A date in the
    past gives ``0.0``; a malformed, negative or NaN value gives ``None``; anything (infinity too)
    above :data:`MAX_RETRY_AFTER` gives :data:`MAX_RETRY_AFTER`. Never raises.

    Args:
        headers: Response headers (case-insensitive mapping, e.g. ``httpx.Headers``).
        now: The current time for HTTP-dates; defaults to the system clock.
    """
    ms = _header(headers, "retry-after-ms")
    if ms is not None:
        seconds = _number(ms)
        if seconds is not None:
            return min(seconds / 1000.0, MAX_RETRY_AFTER)
    raw = _header(headers, "retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit():
        # A long digit string is absurd, and int() of one past 4,300 digits raises.
        return MAX_RETRY_AFTER if len(raw) > _MAX_DIGITS else min(float(raw), MAX_RETRY_AFTER)
    if len(raw) > 64:  # longer than any HTTP-date
        return None
    try:
        when = email.utils.parsedate_to_datetime(raw)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delta = (when - (now or datetime.now(UTC))).total_seconds()
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None
    return min(max(0.0, delta), MAX_RETRY_AFTER)


def _number(text: str) -> float | None:
    text = text.strip()
    if not text.isascii() or len(text) > 32:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isnan(value) or value < 0:
        return None
    return value


def _header(headers: Mapping[str, str], name: str) -> str | None:
    if isinstance(headers, httpx.Headers):
        found: str | None = headers.get(name)
        return found
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None
