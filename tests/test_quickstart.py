"""python examples/quickstart.py: bare, with every service configured, and failing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from medianest_sdk.testing import FakePlex

from .recorded import recorded
from .servers import LoopbackServer, Reply, RequestSeen

QUICKSTART = Path(__file__).parent.parent / "examples" / "quickstart.py"
SERVICE_VARS = (
    "PLEX_URL",
    "PLEX_TOKEN",
    "OVERSEERR_URL",
    "OVERSEERR_API_KEY",
    "UPTIME_KUMA_URL",
    "UPTIME_KUMA_SLUG",
    "UPTIME_KUMA_API_KEY",
)


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    return subprocess.run(
        [sys.executable, str(QUICKSTART)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_runs_to_the_end_with_nothing_configured() -> None:
    out = run({})
    assert out.returncode == 0, out.stderr
    for expected in (
        "verified delivery 72d3162e",
        "refused: bad_signature",
        "Secret('***')",
        "100%|",
        "saved sample [sample].mp4: 20661 bytes",
        "not configured",
        "all done",
    ):
        assert expected in out.stdout
    assert out.stderr == ""  # no stray log line (the package logger has a NullHandler)


def test_talks_to_configured_services() -> None:
    fake = FakePlex()
    with LoopbackServer() as plex, LoopbackServer() as seerr, LoopbackServer() as kuma:

        def plex_answer(seen: RequestSeen) -> Reply:
            status, headers, body = fake.handle(seen.method, plex.url + seen.path, seen.headers)
            return Reply(status, body, headers)

        plex.fallback = plex_answer
        for server, service, routes in (
            (
                seerr,
                "overseerr",
                {
                    "GET /api/v1/status": "status",
                    "GET /api/v1/auth/me": "auth_me",
                    "GET /api/v1/request": "request_list_pending",
                },
            ),
            (kuma, "uptime-kuma", {"GET /api/entry-page": "entry_page", "GET /metrics": "metrics"}),
        ):
            for route, name in routes.items():
                response = recorded(service, name)
                server.routes[route] = Reply(
                    response.status_code,
                    response.content,
                    {"Content-Type": response.headers["content-type"]},
                )
        out = run(
            {
                "PLEX_URL": plex.url,
                "PLEX_TOKEN": fake.token,
                "OVERSEERR_URL": seerr.url,
                "OVERSEERR_API_KEY": "key",
                "UPTIME_KUMA_URL": kuma.url,
                "UPTIME_KUMA_API_KEY": "kuma-key",
            }
        )
    assert out.returncode == 0, out.stderr
    assert "plex sections: Movies (movie), TV Shows (show)" in out.stdout
    assert "overseerr: 1 pending request(s)" in out.stdout
    assert "local-http: up" in out.stdout
    assert "version develop-local" in out.stdout
    assert out.stdout.count("healthy") == 3


def test_fails_with_a_one_line_reason() -> None:
    out = run({"PLEX_URL": "ftp://not-http", "PLEX_TOKEN": "t"})
    assert out.returncode == 1
    assert out.stderr.strip().startswith("quickstart failed: ConfigError: config: PLEX_URL must")
    assert out.stderr.strip().count("\n") == 0
