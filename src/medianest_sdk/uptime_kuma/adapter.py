"""``UptimeKumaAdapter``: Uptime Kuma's whole HTTP surface, for 1.23.x and 2.x.

Uptime Kuma has no stable REST API; what it serves over plain HTTP is public status pages,
push monitors, badges and ``/metrics``. Endpoints used (Uptime Kuma ``server/routers/``):

=====================================  ================================================
``status_page(slug)``                  ``GET /api/status-page/{slug}``
``incident_history(slug)`` (2.x)       ``GET /api/status-page/{slug}/incident-history``
``status_page_badge(slug)``            ``GET /api/status-page/{slug}/badge``
``heartbeats(slug)``                   ``GET /api/status-page/heartbeat/{slug}``
``push(token, ...)``                   ``GET /api/push/{token}?status=&msg=&ping=``
``metrics()``, ``monitor_statuses()``  ``GET /metrics`` (HTTP Basic: an API key, or the
                                       admin's username and password before one exists)
``badge(id, kind, duration)``          ``GET /api/badge/{id}/{kind}[/{duration}]``
``health()``                           ``GET /api/entry-page`` (+ ``/metrics`` for the
                                       version, with credentials)
=====================================  ================================================

Managing monitors (add, edit, pause, delete...) is socket.io only: :class:`UptimeKumaAdmin`.
"""

from __future__ import annotations

import base64
import math
from typing import Any, Literal

import attrs

from ..errors import DecodeError, MediaNestError, NotFoundError, UnsupportedByServerError
from ..events import EventHooks
from ..http import AsyncHTTPClient, HealthReport, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..http import path_segment as _segment
from ..secrets import Secret
from .metrics import parse_metrics
from .models import (
    Incident,
    IncidentHistory,
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
        username, password: The admin's credentials, for ``/metrics`` on a server without an
            API key (Kuma accepts them only until the first key is created).
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline` for every call.
        http_client: An ``httpx.AsyncClient`` you own (never closed by the adapter).
        timeout: Seconds, or an ``Timeout`` (default: 5 s connect, 10 s otherwise).
            Uptime Kuma 1.23.x never answers a status page slug it does not know: this timeout
            is what ends such a call.
        hooks: Receives the request events.

    Example::

        async with UptimeKumaAdapter("http://127.0.0.1:3001", api_key=key) as kuma:
            for monitor_id, m in (await kuma.monitor_statuses()).items():
                print(monitor_id, m.name, m.status.name)
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | Secret | None = None,
        username: str | None = None,
        password: str | Secret | None = None,
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        timeout: float | Timeout | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        self._api_key = None if api_key is None else Secret.coerce(api_key)
        self._username = username
        self._password = None if password is None else Secret.coerce(password)
        self._major: int | None = None
        self._missing: set[str] = set()
        self._found: set[str] = set()  # 1.23: slugs whose manifest.json answered
        super().__init__(
            ServiceClient(
                SERVICE,
                base_url,
                headers={"Accept": "application/json"},
                secrets=[x for x in (self._api_key, self._password) if x is not None],
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

    async def _server_major(self, slug: str) -> int:
        """1 or 2, learned once from ``/api/status-page/{slug}/incident-history``: 2.x answers
        it with JSON (404 for an unknown slug), 1.23 has no such route and serves its HTML app.
        """
        if self._major is None:
            path = f"/api/status-page/{_segment(slug)}/incident-history"
            response = await self.http.request("GET", path, headers=BYPASS, accept=(404,))
            json_type = "json" in response.headers.get("content-type", "")
            self._major = 2 if json_type else 1
            if json_type and response.status_code == 404:
                self._missing.add(slug)
        return self._major

    async def _check_slug(self, slug: str, *, fresh: bool) -> None:
        """Raise :class:`NotFoundError` at once for a slug the server does not have.

        2.x answers an unknown slug with 404 itself. 1.23 never answers it (the request hangs
        until the timeout, and retries and the breaker count it as an outage), so on 1.23 the
        page's ``manifest.json``, which does answer 404, is asked first: once per slug, and
        again with ``fresh=True``.
        """
        path = f"/api/status-page/{_segment(slug)}"
        major = await self._server_major(slug)
        missing = slug in self._missing
        if not missing and major == 1 and (fresh or slug not in self._found):
            response = await self.http.request(
                "GET", f"{path}/manifest.json", headers=BYPASS, accept=(404,)
            )
            missing = response.status_code == 404
            if missing:
                self._found.discard(slug)
            else:
                self._found.add(slug)
        self._missing.discard(slug)
        if missing:
            raise NotFoundError(
                f"no status page {slug!r}",
                service=SERVICE,
                method="GET",
                url=f"{self.http.base_url}{path}",
                status=404,
            )

    async def status_page(self, slug: str, *, fresh: bool = False) -> StatusPage:
        """The status page ``slug``: config, incidents, monitor groups, maintenance.

        ``GET /api/status-page/{slug}``.

        Args:
            fresh: Send ``x-apicache-bypass: 1`` (the server caches pages for 5 minutes) and skip
                the pipeline's cache.

        Raises:
            NotFoundError: no such status page, at once on both versions (on 1.23.x, which
                never answers an unknown slug, the page's ``manifest.json`` is asked first,
                once per slug; ``fresh=True`` asks again). A 404 is the caller's error: the
                breaker does not count it.
            DecodeError: the response does not fit.
        """
        path = f"/api/status-page/{_segment(slug)}"
        await self._check_slug(slug, fresh=fresh)
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

    async def incident_history(self, slug: str, *, cursor: str | None = None) -> IncidentHistory:
        """A status page's past incidents, newest first, a page at a time (2.x).
        ``GET /api/status-page/{slug}/incident-history?cursor=``.

        Args:
            cursor: ``next_cursor`` of the previous page, or ``None`` for the first.

        Raises:
            UnsupportedByServerError: the server is 1.23.x (it keeps one incident per page).
            NotFoundError: no such status page.
        """
        if await self._server_major(slug) < 2:
            raise UnsupportedByServerError(
                "Uptime Kuma 1.23 has no incident history (one incident per page: status_page())",
                feature="incident history",
                service=SERVICE,
            )
        path = f"/api/status-page/{_segment(slug)}/incident-history"
        params = {} if cursor is None else {"cursor": cursor}
        data = await self.http.get_json(path, params=params, headers=BYPASS)
        return self.http.decode(data, IncidentHistory, f"GET {path}")

    async def status_page_badge(self, slug: str, *, label: str | None = None) -> str:
        """The overall status badge of a status page (SVG: up, down, partial, maintenance).
        ``GET /api/status-page/{slug}/badge``; always fresh (``x-apicache-bypass``).

        Args:
            label: The badge's label text instead of the default.
        """
        params = {} if label is None else {"label": label}
        response = await self.http.request(
            "GET", f"/api/status-page/{_segment(slug)}/badge", params=params, headers=BYPASS
        )
        return response.text

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
            ping: Response time in milliseconds to record, if any; sent exactly
                (``repr`` of the float: 1234567.0, not ``1.23457e+06``).

        Raises:
            NotFoundError: unknown or inactive push token; the message carries the server's
                ("Monitor not found or not active.").
            ValueError: ``status`` is not up or down, or ``ping`` is negative or not finite
                (2.x would answer a negative ping with a 404 "monitor not found").
        """
        if status not in ("up", "down"):
            raise ValueError(f"push status must be 'up' or 'down', got {status!r}")
        token = Secret.coerce(push_token)
        params: dict[str, str] = {"status": status, "msg": msg}
        if ping is not None:
            if isinstance(ping, bool) or not math.isfinite(ping) or ping < 0:
                raise ValueError(f"ping must be a finite number of milliseconds >= 0, got {ping!r}")
            params["ping"] = repr(float(ping)) if isinstance(ping, float) else str(int(ping))
        await self.http.request(
            "GET",
            f"/api/push/{_segment(token.reveal())}",
            params=params,
            secrets=[token],
            retry_safe=True,  # a repeated heartbeat is harmless
        )

    def _metrics_auth(self) -> dict[str, str]:
        if self._api_key is not None:
            pair = f":{self._api_key.reveal()}"
        elif self._username is not None and self._password is not None:
            pair = f"{self._username}:{self._password.reveal()}"
        else:
            return {}
        return {"Authorization": f"Basic {base64.b64encode(pair.encode()).decode()}"}

    async def metrics_text(self) -> str:
        """The raw ``GET /metrics`` page (Prometheus text format).

        Raises:
            AuthenticationError: no credentials, or wrong ones (401).
        """
        response = await self.http.request("GET", "/metrics", headers=self._metrics_auth())
        return response.text

    async def metrics(self) -> list[MonitorMetrics]:
        """Every monitor's figures from ``GET /metrics``, parsed with ``prometheus_client``.

        What Kuma reports: a monitor appears only once it has been checked since the server
        started (right after a restart some are missing) and not while it is paused. 1.23.x
        labels monitors by name only (``id`` is ``None``), so two monitors with one name share
        one set of figures there.

        Raises:
            AuthenticationError: no API key (or username and password), or wrong ones (401).
            ImportError: ``prometheus_client`` is missing (``medianest-sdk[prometheus]``).
            DecodeError: the page is not Prometheus text.
        """
        return parse_metrics(await self.metrics_text())

    async def monitor_statuses(self) -> dict[int, MonitorMetrics]:
        """Monitor id -> its figures (``name``, ``status``...), for monitors with a status,
        from :meth:`metrics`. Monitors with the same name stay apart.

        Raises:
            UnsupportedByServerError: Uptime Kuma 1.23.x, whose ``/metrics`` has no monitor
                ids: use :meth:`metrics` (by name) or :meth:`UptimeKumaAdmin.monitors`.
            AuthenticationError, DecodeError: as :meth:`metrics`.
        """
        monitors = [m for m in await self.metrics() if m.status is not None]
        if any(m.id is None for m in monitors):
            raise UnsupportedByServerError(
                "this server's /metrics labels monitors by name only (Uptime Kuma 1.23): use "
                "metrics() or UptimeKumaAdmin.monitors()",
                feature="monitor ids in /metrics",
                service=SERVICE,
            )
        return {m.id: m for m in monitors if m.id is not None}

    async def badge(
        self,
        monitor_id: int,
        kind: BadgeKind = "status",
        duration: int | None = None,
        *,
        fresh: bool = False,
    ) -> str:
        """A monitor's SVG badge. ``GET /api/badge/{id}/{kind}[/{duration}]``.

        Args:
            monitor_id: The monitor's id (a public monitor: on a published status page).
            kind: ``"status"``, ``"uptime"``, ``"ping"``, ``"avg-response"``, ``"cert-exp"``
                or ``"response"``.
            duration: Hours, for ``uptime``, ``ping`` and ``avg-response`` (default 24).
            fresh: Send ``x-apicache-bypass: 1``: the server caches badges for 5 minutes, so
                without it a badge read right after a push shows the state before.

        Returns:
            The SVG text. An unknown or private monitor gives an ``N/A`` badge, not an error.
        """
        path = f"/api/badge/{int(monitor_id)}/{kind}"
        if duration is not None and kind in ("uptime", "ping", "avg-response"):
            path += f"/{int(duration)}"
        return await self.http.get_text(path, headers=BYPASS if fresh else None)

    async def health(self) -> HealthReport:
        """Whether an Uptime Kuma answers ``GET /api/entry-page`` (its JSON, not just any 2xx:
        another server there is ``unhealthy``), with latency in ms; with credentials, the
        version from ``/metrics`` (``app_version``). Never raises for a failed check."""
        report = await self.http.probe("/api/entry-page", version=_entry_page_kind)
        if report.status == "unhealthy":
            return report
        if report.version != "kuma":
            return attrs.evolve(
                report,
                status="unhealthy",
                version=None,
                error="not Uptime Kuma: GET /api/entry-page did not answer its JSON",
            )
        version = None
        if self._metrics_auth():
            try:
                version = _app_version(await self.metrics_text())
            except MediaNestError as exc:
                return attrs.evolve(
                    report, version=None, status="degraded", error=f"{type(exc).__name__}: {exc}"
                )
        return attrs.evolve(report, version=version)


def _entry_page_kind(response: Any) -> str | None:
    """``"kuma"`` when the body is Kuma's entry-page JSON (a marker, replaced by the version)."""
    data = response.json()
    ok = isinstance(data, dict) and data.get("type") in ("entryPage", "statusPageMatchedDomain")
    return "kuma" if ok else None


def _app_version(text: str) -> str | None:
    """``app_version{version="2.5.3",major="2",...}`` -> ``"2.5.3"``."""
    for line in text.splitlines():
        if line.startswith("app_version{"):
            start = line.find('version="')
            if start >= 0:
                start += len('version="')
                end = line.find('"', start)
                return line[start:end] if end > start else None
    return None
