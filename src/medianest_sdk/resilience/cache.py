"""Caches for JSON values: :class:`MemoryCache` (TTL + LRU) and :class:`RedisCache` (shared).

An entry is *fresh* for its TTL, then *stale* for up to ``max_stale`` more seconds, during which
:class:`~medianest_sdk.ResiliencePipeline` may still serve it when the upstream fails
(stale-if-error, RFC 5861 section 4); after that it is gone. Values must be JSON-compatible
(dicts, lists, str, int, float, bool, None): Redis stores them as JSON text, never pickle.

Keys are built by the caller and must be namespaced (adapters use
``"{service}:{credential fingerprint}:{path}?{params}"``), so :meth:`Cache.invalidate` can drop
a whole family by prefix.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal, Protocol, TypeVar, cast

import anyio
import anyio.lowlevel
import attrs
from sortedcontainers import SortedList

from ..errors import StoreUnavailableError
from ..events import EventHooks, StoreUnavailable
from ._clock import SYSTEM_CLOCK, Clock, WallClock

R = TypeVar("R")

__all__ = ["Cache", "CacheEntry", "MemoryCache", "RedisCache"]


@attrs.frozen
class CacheEntry:
    """A cached value with its timing.

    Attributes:
        value: The JSON-compatible value. Treat it as read-only: the memory cache hands out the
            stored object itself.
        stored_at: Clock time it was stored (seconds).
        fresh_until: Clock time its TTL ends (seconds).
    """

    value: Any
    stored_at: float
    fresh_until: float

    def is_fresh(self, now: float) -> bool:
        """``True`` while ``now`` is before the end of the TTL."""
        return now < self.fresh_until

    def age(self, now: float) -> float:
        """Seconds since the entry was stored."""
        return max(0.0, now - self.stored_at)


class Cache(Protocol):
    """What the pipeline needs of a cache; :class:`MemoryCache` and :class:`RedisCache` fit."""

    default_ttl: float
    """Seconds an entry stays fresh when ``set`` is given no ``ttl``."""

    clock: Clock
    """The clock entry times are on."""

    async def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key``, fresh or stale, or ``None`` when absent or past ``max_stale``."""
        ...

    async def set(
        self, key: str, value: Any, *, ttl: float | None = None, max_stale: float = 0.0
    ) -> None:
        """Store ``value``, fresh for ``ttl`` seconds, then kept ``max_stale`` seconds more."""
        ...

    async def add(self, key: str, value: Any, *, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent (atomically); ``True`` if it was stored."""
        ...

    async def delete(self, key: str) -> bool:
        """Drop ``key``; ``True`` if it was there."""
        ...

    async def invalidate(self, prefix: str) -> int:
        """Drop every key that starts with ``prefix``; returns how many were dropped."""
        ...

    def adopt(self, *, hooks: EventHooks | None, clock: Clock | None) -> None:
        """Take a pipeline's hooks and clock where the cache was given none."""
        ...


def _check_ttl(ttl: float, max_stale: float) -> None:
    if not (ttl > 0 and math.isfinite(ttl)):
        raise ValueError(f"cache ttl must be a positive number of seconds, got {ttl!r}")
    if not (max_stale >= 0 and math.isfinite(max_stale)):
        raise ValueError(f"cache max_stale must be >= 0 seconds, got {max_stale!r}")


INVALIDATE_CHUNK = 500
"""Keys :meth:`MemoryCache.invalidate` handles between two checkpoints (under a millisecond)."""

INDEX_LOAD = 200
"""Load factor of :class:`MemoryCache`'s sorted key index (sortedcontainers' default is 1000)."""


class MemoryCache:
    """An in-process cache with a TTL per entry and least-recently-used eviction.

    Args:
        max_entries: The most entries kept; storing one more evicts the least recently used.
        default_ttl: Seconds an entry stays fresh when no ``ttl`` is given (default 300).
        clock: Time source (tests pass a manual clock).

    Raises:
        ValueError: ``max_entries < 1`` or a non-positive ``default_ttl``.
    """

    def __init__(
        self, max_entries: int = 10_000, *, default_ttl: float = 300.0, clock: Clock | None = None
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"MemoryCache: max_entries must be >= 1, got {max_entries}")
        _check_ttl(default_ttl, 0.0)
        self.max_entries = max_entries
        self.default_ttl = default_ttl
        self._own_clock = clock is not None
        self.clock: Clock = clock or SYSTEM_CLOCK
        # key -> (value, stored at, fresh until, drop at, store number, slot). The store number
        # orders stores, so a long invalidate() can tell an entry stored again meanwhile from
        # one it must drop; the slot is the key's place in ``_slots``.
        self._data: OrderedDict[str, tuple[Any, float, float, float, int, int]] = OrderedDict()
        self._stores = 0
        # The sorted key index (a prefix is a range of it) is built by the first invalidate()
        # and kept from then on: a cache never invalidated by prefix (a replay record, say)
        # never pays for it. Until then every key sits in a slot of this list (a freed slot is
        # reused), which the build walks a chunk at a time while stores go on.
        self._keys: SortedList | None = None
        self._slots: list[str | None] = []
        self._free: list[int] = []
        self._unindexed: list[str | None] | None = None  # the slots the build still walks

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"MemoryCache(max_entries={self.max_entries}, entries={len(self._data)})"

    def describe(self) -> str:
        """``"memory, 10000 entries max"``."""
        return f"memory, {self.max_entries} entries max"

    def adopt(self, *, hooks: EventHooks | None, clock: Clock | None) -> None:
        """Take a pipeline's clock where none was given to the constructor (a memory cache
        emits no events: it cannot fail)."""
        if clock is not None and not self._own_clock:
            self.clock = clock

    async def get(self, key: str) -> CacheEntry | None:
        """The entry (fresh or stale) or ``None``; marks it recently used."""
        item = self._data.get(key)
        if item is None:
            return None
        if self.clock.now() >= item[3]:
            self._drop(key)
            return None
        self._data.move_to_end(key)
        return CacheEntry(item[0], item[1], item[2])

    async def set(
        self, key: str, value: Any, *, ttl: float | None = None, max_stale: float = 0.0
    ) -> None:
        """Store ``value`` (kept as is: do not mutate it afterwards).

        Raises:
            ValueError: ``ttl <= 0`` or ``max_stale < 0``.
        """
        ttl = self.default_ttl if ttl is None else ttl
        _check_ttl(ttl, max_stale)
        now = self.clock.now()
        self._store(key, value, now, now + ttl, now + ttl + max_stale, self._data.get(key))

    async def add(self, key: str, value: Any, *, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent or past its TTL; ``True`` if stored."""
        return self.add_now(key, value, ttl=ttl)

    def add_now(self, key: str, value: Any, *, ttl: float | None = None) -> bool:
        """:meth:`add` without ``await`` (the memory cache never blocks), for blocking code.

        Raises:
            ValueError: ``ttl <= 0``.
        """
        item = self._data.get(key)
        now = self.clock.now()
        if item is not None and now < item[2]:
            return False
        if ttl is None:
            ttl = self.default_ttl
        elif not 0 < ttl < math.inf:  # NaN fails too
            _check_ttl(ttl, 0.0)
        until = now + ttl
        self._store(key, value, now, until, until, item)
        return True

    def _store(
        self,
        key: str,
        value: Any,
        now: float,
        fresh: float,
        drop_at: float,
        item: tuple[Any, float, float, float, int, int] | None,
    ) -> None:
        """Store under ``key``, whose current item (or ``None``) the caller has looked up."""
        data = self._data
        stores = self._stores = self._stores + 1
        if item is not None:
            data[key] = (value, now, fresh, drop_at, stores, item[5])
            data.move_to_end(key)
            return
        slot = -1
        if self._keys is not None:
            self._keys.add(key)
        elif self._free:
            slot = self._free.pop()
            self._slots[slot] = key
        else:
            slot = len(self._slots)
            self._slots.append(key)
        data[key] = (value, now, fresh, drop_at, stores, slot)
        if len(data) > self.max_entries:
            self._forget(*data.popitem(last=False))

    def _forget(self, key: str, item: tuple[Any, float, float, float, int, int]) -> None:
        """Take a key just removed from ``_data`` out of the index (or its slot)."""
        if self._keys is not None:
            self._keys.discard(key)  # during the build it may not be in yet
            pending = self._unindexed
            if pending is not None and 0 <= item[5] < len(pending):
                pending[item[5]] = None  # not walked yet: so the build does not add it
        else:
            self._slots[item[5]] = None
            self._free.append(item[5])

    def _drop(self, key: str) -> bool:
        item = self._data.pop(key, None)
        if item is None:
            return False
        self._forget(key, item)
        return True

    async def delete(self, key: str) -> bool:
        """Drop ``key``."""
        return self._drop(key)

    async def _index(self) -> SortedList:
        """The sorted key index, built on first use :data:`INVALIDATE_CHUNK` keys at a time
        with a checkpoint between (stores and drops meanwhile go to the index directly)."""
        if self._keys is None:
            self._keys = SortedList()
            # sortedcontainers' documented load factor: sublists smaller than the default
            # (1000) keep each garbage-collector pass over the new ones short while it grows
            # (at 1M keys: 14 ms passes with 1000, 3-5 ms with 200; smaller still makes more
            # of them, and a pass over the older generation, longer again)
            self._keys._reset(INDEX_LOAD)
            self._unindexed, self._slots, self._free = self._slots, [], []
        keys = self._keys
        while self._unindexed:  # calls at once share the walk: each takes the last chunk
            pending = self._unindexed
            chunk = pending[-INVALIDATE_CHUNK:]
            del pending[-INVALIDATE_CHUNK:]  # walked slots go (freeing the list as it goes)
            for key in chunk:
                if key is not None:  # a key dropped meanwhile has left its slot
                    keys.add(key)
            await anyio.lowlevel.checkpoint()
        self._unindexed = None
        return keys

    async def invalidate(self, prefix: str) -> int:
        """Drop every key starting with ``prefix``; returns how many were dropped.

        The keys are kept sorted (`sortedcontainers
        <https://pypi.org/project/sortedcontainers/>`_) once the first ``invalidate`` has built
        that index, so a call costs the logarithm of the cache's size plus the entries dropped,
        not a scan of every key. The first call builds the index: every key once, about 1 us
        each (about a second at 1,000,000 entries, the event loop held a few milliseconds at a
        time); a cache never invalidated by prefix, such as a webhook replay record, never
        pays for it. Long work goes :data:`INVALIDATE_CHUNK` keys at a time with a checkpoint
        between; an entry stored meanwhile is kept. When it returns, no entry stored before the
        call under ``prefix`` is left.
        """
        before = self._stores  # entries stored after this point are kept
        index = await self._index()
        dropped = 0
        cursor: str | None = None
        while True:
            after = index.irange(
                prefix if cursor is None else cursor, inclusive=(cursor is None, True)
            )
            batch = list(
                itertools.islice(
                    itertools.takewhile(lambda k: k.startswith(prefix), after), INVALIDATE_CHUNK
                )
            )
            for key in batch:
                item = self._data.get(key)
                if item is not None and item[4] <= before:
                    del self._data[key]
                    index.remove(key)
                    dropped += 1
            if len(batch) < INVALIDATE_CHUNK:
                return dropped
            cursor = batch[-1]
            await anyio.lowlevel.checkpoint()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class RedisCache:
    """A cache in Redis, shared by processes; values are JSON text (never pickle).

    Entry times use the wall clock (unix seconds) so every process agrees. The Redis client
    runs in a worker thread, so this works under asyncio and trio.

    Store failures: a cache is an optimisation, so by default it fails open
    (``on_store_error="fail_open"``): when Redis is down, ``get`` is a miss (the upstream is
    called and its answer returned), ``set`` stores nothing, ``add`` reports the key as new
    (replay protection is off while Redis is down), and a
    :class:`~medianest_sdk.StoreUnavailable` event says so. ``"fail_closed"`` raises
    :class:`~medianest_sdk.StoreUnavailableError` from every operation instead.

    Args:
        url: ``redis://host:port/db``; credentials in it are never logged.
        prefix: Prepended to every key (``"medianest:cache:"``).
        default_ttl: Seconds an entry stays fresh when no ``ttl`` is given (default 300).
        on_store_error: ``"fail_open"`` (default) or ``"fail_closed"``.
        clock: Time source (default :func:`time.time`).
        hooks: Receives ``StoreUnavailable`` events.

    Raises:
        ImportError: ``redis`` is missing (``pip install "medianest-sdk[redis]"``).
        ValueError: a non-positive ``default_ttl`` or an unknown ``on_store_error``.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "medianest:cache:",
        default_ttl: float = 300.0,
        on_store_error: Literal["fail_open", "fail_closed"] = "fail_open",
        clock: Clock | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        from ..redis_client import sync_client
        from ..secrets import redact_url

        _check_ttl(default_ttl, 0.0)
        if on_store_error not in ("fail_open", "fail_closed"):
            raise ValueError(f"RedisCache: unknown on_store_error {on_store_error!r}")
        self._redis = sync_client(url)
        self._raw_url = url
        self._url = redact_url(url)
        self.prefix = prefix
        self.default_ttl = default_ttl
        self.on_store_error = on_store_error
        self._own_clock = clock is not None
        self.clock: Clock = clock or WallClock()
        self._own_hooks = hooks is not None
        self.hooks = hooks if hooks is not None else EventHooks()

    def __repr__(self) -> str:
        return f"RedisCache({self._url!r}, prefix={self.prefix!r})"

    def describe(self) -> str:
        """``"redis redis://host:6379/0"`` (credentials redacted)."""
        return f"redis {self._url}"

    def adopt(self, *, hooks: EventHooks | None, clock: Clock | None) -> None:
        """Take a pipeline's hooks and clock where none were given to the constructor."""
        if hooks is not None and not self._own_hooks:
            self.hooks = hooks
        if clock is not None and not self._own_clock:
            self.clock = clock

    async def _call(self, operation: str, fn: Callable[[], R], fallback: R) -> R:
        from ..redis_client import STORE_ERRORS, store_error

        try:
            return await anyio.to_thread.run_sync(fn)
        except STORE_ERRORS as exc:
            error: StoreUnavailableError = store_error(exc, self._raw_url, f"cache {operation}")
        await self.hooks.emit(
            StoreUnavailable(
                primitive="cache",
                store=error.store,
                operation=operation,
                policy=self.on_store_error,
                error=error.message,
            )
        )
        if self.on_store_error == "fail_closed":
            raise error
        return fallback

    async def get(self, key: str) -> CacheEntry | None:
        """The entry (fresh or stale) or ``None``; malformed data counts as absent.

        Raises:
            StoreUnavailableError: Redis failed and the policy is fail-closed.
        """
        raw = await self._call("get", lambda: self._redis.get(self.prefix + key), None)
        if raw is None:
            return None
        try:
            data = json.loads(cast(Any, raw))  # redis-py 5 types replies loosely
            return CacheEntry(data["v"], float(data["t"]), float(data["f"]))
        except (ValueError, KeyError, TypeError, RecursionError):
            return None

    async def set(
        self, key: str, value: Any, *, ttl: float | None = None, max_stale: float = 0.0
    ) -> None:
        """Store ``value`` as JSON; Redis drops it ``ttl + max_stale`` seconds later.

        Raises:
            TypeError: ``value`` is not JSON-serializable.
            ValueError: ``ttl <= 0`` or ``max_stale < 0``.
            StoreUnavailableError: Redis failed and the policy is fail-closed.
        """
        ttl = self.default_ttl if ttl is None else ttl
        _check_ttl(ttl, max_stale)
        now = self.clock.now()
        text = json.dumps({"v": value, "t": now, "f": now + ttl}, separators=(",", ":"))
        expire_ms = max(1, math.ceil((ttl + max_stale) * 1000))
        await self._call(
            "set", lambda: self._redis.set(self.prefix + key, text, px=expire_ms), None
        )

    async def add(self, key: str, value: Any, *, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent (``SET NX``); ``True`` if stored (and,
        failing open, when Redis is down).

        Raises:
            TypeError: ``value`` is not JSON-serializable.
            StoreUnavailableError: Redis failed and the policy is fail-closed.
        """
        ttl = self.default_ttl if ttl is None else ttl
        _check_ttl(ttl, 0.0)
        now = self.clock.now()
        text = json.dumps({"v": value, "t": now, "f": now + ttl}, separators=(",", ":"))
        expire_ms = max(1, math.ceil(ttl * 1000))
        stored: Any = await self._call(
            "add",
            lambda: self._redis.set(self.prefix + key, text, px=expire_ms, nx=True),
            True,
        )
        return bool(stored)

    async def delete(self, key: str) -> bool:
        """Drop ``key``.

        Raises:
            StoreUnavailableError: Redis failed and the policy is fail-closed.
        """
        dropped: Any = await self._call("delete", lambda: self._redis.delete(self.prefix + key), 0)
        return bool(dropped)

    async def invalidate(self, prefix: str) -> int:
        """Drop every key starting with ``prefix`` (SCAN + DEL in batches of 500).

        Raises:
            StoreUnavailableError: Redis failed and the policy is fail-closed.
        """

        def run() -> int:
            pattern = _glob_escape(self.prefix + prefix) + "*"
            dropped = 0
            batch: list[bytes] = []
            for key in self._redis.scan_iter(match=pattern, count=500):
                batch.append(key)
                if len(batch) >= 500:
                    dropped += int(cast(Any, self._redis.delete(*batch)))
                    batch.clear()
            if batch:
                dropped += int(cast(Any, self._redis.delete(*batch)))
            return dropped

        return await self._call("invalidate", run, 0)
