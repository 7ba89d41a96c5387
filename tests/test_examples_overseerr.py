"""examples/overseerr_request_sync.py against a loopback server replaying recorded responses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .recorded import recorded
from .servers import LoopbackServer, Reply

EXAMPLE = Path(__file__).parent.parent / "examples" / "overseerr_request_sync.py"


def test_sync_reads_every_request_once(loopback: LoopbackServer) -> None:
    for route, name in (
        ("GET /api/v1/request/count", "request_count"),
        ("GET /api/v1/request", "request_list"),
    ):
        response = recorded("overseerr", name)
        loopback.routes[route] = Reply(200, response.content)
    env = {**os.environ, "OVERSEERR_URL": loopback.url, "OVERSEERR_API_KEY": "key"}
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--rounds", "2", "--interval", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "3 requests, 1 pending" in out.stdout
    assert "round 1: 3 changed, 3 known" in out.stdout
    assert "round 2: 0 changed, 3 known" in out.stdout
    sent = [s for s in loopback.seen if s.path.startswith("/api/v1/request?")]
    assert all("sort=modified" in s.path for s in sent)
    assert all(s.headers["X-Api-Key"] == "key" for s in loopback.seen)


def test_auth_failure_is_one_line(loopback: LoopbackServer) -> None:
    response = recorded("overseerr", "request_list_noauth")
    loopback.routes["GET /api/v1/request/count"] = Reply(401, response.content)
    env = {**os.environ, "OVERSEERR_URL": loopback.url, "OVERSEERR_API_KEY": "wrong"}
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1
    assert out.stderr.strip().startswith("error: overseerr: GET")
    assert "401" in out.stderr
