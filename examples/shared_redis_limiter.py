"""One rate limit shared by several processes through Redis.

Starts ``--workers`` processes (this script again, with ``--worker``); each tries to take 10
slots of a ``RateLimiter("10/minute", storage=REDIS_URL)`` under the same key. However many
processes try, exactly 10 are granted in the minute: the moving window lives in Redis.

Run: ``REDIS_URL=redis://127.0.0.1:6379/0 python examples/shared_redis_limiter.py [--workers 3]``.
Needs ``medianest-sdk[redis]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid

import anyio

import medianest_sdk as mn


async def worker(url: str, key: str, attempts: int) -> int:
    limiter = mn.RateLimiter("10/minute", storage=url, namespace="shared-example")
    granted = 0
    for _ in range(attempts):
        granted += await limiter.try_acquire(key)
    return granted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker", metavar="KEY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL")
    if not url:
        sys.exit("set REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    if args.worker:
        print(anyio.run(worker, url, args.worker, 10))
        return
    key = f"demo-{uuid.uuid4().hex[:8]}"
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", key], stdout=subprocess.PIPE, text=True
        )
        for _ in range(args.workers)
    ]
    counts = [int(p.communicate(timeout=60)[0].strip() or 0) for p in procs]
    if any(p.returncode for p in procs):
        sys.exit("error: a worker failed")
    print(f"{args.workers} processes x 10 attempts, granted per process: {counts}")
    print(f"granted in total: {sum(counts)} (the limit is 10 per minute)")


if __name__ == "__main__":
    main()
