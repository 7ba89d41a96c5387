"""benchmarks.report: the generated part of docs/performance.md says, for every row with a
target, whether the run met it (the page's verdicts come from here, not from a hand)."""

from __future__ import annotations

from typing import Any

from benchmarks import report


def row(case: str, side: str, baseline: str, ratio: float) -> dict[str, Any]:
    return {"case": case, "side": side, "baseline": baseline, "ratio": ratio, "median_us": 10.0}


def data(*rows: dict[str, Any]) -> dict[str, Any]:
    meta = {"when": "2026-11-22T06:00:00Z", "platform": "Linux", "machine": "x86_64"}
    return {"results": list(rows), "meta": {**meta, "python": "3.11.7"}}


def verdicts(table: str) -> dict[str, str]:
    out = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 6:
            out[cells[1]] = cells[5]
    return out


def test_verdicts_follow_each_target() -> None:
    side = "pipeline: cache miss, retry, breaker, limiter, bulkhead"
    text = report.table(
        data(
            row("http", side, "raw", 1.04),
            row("http", "pipeline (trio, 1 at a time)", "raw", 1.37),
            row("breaker", "purgatory (async)", "ours", 1.37),  # a peer slower than ours
            row("breaker", "pybreaker (sync call, sync no-op)", "ours", 0.9),
            row("plex", "PlexAdapter", "python-plexapi", 0.4),
            row("plex", "PlexAdapter", "raw", 1.4),
            row("primitives", "bare await", "bare await", 1.0),
        )
    )
    got = verdicts(text)
    assert got[f"{side} (vs raw)"] == "yes"
    assert got["pipeline (trio, 1 at a time) (vs raw)"] == "**no**"
    assert got["purgatory (async) (vs ours)"] == "yes"
    assert got["pybreaker (sync call, sync no-op) (vs ours)"] == "**no**"
    assert got["PlexAdapter (vs python-plexapi)"] == "yes"  # <= 0.5 of python-plexapi
    assert got["PlexAdapter (vs raw)"] == "**no**"  # <= 1.15 of the raw floor
    assert got["bare await (vs bare await)"] == ""  # no target, no verdict
    assert "Run 2026-11-22T06:00:00Z" in text


def test_millisecond_targets() -> None:
    lag = {**row("loop_lag", "2 yt-dlp downloads", "target 50 ms", 0.1), "median_us": 3800.0}
    held = {
        **row("cache_invalidate", "invalidate: 20,000", "idle loop", 3.0),
        "median_us": 39_000.0,
        "worst_gap_ms": 12.5,
        "idle_gap_ms": 2.2,
    }
    got = verdicts(report.table(data(lag, held)))
    assert got["2 yt-dlp downloads (vs target 50 ms)"] == "yes"
    assert got["invalidate: 20,000 (vs idle loop)"] == "**no**"  # held the loop 12.5 ms > 10


def test_the_load_is_reported() -> None:
    results = data(
        {**row("http", "a", "b", 1.0), "load_1m": 0.5},
        {**row("http", "c", "b", 1.0), "load_1m": 1.75},
    )
    results["meta"]["cpus"] = 2
    assert "load average (1 min) after each group of cases 0.50-1.75 on 2 cores" in (
        report.table(results)
    )
