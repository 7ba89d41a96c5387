"""An in-memory Uptime Kuma answering its HTTP surface as the real one does, for tests.

``FakeUptimeKuma()`` holds a published status page ``demo`` of monitors (an HTTP monitor and a
push monitor by default) and answers the endpoints :class:`~medianest_sdk.UptimeKumaAdapter`
uses: ``/api/entry-page``, the status page and its heartbeats, push (a push records a
heartbeat), ``/metrics`` behind the API key, and status badges. The shapes follow the
responses recorded from Uptime Kuma 2 (``tests/data/recorded``).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..http.fake import FakeService, Reply

__all__ = ["FakeUptimeKuma"]

UP, DOWN = 1, 0

_PUSH = re.compile(r"^/api/push/([^/]+)$")
_BADGE = re.compile(r"^/api/badge/(\d+)/status$")


class FakeUptimeKuma(FakeService):
    """Uptime Kuma's HTTP surface in memory.

    Args:
        api_key: The key ``/metrics`` accepts (as the Basic-auth password).
        slug: The status page's slug.

    Attributes:
        monitors: ``{id: {"name", "type", "push_token"?}}``; add with :meth:`add_monitor`.
        heartbeats: ``{id: [{"status", "time", "msg", "ping"}]}``, oldest first.
        faults: :class:`~medianest_sdk.testing.Faults` to inject.

    Example::

        fake = FakeUptimeKuma()
        async with fake.http_client() as client:
            kuma = UptimeKumaAdapter(fake.base_url, api_key=fake.api_key, http_client=client)
            await kuma.push("push-token-2", status="down", msg="disk full")
            assert fake.heartbeats[2][-1]["status"] == 0
    """

    base_url = "http://kuma.fake.invalid"

    def __init__(self, *, api_key: str = "uk1_fake-kuma-key", slug: str = "demo") -> None:
        super().__init__()
        self.api_key = api_key
        self.slug = slug
        self.monitors: dict[int, dict[str, Any]] = {}
        self.heartbeats: dict[int, list[dict[str, Any]]] = {}
        self.add_monitor("local-http", kind="http")
        self.add_monitor("push-1", kind="push", push_token="push-token-2")

    def add_monitor(
        self, name: str, *, kind: str = "http", push_token: str | None = None, up: bool = True
    ) -> int:
        """Add a monitor to the status page (with one heartbeat); returns its id."""
        monitor_id = max(self.monitors, default=0) + 1
        self.monitors[monitor_id] = {"name": name, "type": kind, "push_token": push_token}
        self.heartbeats[monitor_id] = [_beat(UP if up else DOWN, "", 5)]
        return monitor_id

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        """Answer one request: ``(status, headers, body)``."""
        parts = urlsplit(url)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if path == "/api/entry-page":
            return _json({"type": "entryPage", "entryPage": "dashboard"})
        if path == f"/api/status-page/{self.slug}":
            return _json(self._status_page())
        if path == f"/api/status-page/heartbeat/{self.slug}":
            return _json(
                {
                    "heartbeatList": {str(i): beats for i, beats in self.heartbeats.items()},
                    "uptimeList": {f"{i}_24": _uptime(b) for i, b in self.heartbeats.items()},
                }
            )
        if path == f"/api/status-page/{self.slug}/incident-history":
            history = {"incidents": [], "total": 0, "nextCursor": None, "hasMore": False}
            return _json({"ok": True, **history})
        if path == f"/api/status-page/{self.slug}/badge":
            label = "Up" if all(b[-1]["status"] == UP for b in self.heartbeats.values()) else "Down"
            svg = f'<svg xmlns="http://www.w3.org/2000/svg" aria-label="Status: {label}"></svg>'
            return 200, {"Content-Type": "image/svg+xml; charset=utf-8"}, svg.encode()
        if path.startswith(("/api/status-page/heartbeat/", "/api/status-page/")):
            return _json({"status": "fail", "msg": "Status Page Not Found"}, 404)
        if match := _PUSH.match(path):
            token = unquote(match.group(1))
            found = [i for i, m in self.monitors.items() if m["push_token"] == token]
            if not found:
                return _json({"ok": False, "msg": "Monitor not found or not active."}, 404)
            status = UP if query.get("status", "up") == "up" else DOWN
            ping = float(query["ping"]) if query.get("ping") else None
            self.heartbeats[found[0]].append(_beat(status, query.get("msg", ""), ping))
            return _json({"ok": True})
        if path == "/metrics":
            if not self._authorised(headers):
                return 401, {"Content-Type": "text/html; charset=utf-8"}, b"Unauthorized"
            return 200, {"Content-Type": "text/plain; version=0.0.4"}, self._metrics().encode()
        if match := _BADGE.match(path):
            beats = self.heartbeats.get(int(match.group(1)))
            label = "N/A" if not beats else ("Up" if beats[-1]["status"] == UP else "Down")
            svg = f'<svg xmlns="http://www.w3.org/2000/svg" aria-label="Status: {label}"></svg>'
            return 200, {"Content-Type": "image/svg+xml; charset=utf-8"}, svg.encode()
        return 404, {"Content-Type": "text/html; charset=utf-8"}, b"Not Found"

    def _authorised(self, headers: dict[str, str]) -> bool:
        value = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        if not value.startswith("Basic "):
            return False
        try:
            _, _, password = base64.b64decode(value[6:]).decode().partition(":")
        except ValueError:
            return False
        return password == self.api_key

    def _status_page(self) -> dict[str, Any]:
        return {
            "config": {
                "slug": self.slug,
                "title": "Fake Status",
                "description": None,
                "icon": "/icon.svg",
                "autoRefreshInterval": 300,
                "theme": "auto",
                "published": True,
                "showTags": False,
                "customCSS": None,
                "footerText": None,
                "showPoweredBy": True,
                "analyticsId": None,
                "analyticsScriptUrl": None,
                "analyticsType": None,
                "showCertificateExpiry": False,
                "showOnlyLastHeartbeat": False,
                "rssTitle": None,
            },
            "incidents": [],
            "publicGroupList": [
                {
                    "id": 1,
                    "name": "Services",
                    "weight": 1,
                    "monitorList": [
                        {"id": i, "name": m["name"], "sendUrl": 0, "type": m["type"]}
                        for i, m in self.monitors.items()
                    ],
                }
            ],
            "maintenanceList": [],
        }

    def _metrics(self) -> str:
        lines = [
            "# HELP monitor_status Monitor Status (1 = UP, 0= DOWN, 2= PENDING, 3= MAINTENANCE)",
            "# TYPE monitor_status gauge",
        ]
        for i, monitor in self.monitors.items():
            labels = (
                f'monitor_id="{i}",monitor_name="{monitor["name"]}",'
                f'monitor_type="{monitor["type"]}",monitor_url="null",'
                'monitor_hostname="null",monitor_port="null"'
            )
            lines.append(f"monitor_status{{{labels}}} {self.heartbeats[i][-1]['status']}")
        lines.append('app_version{version="2.5.3",major="2",minor="5",patch="3"} 1')
        return "\n".join(lines) + "\n"


def _beat(status: int, msg: str, ping: float | None) -> dict[str, Any]:
    time = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return {"status": status, "time": time, "msg": msg, "ping": ping}


def _uptime(beats: list[dict[str, Any]]) -> float:
    return sum(b["status"] == UP for b in beats) / len(beats) if beats else 1.0


def _json(data: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(data).encode()
