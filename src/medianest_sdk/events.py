"""Typed events and :class:`EventHooks`, the one way medianest-sdk reports its decisions.

Each decision (a request done, a breaker changing state, a retry scheduled, a cache hit) is a
frozen attrs record. :meth:`EventHooks.emit` writes it as a stdlib :mod:`logging` record on the
``medianest_sdk`` logger (the record's ``event`` attribute holds the object) and hands it to
every callback registered for its type. URLs and messages in events are already redacted.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import ClassVar, Literal, Protocol

import attrs

__all__ = [
    "BreakerStateChanged",
    "BulkheadRejected",
    "BulkheadWaited",
    "CacheLookup",
    "Event",
    "EventCallback",
    "EventHooks",
    "DownloadFinished",
    "FallbackUsed",
    "HedgeStarted",
    "DownloadProgressed",
    "HealthStatusChanged",
    "RateLimited",
    "RequestCompleted",
    "RetryScheduled",
    "ServiceDown",
    "ServiceUp",
    "StoreUnavailable",
    "Tracing",
    "enable_logging",
    "logger",
]

logger = logging.getLogger("medianest_sdk")
"""The library's logger. Nothing is printed unless the host configures logging (a
:class:`logging.NullHandler` keeps Python's last-resort handler quiet), or ``MEDIANEST_LOG`` /
:func:`enable_logging` asks for readable lines."""
logger.addHandler(logging.NullHandler())

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def enable_logging(level: str = "info") -> logging.Handler:
    """Print the library's log lines to standard error, readable, from ``level`` up
    (``"debug"``: every request; ``"info"``: retries, recoveries, rate limiting, downloads;
    ``"warning"``: breakers opening, services going down, stores failing). Idempotent; returns
    the handler (remove it with ``logger.removeHandler``). The environment variable
    ``MEDIANEST_LOG=info`` does the same at import, as ``OPENAI_LOG`` does for openai-python.

    Raises:
        ValueError: an unknown level.
    """
    try:
        value = _LEVELS[level.lower()]
    except KeyError:
        raise ValueError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}") from None
    for handler in logger.handlers:
        if getattr(handler, "_medianest_readable", False):
            handler.setLevel(value)
            logger.setLevel(min(logger.level or value, value))
            return handler
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s medianest_sdk: %(message)s"))
    handler.setLevel(value)
    handler._medianest_readable = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(value)
    return handler


@attrs.frozen(kw_only=True)
class Event:
    """Base of every event. ``level`` is the lowest :mod:`logging` level its log record gets;
    :meth:`log_level` the one this event gets (a breaker opening is a WARNING, closing again
    INFO)."""

    level: ClassVar[int] = logging.DEBUG

    def log_level(self) -> int:
        """The logging level of this event's record."""
        return self.level

    def summary(self) -> str:
        """One line for the log record, e.g. ``"plex GET http://... -> 200 in 0.012 s"``."""
        fields = " ".join(f"{a.name}={getattr(self, a.name)!r}" for a in attrs.fields(type(self)))
        return f"{type(self).__name__} {fields}"


@attrs.frozen(kw_only=True)
class RequestCompleted(Event):
    """An HTTP request finished, with a response or a transport error.

    Attributes:
        service: Service name, e.g. ``"plex"``.
        method: HTTP method.
        url: Request URL, secrets redacted.
        route: The path as a template, low in cardinality and free of secrets (numeric ids,
            hashes, UUIDs and redacted parts replaced by ``{id}``/``{secret}``), e.g.
            ``"/library/metadata/{id}"``: what metrics and spans label a request with.
        status: HTTP status, or ``None`` when no response came (``error`` says why).
        duration_s: Seconds from send to response headers and body read.
        attempt: 1 for the first try, 2 for the first retry, ...
        error: The exception class name when the request failed, else ``None``.
    """

    service: str
    method: str
    url: str
    status: int | None
    duration_s: float
    attempt: int = 1
    error: str | None = None
    route: str = ""

    def summary(self) -> str:
        outcome = self.status if self.status is not None else self.error
        return (
            f"{self.service} {self.method} {self.url} -> {outcome} "
            f"in {self.duration_s:.3f} s (attempt {self.attempt})"
        )


@attrs.frozen(kw_only=True)
class BreakerStateChanged(Event):
    """A circuit breaker moved between closed, open, half_open and isolated.

    Attributes:
        breaker: The breaker's name.
        old: The previous state's value (``"closed"``, ``"open"``, ``"half_open"``, ``"isolated"``).
        new: The new state's value.
        reason: Why, e.g. ``"failure ratio 0.60 >= 0.50 over 12 calls"``.
        break_duration: Seconds it stays open when ``new == "open"``, else ``None``.
    """

    level: ClassVar[int] = logging.INFO

    breaker: str
    old: str
    new: str
    reason: str
    break_duration: float | None = None

    def summary(self) -> str:
        return f"breaker {self.breaker!r}: {self.old} -> {self.new} ({self.reason})"

    def log_level(self) -> int:
        """WARNING when the breaker opens (or is isolated), INFO otherwise."""
        return logging.WARNING if self.new in ("open", "isolated") else logging.INFO


@attrs.frozen(kw_only=True)
class StoreUnavailable(Event):
    """A shared store (Redis) failed under a breaker, limiter or cache, and what was done.

    Attributes:
        primitive: ``"breaker"``, ``"limiter"`` or ``"cache"``, with its name, e.g.
            ``"breaker 'plex'"``.
        store: The store URL, credentials redacted.
        operation: What failed, e.g. ``"admission"``, ``"record"``, ``"get"``, ``"hit"``.
        policy: ``"fail_open"`` (the call went ahead without the store) or ``"fail_closed"``
            (the call was refused with ``StoreUnavailableError``).
        error: The store's error class and message, redacted.
    """

    level: ClassVar[int] = logging.WARNING
    primitive: str
    store: str
    operation: str
    policy: Literal["fail_open", "fail_closed"]
    error: str

    def summary(self) -> str:
        return (
            f"{self.primitive}: store {self.store} failed on {self.operation} "
            f"({self.error}); {self.policy.replace('_', ' ')}"
        )


@attrs.frozen(kw_only=True)
class DownloadProgressed(Event):
    """A download made progress (yt-dlp's progress hook; at most ~10 per second per job).

    Attributes:
        url: The media URL without its query string.
        key: The job's quota key, or ``None``.
        status: ``"downloading"``, ``"finished"`` (one file complete) or ``"error"``.
        downloaded_bytes: Bytes of the current file so far.
        total_bytes: Its size in bytes when known (or estimated), else ``None``.
        fraction: 0.0-1.0 of the current file (never decreasing), or ``None``.
    """

    url: str
    key: str | None
    status: str
    downloaded_bytes: int
    total_bytes: int | None
    fraction: float | None


@attrs.frozen(kw_only=True)
class DownloadFinished(Event):
    """A download job ended.

    Attributes:
        url: The media URL without its query string.
        key: The job's quota key, or ``None``.
        files: The final paths (as strings), empty when it failed.
        bytes: Total size of the files in bytes.
        duration_s: Seconds from the job's start to its end.
        error: The error's class name when it failed or was cancelled, else ``None``.
    """

    level: ClassVar[int] = logging.INFO
    url: str
    key: str | None
    files: list[str]
    bytes: int
    duration_s: float
    error: str | None = None

    def summary(self) -> str:
        outcome = self.error or f"{len(self.files)} file(s), {self.bytes} bytes"
        return f"download {self.url}: {outcome} in {self.duration_s:.1f} s"


@attrs.frozen(kw_only=True)
class FallbackUsed(Event):
    """A call failed and a fallback answered instead.

    Attributes:
        operation: What was called (no secrets).
        error: The failure the fallback replaced (class and redacted message).
    """

    level: ClassVar[int] = logging.INFO
    operation: str
    error: str


@attrs.frozen(kw_only=True)
class HedgeStarted(Event):
    """A hedged call started another attempt beside a slow or failed one.

    Attributes:
        operation: What was called (no secrets).
        attempt: The attempt started (2 for the first hedge).
        reason: ``"slow"`` (the delay passed) or ``"failed"`` (an attempt failed).
    """

    level: ClassVar[int] = logging.INFO
    operation: str
    attempt: int
    reason: str


@attrs.frozen(kw_only=True)
class RetryScheduled(Event):
    """A failed attempt will be retried after ``wait_s`` seconds.

    Attributes:
        operation: What is retried (a cache key or ``"METHOD url"``), redacted.
        attempt: The number of the attempt that failed (1-based).
        wait_s: Seconds before the next attempt.
        error: The failing exception's class name and message.
        from_retry_after: ``True`` when ``wait_s`` came from the service's Retry-After.
    """

    level: ClassVar[int] = logging.INFO

    operation: str
    attempt: int
    wait_s: float
    error: str
    from_retry_after: bool = False

    def summary(self) -> str:
        source = " (Retry-After)" if self.from_retry_after else ""
        return (
            f"retry {self.operation} after attempt {self.attempt} failed ({self.error}); "
            f"waiting {self.wait_s:.3f} s{source}"
        )


@attrs.frozen(kw_only=True)
class RateLimited(Event):
    """The rate limiter refused a call, or made it wait.

    Attributes:
        limit: The limit, e.g. ``"100 per 15 minutes"``.
        key: The rate-limit key.
        name: The limiter's name (its pipeline's service, e.g. ``"plex"``), or ``""``.
        waited_s: Seconds the caller waited before being let through, or ``None`` when refused.
        retry_after: Seconds until the next slot frees, when refused.
    """

    level: ClassVar[int] = logging.INFO

    limit: str
    key: str
    waited_s: float | None = None
    retry_after: float | None = None
    name: str = ""


@attrs.frozen(kw_only=True)
class CacheLookup(Event):
    """A cache lookup in the pipeline.

    Attributes:
        key: The cache key (never holds a secret in clear: adapters hash tokens into keys).
        result: ``"hit"``, ``"miss"``, or ``"stale"`` (an expired entry served because the
            upstream failed or the breaker is open: stale-if-error).
        age_s: Seconds since the entry was stored, for hits and stale entries.
        error: For ``"stale"``, the upstream error's class name.
        name: The pipeline's name (its service, e.g. ``"plex"``), or ``""``.
    """

    key: str
    result: Literal["hit", "miss", "stale"]
    age_s: float | None = None
    error: str | None = None
    name: str = ""


@attrs.frozen(kw_only=True)
class BulkheadRejected(Event):
    """A call was refused because the bulkhead's waiting queue was full.

    Attributes:
        max_concurrent: Calls allowed to run at once.
        max_waiting: Calls allowed to wait.
    """

    level: ClassVar[int] = logging.WARNING

    max_concurrent: int
    max_waiting: int


@attrs.frozen(kw_only=True)
class BulkheadWaited(Event):
    """A call waited for a bulkhead slot before it ran (calls that found a free slot emit
    nothing).

    Attributes:
        waited_s: Seconds it waited.
        max_concurrent: Calls allowed to run at once.
    """

    waited_s: float
    max_concurrent: int


@attrs.frozen(kw_only=True)
class HealthStatusChanged(Event):
    """A monitored service's health status changed.

    Attributes:
        service: The check's name.
        old: The previous status (``"unknown"`` before the first check).
        new: ``"healthy"``, ``"degraded"`` or ``"unhealthy"``.
        error: The failure that caused it, redacted, or ``None``.
    """

    level: ClassVar[int] = logging.INFO

    service: str
    old: str
    new: str
    error: str | None = None

    def summary(self) -> str:
        detail = f" ({self.error})" if self.error else ""
        return f"{self.service}: {self.old} -> {self.new}{detail}"

    def log_level(self) -> int:
        """WARNING when a service becomes unhealthy, INFO otherwise (recovery, degradation
        and first checks are routine)."""
        return logging.WARNING if self.new == "unhealthy" else logging.INFO


@attrs.frozen(kw_only=True)
class ServiceUp(Event):
    """A monitored service became healthy (after being anything else)."""

    level: ClassVar[int] = logging.INFO

    service: str
    old: str


@attrs.frozen(kw_only=True)
class ServiceDown(Event):
    """A monitored service became unhealthy; ``error`` says why (redacted)."""

    level: ClassVar[int] = logging.WARNING

    service: str
    old: str
    error: str | None = None


EventCallback = Callable[[Event], object] | Callable[[Event], Awaitable[object]]
"""The type of a hook, a plain function or a coroutine function taking one event."""


class Tracing(Protocol):
    """What :attr:`EventHooks.tracing` holds: opens a span around one logical request (its
    attempts, retries, cache look-up and breaker decisions inside). :func:`medianest_sdk.instrument`
    sets one built on OpenTelemetry; nothing else needs to implement it."""

    def span(
        self, service: str, method: str, route: str, base_url: str
    ) -> AbstractContextManager[object]:
        """A context manager around the request: ``route`` as in
        :attr:`RequestCompleted.route`, ``base_url`` the service's origin (scheme, host and
        port; no path, query or credentials).
        It ends the span when the block ends and records the exception that ended it."""
        ...


class EventHooks:
    """A registry of event callbacks, sync or async.

    A callback that raises is logged (with its traceback) on the ``medianest_sdk`` logger and
    never breaks the operation that emitted the event. Cancellation is not swallowed.

    Example::

        hooks = EventHooks()
        hooks.register(print, BreakerStateChanged)   # only breaker events
        hooks.register(my_async_metrics_sink)         # every event
        breaker = CircuitBreaker("plex", hooks=hooks)
    """

    __slots__ = ("_callbacks", "tracing")

    def __init__(self) -> None:
        self._callbacks: list[tuple[EventCallback, tuple[type[Event], ...], bool]] = []
        self.tracing: Tracing | None = None
        """Opens a span per request when set (by :func:`medianest_sdk.instrument`); ``None``:
        no tracing, and nothing is spent on it."""

    def register(self, callback: EventCallback, *event_types: type[Event]) -> None:
        """Call ``callback(event)`` for every event of the given types (all events if none).

        Raises:
            TypeError: ``callback`` is not callable, or a type is not an :class:`Event` subclass.
        """
        if not callable(callback):
            raise TypeError(f"event callback must be callable, not {type(callback).__name__}")
        for t in event_types:
            if not (isinstance(t, type) and issubclass(t, Event)):
                raise TypeError(f"{t!r} is not an Event subclass")
        is_async = inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(
            getattr(callback, "__call__", None)  # noqa: B004
        )
        self._callbacks.append((callback, event_types or (Event,), is_async))

    def unregister(self, callback: EventCallback) -> None:
        """Remove every registration of ``callback``; unknown callbacks are ignored."""
        self._callbacks = [c for c in self._callbacks if c[0] != callback]

    def __len__(self) -> int:
        return len(self._callbacks)

    def active(self, event_type: type[Event]) -> bool:
        """Whether an event of ``event_type`` would reach a callback or the log; emitters
        check it to skip building events nobody reads."""
        if logger.isEnabledFor(event_type.level):
            return True
        return any(issubclass(event_type, types) for _, types, _ in self._callbacks)

    async def emit(self, event: Event) -> None:
        """Log ``event`` and run the callbacks registered for its type, in order."""
        level = event.log_level()
        if logger.isEnabledFor(level):
            logger.log(level, "%s", event.summary(), extra={"event": event})
        for callback, types, is_async in self._callbacks:
            if not isinstance(event, types):
                continue
            try:
                result = callback(event)
                if is_async or inspect.isawaitable(result):
                    await result  # type: ignore[misc]
            except Exception:
                logger.exception("event hook %r failed on %s", callback, type(event).__name__)


if os.environ.get("MEDIANEST_LOG", "").lower() in _LEVELS:
    enable_logging(os.environ["MEDIANEST_LOG"])
