"""``UptimeKumaAdapter``: Uptime Kuma's whole HTTP surface, for 1.23.x and 2.x.

Uptime Kuma has no stable REST API; what it serves over plain HTTP is public status pages,
push monitors, badges and ``/metrics``. Endpoints used (Uptime Kuma ``server/routers/``):

=====================================  ================================================
``status_page(slug)``                  ``GET /api/status-page/{slug}``
``heartbeats(slug)``                   ``GET /api/status-page/heartbeat/{slug}``
``push(token, ...)``                   ``GET /api/push/{token}?status=&msg=&ping=``
``metrics()``, ``monitor_statuses()``  ``GET /metrics`` (HTTP Basic, API key as password)
``badge(id, kind, duration)``          ``GET /api/badge/{id}/{kind}[/{duration}]``
``health()``                           ``GET /api/entry-page``
=====================================  ================================================
"""

from __future__ import annotations

import base64
from typing import Any, Literal

from ..enums import MonitorStatus
from ..errors import DecodeError
from ..events import EventHooks
from ..http import AsyncHTTPClient, HealthReport, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..http import path_segment as _segment
from ..secrets import Secret
from .metrics import parse_metrics
from .models import (
    Incident,
    Maintenance,
    MonitorGroup,
    MonitorHeartbeats,
    MonitorMetrics,
    StatusPage,
    StatusPageConfig,
    heartbeat_from,
)

__all__ = ["BadgeKind", "UptimeKumaAdapter"]

SERVICE = "uptime-kuma"
BYPASS = {"x-apicache-bypass": "1"}

BadgeKind = Literal["status", "uptime", "ping", "avg-response", "cert-exp", "response"]

STATUS_PAGE_TTL = 60.0
"""Seconds a status page stays in the pipeline's cache (the server itself caches 5 minutes)."""
HEARTBEAT_TTL = 30.0
"""Seconds heartbeats stay in the pipeline's cache (the server itself caches 1 minute)."""


class UptimeKumaAdapter(ServiceAdapter):
    """An async client for one Uptime Kuma instance.

    Args:
        base_url: The instance's root, e.g. ``"http://127.0.0.1:3001"``.
        api_key: An API key (Settings, API Keys) for ``/metrics``; not needed otherwise.
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline` for every call.
        http_client: An ``httpx.AsyncClient`` you own (never closed by the adapter).
        timeout: Seconds, or an ``Timeout`` (default: 5 s connect, 10 s otherwise).
            Uptime Kuma 1.23.x never answers a status page slug it does not know: this timeout
            is what ends such a call.
        hooks: Receives the request events.

    Example::

        async with UptimeKumaAdapter("http://127.0.0.1:3001", api_key=key) as kuma:
            for name, status in (await kuma.monitor_statuses()).items():
                print(name, status.name)
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | Secret | None = None,
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        timeout: float | Timeout | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        self._api_key = None if api_key is None else Secret.coerce(api_key)
        super().__init__(
            ServiceClient(
                SERVICE,
                base_url,
                headers={"Accept": "application/json"},
                secrets=[] if self._api_key is None else [self._api_key],
                pipeline=pipeline,
                http_client=http_client,
                timeout=timeout,
                hooks=hooks,
            )
        )

    async def _get(self, path: str, *, fresh: bool, ttl: float) -> Any:
        if fresh:
            return await self.http.get_json(path, headers=BYPASS)
        return await self.http.get_json(path, cache=True, cache_ttl=ttl)

    async def status_page(self, slug: str, *, fresh: bool = False) -> StatusPage:
        """The status page ``slug``: config, incidents, monitor groups, maintenance.

        ``GET /api/status-page/{slug}``.

        Args:
            fresh: Send ``x-apicache-bypass: 1`` (the server caches pages for 5 minutes) and skip
                the pipeline's cache.

        Raises:
            NotFoundError: no such status page (2.x). On 1.23.x an unknown slug never answers
                and the call ends with ``RequestTimeout``.
            DecodeError: the response does not fit.
        """
        path = f"/api/status-page/{_segment(slug)}"
        data = await self._get(path, fresh=fresh, ttl=STATUS_PAGE_TTL)
        endpoint = f"GET {path}"
        if not isinstance(data, dict):
            raise DecodeError(f"{endpoint}: not an object", service=SERVICE, endpoint=endpoint)
        incidents_raw = data.get("incidents")
        if incidents_raw is None:  # 1.23.x: one incident or null
            single = data.get("incident")
            incidents_raw = [single] if single else []
        decode = self.http.decode
        return StatusPage(
            config=decode(data.get("config"), StatusPageConfig, endpoint),
            incidents=decode(incidents_raw, list[Incident], endpoint),
            groups=decode(data.get("publicGroupList") or [], list[MonitorGroup], endpoint),
            maintenance=decode(data.get("maintenanceList") or [], list[Maintenance], endpoint),
        )

    async def heartbeats(self, slug: str, *, fresh: bool = False) -> dict[int, MonitorHeartbeats]:
        """Recent heartbeats and uptime ratios of every monitor on status page ``slug``.

        ``GET /api/status-page/heartbeat/{slug}``.

        Returns:
            Monitor id -> :class:`MonitorHeartbeats`, heartbeats oldest first. An unknown slug
            is answered by the server with ``200`` and empty lists, so it arrives here as an
            empty dict, not an error: check :meth:`status_page` to tell "no such page" apart.

        Args:
            fresh: Send ``x-apicache-bypass: 1`` (the server caches heartbeats for 1 minute)
                and skip the pipeline's cache.

        Raises:
            DecodeError: the response is not the expected object.
        """
        path = f"/api/status-page/heartbeat/{_segment(slug)}"
        data = await self._get(path, fresh=fresh, ttl=HEARTBEAT_TTL)
        beats = data.get("heartbeatList") if isinstance(data, dict) else None
        uptimes = data.get("uptimeList") if isinstance(data, dict) else None
        if not isinstance(beats, dict) or not isinstance(uptimes, dict):
            raise DecodeError(
                f"GET {path}: expected heartbeatList and uptimeList objects",
                service=SERVICE,
                endpoint=f"GET {path}",
                field="$.heartbeatList",
            )
        result: dict[int, MonitorHeartbeats] = {}
        ratios: dict[int, dict[int, float]] = {}
        for key, ratio in uptimes.items():
            monitor, _, hours = str(key).partition("_")
            if monitor.isdigit() and hours.isdigit() and isinstance(ratio, (int, float)):
                ratios.setdefault(int(monitor), {})[int(hours)] = float(ratio)
        for key, raw_list in beats.items():
            if not str(key).isdigit() or not isinstance(raw_list, list):
                continue
            monitor_id = int(key)
            parsed = [hb for hb in map(heartbeat_from, raw_list) if hb is not None]
            result[monitor_id] = MonitorHeartbeats(
                monitor_id=monitor_id, heartbeats=parsed, uptime=ratios.get(monitor_id, {})
            )
        return result

    async def push(
        self,
        push_token: str | Secret,
        *,
        status: Literal["up", "down"] = "up",
        msg: str = "OK",
        ping: float | None = None,
    ) -> None:
        """Report a heartbeat to a push monitor. ``GET /api/push/{pushToken}``.

        The token never appears in logs, events or errors (it is redacted as ``***``).

        Args:
            push_token: The monitor's push token.
            status: ``"up"`` or ``"down"``.
            msg: The message shown with the heartbeat.
            ping: Response time in milliseconds to record, if any.

        Raises:
            NotFoundError: unknown or inactive push token; the message carries the server's
                ("Monitor not found or not active.").
            ValueError: ``status`` is not up or down.
        """
        if status not in ("up", "down"):
            raise ValueError(f"push status must be 'up' or 'down', got {status!r}")
        token = Secret.coerce(push_token)
        params: dict[str, str] = {"status": status, "msg": msg}
        if ping is not None:
            params["ping"] = f"{ping:g}"
        await self.http.request(
            "GET",
            f"/api/push/{_segment(token.reveal())}",
            params=params,
            secrets=[token],
            retry_safe=True,  # a repeated heartbeat is harmless
        )

    async def metrics(self) -> list[MonitorMetrics]:
        """Every monitor's figures from ``GET /metrics``, parsed with ``prometheus_client``.

        Raises:
            AuthenticationError: no API key, or a wrong one (401).
            ImportError: ``prometheus_client`` is missing (``medianest-sdk[prometheus]``).
            DecodeError: the page is not Prometheus text.
        """
        headers = {}
        if self._api_key is not None:
            token = base64.b64encode(f":{self._api_key.reveal()}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        response = await self.http.request("GET", "/metrics", headers=headers)
        return parse_metrics(response.text)

    async def monitor_statuses(self) -> dict[str, MonitorStatus]:
        """Monitor name -> current status, from :meth:`metrics` (monitors with a status only)."""
        return {m.name: m.status for m in await self.metrics() if m.status is not None}

    async def badge(
        self, monitor_id: int, kind: BadgeKind = "status", duration: int | None = None
    ) -> str:
        """A monitor's SVG badge. ``GET /api/badge/{id}/{kind}[/{duration}]``.

        Args:
            monitor_id: The monitor's id (a public monitor: on a published status page).
            kind: ``"status"``, ``"uptime"``, ``"ping"``, ``"avg-response"``, ``"cert-exp"``
                or ``"response"``.
            duration: Hours, for ``uptime``, ``ping`` and ``avg-response`` (default 24).

        Returns:
            The SVG text. An unknown or private monitor gives an ``N/A`` badge, not an error.
        """
        path = f"/api/badge/{int(monitor_id)}/{kind}"
        if duration is not None and kind in ("uptime", "ping", "avg-response"):
            path += f"/{int(duration)}"
        return await self.http.get_text(path)

    async def health(self) -> HealthReport:
        """Whether the instance answers ``GET /api/entry-page``, with latency in ms."""
        return await self.http.probe("/api/entry-page")
