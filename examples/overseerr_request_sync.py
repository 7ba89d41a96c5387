"""Keep a local copy of Overseerr/Seerr request statuses in sync, reading only what changed.

Each round asks ``changed_requests(since)`` (``GET /request?sort=modified``, newest first, stopping
at the first request not modified since the last round), updates a local table, and prints
the changes. The first round reads everything.

Run: ``OVERSEERR_URL=http://127.0.0.1:5055 OVERSEERR_API_KEY=... python
examples/overseerr_request_sync.py [--rounds N] [--interval SECONDS]``.
Exits 1 with a one-line reason when the server cannot be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

import anyio

import medianest_sdk as mn
from medianest_sdk.overseerr import RequestStatus


async def sync(url: str, api_key: str, rounds: int, interval: float) -> dict[int, RequestStatus]:
    pipeline = mn.ResiliencePipeline(
        timeout=30.0, retry=mn.RetryPolicy(attempts=3), breaker=mn.CircuitBreaker("overseerr")
    )
    table: dict[int, RequestStatus] = {}
    since = datetime(1970, 1, 1, tzinfo=UTC)
    async with mn.OverseerrAdapter(url, api_key, pipeline=pipeline) as seerr:
        counts = await seerr.request_counts()
        print(f"{counts.total} requests, {counts.pending} pending")
        for n in range(rounds):
            started = datetime.now(UTC)
            changed = 0
            async for request in seerr.changed_requests(since):
                before = table.get(request.id)
                table[request.id] = request.status
                if before is not request.status:
                    changed += 1
                    title = request.media.tmdb_id if request.media else "?"
                    who = request.requested_by.display_name if request.requested_by else "?"
                    print(f"  request {request.id} (tmdb {title}, by {who}): {request.status.name}")
            print(f"round {n + 1}: {changed} changed, {len(table)} known")
            since = started
            if n + 1 < rounds:
                await anyio.sleep(interval)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--interval", type=float, default=60.0)
    args = parser.parse_args()
    url, key = os.environ.get("OVERSEERR_URL"), os.environ.get("OVERSEERR_API_KEY")
    if not url or not key:
        sys.exit("set OVERSEERR_URL and OVERSEERR_API_KEY")
    try:
        anyio.run(sync, url, key, args.rounds, args.interval)
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
