"""The clock every primitive reads and sleeps on, so tests can advance time instead of sleeping."""

from __future__ import annotations

import time
from typing import Protocol

import anyio

__all__ = ["Clock", "SystemClock", "WallClock"]


class Clock(Protocol):
    """Where a primitive reads the time (seconds, float) and sleeps.

    :class:`SystemClock` is the default; :class:`medianest_sdk.testing.ManualClock` is a clock
    for tests that moves only when told to (or when something sleeps on it).
    """

    def now(self) -> float:
        """The current time in seconds (monotonic for in-process state)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` on this clock (cancellable)."""
        ...


class SystemClock:
    """:func:`time.monotonic` and :func:`anyio.sleep`: the default for in-process state."""

    __slots__ = ()

    def now(self) -> float:
        """Seconds from :func:`time.monotonic`."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """:func:`anyio.sleep`."""
        await anyio.sleep(seconds)


class WallClock(SystemClock):
    """:func:`time.time` (unix seconds): for state shared between processes through Redis."""

    __slots__ = ()

    def now(self) -> float:
        """Unix seconds from :func:`time.time`."""
        return time.time()


SYSTEM_CLOCK = SystemClock()
