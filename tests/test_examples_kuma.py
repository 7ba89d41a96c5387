"""examples/uptime_kuma_status.py against a loopback server replaying recorded responses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .recorded import recorded
from .servers import LoopbackServer, Reply

EXAMPLE = Path(__file__).parent.parent / "examples" / "uptime_kuma_status.py"


def serve(server: LoopbackServer, route: str, name: str) -> None:
    response = recorded("uptime-kuma", name)
    server.routes[route] = Reply(
        response.status_code, response.content, {"Content-Type": response.headers["content-type"]}
    )


def test_example_prints_the_status_page(loopback: LoopbackServer) -> None:
    serve(loopback, "GET /api/status-page/demo/incident-history", "incident_history")
    serve(loopback, "GET /api/status-page/demo", "status_page")
    serve(loopback, "GET /api/status-page/heartbeat/demo", "status_page_heartbeat_bypass")
    serve(loopback, "GET /metrics", "metrics")
    env = {
        **os.environ,
        "UPTIME_KUMA_URL": loopback.url,
        "UPTIME_KUMA_SLUG": "demo",
        "UPTIME_KUMA_API_KEY": "k",
    }
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "Demo Status (demo)" in out.stdout
    assert "push-1" in out.stdout
    assert "66.67%" in out.stdout
    assert "metrics: local-http is up" in out.stdout


def test_example_fails_with_one_line(loopback: LoopbackServer) -> None:
    serve(loopback, "GET /api/status-page/nope/incident-history", "incident_history_missing")
    serve(loopback, "GET /api/status-page/nope", "status_page_missing")
    env = {**os.environ, "UPTIME_KUMA_URL": loopback.url, "UPTIME_KUMA_SLUG": "nope"}
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0
    assert "no status page 'nope'" in out.stderr
