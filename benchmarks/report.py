"""Render benchmark results (``benchmarks/results/latest.json``).

``python -m benchmarks.report [RESULTS]`` prints the Markdown table.
``python -m benchmarks.report [RESULTS] --docs`` rewrites the generated part of
``docs/performance.md`` (between its ``results`` markers) and draws
``docs/_static/performance-ratios.svg``: every ratio that has a target, against it (needs
matplotlib: ``pip install matplotlib``).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "latest.json"
DOCS = Path(__file__).parents[1] / "docs"
PAGE = DOCS / "performance.md"
CHART = DOCS / "_static" / "performance-ratios.svg"
START, END = "<!-- results:start -->", "<!-- results:end -->"

# side -> (comparison, number, unit). "ratio": of the row's baseline; "ms": the row's own value.
TARGETS: dict[str, tuple[str, float, str]] = {
    "pipeline: cache miss, retry, breaker, limiter, bulkhead": ("<=", 1.05, "ratio"),
    "pipeline (asyncio, 1 at a time)": ("<=", 1.05, "ratio"),
    "pipeline (trio, 1 at a time)": ("<=", 1.05, "ratio"),
    "pipeline (asyncio, 100 at a time)": ("<=", 1.05, "ratio"),
    "pipeline (trio, 100 at a time)": ("<=", 1.05, "ratio"),
    "PlexAdapter.library_sections() cache hit": ("<=", 0.05, "ratio"),
    "PlexAdapter.section_items(size=100) cache hit": ("<=", 0.05, "ratio"),
    "PlexAdapter": ("<=", 0.5, "ratio"),
    # the breaker case's baseline is ours: a peer's ratio >= 1 means ours is at least as fast
    "purgatory (async)": (">=", 1.0, "ratio"),
    "pybreaker (sync call, sync no-op)": (">=", 1.0, "ratio"),
    "medianest RateLimiter.try_acquire": ("<=", 1.5, "ratio"),
    "WebhookVerifier.verify": ("<=", 1.2, "ratio"),
    "verify, no replay cache": ("<=", 1.5, "ratio"),
    "verify with replay protection (MemoryCache)": ("<=", 1.5, "ratio"),
    "ServiceClient": ("<=", 1.11, "ratio"),
    "RedisCache.set + get (worker thread)": ("<=", 1.2, "ratio"),
    "RateLimiter.try_acquire on Redis (worker thread)": ("<=", 1.2, "ratio"),
    "import medianest_sdk": ("<=", 1.5, "ratio"),
    "usable import: ServiceClient, ResiliencePipeline, RateLimiter, CircuitBreaker": (
        "<=",
        1.5,
        "ratio",
    ),
    "2 yt-dlp downloads": ("<", 50.0, "ms"),
    "YtDlpRunner warm child": ("<=", 2.0, "ratio"),
}
CACHE_HELD_MS = 10.0  # MemoryCache.invalidate: the loop held at most this long


def _target(row: dict[str, Any]) -> tuple[str, float, str] | None:
    if row["case"] == "cache_invalidate":
        return ("<=", CACHE_HELD_MS, "ms")
    if row["side"] == "PlexAdapter":  # against python-plexapi, and against the raw floor
        return (
            ("<=", 0.5, "ratio") if row["baseline"] == "python-plexapi" else ("<=", 1.15, "ratio")
        )
    return TARGETS.get(row["side"])


def _value(row: dict[str, Any], unit: str) -> float:
    if unit == "ratio":
        return float(row["ratio"])
    if row["case"] == "cache_invalidate":
        return float(row["worst_gap_ms"])
    return float(row["median_us"]) / 1000.0


def _met(op: str, value: float, goal: float) -> bool:
    return {"<=": value <= goal, "<": value < goal, ">=": value >= goal}[op]


def _median(row: dict[str, Any]) -> str:
    if row["case"] == "loop_lag":
        idle = row.get("idle_worst_ms")
        shown = f"{row['median_us'] / 1000:.1f} ms worst delay"
        return shown if idle is None else f"{shown} (idle loop {idle:.1f} ms)"
    if row["case"] == "cache_invalidate":
        return (
            f"{row['median_us'] / 1000:.2f} ms; loop held {row['worst_gap_ms']:.1f} ms "
            f"(idle {row['idle_gap_ms']:.1f} ms)"
        )
    us = row["median_us"]
    return f"{us:.1f} us" if us < 10_000 else f"{us / 1000:.1f} ms"


def table(data: dict[str, Any]) -> str:
    """The Markdown table of every row, with its target and whether it was met."""
    lines = [
        "| case | side | median | ratio to baseline | target | met |",
        "|---|---|---:|---:|---|---|",
    ]
    for row in data["results"]:
        if "bytes_ratio" in row:  # qBittorrent watching: bytes and CPU, not time per call
            ours = row["side"].startswith("QBittorrent")
            met = ("yes" if row["bytes_ratio"] <= 0.2 else "**no**") if ours else ""
            lines.append(
                f"| {row['case']} | {row['side']} (vs {row['baseline']}) | "
                f"{row['requests']:.0f} requests, {row['bytes_down'] / 1e6:.2f} MB, "
                f"{row['cpu_s'] * 1000:.0f} ms CPU | bytes {row['bytes_ratio']:.3f}, "
                f"CPU {row['cpu_ratio']:.3f} | {'<= 0.2 of the bytes' if ours else ''} | {met} |"
            )
            continue
        target = _target(row)
        goal, met = "", ""
        if target is not None:
            op, number, unit = target
            goal = f"{op} {number:g}" + (" ms" if unit == "ms" else "")
            met = "yes" if _met(op, _value(row, unit), number) else "**no**"
        ratio = "-" if row["case"] in ("loop_lag", "cache_invalidate") else f"{row['ratio']:.2f}"
        extra = f"; peak {row['peak_mb']:.1f} MB" if "peak_mb" in row else ""
        lines.append(
            f"| {row['case']} | {row['side']} (vs {row['baseline']}) | {_median(row)}{extra} | "
            f"{ratio} | {goal} | {met} |"
        )
    meta = data["meta"]
    lines.append("")
    run = f"Run {meta['when']} on {meta['platform']} ({meta['machine']}), Python {meta['python']}"
    loads = [row["load_1m"] for row in data["results"] if "load_1m" in row]
    if loads:
        cpus = meta.get("cpus")
        run += (
            f"; load average (1 min) after each group of cases {min(loads):.2f}-{max(loads):.2f}"
            + (f" on {cpus} cores" if cpus else "")
        )
    lines.append(run + ".")
    return "\n".join(lines)


def chart(data: dict[str, Any], out: Path) -> None:
    """Every row with a target as a bar of (value / target): under 1 is met."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: a small, diffable file
    import matplotlib.pyplot as plt

    labels, values, colours = [], [], []
    for row in data["results"]:
        target = _target(row)
        if target is None or "bytes_ratio" in row:
            continue
        op, number, unit = target
        value = _value(row, unit)
        # normalise so that the target is 1.0 and "better" is always left of it
        share = number / value if op == ">=" and value else value / number
        label = f"{row['case']}: {row['side'].strip()} (vs {row['baseline']})"
        labels.append(label if len(label) <= 90 else label[:89] + "…")
        values.append(share)
        colours.append("#2e7d32" if _met(op, value, number) else "#c62828")
    height = 0.34 * len(labels) + 1.2
    fig, ax = plt.subplots(figsize=(11, height))
    ax.barh(range(len(labels)), values, color=colours)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("measured / target (log scale; left of the line: target met)")
    ax.set_title(f"medianest-sdk benchmarks, {data['meta']['when'][:10]}", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)


def write_docs(data: dict[str, Any]) -> None:
    """Replace the generated part of docs/performance.md and redraw the chart."""
    chart(data, CHART)
    generated = "\n".join(
        [
            START,
            "",
            "![Every ratio against its target](_static/performance-ratios.svg)",
            "",
            table(data),
            "",
            END,
        ]
    )
    text = PAGE.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{PAGE} has no {START} ... {END} block")
    PAGE.write_text(pattern.sub(lambda _: generated, text))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report")
    parser.add_argument("results", nargs="?", type=Path, default=RESULTS)
    parser.add_argument("--docs", action="store_true", help="rewrite docs/performance.md")
    args = parser.parse_args()
    data = json.loads(args.results.read_text())
    if args.docs:
        write_docs(data)
        print(f"wrote {PAGE} and {CHART}")
    else:
        print(table(data))


if __name__ == "__main__":
    main()
