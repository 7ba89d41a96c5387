"""Rate limiter over the `limits <https://limits.readthedocs.io/>`_ library, per key.

Limits are written in ``limits``' notation: ``"100/15 minutes"``, ``"5 per hour"``,
``"10/second"``. Strategies (the ``limits`` names):

- ``"moving-window"`` (default): exact; at most N hits in *any* window of the given length.
- ``"sliding-window-counter"``: approximates the moving window from two fixed windows; cheaper
  in Redis.
- ``"fixed-window"``: N hits per calendar window; allows up to 2N across a window boundary.

Storage by URI: ``"memory://"`` (default, in-process), ``"redis://host:port/db"`` (shared by
processes; needs ``medianest-sdk[redis]``), or anything else ``limits`` supports. The memory
storage is called inline (it never blocks); any other storage runs in a worker thread, so both
work under asyncio and trio (``limits``' own async storages are asyncio-only).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

import anyio

from ..errors import RateLimitExceeded
from ..events import EventHooks, RateLimited
from ..secrets import redact_url
from ._clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:  # `limits` is imported when the first RateLimiter is made
    from limits import RateLimitItem
    from limits.storage import Storage

__all__ = ["RateLimiter", "Strategy"]

Strategy = Literal["moving-window", "sliding-window-counter", "fixed-window"]
P = ParamSpec("P")
R = TypeVar("R")


class RateLimiter:
    """At most N calls per window, per key (a user id, an IP, or one key for everything).

    Args:
        limit: A ``limits`` string such as ``"100/15 minutes"``, or a ``RateLimitItem``.
        strategy: ``"moving-window"`` (default), ``"sliding-window-counter"`` or
            ``"fixed-window"``.
        storage: A storage URI (``"memory://"``, ``"redis://127.0.0.1:6379/0"``) or a
            ``limits`` storage object.
        namespace: Prefix for every key, so several limiters can share one storage.
        clock: What :meth:`acquire` sleeps on (tests pass a manual clock).
        hooks: Receives :class:`~medianest_sdk.RateLimited` events.

    Raises:
        ValueError: the limit string or the strategy is not understood.
        ImportError: a Redis URI without ``medianest-sdk[redis]`` installed.

    Example::

        limiter = RateLimiter("5/hour")
        if not await limiter.try_acquire(user_id):
            ...  # refuse the download
    """

    def __init__(
        self,
        limit: str | RateLimitItem,
        *,
        strategy: Strategy = "moving-window",
        storage: str | Storage = "memory://",
        namespace: str = "medianest",
        clock: Clock | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        from limits import parse, strategies
        from limits.storage import MemoryStorage, Storage, storage_from_string

        if isinstance(limit, str):
            try:
                self.limit = parse(limit)
            except ValueError:
                raise ValueError(
                    f"RateLimiter: cannot parse limit {limit!r}; write it like "
                    '"100/15 minutes", "5 per hour" or "10/second"'
                ) from None
        else:
            self.limit = limit
        if strategy not in strategies.STRATEGIES:
            raise ValueError(
                f"RateLimiter: unknown strategy {strategy!r}; use one of "
                f"{', '.join(sorted(strategies.STRATEGIES))}"
            )
        backend: object
        if isinstance(storage, str):
            self.storage_uri = redact_url(storage)
            if storage.startswith(("redis://", "rediss://", "redis+")):
                from .._redis import sync_client  # raises a clear ImportError without redis

                del sync_client
            backend = storage_from_string(storage)
        else:
            self.storage_uri = type(storage).__name__
            backend = storage
        if not isinstance(backend, Storage):
            raise ValueError(
                f"RateLimiter: {self.storage_uri!r} is an asyncio-only storage; use the "
                "URI without the 'async+' prefix (it runs in a worker thread on any backend)"
            )
        self.storage: Storage = backend
        self.strategy: Strategy = strategy
        self._limiter = strategies.STRATEGIES[strategy](backend)
        self._inline = isinstance(backend, MemoryStorage)
        self.namespace = namespace
        self.clock = clock or SYSTEM_CLOCK
        self.hooks = hooks if hooks is not None else EventHooks()

    def __repr__(self) -> str:
        return (
            f"RateLimiter({str(self.limit)!r}, strategy={self.strategy!r}, "
            f"storage={self.storage_uri!r})"
        )

    def describe(self) -> str:
        """``"100 per 15 minutes (moving-window, memory://)"``."""
        return f"{self.limit} ({self.strategy}, {self.storage_uri})"

    async def _run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        if self._inline:
            return fn(*args, **kwargs)
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    async def try_acquire(self, key: str = "default", cost: int = 1) -> bool:
        """Take ``cost`` slots for ``key`` if they are free; never waits.

        Returns:
            ``True`` when the call may proceed, ``False`` when the limit is reached (and
            nothing was taken).

        Raises:
            ValueError: ``cost`` is below 1 or above the limit's amount (it could never pass).
        """
        if cost != 1:
            self._check_cost(cost)
        if self._inline:
            allowed = self._limiter.hit(self.limit, f"{self.namespace}:{key}", cost=cost)
        else:
            allowed = await self._run(
                self._limiter.hit, self.limit, f"{self.namespace}:{key}", cost=cost
            )
        if not allowed:
            await self.hooks.emit(
                RateLimited(limit=str(self.limit), key=key, retry_after=await self.retry_after(key))
            )
        return allowed

    async def acquire(
        self, key: str = "default", cost: int = 1, *, timeout: float | None = None
    ) -> None:
        """Take ``cost`` slots for ``key``, waiting for them to free up if needed.

        Args:
            timeout: Longest wait in seconds; ``None`` waits as long as it takes (use an
                enclosing cancel scope to bound it), ``0`` never waits.

        Raises:
            RateLimitExceeded: the slots would not be free within ``timeout``; its
                ``retry_after`` says when they will be. Nothing was taken.
            ValueError: ``cost`` is below 1 or above the limit's amount.
        """
        self._check_cost(cost)
        waited = 0.0
        while True:
            if await self._run(self._limiter.hit, self.limit, f"{self.namespace}:{key}", cost=cost):
                if waited:
                    await self.hooks.emit(
                        RateLimited(limit=str(self.limit), key=key, waited_s=waited)
                    )
                return
            wait = max(await self.retry_after(key), 0.001)
            if timeout is not None and waited + wait > timeout:
                await self.hooks.emit(RateLimited(limit=str(self.limit), key=key, retry_after=wait))
                raise RateLimitExceeded(
                    f"rate limit {self.limit} reached for key {key!r}; next slot in {wait:.2f} s",
                    limit=str(self.limit),
                    key=key,
                    retry_after=wait,
                )
            await self.clock.sleep(wait)
            waited += wait

    async def remaining(self, key: str = "default") -> int:
        """Slots left for ``key`` in the current window."""
        stats = await self._run(
            self._limiter.get_window_stats, self.limit, f"{self.namespace}:{key}"
        )
        return int(stats.remaining)

    async def reset_time(self, key: str = "default") -> float:
        """Unix time (seconds) at which the window for ``key`` frees a slot (or resets)."""
        stats = await self._run(
            self._limiter.get_window_stats, self.limit, f"{self.namespace}:{key}"
        )
        return float(stats.reset_time)

    async def retry_after(self, key: str = "default") -> float:
        """Seconds until ``key`` may pass again (0.0 when it may pass now)."""
        if await self.remaining(key) > 0:
            return 0.0
        return max(0.0, await self.reset_time(key) - time.time())

    async def clear(self, key: str = "default") -> None:
        """Forget every hit for ``key`` (an admin reset)."""
        await self._run(self._limiter.clear, self.limit, f"{self.namespace}:{key}")

    def _check_cost(self, cost: int) -> None:
        if not 1 <= cost <= self.limit.amount:
            raise ValueError(
                f"RateLimiter: cost must be between 1 and the limit's amount "
                f"{self.limit.amount}, got {cost}"
            )
