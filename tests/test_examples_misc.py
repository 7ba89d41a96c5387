"""The remaining example scripts run: custom adapter, health dashboard, shared Redis limiter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .recorded import recorded
from .servers import LoopbackServer, Reply

EXAMPLES = Path(__file__).parent.parent / "examples"


def run(
    script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PLEX_", "OVERSEERR_", "UPTIME_KUMA_"))
    }
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_custom_adapter() -> None:
    out = run("custom_adapter.py")
    assert out.returncode == 0, out.stderr
    assert "1  The Expanse (2015)" in out.stdout
    assert "typed error: NotFoundError" in out.stdout
    assert "demo-key" not in out.stdout


def test_health_dashboard(loopback: LoopbackServer) -> None:
    response = recorded("uptime-kuma", "entry_page")
    loopback.routes["GET /api/entry-page"] = Reply(200, response.content)
    out = run(
        "health_dashboard.py",
        "--rounds",
        "2",
        "--interval",
        "0.05",
        env={"UPTIME_KUMA_URL": loopback.url},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("round ") == 2
    assert "uptime_kuma  healthy" in out.stdout
    assert "event-loop" in out.stdout
    assert "closed" in out.stdout  # breaker state column


@pytest.mark.redis
def test_shared_redis_limiter(redis_url: str) -> None:
    out = run("shared_redis_limiter.py", "--workers", "3", env={"REDIS_URL": redis_url})
    assert out.returncode == 0, out.stderr
    assert "granted in total: 10 " in out.stdout


def test_health_checks_typed() -> None:
    result = run("health_checks.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["plex: healthy", "database: healthy"]
