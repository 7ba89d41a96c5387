"""Keep a local copy of Overseerr/Seerr request statuses in sync, seeing every change.

Each round calls ``sync_requests(cursor)``: on Seerr, whose ``updatedAt`` does not move on
approve or decline, it reads every request and compares what it saw; on Overseerr it reads
only what changed since the last round (with an overlap for whole-second timestamps). The
cursor is saved to a JSON file after every round, so a restarted process goes on where it
stopped; the first round ever reports every request as new.

Run: ``OVERSEERR_URL=http://127.0.0.1:5055 OVERSEERR_API_KEY=... python
examples/overseerr_request_sync.py [--rounds N] [--interval SECONDS] [--state FILE]``.
Exits 1 with a one-line reason when the server cannot be read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import anyio

import medianest_sdk as mn
from medianest_sdk.overseerr import RequestCursor


async def sync(url: str, api_key: str, rounds: int, interval: float, path: Path) -> None:
    pipeline = mn.ResiliencePipeline(
        timeout=30.0, retry=mn.RetryPolicy(attempts=3), breaker=mn.CircuitBreaker("overseerr")
    )
    state = anyio.Path(path)
    cursor = RequestCursor.from_json(await state.read_text()) if await state.exists() else None
    async with mn.OverseerrAdapter(url, api_key, pipeline=pipeline) as seerr:
        counts = await seerr.request_counts()
        print(f"{counts.total} requests, {counts.pending} pending ({await seerr.flavour()})")
        for n in range(rounds):
            result = await seerr.sync_requests(cursor)
            for change in result.changes:
                request = change.request
                if request is None:
                    print(f"  request {change.request_id}: removed")
                    continue
                tmdb = request.media.tmdb_id if request.media else "?"
                print(f"  request {request.id} (tmdb {tmdb}): {change.kind}, {request.status.name}")
            cursor = result.cursor
            partial = state.with_suffix(".partial")  # write, then rename: never half a file
            await partial.write_text(cursor.to_json())
            await partial.replace(state)
            print(f"round {n + 1}: {len(result.changes)} changed, {len(cursor.seen)} known")
            if n + 1 < rounds:
                await anyio.sleep(interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument(
        "--state",
        type=Path,
        default=Path(tempfile.gettempdir()) / "overseerr-request-sync.json",
        help="where the sync cursor is kept between runs",
    )
    args = parser.parse_args()
    url, key = os.environ.get("OVERSEERR_URL"), os.environ.get("OVERSEERR_API_KEY")
    if not url or not key:
        sys.exit("set OVERSEERR_URL and OVERSEERR_API_KEY")
    try:
        anyio.run(sync, url, key, args.rounds, args.interval, args.state)
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
