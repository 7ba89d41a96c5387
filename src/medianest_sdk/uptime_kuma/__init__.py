"""Uptime Kuma: status pages, heartbeats, push monitors, badges and Prometheus metrics."""

from __future__ import annotations

from ..enums import MonitorStatus
from .adapter import BadgeKind, UptimeKumaAdapter
from .metrics import parse_metrics
from .models import (
    Heartbeat,
    Incident,
    Maintenance,
    MonitorGroup,
    MonitorHeartbeats,
    MonitorMetrics,
    StatusPage,
    StatusPageConfig,
    StatusPageMonitor,
)

__all__ = [
    "BadgeKind",
    "Heartbeat",
    "Incident",
    "Maintenance",
    "MonitorGroup",
    "MonitorHeartbeats",
    "MonitorMetrics",
    "MonitorStatus",
    "StatusPage",
    "StatusPageConfig",
    "StatusPageMonitor",
    "UptimeKumaAdapter",
    "parse_metrics",
]
