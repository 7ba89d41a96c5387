"""Parse Uptime Kuma's ``/metrics`` (Prometheus text format 0.0.4) into per-monitor records.

Parsing is done by ``prometheus_client``'s own text parser (``pip install
"medianest-sdk[prometheus]"``); this module only groups the samples by monitor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

from ..enums import MonitorStatus
from ..errors import DecodeError
from .models import MonitorMetrics, finite

__all__ = ["parse_metrics"]

_LABELS = ("monitor_name", "monitor_type", "monitor_url", "monitor_hostname", "monitor_port")


def _label(labels: Mapping[str, str], name: str) -> str | None:
    value = labels.get(name)
    return None if value in (None, "", "null") else value


@attrs.define
class _Builder:
    id: int | None
    name: str
    type: str | None
    url: str | None
    hostname: str | None
    port: int | None
    status: MonitorStatus | None = None
    response_time_ms: float | None = None
    avg_response_time_ms: dict[str, float] = attrs.Factory(dict)
    uptime: dict[str, float] = attrs.Factory(dict)
    cert_days_remaining: int | None = None
    cert_valid: bool | None = None


def _int(text: str | None) -> int | None:
    if text is None or not text.isdigit():
        return None
    return int(text)


def parse_metrics(text: str) -> list[MonitorMetrics]:
    """Group the ``monitor_*`` samples of a ``/metrics`` page by monitor.

    Monitors are keyed by ``monitor_id`` where present (2.x) and by name otherwise (1.23.x).
    Other metric families (process, Node.js) are ignored.

    Raises:
        ImportError: ``prometheus_client`` is not installed (the message says what to install).
        DecodeError: the text is not in the Prometheus exposition format.
    """
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "UptimeKumaAdapter.metrics() needs prometheus_client: pip install "
            '"medianest-sdk[prometheus]"'
        ) from exc
    monitors: dict[tuple[str, str], _Builder] = {}
    try:
        families = list(text_string_to_metric_families(text))
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise DecodeError(
            f"/metrics is not Prometheus text format ({type(exc).__name__})",
            service="uptime-kuma",
            endpoint="GET /metrics",
        ) from None
    for family in families:
        if not family.name.startswith("monitor_"):
            continue
        for sample in family.samples:
            labels = sample.labels
            name = labels.get("monitor_name")
            if name is None:
                continue
            monitor_id = _label(labels, "monitor_id")
            key = ("id", monitor_id) if monitor_id is not None else ("name", name)
            record = monitors.get(key)
            if record is None:
                record = monitors[key] = _Builder(
                    id=_int(monitor_id),
                    name=name,
                    type=_label(labels, "monitor_type"),
                    url=_label(labels, "monitor_url"),
                    hostname=_label(labels, "monitor_hostname"),
                    port=_int(_label(labels, "monitor_port")),
                )
            value = sample.value
            window = labels.get("window")
            metric = sample.name
            if metric == "monitor_status" and math.isfinite(value):
                record.status = MonitorStatus(int(value))
            elif metric == "monitor_response_time":
                record.response_time_ms = finite(value)
            elif metric == "monitor_response_time_seconds" and window:
                seconds = finite(value)
                if seconds is not None:
                    record.avg_response_time_ms[window] = seconds * 1000.0
            elif metric == "monitor_uptime_ratio" and window:
                ratio = finite(value)
                if ratio is not None:
                    record.uptime[window] = ratio
            elif metric == "monitor_cert_days_remaining":
                days = finite(value)
                record.cert_days_remaining = None if days is None else int(days)
            elif metric == "monitor_cert_is_valid" and math.isfinite(value):
                record.cert_valid = value >= 1
    return [MonitorMetrics(**attrs.asdict(b, recurse=False)) for b in monitors.values()]
