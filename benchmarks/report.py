"""Render ``benchmarks/results/latest.json`` as the Markdown table of ``docs/performance.md``.

``python -m benchmarks.report > docs/performance-table.md``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "latest.json"

TARGETS = {
    "CircuitBreaker.call": "",
    "pipeline: cache miss, retry, breaker, limiter, bulkhead": "<= 1.10",
    "PlexAdapter.library_sections() cache hit": "<= 0.05 (20x faster)",
    "PlexAdapter": "<= 0.5",
    "medianest CircuitBreaker.call": "<= 1.0 of the faster peer",
    "medianest RateLimiter.try_acquire": "<= 1.5",
    "WebhookVerifier.verify": "<= 1.2",
    "ServiceClient": "throughput >= 0.9",
    "import medianest_sdk": "<= 1.5",
    "2 yt-dlp downloads": "< 50 ms worst delay",
}


def table(data: dict[str, Any]) -> str:
    lines = [
        "| case | side | median | ratio to baseline | target |",
        "|---|---|---:|---:|---|",
    ]
    for row in data["results"]:
        if "bytes_ratio" in row:  # qBittorrent watching: bytes and CPU, not time per call
            lines.append(
                f"| {row['case']} | {row['side']} (vs {row['baseline']}) | "
                f"{row['requests']:.0f} requests, {row['bytes_down'] / 1e6:.2f} MB, "
                f"{row['cpu_s'] * 1000:.0f} ms CPU | bytes {row['bytes_ratio']:.3f}, "
                f"CPU {row['cpu_ratio']:.3f} | "
                f"{'<= 0.2 of the bytes' if row['side'].startswith('QBittorrent') else ''} |"
            )
            continue
        if row["case"] == "loop_lag":
            median = f"{row['median_us'] / 1000:.1f} ms worst delay"
            ratio = "-"
        else:
            median = (
                f"{row['median_us']:.1f} us"
                if row["median_us"] < 10_000
                else (f"{row['median_us'] / 1000:.1f} ms")
            )
            ratio = f"{row['ratio']:.2f}"
        extra = f"; peak {row['peak_mb']:.1f} MB" if "peak_mb" in row else ""
        lines.append(
            f"| {row['case']} | {row['side']} (vs {row['baseline']}) | {median}{extra} | "
            f"{ratio} | {TARGETS.get(row['side'], '')} |"
        )
    meta = data["meta"]
    lines.append("")
    lines.append(
        f"Run {meta['when']} on {meta['platform']} ({meta['machine']}), Python {meta['python']}."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    print(table(json.loads(path.read_text())))
