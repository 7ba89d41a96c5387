"""``Fallback`` and ``Hedging``: what to answer when a call fails, and racing a slow call.

- :class:`Fallback`: on a handled failure, answer from an async callable instead (Plex down:
  ask Overseerr, or serve a default).
- :class:`Hedging`: when a call is slow (after ``delay`` seconds) or fails, start the same call
  against the next target (a Plex server's local, then remote, connection; or the same target
  again behind a load balancer); the first success wins and the others are cancelled. Never for
  calls that are not idempotent.

Both are Polly v8's strategies of the same names; both work alone (``await x.call(...)``) and
as stages of :class:`~medianest_sdk.ResiliencePipeline`.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import anyio

from ..errors import MediaNestError
from ..events import EventHooks, FallbackUsed, HedgeStarted
from .classify import REJECTIONS, is_transient

__all__ = ["Fallback", "Hedging"]

T = TypeVar("T")
Target = TypeVar("Target")


def default_should_handle(exc: BaseException) -> bool:
    """Transient failures (the service is unwell) and refusals by our own primitives (an open
    breaker, a full bulkhead, the rate limit): the cases where another answer helps. Never the
    caller's errors (a 404, a decode error) or cancellation."""
    return isinstance(exc, Exception) and (is_transient(exc) or isinstance(exc, REJECTIONS))


class Fallback(Generic[T]):
    """Answer from ``fallback`` when a call fails with a handled exception.

    Args:
        fallback: ``async (exc) -> value``: the answer instead (it may raise; then its error is
            what the caller gets, chained to the original).
        should_handle: ``exc -> bool``: which failures get the fallback; default
            :func:`default_should_handle`.
        hooks: Receives :class:`~medianest_sdk.events.FallbackUsed` events.

    Example::

        sections = Fallback(lambda exc: cached_sections_from_disk())
        result = await sections.call(plex.library_sections)
    """

    def __init__(
        self,
        fallback: Callable[[BaseException], Awaitable[T]],
        *,
        should_handle: Callable[[BaseException], bool] | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        self.fallback = fallback
        self.should_handle = should_handle or default_should_handle
        self._own_hooks = hooks is not None
        self.hooks = hooks if hooks is not None else EventHooks()

    def __repr__(self) -> str:
        return f"Fallback({getattr(self.fallback, '__name__', 'callable')})"

    def describe(self) -> str:
        """``"to fetch_from_disk"``."""
        return f"to {getattr(self.fallback, '__name__', 'a callable')}"

    def adopt(self, *, hooks: EventHooks | None, clock: object = None) -> None:
        """Take a pipeline's hooks where none were given to the constructor."""
        if hooks is not None and not self._own_hooks:
            self.hooks = hooks

    async def call(self, fn: Callable[[], Awaitable[T]], *, name: str = "call") -> T:
        """``await fn()``, or the fallback's answer when it fails with a handled exception.

        Raises:
            Exception: an unhandled failure of ``fn``, unchanged; or the fallback's own.
        """
        try:
            return await fn()
        except Exception as exc:
            if not self.should_handle(exc):
                raise
            await self.hooks.emit(FallbackUsed(operation=name, error=_name(exc)))
            return await self.fallback(exc)


class Hedging(Generic[Target]):
    """Race a slow or failing call against the next target.

    Args:
        delay: Seconds an attempt may take before the next one starts beside it (``0``: all at
            once; ``math.inf``: the next starts only when one fails).
        max_attempts: Attempts at most, the first included (>= 1).
        should_handle: Which failures start the next attempt at once; default: transient ones.
        hooks: Receives :class:`~medianest_sdk.events.HedgeStarted` events.

    Raises:
        ValueError: ``delay < 0`` or ``max_attempts < 1``.

    Example::

        hedging = Hedging(delay=0.5, max_attempts=2)
        identity = await hedging.call(probe, targets=[local_url, remote_url])
    """

    def __init__(
        self,
        *,
        delay: float = 1.0,
        max_attempts: int = 2,
        should_handle: Callable[[BaseException], bool] | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        if not (delay >= 0) or max_attempts < 1:
            raise ValueError("Hedging: delay must be >= 0 seconds and max_attempts >= 1")
        self.delay = delay
        self.max_attempts = max_attempts
        self.should_handle = should_handle or (
            lambda exc: isinstance(exc, Exception) and is_transient(exc)
        )
        self._own_hooks = hooks is not None
        self.hooks = hooks if hooks is not None else EventHooks()

    def __repr__(self) -> str:
        return f"Hedging(delay={self.delay:g}, max_attempts={self.max_attempts})"

    def describe(self) -> str:
        """``"2 attempts, 1 s apart"``."""
        return f"{self.max_attempts} attempts, {self.delay:g} s apart"

    def adopt(self, *, hooks: EventHooks | None, clock: object = None) -> None:
        """Take a pipeline's hooks where none were given to the constructor."""
        if hooks is not None and not self._own_hooks:
            self.hooks = hooks

    async def call(
        self,
        fn: Callable[[Target], Awaitable[T]],
        *,
        targets: Sequence[Target],
        retry_safe: bool = True,
        name: str = "call",
    ) -> T:
        """``await fn(targets[0])``; if it is slower than ``delay`` or fails, also start
        ``fn(targets[1])`` (and so on, up to ``max_attempts``, cycling through ``targets``).
        The first success is returned; every other attempt is cancelled before this returns.

        Args:
            fn: One attempt against one target.
            targets: Where to send attempts, in order of preference (at least one).
            retry_safe: ``False`` for calls that are not idempotent: then only the first
                attempt runs, as a call that may have acted must not be sent twice.
            name: Names the call in events.

        Raises:
            ValueError: no targets.
            Exception: the last attempt's failure when every attempt failed (or the first
                unhandled one).
        """
        if not targets:
            raise ValueError("Hedging.call needs at least one target")
        if not retry_safe or self.max_attempts == 1:
            return await fn(targets[0])
        result: list[T] = []
        errors: list[BaseException] = []
        failed = anyio.Event()

        async def attempt(index: int, scope: anyio.CancelScope) -> None:
            try:
                value = await fn(targets[index % len(targets)])
            except Exception as exc:
                errors.append(exc)
                if not self.should_handle(exc):
                    scope.cancel()  # a caller's error: no other target will answer better
                failed.set()
                return
            if not result:
                result.append(value)
            scope.cancel()

        async with anyio.create_task_group() as tg:
            tg.start_soon(attempt, 0, tg.cancel_scope)
            for index in range(1, self.max_attempts):
                with anyio.move_on_after(self.delay if math.isfinite(self.delay) else None):
                    await failed.wait()
                reason = "failed" if failed.is_set() else "slow"
                if failed.is_set():
                    failed = anyio.Event()
                await self.hooks.emit(
                    HedgeStarted(operation=name, attempt=index + 1, reason=reason)
                )
                tg.start_soon(attempt, index, tg.cancel_scope)
        if result:
            return result[0]
        if errors:
            raise errors[-1]
        raise RuntimeError("Hedging: no attempt finished")  # pragma: no cover


def _name(exc: BaseException) -> str:
    return (
        f"{type(exc).__name__}: {exc}"[:200]
        if isinstance(exc, MediaNestError)
        else type(exc).__name__
    )
