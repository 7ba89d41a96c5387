"""Uptime Kuma: status pages, heartbeats, push monitors, badges and Prometheus metrics over HTTP
(:class:`UptimeKumaAdapter`); monitors, tags, notifications, maintenance and status pages over
socket.io (:class:`UptimeKumaAdmin`)."""

from __future__ import annotations

from ..enums import MonitorStatus
from .adapter import BadgeKind, UptimeKumaAdapter
from .admin import KumaEvent, KumaEventStream, UptimeKumaAdmin
from .metrics import parse_metrics
from .models import (
    Heartbeat,
    Incident,
    IncidentHistory,
    Maintenance,
    MonitorGroup,
    MonitorHeartbeats,
    MonitorMetrics,
    MonitorTag,
    StatusPage,
    StatusPageConfig,
    StatusPageMonitor,
)
from .monitors import (
    DnsMonitor,
    DockerMonitor,
    GroupMonitor,
    HeartbeatEvent,
    HttpMonitor,
    JsonQueryMonitor,
    KeywordMonitor,
    MaintenanceSpec,
    MaintenanceStrategy,
    MaintenanceWindow,
    Monitor,
    MonitorSpec,
    Notification,
    PingMonitor,
    PortMonitor,
    PushMonitor,
    StatusPageGroup,
    Tag,
    UptimeEvent,
)

__all__ = [
    "BadgeKind",
    "DnsMonitor",
    "DockerMonitor",
    "GroupMonitor",
    "Heartbeat",
    "HeartbeatEvent",
    "HttpMonitor",
    "Incident",
    "IncidentHistory",
    "JsonQueryMonitor",
    "KeywordMonitor",
    "KumaEvent",
    "KumaEventStream",
    "Maintenance",
    "MaintenanceSpec",
    "MaintenanceStrategy",
    "MaintenanceWindow",
    "Monitor",
    "MonitorGroup",
    "MonitorHeartbeats",
    "MonitorMetrics",
    "MonitorSpec",
    "MonitorStatus",
    "MonitorTag",
    "Notification",
    "PingMonitor",
    "PortMonitor",
    "PushMonitor",
    "StatusPage",
    "StatusPageConfig",
    "StatusPageGroup",
    "StatusPageMonitor",
    "Tag",
    "UptimeEvent",
    "UptimeKumaAdapter",
    "UptimeKumaAdmin",
    "parse_metrics",
]
