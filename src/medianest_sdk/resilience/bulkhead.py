"""Bulkhead: a bound on concurrent calls, with a bounded queue of waiting calls."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import anyio

from ..errors import BulkheadFullError
from ..events import BulkheadRejected, BulkheadWaited, EventHooks

__all__ = ["Bulkhead"]

T = TypeVar("T")


class Bulkhead:
    """At most ``max_concurrent`` calls run at once; at most ``max_waiting`` wait for a slot.

    A call that finds every slot taken and the queue full is refused at once with
    :class:`~medianest_sdk.BulkheadFullError`, so a slow service cannot pile up unbounded work.
    Slots are released on success, failure and cancellation alike.

    Args:
        max_concurrent: Calls allowed to run at once (>= 1).
        max_waiting: Calls allowed to wait; ``None``: unbounded, ``0``: never wait.
        hooks: Receives :class:`~medianest_sdk.BulkheadRejected` and
            :class:`~medianest_sdk.BulkheadWaited` events.

    Raises:
        ValueError: ``max_concurrent < 1`` or ``max_waiting < 0``.

    Example::

        bulkhead = Bulkhead(10, max_waiting=100)
        result = await bulkhead.call(fetch, url)
    """

    def __init__(
        self,
        max_concurrent: int,
        max_waiting: int | None = None,
        *,
        hooks: EventHooks | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError(f"Bulkhead: max_concurrent must be >= 1, got {max_concurrent}")
        if max_waiting is not None and max_waiting < 0:
            raise ValueError(f"Bulkhead: max_waiting must be >= 0 or None, got {max_waiting}")
        self.max_concurrent = max_concurrent
        self.max_waiting = max_waiting
        self._own_hooks = hooks is not None
        self.hooks = hooks if hooks is not None else EventHooks()
        self._semaphore = anyio.Semaphore(max_concurrent, fast_acquire=True)
        self._waiting = 0

    def __repr__(self) -> str:
        return f"Bulkhead({self.describe()})"

    def describe(self) -> str:
        """``"10 concurrent, 100 waiting"``."""
        waiting = "unbounded" if self.max_waiting is None else str(self.max_waiting)
        return f"{self.max_concurrent} concurrent, {waiting} waiting"

    def adopt(self, *, hooks: EventHooks | None, clock: object = None) -> None:
        """Take a pipeline's hooks where none were given to the constructor."""
        if hooks is not None and not self._own_hooks:
            self.hooks = hooks

    @property
    def in_use(self) -> int:
        """Slots taken now."""
        return self.max_concurrent - self._semaphore.value

    @property
    def waiting(self) -> int:
        """Calls waiting for a slot now."""
        return self._waiting

    def slot(self) -> _Slot:
        """``async with bulkhead.slot():`` holds one slot for the block.

        Raises:
            BulkheadFullError: every slot is taken and ``max_waiting`` calls already wait.
        """
        return _Slot(self)

    async def _acquire(self) -> None:
        semaphore = self._semaphore
        if semaphore.value > 0:
            semaphore.acquire_nowait()
            return
        if self.max_waiting is not None and self._waiting >= self.max_waiting:
            await self.hooks.emit(
                BulkheadRejected(max_concurrent=self.max_concurrent, max_waiting=self.max_waiting)
            )
            raise BulkheadFullError(
                f"bulkhead full: {self.max_concurrent} calls running and {self._waiting} waiting",
                max_concurrent=self.max_concurrent,
                max_waiting=self.max_waiting,
            )
        self._waiting += 1
        started = time.perf_counter()
        try:
            await semaphore.acquire()
        finally:
            self._waiting -= 1
        if self.hooks.active(BulkheadWaited):
            try:
                await self.hooks.emit(
                    BulkheadWaited(
                        waited_s=time.perf_counter() - started,
                        max_concurrent=self.max_concurrent,
                    )
                )
            except BaseException:  # cancelled while reporting: the slot is not ours to keep
                semaphore.release()
                raise

    async def call(self, fn: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """Run ``await fn(*args, **kwargs)`` in a slot.

        Raises:
            BulkheadFullError: as for :meth:`slot`; ``fn`` was not called.
        """
        await self._acquire()
        try:
            return await fn(*args, **kwargs)
        finally:
            self._semaphore.release()


class _Slot:
    """The async context manager :meth:`Bulkhead.slot` returns."""

    __slots__ = ("_bulkhead",)

    def __init__(self, bulkhead: Bulkhead) -> None:
        self._bulkhead = bulkhead

    async def __aenter__(self) -> None:
        await self._bulkhead._acquire()

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bulkhead._semaphore.release()
