"""Lazy access to the optional ``redis`` package (``pip install "medianest-sdk[redis]"``), and
the one place Redis failures become :class:`~medianest_sdk.StoreUnavailableError`.

Redis clients run in worker threads (``anyio.to_thread``), so Redis-backed state works under
asyncio and trio alike; ``import medianest_sdk`` never imports ``redis``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import StoreUnavailableError
from .secrets import redact_text, redact_url

if TYPE_CHECKING:
    import redis

__all__ = ["STORE_ERRORS", "store_error", "sync_client"]


def sync_client(url: str) -> redis.Redis:
    """A ``redis.Redis`` client for ``url`` with a bounded connection pool and 5 s socket
    timeouts (a store that stalls fails instead of hanging the call).

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


def _store_errors() -> tuple[type[Exception], ...]:
    try:
        import redis
    except ImportError:  # pragma: no cover
        return (OSError,)
    return (redis.RedisError, OSError)


STORE_ERRORS = _store_errors()
"""What a Redis call may raise when the store is down, slow or refuses: ``redis.RedisError``
(connection, timeout, response, read-only replica ...) and ``OSError``."""


def store_error(exc: Exception, url: str, operation: str) -> StoreUnavailableError:
    """The typed error for a failed store call (the URL's credentials redacted)."""
    shown = redact_url(url)
    detail = redact_text(f"{type(exc).__name__}: {exc}"[:200])
    return StoreUnavailableError(
        f"store {shown} failed on {operation} ({detail})", store=shown, operation=operation
    )
