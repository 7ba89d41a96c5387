"""Health checks of mixed kinds, typed so that ``mypy --strict`` accepts them.

An adapter (anything with ``async health()``) and a plain coroutine function sit in one dict
annotated ``dict[str, Check]``; ``HealthMonitor`` runs one round and prints the snapshot. Runs
offline: Plex is the in-memory fake of ``medianest_sdk.testing``.

Run: ``python examples/health_checks.py``.
"""

from __future__ import annotations

import anyio

import medianest_sdk as mn
from medianest_sdk.health import Check
from medianest_sdk.testing import FakePlex


async def database_ok() -> bool:
    """Your own check: ``True`` healthy, ``False`` unhealthy, or a ``HealthReport``."""
    return True


async def main() -> None:
    fake = FakePlex(movies=1)
    async with mn.PlexAdapter(fake.base_url, fake.token, http_client=fake.http_client()) as plex:
        checks: dict[str, Check] = {"plex": plex, "database": database_ok}
        snapshot = await mn.HealthMonitor(checks).check_all()
    for name, health in snapshot.items():
        print(f"{name}: {health.status}")


if __name__ == "__main__":
    anyio.run(main)
