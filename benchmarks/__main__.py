"""``python -m benchmarks [--quick]``: run every case and write benchmarks/results/latest.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import (
    cache_invalidate,
    download_workers,
    http_cases,
    loop_lag,
    qbittorrent_watch,
    resilience,
)
from .harness import write_json


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "latest.json"
    )
    args = parser.parse_args()
    iterations, rounds = (200, 3) if args.quick else (2000, 7)
    rows = resilience.main(iterations, rounds)
    rows += http_cases.main(rounds)
    rows += loop_lag.main(1 if args.quick else 3)
    rows += qbittorrent_watch.main(5.0 if args.quick else 60.0)
    rows += download_workers.main(10 if args.quick else 50)
    rows += cache_invalidate.main(100_000 if args.quick else 1_000_000)
    write_json(rows, args.out)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
