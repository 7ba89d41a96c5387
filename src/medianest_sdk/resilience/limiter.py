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

Keys: a key is ``"{namespace}:{name}:{key}"``. ``name`` defaults to the service name when the
limiter's pipeline is attached to a ``ServiceClient``, so two services never share a bucket.

Waiting: :meth:`RateLimiter.acquire` serves the callers of one key first come, first served,
and sleeps until the window frees the slots (for ``cost > 1`` on the moving window it sleeps
until the next slot frees, then checks again); a newcomer never takes a slot ahead of a caller
already waiting.

Time: ``limits`` reads the wall clock (:func:`time.time`) and offers no clock of its own, so
the limiter computes waits from :func:`time.time` too and only *sleeps* on its ``clock``. In
tests, drive both from one place: ``with clock.patch_wall_time():`` (see
:class:`~medianest_sdk.testing.ManualClock`).

Store failures: with a shared storage, ``on_store_error="fail_open"`` (default) lets the call
through when the storage fails, ``"fail_closed"`` refuses it with
:class:`~medianest_sdk.StoreUnavailableError`; a :class:`~medianest_sdk.StoreUnavailable`
event says so either way.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

import anyio

from ..errors import RateLimitExceeded, StoreUnavailableError
from ..events import EventHooks, RateLimited, StoreUnavailable
from ..secrets import redact_url
from ._clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:  # `limits` is imported when the first RateLimiter is made
    from limits import RateLimitItem
    from limits.storage import Storage

__all__ = ["RateLimiter", "Strategy"]

Strategy = Literal["moving-window", "sliding-window-counter", "fixed-window"]
P = ParamSpec("P")
R = TypeVar("R")


class _Queue:
    """The callers waiting on one key, in arrival order (anyio's lock is fair)."""

    __slots__ = ("lock", "waiters")

    def __init__(self) -> None:
        self.lock = anyio.Lock()
        self.waiters = 0


class RateLimiter:
    """At most N calls per window, per key (a user id, an IP, or one key for everything).

    Args:
        limit: A ``limits`` string such as ``"100/15 minutes"``, or a ``RateLimitItem``.
        strategy: ``"moving-window"`` (default), ``"sliding-window-counter"`` or
            ``"fixed-window"``.
        storage: A storage URI (``"memory://"``, ``"redis://127.0.0.1:6379/0"``) or a
            ``limits`` storage object.
        name: Part of every key (``"{namespace}:{name}:{key}"``); ``None`` takes the service
            name of the client whose pipeline holds the limiter.
        namespace: Prefix for every key, so several applications can share one storage.
        on_store_error: ``"fail_open"`` (default) or ``"fail_closed"``; see the module docs.
        clock: What :meth:`acquire` sleeps on (a pipeline passes its own).
        hooks: Receives :class:`~medianest_sdk.RateLimited` and ``StoreUnavailable`` events.

    Raises:
        ValueError: the limit string, the strategy or ``on_store_error`` is not understood.
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
        name: str | None = None,
        namespace: str = "medianest",
        on_store_error: Literal["fail_open", "fail_closed"] = "fail_open",
        clock: Clock | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        from limits import parse, strategies
        from limits.errors import StorageError
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
        if on_store_error not in ("fail_open", "fail_closed"):
            raise ValueError(
                f'RateLimiter: on_store_error must be "fail_open" or "fail_closed", '
                f"got {on_store_error!r}"
            )
        backend: object
        self._store_errors: tuple[type[Exception], ...] = ()
        if isinstance(storage, str):
            self.storage_uri = redact_url(storage)
            self._raw_uri = storage
            if storage.startswith(("redis://", "rediss://", "redis+")):
                from ..redis_client import STORE_ERRORS  # a clear ImportError without redis

                self._store_errors = (*STORE_ERRORS, StorageError)
            backend = storage_from_string(storage)
        else:
            self.storage_uri = self._raw_uri = type(storage).__name__
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
        if not self._inline and not self._store_errors:
            self._store_errors = (OSError, StorageError)
        self.name = name
        self.namespace = namespace
        self.on_store_error = on_store_error
        self._own_clock = clock is not None
        self.clock = clock or SYSTEM_CLOCK
        self._own_hooks = hooks is not None
        self.hooks = hooks if hooks is not None else EventHooks()
        self._queues: dict[str, _Queue] = {}
        self._text = str(self.limit)
        self._prefix = f"{namespace}:" if name is None else f"{namespace}:{name}:"

    def __repr__(self) -> str:
        return (
            f"RateLimiter({self._text!r}, strategy={self.strategy!r}, "
            f"storage={self.storage_uri!r}, name={self.name!r})"
        )

    def describe(self) -> str:
        """``"100 per 15 minutes (moving-window, memory://)"``."""
        return f"{self.limit} ({self.strategy}, {self.storage_uri})"

    def adopt(
        self, *, hooks: EventHooks | None, clock: Clock | None, name: str | None = None
    ) -> None:
        """Take a pipeline's hooks, clock and name where none were given to the constructor."""
        if hooks is not None and not self._own_hooks:
            self.hooks = hooks
        if clock is not None and not self._own_clock:
            self.clock = clock
        if name is not None and self.name is None:
            self.name = name
            self._prefix = f"{self.namespace}:{name}:"

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def _run(self, operation: str, fn: Callable[P, R], *args: P.args, **kw: P.kwargs) -> R:
        if self._inline:
            return fn(*args, **kw)
        try:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kw))
        except self._store_errors as exc:
            from ..redis_client import store_error

            raise store_error(exc, self._raw_uri, f"limiter {operation}") from None

    async def _hit(self, key: str, cost: int) -> bool:
        """One ``limits`` hit; a failing store answers by ``on_store_error``."""
        if self._inline:
            return self._limiter.hit(self.limit, self._key(key), cost=cost)
        try:
            return await self._run("hit", self._limiter.hit, self.limit, self._key(key), cost=cost)
        except StoreUnavailableError as exc:
            await self.hooks.emit(
                StoreUnavailable(
                    primitive=f"limiter {self.name or self.namespace!r}",
                    store=exc.store,
                    operation="hit",
                    policy=self.on_store_error,
                    error=exc.message,
                )
            )
            if self.on_store_error == "fail_closed":
                raise
            return True

    async def try_acquire(self, key: str = "default", cost: int = 1) -> bool:
        """Take ``cost`` slots for ``key`` if they are free; never waits. A caller already
        waiting in :meth:`acquire` for ``key`` goes first: while one waits, this refuses.

        Returns:
            ``True`` when the call may proceed, ``False`` when the limit is reached (and
            nothing was taken).

        Raises:
            ValueError: ``cost`` is below 1 or above the limit's amount (it could never pass).
            StoreUnavailableError: a shared storage failed and the policy is fail-closed.
        """
        if cost != 1:
            self._check_cost(cost)
        if key not in self._queues:
            if self._inline:  # the memory storage never blocks: no await, no extra coroutine
                if self._limiter.hit(self.limit, self._prefix + key, cost=cost):
                    return True
            elif await self._hit(key, cost):
                return True
        if self.hooks.active(RateLimited):  # computed only for someone who listens
            wait = await self.retry_after(key, cost)
            await self.hooks.emit(
                RateLimited(name=self.name or "", limit=self._text, key=key, retry_after=wait)
            )
        return False

    async def acquire(
        self, key: str = "default", cost: int = 1, *, timeout: float | None = None
    ) -> None:
        """Take ``cost`` slots for ``key``, waiting for them to free up if needed; callers of
        one key are served first come, first served.

        Args:
            timeout: Longest wait in seconds; ``None`` waits as long as it takes (use an
                enclosing cancel scope to bound it), ``0`` never waits.

        Raises:
            RateLimitExceeded: the slots would not be free within ``timeout``; its
                ``retry_after`` says when the next will be. Nothing was taken.
            ValueError: ``cost`` is below 1 or above the limit's amount.
            StoreUnavailableError: a shared storage failed and the policy is fail-closed.
        """
        if cost != 1:
            self._check_cost(cost)
        if key not in self._queues and await self._hit(key, cost):
            return  # nobody waits and the slots were free: the fast path
        deadline = None if timeout is None else time.time() + timeout
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue()
        queue.waiters += 1
        started = time.time()
        try:
            if timeout is None:
                await queue.lock.acquire()
            else:
                with anyio.move_on_after(timeout) as scope:
                    await queue.lock.acquire()
                if scope.cancelled_caught:  # those ahead did not get through in time
                    await self._refuse(key, cost, await self.retry_after(key, cost))
            try:
                await self._wait_in_turn(key, cost, deadline, started)
            finally:
                queue.lock.release()
        finally:
            queue.waiters -= 1
            if not queue.waiters:
                del self._queues[key]

    async def _wait_in_turn(
        self, key: str, cost: int, deadline: float | None, started: float
    ) -> None:
        while True:
            if await self._hit(key, cost):
                waited = time.time() - started
                if waited > 0 and self.hooks.active(RateLimited):
                    await self.hooks.emit(
                        RateLimited(
                            name=self.name or "", limit=self._text, key=key, waited_s=waited
                        )
                    )
                return
            # limits still counts a hit at the very instant it expires: wake 1 ms later
            wait = await self.retry_after(key, cost) + 0.001
            if deadline is not None and time.time() + wait > deadline:
                await self._refuse(key, cost, wait)
            await self.clock.sleep(wait)

    async def _refuse(self, key: str, cost: int, wait: float) -> None:
        await self.hooks.emit(
            RateLimited(name=self.name or "", limit=self._text, key=key, retry_after=wait)
        )
        raise RateLimitExceeded(
            f"rate limit {self._text} reached for key {key!r}"
            + (f" (cost {cost})" if cost != 1 else "")
            + f"; next slot in {wait:.2f} s",
            limit=self._text,
            key=key,
            retry_after=wait,
        )

    async def remaining(self, key: str = "default") -> int:
        """Slots left for ``key`` in the current window.

        Raises:
            StoreUnavailableError: a shared storage failed.
        """
        stats = await self._run("stats", self._limiter.get_window_stats, self.limit, self._key(key))
        return int(stats.remaining)

    async def reset_time(self, key: str = "default") -> float:
        """Unix time (seconds) at which the window for ``key`` frees a slot (or resets).

        Raises:
            StoreUnavailableError: a shared storage failed.
        """
        stats = await self._run("stats", self._limiter.get_window_stats, self.limit, self._key(key))
        return float(stats.reset_time)

    async def retry_after(self, key: str = "default", cost: int = 1) -> float:
        """Seconds until ``key`` may take ``cost`` slots (0.0 when it may now). For ``cost >
        1`` on the moving window this is when the next slot frees, a lower bound.

        Raises:
            StoreUnavailableError: a shared storage failed.
        """
        stats = await self._run("stats", self._limiter.get_window_stats, self.limit, self._key(key))
        if stats.remaining >= cost:
            return 0.0
        return max(0.0, float(stats.reset_time) - time.time())

    async def clear(self, key: str = "default") -> None:
        """Forget every hit for ``key`` (an admin reset).

        Raises:
            StoreUnavailableError: a shared storage failed.
        """
        await self._run("clear", self._limiter.clear, self.limit, self._key(key))

    def _check_cost(self, cost: int) -> None:
        if not 1 <= cost <= self.limit.amount:
            raise ValueError(
                f"RateLimiter: cost must be between 1 and the limit's amount "
                f"{self.limit.amount}, got {cost}"
            )
