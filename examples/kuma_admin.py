"""Manage an Uptime Kuma monitor from code: create a push monitor, push to it, read its
heartbeats, pause it, delete it. Works with Uptime Kuma 1.23.x and 2.x.

Run: ``UPTIME_KUMA_URL=http://127.0.0.1:3001 UPTIME_KUMA_USERNAME=admin
UPTIME_KUMA_PASSWORD=... python examples/kuma_admin.py`` (needs
``pip install "medianest-sdk[kuma-admin]"``). Exits 1 with a one-line reason on failure.
"""

from __future__ import annotations

import os
import sys

import anyio

import medianest_sdk as mn
from medianest_sdk.uptime_kuma import HeartbeatEvent, PushMonitor


async def main(url: str, username: str, password: str) -> None:
    async with mn.UptimeKumaAdmin(url) as kuma, mn.UptimeKumaAdapter(url) as http:
        await kuma.login(username, password)
        print(f"connected to Uptime Kuma {kuma.version}")

        spec = PushMonitor(name="nightly backup", interval=60)
        monitor_id = await kuma.add_monitor(spec)
        print(f"created push monitor #{monitor_id}")

        async with kuma.events() as events:  # subscribe before pushing: nothing is missed
            await http.push(spec.push_token, msg="backup finished", ping=42.5)
            with anyio.fail_after(10):
                async for event in events:
                    if isinstance(event, HeartbeatEvent) and event.monitor_id == monitor_id:
                        beat = event.heartbeat
                        print(f"heartbeat: {beat.status.name} {beat.msg!r} {beat.ping_ms} ms")
                        break

        history = await kuma.monitor_beats(monitor_id, hours=1)
        print(f"heartbeats in the last hour: {len(history)}")

        await kuma.pause_monitor(monitor_id)
        print(f"paused: active={(await kuma.monitor(monitor_id)).active}")
        await kuma.delete_monitor(monitor_id)
        print("deleted")


if __name__ == "__main__":
    try:
        anyio.run(
            main,
            os.environ["UPTIME_KUMA_URL"],
            os.environ["UPTIME_KUMA_USERNAME"],
            os.environ["UPTIME_KUMA_PASSWORD"],
        )
    except KeyError as missing:
        sys.exit(f"set {missing.args[0]}")
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")
