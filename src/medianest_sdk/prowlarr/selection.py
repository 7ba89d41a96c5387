"""Choosing a release: a documented, deterministic ranking with a reason for every decision.

Each release's quality is read from its title by `parse-torrent-title
<https://pypi.org/project/parse-torrent-title/>`_ (the ``releases`` extra:
``pip install "medianest-sdk[releases]"``). Then, with a :class:`ReleasePolicy`:

**Rejected** (each with the reason): a protocol not in ``protocols``; fewer seeders than
``min_seeders`` (torrents); a resolution not in ``resolutions``; a source in
``rejected_sources`` (cam, telesync, telecine, screener); a word of ``rejected_words`` in the
title (whole words, any case); a size outside ``size_limits`` for its resolution; a year more
than one off ``year`` when one is asked for.

**Ranked**, best first, by the first difference in this order:

1. resolution, in the order of ``resolutions`` (``("1080p", "2160p", "720p")``: 1080p first);
2. source, in the order of ``sources`` (unlisted sources after the listed ones);
3. codec, in the order of ``codecs`` (unlisted after);
4. freeleech before not, when ``prefer_freeleech``;
5. more seeders;
6. larger size (within the limits: more bits for the same quality);
7. then title, guid and indexer id, so equal releases still have one order whatever order
   they came in.

The order is total: :func:`select_release` gives the same choice for any permutation of the
same releases, and never chooses a rejected one.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .models import Release

__all__ = [
    "DEFAULT_SIZE_LIMITS",
    "ReleasePolicy",
    "ReleaseQuality",
    "Selection",
    "Verdict",
    "parse_quality",
    "select_release",
]

GB = 1_000_000_000
DEFAULT_SIZE_LIMITS: Mapping[str, tuple[int, int]] = {
    "2160p": (4 * GB, 100 * GB),
    "1080p": (1 * GB, 40 * GB),
    "720p": (300_000_000, 15 * GB),
    "576p": (200_000_000, 8 * GB),
    "480p": (100_000_000, 5 * GB),
}
"""Bytes ``(smallest, largest)`` of a film per resolution (a 1080p film under 1 GB is usually
a re-encode gone wrong, over 40 GB a mislabelled remux of another resolution)."""

_RESOLUTION = {"4k": "2160p", "uhd": "2160p", "2160p": "2160p", "1080i": "1080p"}


@attrs.frozen(kw_only=True)
class ReleaseQuality:
    """What a release's title says about it.

    Attributes:
        resolution: ``"2160p"``, ``"1080p"``, ``"720p"``, ``"480p"``... or ``None``.
        source: ``"Blu-ray"``, ``"WEB-DL"``, ``"WEBRip"``, ``"HDTV"``, ``"Cam"``,
            ``"Telesync"``... (parse-torrent-title's names) or ``None``.
        codec: ``"H.265"``, ``"H.264"``... or ``None``.
        remux, hdr: Flags from the title.
        title, year: The work's title and year as the release names them.
    """

    resolution: str | None = None
    source: str | None = None
    codec: str | None = None
    remux: bool = False
    hdr: bool = False
    title: str | None = None
    year: int | None = None


def _ptn() -> Any:
    try:
        return importlib.import_module("PTN")
    except ImportError:
        raise ImportError(
            'release selection reads titles with parse-torrent-title: pip install "medianest-sdk'
            '[releases]"'
        ) from None


def parse_quality(title: str) -> ReleaseQuality:
    """Read resolution, source, codec, flags, title and year from a release title.

    Raises:
        ImportError: the ``releases`` extra (parse-torrent-title) is not installed.
    """
    parsed = _ptn().parse(title[:500]) or {}
    resolution = parsed.get("resolution")
    if isinstance(resolution, str):
        resolution = _RESOLUTION.get(resolution.lower(), resolution.lower())
    year = parsed.get("year")
    return ReleaseQuality(
        resolution=resolution if isinstance(resolution, str) else None,
        source=parsed.get("quality") if isinstance(parsed.get("quality"), str) else None,
        codec=parsed.get("codec") if isinstance(parsed.get("codec"), str) else None,
        remux=bool(parsed.get("remux")),
        hdr=bool(parsed.get("hdr")),
        title=parsed.get("title") if isinstance(parsed.get("title"), str) else None,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
    )


@attrs.frozen(kw_only=True)
class ReleasePolicy:
    """What to take and what to prefer (see the module docs for the exact order).

    Attributes:
        resolutions: Wanted resolutions, best first; others are rejected.
        sources: Preferred sources, best first; others rank after them.
        codecs: Preferred codecs, best first; others rank after them.
        protocols: Accepted protocols (``"torrent"``, ``"usenet"``).
        min_seeders: Fewest seeders a torrent may have (unknown counts as 0).
        size_limits: Bytes ``(smallest, largest)`` per resolution; a resolution not in it has
            no limit.
        rejected_sources: Sources never taken.
        rejected_words: Whole words (any case) that reject a title.
        prefer_freeleech: Rank freeleech releases first among equal qualities.
        year: The work's year: a release more than one year off is rejected (``None``: any).
    """

    resolutions: tuple[str, ...] = ("1080p", "2160p", "720p")
    sources: tuple[str, ...] = ("Blu-ray", "WEB-DL", "WEBRip", "HDTV")
    codecs: tuple[str, ...] = ("H.265", "H.264")
    protocols: tuple[str, ...] = ("torrent",)
    min_seeders: int = 1
    size_limits: Mapping[str, tuple[int, int]] = attrs.field(
        factory=lambda: dict(DEFAULT_SIZE_LIMITS)
    )
    rejected_sources: tuple[str, ...] = ("Cam", "Telesync", "Telecine", "Screener")
    rejected_words: tuple[str, ...] = ("cam", "hdcam", "camrip", "ts", "hdts", "telesync", "sample")
    prefer_freeleech: bool = True
    year: int | None = None


@attrs.frozen
class Verdict:
    """One release judged.

    Attributes:
        release: The release.
        quality: What its title says.
        accepted: Whether it may be chosen.
        reasons: Why it was rejected, or what ranked it (one phrase each).
        key: Its ranking key (smaller is better); ``()`` when rejected.
    """

    release: Release
    quality: ReleaseQuality
    accepted: bool
    reasons: tuple[str, ...]
    key: tuple[Any, ...] = ()


@attrs.frozen
class Selection:
    """The outcome of :func:`select_release`.

    Attributes:
        chosen: The best accepted release, or ``None`` when every one was rejected.
        ranked: The accepted releases, best first.
        rejected: The rejected ones, in the order they came, each with its reasons.
    """

    chosen: Release | None
    ranked: tuple[Verdict, ...]
    rejected: tuple[Verdict, ...]

    def explain(self) -> str:
        """A few lines a person can read: the choice, the runners-up, why others went."""
        lines = []
        for n, verdict in enumerate(self.ranked):
            mark = "chosen" if n == 0 else f"#{n + 1}"
            lines.append(f"{mark}: {verdict.release.title} ({'; '.join(verdict.reasons)})")
        lines += [f"rejected: {v.release.title} ({'; '.join(v.reasons)})" for v in self.rejected]
        return "\n".join(lines) if lines else "no releases"


def _words(title: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", title.lower()) if w}


def _rank(value: str | None, preferred: tuple[str, ...]) -> int:
    lowered = [p.lower() for p in preferred]
    return lowered.index(value.lower()) if value and value.lower() in lowered else len(preferred)


def _judge(release: Release, policy: ReleasePolicy) -> Verdict:
    quality = parse_quality(release.title)
    reasons: list[str] = []
    protocol = str(release.protocol)  # a DownloadProtocol is a str enum: its value
    if protocol not in policy.protocols:
        reasons.append(f"protocol {protocol or 'unknown'} not accepted")
    seeders = release.seeders or 0
    if protocol == "torrent" and seeders < policy.min_seeders:
        reasons.append(f"{seeders} seeders, fewer than {policy.min_seeders}")
    resolution = quality.resolution
    wanted = [r.lower() for r in policy.resolutions]
    if resolution is None or resolution.lower() not in wanted:
        reasons.append(f"resolution {resolution or 'unknown'} not wanted")
    if quality.source and quality.source.lower() in {s.lower() for s in policy.rejected_sources}:
        reasons.append(f"source {quality.source} rejected")
    bad = sorted(_words(release.title) & {w.lower() for w in policy.rejected_words})
    if bad:
        reasons.append(f"rejected word {bad[0]!r} in the title")
    limits = policy.size_limits.get(resolution or "")
    if limits is not None and not limits[0] <= release.size <= limits[1]:
        reasons.append(
            f"size {release.size / GB:.2f} GB outside {limits[0] / GB:g}-{limits[1] / GB:g} GB "
            f"for {resolution}"
        )
    if policy.year is not None and quality.year is not None and abs(quality.year - policy.year) > 1:
        reasons.append(f"year {quality.year}, not {policy.year}")
    if reasons:
        return Verdict(release, quality, False, tuple(reasons))
    free = release.freeleech and policy.prefer_freeleech
    key = (
        _rank(resolution, policy.resolutions),
        _rank(quality.source, policy.sources),
        _rank(quality.codec, policy.codecs),
        0 if free else 1,
        -seeders,
        -release.size,
        release.title,
        release.guid,
        release.indexer_id,
    )
    why = [
        f"{resolution}",
        quality.source or "unknown source",
        quality.codec or "unknown codec",
        f"{seeders} seeders" if protocol == "torrent" else "usenet",
        f"{release.size / GB:.2f} GB",
    ]
    if free:
        why.append("freeleech")
    return Verdict(release, quality, True, tuple(why), key)


def select_release(releases: Iterable[Release], policy: ReleasePolicy | None = None) -> Selection:
    """Judge every release under ``policy`` (default :class:`ReleasePolicy`) and choose the
    best (see the module docs for the rules and the order).

    Raises:
        ImportError: the ``releases`` extra is not installed.
    """
    rules = ReleasePolicy() if policy is None else policy
    verdicts = [_judge(release, rules) for release in releases]
    ranked = sorted((v for v in verdicts if v.accepted), key=lambda v: v.key)
    rejected = tuple(v for v in verdicts if not v.accepted)
    return Selection(ranked[0].release if ranked else None, tuple(ranked), rejected)
