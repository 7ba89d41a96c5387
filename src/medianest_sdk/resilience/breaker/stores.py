"""Where a circuit breaker's state lives: in this process, or in Redis for several processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

import anyio

from .machine import BreakerSnapshot

__all__ = ["BreakerStore", "MemoryBreakerStore", "RedisBreakerStore"]

R = TypeVar("R")

Change = Callable[[BreakerSnapshot], tuple[R, bool]]
"""Mutates a snapshot; returns (a result, whether the snapshot changed)."""


class BreakerStore(Protocol):
    """Where breaker state lives. ``update`` applies a change atomically."""

    shared: bool
    """``True`` when several processes share the state (needs a wall clock)."""

    url: str
    """Where the state is, for messages (credentials redacted)."""

    async def update(self, name: str, change: Change[R]) -> R:
        """Apply ``change`` atomically; save only when it says the snapshot changed.

        Raises:
            StoreUnavailableError: the store failed (never a raw client exception).
        """
        ...

    def peek(self, name: str) -> BreakerSnapshot:
        """The latest snapshot this process has seen (no I/O)."""
        ...


class MemoryBreakerStore:
    """In-process breaker state (the default); never fails."""

    shared = False
    url = "memory://"

    def __init__(self) -> None:
        self._snapshots: dict[str, BreakerSnapshot] = {}

    def snapshot(self, name: str) -> BreakerSnapshot:
        """The live snapshot for ``name`` (created on first use)."""
        snapshot = self._snapshots.get(name)
        if snapshot is None:
            snapshot = self._snapshots[name] = BreakerSnapshot()
        return snapshot

    async def update(self, name: str, change: Change[R]) -> R:
        """Apply ``change`` to the snapshot in place."""
        return change(self.snapshot(name))[0]

    def peek(self, name: str) -> BreakerSnapshot:
        """The snapshot itself."""
        return self._snapshots.get(name) or BreakerSnapshot()


class RedisBreakerStore:
    """Breaker state in Redis, shared by every process that names the same breaker.

    Each update is an optimistic transaction (``WATCH``/``MULTI``/``EXEC``) on one key holding
    the snapshot as JSON, retried on conflict, and written only when the state changed: a
    refused call writes nothing and extends no expiry. Half-open trial leases are stored in the
    snapshot with their own expiry times, so a process that dies mid-trial frees its slot when
    the lease expires. Saved state that does not parse is replaced by a fresh closed snapshot.
    The Redis client runs in a worker thread, so this works under asyncio and trio.

    Caveat: one breaker for all processes means one process with a broken network path to the
    service can open the breaker for every process. Share a breaker only between processes
    that reach the service the same way.

    Args:
        url: ``redis://host:port/db`` (credentials in the URL are never logged).
        prefix: Key prefix; the key is ``f"{prefix}{name}"``.
        ttl: Seconds an untouched breaker key lives (set on every write).

    Raises:
        ImportError: the ``redis`` package is missing (``pip install "medianest-sdk[redis]"``).
    """

    shared = True

    def __init__(
        self, url: str, *, prefix: str = "medianest:breaker:", ttl: float = 86_400.0
    ) -> None:
        from ...redis_client import sync_client
        from ...secrets import redact_url

        self._redis = sync_client(url)
        self._raw_url = url
        self.url = redact_url(url)
        self._prefix = prefix
        self._ttl = max(1, int(ttl))
        self._seen: dict[str, BreakerSnapshot] = {}

    def __repr__(self) -> str:
        return f"RedisBreakerStore({self.url!r})"

    def _update_sync(self, name: str, change: Change[R]) -> R:
        import redis

        key = self._prefix + name
        while True:
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(key)  # type: ignore[no-untyped-call]
                    raw = pipe.get(key)
                    snapshot = (
                        BreakerSnapshot.from_json(cast(Any, raw)) if raw else BreakerSnapshot()
                    )
                    result, changed = change(snapshot)
                    if changed or snapshot.recovered:
                        pipe.multi()
                        pipe.set(key, snapshot.to_json(), ex=self._ttl)
                        pipe.execute()
                    else:
                        pipe.unwatch()
                except redis.WatchError:
                    continue
            self._seen[name] = snapshot
            return result

    async def update(self, name: str, change: Change[R]) -> R:
        """Read, change and (if changed) write the snapshot in one optimistic transaction.

        Raises:
            StoreUnavailableError: Redis failed (connection refused or lost, timeout, error).
        """
        from ...redis_client import STORE_ERRORS, store_error

        try:
            return await anyio.to_thread.run_sync(self._update_sync, name, change)
        except STORE_ERRORS as exc:
            raise store_error(exc, self._raw_url, f"breaker {name!r}") from None

    def peek(self, name: str) -> BreakerSnapshot:
        """The snapshot as of this process's last update."""
        return self._seen.get(name) or BreakerSnapshot()
