"""Lazy access to the optional ``redis`` package (``pip install "medianest-sdk[redis]"``).

Redis clients run in worker threads (``anyio.to_thread``), so Redis-backed state works under
asyncio and trio alike; ``import medianest_sdk`` never imports ``redis``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis


def sync_client(url: str) -> redis.Redis:
    """A ``redis.Redis`` client for ``url`` with a bounded connection pool.

    Raises:
        ImportError: ``redis`` is not installed; the message says what to install.
    """
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            'Redis-backed state needs the redis package: pip install "medianest-sdk[redis]"'
        ) from exc
    return redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)
