"""``python -m benchmarks [--quick]``: run every case and write benchmarks/results/latest.json."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from . import (
    cache_invalidate,
    download_workers,
    http_cases,
    loop_lag,
    qbittorrent_watch,
    resilience,
)
from .harness import write_json


def loaded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record the machine's load (1-minute average) with the rows of the cases just run."""
    load = os.getloadavg()[0]
    for row in rows:
        row.setdefault("load_1m", load)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "latest.json"
    )
    args = parser.parse_args()
    iterations, rounds = (200, 3) if args.quick else (2000, 7)
    rows = loaded(resilience.main(iterations, rounds))
    rows += loaded(http_cases.main(rounds))
    rows += loaded(loop_lag.main(1 if args.quick else 3))
    rows += loaded(qbittorrent_watch.main(5.0 if args.quick else 60.0))
    rows += loaded(download_workers.main(10 if args.quick else 50))
    rows += loaded(cache_invalidate.main(100_000 if args.quick else 1_000_000))
    write_json(rows, args.out)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
