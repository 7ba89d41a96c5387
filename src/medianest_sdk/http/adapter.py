"""``ServiceAdapter``, the base of every adapter; ``HealthReport``, what ``health()`` returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

import attrs

from ..secrets import redact_url

if TYPE_CHECKING:
    from .client import ServiceClient

__all__ = ["HealthReport", "ServiceAdapter"]


@attrs.frozen(kw_only=True)
class HealthReport:
    """The outcome of one health check.

    Attributes:
        service: Service name, e.g. ``"plex"``.
        status: ``"healthy"``, ``"degraded"`` (timeouts, 5xx, 429, an open breaker) or
            ``"unhealthy"`` (refused connection, 401/403, other 4xx).
        latency_ms: Milliseconds the probe took, or ``None`` if it got no answer.
        error: The failure, redacted (exception class and message), or ``None``.
        version: The service's version when the probe reports one.
        breaker_state: The circuit breaker's state when the client's pipeline has one.
    """

    service: str
    status: Literal["healthy", "degraded", "unhealthy"]
    latency_ms: float | None = None
    error: str | None = None
    version: str | None = None
    breaker_state: str | None = None

    @property
    def healthy(self) -> bool:
        """``True`` when ``status == "healthy"``."""
        return self.status == "healthy"


class ServiceAdapter:
    """Base of the service adapters: holds ``http`` (a :class:`ServiceClient`) and is an async
    context manager that closes it (a borrowed httpx client stays open).

    Args:
        http: The adapter's client.

    Host apps build their own adapters on it::

        class Sonarr(ServiceAdapter):
            def __init__(self, url: str, api_key: str) -> None:
                super().__init__(
                    ServiceClient("sonarr", url, headers={"X-Api-Key": Secret(api_key)})
                )
    """

    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_url(self.http.base_url)!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the owned HTTP client (a borrowed one stays open). Idempotent."""
        await self.http.aclose()
