"""A live health table of your services, redrawn every few seconds.

Monitors whatever ``Services.from_env()`` finds (``PLEX_URL``/``PLEX_TOKEN``, ``OVERSEERR_URL``/
``OVERSEERR_API_KEY``, ``UPTIME_KUMA_URL``) plus this machine's own event loop, with latency
percentiles, uptime over the window and breaker state. Stop it with Ctrl-C, or pass
``--rounds N``.

Run: ``python examples/health_dashboard.py [--interval 5] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import anyio

import medianest_sdk as mn


async def event_loop() -> mn.HealthReport:
    """This process: how late a 10 ms sleep wakes up."""
    start = time.perf_counter()
    await anyio.sleep(0.01)
    late_ms = (time.perf_counter() - start - 0.01) * 1000
    if late_ms < 50:
        return mn.HealthReport(service="event-loop", status="healthy", latency_ms=late_ms)
    return mn.HealthReport(service="event-loop", status="degraded", latency_ms=late_ms)


def table(snapshot: dict[str, mn.ServiceHealth]) -> str:
    def ms(value: float | None) -> str:
        return f"{value:.1f}" if value is not None else "-"

    lines = [
        f"{'service':<12} {'status':<10} {'last ms':>8} {'p50':>7} {'p95':>7} "
        f"{'uptime':>7} {'fails':>5}  breaker"
    ]
    for name, h in snapshot.items():
        uptime = f"{h.uptime_ratio:.0%}" if h.uptime_ratio is not None else "-"
        lines.append(
            f"{name:<12} {h.status:<10} {ms(h.last_latency_ms):>8} {ms(h.latency_p50_ms):>7} "
            f"{ms(h.latency_p95_ms):>7} {uptime:>7} {h.consecutive_failures:>5}  "
            f"{h.breaker_state or '-'}"
        )
    return "\n".join(lines)


async def main(interval: float, rounds: int | None) -> None:
    async with mn.Services.from_env() as services:  # PLEX_*, OVERSEERR_*, UPTIME_KUMA_*
        checks: dict[str, Any] = {name: getattr(services, name) for name in services.names()}
        monitor = mn.HealthMonitor({**checks, "event-loop": event_loop}, interval=interval)
        done = 0
        while rounds is None or done < rounds:
            snapshot = await monitor.check_all()
            done += 1
            clear = "\x1b[2J\x1b[H" if sys.stdout.isatty() else ""
            print(
                f"{clear}round {done} at {time.strftime('%H:%M:%S')}\n{table(snapshot)}\n",
                flush=True,
            )
            if rounds is None or done < rounds:
                await anyio.sleep(interval)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    try:
        anyio.run(main, args.interval, args.rounds)
    except KeyboardInterrupt:
        pass
    except (mn.MediaNestError, ValueError) as exc:
        sys.exit(f"error: {exc}")
