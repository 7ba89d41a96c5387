"""Helpers for testing code that uses medianest-sdk: in-memory service fakes with fault
injection, a manual clock, and event capture.

``FakePlex``, ``FakeSeerr``, ``FakeUptimeKuma``, ``FakeQBittorrent`` and ``FakeProwlarr``
answer an adapter in memory through ``fake.http_client()``; ``fake.faults`` makes them slow,
failing, rate-limited or malformed on demand (:class:`Faults`).

``ManualClock`` stands in for the system clock in every primitive (``clock=``). Time moves
only when you call :meth:`ManualClock.advance`, or when something sleeps on the clock: a sleep
advances the clock by its duration at once (like trio's autojump clock), so retries, rate-limit
waits and breaker break durations run instantly in tests.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar, overload

import anyio.lowlevel

from .http.fake import FakeService, Faults, fake_http_client
from .overseerr.fake import FakeSeerr
from .plex.fake import FakePlex
from .prowlarr.fake import FakeProwlarr
from .qbittorrent.fake import FakeQBittorrent
from .uptime_kuma.fake import FakeUptimeKuma

if TYPE_CHECKING:
    from .events import Event

__all__ = [
    "FakePlex",
    "FakeProwlarr",
    "FakeQBittorrent",
    "FakeSeerr",
    "FakeService",
    "FakeUptimeKuma",
    "Faults",
    "ManualClock",
    "capture_events",
    "fake_http_client",
]


class ManualClock:
    """A clock that moves only when told to.

    Args:
        start: The initial time in seconds (e.g. a unix time for wall-clock stores).

    Example::

        clock = ManualClock()
        breaker = CircuitBreaker("svc", clock=clock, break_duration=30)
        ...
        clock.advance(30)          # the break is over: the next call is a trial
    """

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = float(start)
        self.slept: list[float] = []
        """Every sleep's duration, in order (seconds)."""

    def now(self) -> float:
        """The current manual time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (>= 0).

        Raises:
            ValueError: ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError(f"ManualClock cannot go back in time ({seconds} s)")
        self._now += seconds

    @contextlib.contextmanager
    def patch_wall_time(self) -> Iterator[ManualClock]:
        """Make :func:`time.time` read this clock inside the block.

        ``limits`` (under :class:`~medianest_sdk.RateLimiter`) reads the wall clock and takes no
        clock of its own; with this, limiter windows and limiter sleeps move together on the
        manual clock. Use a start that looks like a unix time (the default does).

        Example::

            clock = ManualClock()
            limiter = RateLimiter("1/second", clock=clock)
            with clock.patch_wall_time():
                await limiter.acquire()
                await limiter.acquire()      # sleeps 1 s on the manual clock: instant
        """
        original = time.time
        time.time = self.now
        try:
            yield self
        finally:
            time.time = original

    async def sleep(self, seconds: float) -> None:
        """Advance by ``seconds`` at once, then yield to the event loop (a checkpoint)."""
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))
        await anyio.lowlevel.checkpoint()


E = TypeVar("E", bound="Event")


@overload
def capture_events() -> contextlib.AbstractContextManager[list[Event]]: ...
@overload
def capture_events(
    event_type: type[E], /, *more: type[E]
) -> contextlib.AbstractContextManager[list[E]]: ...
def capture_events(*types: type[Event]) -> contextlib.AbstractContextManager[list[Any]]:
    """Collect every event the library emits inside the block, from any primitive or adapter
    and whatever hooks they were given (as structlog's ``capture_logs`` does for log lines);
    the list is typed by the event type asked for.

    Args:
        types: Only events of these types (all when none).

    Example::

        with capture_events(BreakerStateChanged) as events:
            ...
        assert [e.new for e in events] == ["open"]
    """
    return _capture(types)


@contextlib.contextmanager
def _capture(types: tuple[type[Event], ...]) -> Iterator[list[Any]]:
    from .events import Event as BaseEvent
    from .events import logger

    wanted = types or (BaseEvent,)
    captured: list[Event] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            event = getattr(record, "event", None)
            if isinstance(event, wanted):
                captured.append(event)

    handler = Collect(logging.DEBUG)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
