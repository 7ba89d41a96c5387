"""Typed records of Uptime Kuma's public HTTP surface (status pages, heartbeats, metrics)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, NewType

import attrs

from ..decoding import camel_case, converter, parse_datetime
from ..enums import MonitorStatus

__all__ = [
    "Heartbeat",
    "Incident",
    "IncidentHistory",
    "Maintenance",
    "MonitorGroup",
    "MonitorHeartbeats",
    "MonitorMetrics",
    "MonitorTag",
    "StatusPage",
    "StatusPageConfig",
    "StatusPageMonitor",
]


@camel_case
@attrs.frozen(kw_only=True)
class StatusPageConfig:
    """A status page's settings (``config`` of ``GET /api/status-page/{slug}``)."""

    slug: str
    title: str
    description: str | None = None
    icon: str | None = None
    auto_refresh_interval: int | None = None
    theme: str | None = None
    published: bool = True
    show_tags: bool = False
    footer_text: str | None = None
    show_powered_by: bool = True
    show_certificate_expiry: bool = False


@camel_case
@attrs.frozen(kw_only=True)
class Incident:
    """A pinned incident. ``style`` is ``"info"``, ``"warning"``, ``"danger"``... Times are UTC."""

    id: int | None = None
    title: str = ""
    content: str = ""
    style: str | None = None
    created_date: datetime | None = None
    last_updated_date: datetime | None = None
    pin: bool = True


@attrs.frozen(kw_only=True)
class MonitorTag:
    """A tag on a monitor, with its value (``""`` or ``None`` when it has none)."""

    tag_id: int
    name: str
    color: str = ""
    value: str | None = ""


CertDays = NewType("CertDays", int)
"""Days until a certificate expires; the server sends ``""`` when it knows none."""


def _cert_days(value: Any, _: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return int(value)
    raise ValueError("certExpiryDaysRemaining must be a number or empty")


converter.register_structure_hook(CertDays | None, _cert_days)


@camel_case
@attrs.frozen(kw_only=True)
class IncidentHistory:
    """One page of a status page's past incidents (2.x), newest first.

    Attributes:
        incidents: This page's incidents.
        total: Incidents the status page has in all.
        next_cursor: Pass as ``cursor=`` for the next page; ``None`` on the last.
        has_more: Whether another page follows.
    """

    incidents: list[Incident]
    total: int = 0
    next_cursor: str | None = None
    has_more: bool = False


@camel_case
@attrs.frozen(kw_only=True)
class StatusPageMonitor:
    """A monitor as a status page lists it.

    Attributes:
        id, name, type: ``type`` is ``"http"``, ``"push"``...
        send_url: The page shows the monitor's URL; then ``url`` holds it (2.x: the custom
            URL set on the page, if any).
        tags: The monitor's tags, when the page shows tags.
        cert_expiry_days_remaining, valid_cert: The TLS certificate of an HTTPS monitor, when
            the page shows certificate expiry (``None`` when unknown).
    """

    id: int
    name: str
    type: str | None = None
    send_url: bool = False
    url: str | None = None
    tags: list[MonitorTag] = attrs.field(factory=list)
    cert_expiry_days_remaining: CertDays | None = None
    valid_cert: bool | None = None


@camel_case
@attrs.frozen(kw_only=True)
class MonitorGroup:
    """A group of monitors on a status page, in display order (``weight``)."""

    id: int | None = None
    name: str
    weight: int = 0
    monitors: list[StatusPageMonitor] = attrs.field(factory=list, metadata={"json": "monitorList"})


@camel_case
@attrs.frozen(kw_only=True)
class Maintenance:
    """A maintenance window shown on the page; ``status`` is ``"under-maintenance"``,
    ``"scheduled"``, ``"ended"``, ``"inactive"``..."""

    id: int | None = None
    title: str = ""
    description: str = ""
    status: str | None = None


@attrs.frozen(kw_only=True)
class StatusPage:
    """``GET /api/status-page/{slug}``.

    Attributes:
        config: The page's settings.
        incidents: Pinned incidents (Uptime Kuma 2.x sends a list ``incidents``; 1.23.x one
            ``incident`` or null: both arrive here as a list).
        groups: Monitor groups with their monitors (``publicGroupList``).
        maintenance: Maintenance windows (``maintenanceList``).
    """

    config: StatusPageConfig
    incidents: list[Incident]
    groups: list[MonitorGroup]
    maintenance: list[Maintenance]


@attrs.frozen(kw_only=True)
class Heartbeat:
    """One check result.

    Attributes:
        status: Down, up, pending or maintenance (unknown codes kept).
        time: When it ran, aware UTC (the server sends ``"YYYY-MM-DD HH:MM:SS.mmm"`` in UTC).
        msg: The check's message (empty when up).
        ping_ms: Response time in milliseconds, or ``None`` (no response, or a push without ping).
    """

    status: MonitorStatus
    time: datetime
    msg: str = ""
    ping_ms: float | None = None


@attrs.frozen(kw_only=True)
class MonitorHeartbeats:
    """A monitor's recent heartbeats and uptime ratios on a status page.

    Attributes:
        monitor_id: The monitor's id.
        heartbeats: Oldest first, as the server sends them.
        uptime: Uptime ratio (0.0-1.0) per window in hours, e.g. ``{24: 0.9993}`` (1.23.x also
            sends ``720``, 30 days).
    """

    monitor_id: int
    heartbeats: list[Heartbeat]
    uptime: dict[int, float]

    @property
    def latest(self) -> Heartbeat | None:
        """The newest heartbeat, or ``None`` when there is none."""
        return self.heartbeats[-1] if self.heartbeats else None

    @property
    def uptime_24h(self) -> float | None:
        """The 24-hour uptime ratio, or ``None``."""
        return self.uptime.get(24)


@attrs.frozen(kw_only=True)
class MonitorMetrics:
    """One monitor's figures from ``/metrics`` (Prometheus text format).

    Attributes:
        id: ``monitor_id`` (2.x), or ``None`` on 1.23.x, which labels monitors by name only.
        name, type, url, hostname, port: The monitor's labels (``"null"`` becomes ``None``).
        status: ``monitor_status``, or ``None`` when not reported.
        response_time_ms: ``monitor_response_time`` (ms); ``None`` for -1 or NaN (no response).
        avg_response_time_ms: Average response time (ms) per window (``"1d"``, ``"30d"``...),
            from ``monitor_response_time_seconds`` (2.x).
        uptime: Uptime ratio per window (``"1d"``, ``"30d"``, ``"365d"``), from
            ``monitor_uptime_ratio`` (2.x).
        cert_days_remaining: Days until the TLS certificate expires (HTTPS monitors), or ``None``.
        cert_valid: Whether that certificate is valid, or ``None``.
    """

    id: int | None
    name: str
    type: str | None = None
    url: str | None = None
    hostname: str | None = None
    port: int | None = None
    status: MonitorStatus | None = None
    response_time_ms: float | None = None
    avg_response_time_ms: dict[str, float] = attrs.field(factory=dict)
    uptime: dict[str, float] = attrs.field(factory=dict)
    cert_days_remaining: int | None = None
    cert_valid: bool | None = None


def finite(value: Any) -> float | None:
    """``value`` as a float, or ``None`` for missing, NaN, infinities and negatives (-1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    if not math.isfinite(number) or number < 0:
        return None
    return number


def heartbeat_from(raw: Any) -> Heartbeat | None:
    """One heartbeat from the server's JSON, or ``None`` when it lacks a time or a status."""
    if not isinstance(raw, dict) or not isinstance(raw.get("time"), str):
        return None
    status = raw.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        return None
    try:
        when = parse_datetime(raw["time"])
    except ValueError:
        return None
    msg = raw.get("msg")
    return Heartbeat(
        status=MonitorStatus(status),
        time=when,
        msg=msg if isinstance(msg, str) else "",
        ping_ms=finite(raw.get("ping")),
    )
