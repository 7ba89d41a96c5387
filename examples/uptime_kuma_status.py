"""Print an Uptime Kuma status page: its monitors, their latest heartbeats, and /metrics.

Run: ``UPTIME_KUMA_URL=http://127.0.0.1:3001 UPTIME_KUMA_SLUG=demo python
examples/uptime_kuma_status.py`` (add ``UPTIME_KUMA_API_KEY`` for the metrics part).
Exits 1 with a one-line reason when the instance cannot be read.
"""

from __future__ import annotations

import os
import sys

import anyio

import medianest_sdk as mn


async def main(slug: str) -> None:
    async with mn.Services.from_env() as services:  # UPTIME_KUMA_URL, UPTIME_KUMA_API_KEY
        kuma = services.uptime_kuma
        if kuma is None:
            sys.exit("set UPTIME_KUMA_URL (and UPTIME_KUMA_SLUG, UPTIME_KUMA_API_KEY)")
        settings = services.settings["uptime_kuma"]
        api_key = isinstance(settings, mn.UptimeKumaSettings) and settings.api_key is not None
        page = await kuma.status_page(slug)
        beats = await kuma.heartbeats(slug)
        print(f"{page.config.title} ({page.config.slug})")
        for incident in page.incidents:
            print(f"  incident: {incident.title}")
        for group in page.groups:
            print(f"  {group.name}")
            for monitor in group.monitors:
                history = beats.get(monitor.id)
                latest = history.latest if history else None
                status = latest.status.name.lower() if latest else "no data"
                ping = f"{latest.ping_ms:g} ms" if latest and latest.ping_ms is not None else "-"
                uptime = history.uptime_24h if history else None
                shown = f"{uptime:.2%}" if uptime is not None else "-"
                print(f"    {monitor.name:<20} {status:<12} {ping:>8}   24h uptime {shown}")
        if api_key:
            for figures in await kuma.metrics():
                if figures.status is not None:
                    print(f"  metrics: {figures.name} is {figures.status.name.lower()}")


if __name__ == "__main__":
    try:
        anyio.run(main, os.environ.get("UPTIME_KUMA_SLUG", "default"))
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")
