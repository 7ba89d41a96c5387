"""Downloads through the queue and 1, 2 and 4 worker processes (arq on a real Redis).

Throughput: N small files (the 20 KB sample over loopback, with Range) enqueued at once, from
the first enqueue to the last ``done`` event. Latency: one job on idle workers, from
``enqueue()`` to its first progress event. The machine has two cores: each download starts a
Python child with yt-dlp imported (about 0.6 s of CPU), so scaling stops at the cores.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from .http_cases import redis_server

Rows = list[dict[str, Any]]


def _start(redis_url: str, output: Path, count: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "medianest_sdk.ytdlp", "--redis", redis_url),
                *("--output", str(output), "--max-concurrent", str(count)),
                *("--jobs-per-worker", "1", "--job-timeout", "120"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()


async def _case(redis_url: str, media_url: str, count: int, jobs: int) -> dict[str, Any]:
    from medianest_sdk.ytdlp.workers import DownloadQueue

    with tempfile.TemporaryDirectory() as tmp:
        workers = _start(redis_url, Path(tmp), count)
        try:
            async with DownloadQueue(redis_url, quota=None) as queue:
                latencies: list[float] = []
                for n in range(3):  # warm-up and latency: one job at a time, idle workers
                    began = time.perf_counter()
                    job_id = await queue.enqueue(f"{media_url}/media/lat-{count}-{n}.mp4")
                    async for event in queue.events(job_id, poll=0.05):
                        if event.kind == "progress" and not latencies[n:]:
                            latencies.append(time.perf_counter() - began)
                began = time.perf_counter()
                ids = [
                    await queue.enqueue(f"{media_url}/media/tp-{count}-{n}.mp4")
                    for n in range(jobs)
                ]
                for job_id in ids:
                    ends = [e async for e in queue.events(job_id, poll=0.05)]
                    assert ends[-1].kind == "done", ends[-1]
                took = time.perf_counter() - began
        finally:
            _stop(workers)
    return {
        "case": "download_workers",
        "side": f"{count} worker process(es)",
        "baseline": "1 worker process",
        "jobs": jobs,
        "seconds": took,
        "per_second": jobs / took,
        "first_progress_s": statistics.median(latencies),
    }


def main(jobs: int = 50) -> Rows:
    print(f"\n# 12. {jobs} small downloads through the queue: 1, 2, 4 worker processes")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.media_server import MediaServer

    rows: Rows = []
    with redis_server() as redis_url:
        if redis_url is None or os.environ.get("MEDIANEST_BENCH_NO_WORKERS"):
            print("  no redis-server: skipped")
            return rows
        with MediaServer() as media:
            for count in (1, 2, 4):
                row = anyio.run(_case, redis_url, media.url, count, jobs)
                rows.append(row)
    base = rows[0]["per_second"]
    for row in rows:
        row["ratio"] = row["per_second"] / base
        row["median_us"] = row["seconds"] * 1e6
        print(
            f"  {row['side']:<22} {row['seconds']:6.1f} s  {row['per_second']:5.2f} jobs/s  "
            f"scaling {row['ratio']:.2f}x  enqueue -> first progress "
            f"{row['first_progress_s'] * 1000:.0f} ms"
        )
    return rows


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
