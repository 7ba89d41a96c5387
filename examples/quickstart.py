"""The medianest-sdk tour: ``python examples/quickstart.py``.

On a fresh machine with nothing configured it still does real work:

1. verifies a signed webhook (GitHub's documented example) and refuses a tampered one;
2. encrypts and decrypts a token with ``TokenVault``;
3. downloads a clip with yt-dlp from a local HTTP server it starts itself, with a progress bar;
4. prints a health table of Plex, Overseerr/Seerr and Uptime Kuma.

Set ``PLEX_URL``/``PLEX_TOKEN``, ``OVERSEERR_URL``/``OVERSEERR_API_KEY`` and ``UPTIME_KUMA_URL``
(with ``UPTIME_KUMA_SLUG`` and ``UPTIME_KUMA_API_KEY``) and it also talks to those services,
each through its own ``ResiliencePipeline``, and prints what it found. It exits non-zero with a
one-line reason when something fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import anyio

import medianest_sdk as mn
from medianest_sdk.ytdlp import show_progress

MEDIA = Path(__file__).parent / "media"


def step(title: str) -> None:
    print(f"\n== {title}")


async def webhooks() -> None:
    step("1. Verify a signed webhook (GitHub's documented example)")
    verifier = mn.WebhookVerifier.github("It's a Secret to Everybody", cache=mn.MemoryCache())
    headers = {
        "X-Hub-Signature-256": (
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        ),
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    }
    delivery = await verifier.verify(headers, b"Hello, World!")
    print(f"   verified delivery {delivery.id} ({len(delivery.body)} bytes)")
    try:
        await verifier.verify(headers, b"Hello, World?")
    except mn.WebhookVerificationError as exc:
        print(f"   a tampered body is refused: {exc.reason}")


def vault() -> None:
    step("2. Keep a token encrypted with TokenVault")
    box = mn.TokenVault([mn.TokenVault.generate_key()])
    stored = box.encrypt("plex-token-for-the-demo")
    token = box.decrypt(stored)
    print(f"   stored: {stored[:24]}... ({len(stored)} characters)")
    print(f"   decrypted: {token!r} (prints masked; .reveal() gives the value)")
    assert token.reveal() == "plex-token-for-the-demo"


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    """Serves files without printing a line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_media() -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(MEDIA))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/sample.mp4"


async def download() -> None:
    step("3. Download a clip with yt-dlp (from a local server this script starts)")
    server, url = serve_media()
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with mn.YtDlpRunner(folder, max_concurrent=1) as runner:
                result = await show_progress(runner.download(url), file=sys.stdout)
            [path] = result.files
            size = (await anyio.Path(path).stat()).st_size
            print(f"   saved {path.name}: {size} bytes, extractor {result.info.extractor}")
    finally:
        server.shutdown()
        server.server_close()


HINTS = {
    "plex": "set PLEX_URL and PLEX_TOKEN",
    "overseerr": "set OVERSEERR_URL and OVERSEERR_API_KEY",
    "uptime_kuma": "set UPTIME_KUMA_URL",
}


async def services() -> None:
    step("4. Services")
    async with mn.Services.from_env() as configured:  # PLEX_*, OVERSEERR_*, UPTIME_KUMA_*
        names = configured.names()
        snapshot = await configured.health_monitor(timeout=10).check_all() if names else {}
        print(f"   {'service':<12} {'status':<15} {'latency':>9}  detail")
        for name, hint in HINTS.items():
            if name not in snapshot:
                print(f"   {name:<12} {'not configured':<15} {'-':>9}  {hint}")
                continue
            health = snapshot[name]
            latency = (
                f"{health.last_latency_ms:.0f} ms" if health.last_latency_ms is not None else "-"
            )
            detail = health.last_error or (f"version {health.version}" if health.version else "")
            print(f"   {name:<12} {health.status:<15} {latency:>9}  {detail}")

        def healthy(name: str) -> bool:
            return name in snapshot and snapshot[name].status == "healthy"

        if configured.plex is not None and healthy("plex"):
            sections = await configured.plex.library_sections()
            print("   plex sections: " + ", ".join(f"{s.title} ({s.type})" for s in sections))
        if configured.overseerr is not None and healthy("overseerr"):
            page = await configured.overseerr.requests(filter="pending", take=5)
            print(f"   overseerr: {page.page_info.results} pending request(s)")
        kuma = configured.uptime_kuma
        if kuma is not None and healthy("uptime_kuma"):
            settings = configured.settings["uptime_kuma"]
            if isinstance(settings, mn.UptimeKumaSettings) and settings.api_key is not None:
                statuses = await kuma.monitor_statuses()
                shown = ", ".join(
                    f"{m.name}: {m.status.name.lower()}"
                    for m in statuses.values()
                    if m.status is not None
                )
                print(f"   uptime kuma monitors: {shown or 'none'}")
            elif slug := os.environ.get("UPTIME_KUMA_SLUG"):
                beats = await kuma.heartbeats(slug)
                shown = ", ".join(
                    f"#{i}: {m.latest.status.name.lower()}" for i, m in beats.items() if m.latest
                )
                print(f"   uptime kuma monitors: {shown or 'none'}")


async def main() -> None:
    print(f"medianest-sdk {mn.__version__}")
    await webhooks()
    vault()
    await download()
    await services()
    print("\nall done")


if __name__ == "__main__":
    try:
        anyio.run(main)
    except (mn.MediaNestError, ImportError, OSError, ValueError, AssertionError) as exc:
        sys.exit(f"quickstart failed: {type(exc).__name__}: {exc}")
