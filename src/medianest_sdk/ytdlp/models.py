"""Typed records of yt-dlp's info dicts and progress-hook events."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import attrs

__all__ = ["DownloadProgress", "DownloadResult", "MediaFormat", "MediaInfo"]


@attrs.frozen(kw_only=True)
class MediaFormat:
    """One format yt-dlp found (``formats`` of the info dict; URLs left out: they carry tokens).

    ``filesize`` in bytes, ``tbr`` (total bitrate) in kbit/s.
    """

    format_id: str
    ext: str | None = None
    width: int | None = None
    height: int | None = None
    filesize: int | None = None
    tbr: float | None = None
    vcodec: str | None = None
    acodec: str | None = None
    note: str | None = None


@attrs.frozen(kw_only=True)
class MediaInfo:
    """What yt-dlp knows about a URL (its info dict, sanitized with ``sanitize_info``).

    Attributes:
        id: The extractor's id for the media.
        title, uploader: As the site shows them.
        duration: Seconds, or ``None``.
        webpage_url: The canonical page URL.
        extractor: The extractor's name (``"generic"``, ``"youtube"``...).
        formats: The available formats.
        thumbnails: Thumbnail URLs.
    """

    id: str
    title: str
    uploader: str | None = None
    duration: float | None = None
    webpage_url: str | None = None
    extractor: str | None = None
    ext: str | None = None
    formats: list[MediaFormat] = attrs.field(factory=list)
    thumbnails: list[str] = attrs.field(factory=list)

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> MediaInfo:
        """Build from a (trimmed, sanitized) info dict."""
        duration = info.get("duration")
        return cls(
            id=str(info.get("id") or ""),
            title=str(info.get("title") or ""),
            uploader=info.get("uploader"),
            duration=float(duration) if isinstance(duration, (int, float)) else None,
            webpage_url=info.get("webpage_url"),
            extractor=info.get("extractor_key") or info.get("extractor"),
            ext=info.get("ext"),
            formats=[
                MediaFormat(
                    format_id=str(f.get("format_id") or ""),
                    ext=f.get("ext"),
                    width=f.get("width"),
                    height=f.get("height"),
                    filesize=f.get("filesize"),
                    tbr=f.get("tbr"),
                    vcodec=f.get("vcodec"),
                    acodec=f.get("acodec"),
                    note=f.get("format_note"),
                )
                for f in info.get("formats") or []
            ],
            thumbnails=[str(t) for t in info.get("thumbnails") or []],
        )


@attrs.frozen(kw_only=True)
class DownloadProgress:
    """One progress event of a download (from yt-dlp's progress hooks).

    Attributes:
        status: ``"downloading"``, ``"finished"`` (a file is complete) or ``"error"``.
        downloaded_bytes: Bytes so far.
        total_bytes: The size in bytes when known (or yt-dlp's estimate), else ``None``.
        total_bytes_estimate: yt-dlp's estimate when the size is not known exactly (HLS and
            DASH: it moves as fragments come in), else ``None``.
        speed: Bytes per second, or ``None``.
        eta: Seconds left, or ``None``.
        fraction: ``downloaded / total`` in 0.0-1.0, or ``None`` while the size is unknown;
            1.0 on ``"finished"``. Within one file it never goes backwards, even when the
            estimate grows (the job keeps the highest value it reported).
        filename: The file being written, inside the job's own temporary folder (the final
            name in ``output_dir`` is known only at the end: :attr:`DownloadResult.files`).
    """

    status: Literal["downloading", "finished", "error"]
    downloaded_bytes: int
    total_bytes: int | None
    speed: float | None
    eta: float | None
    fraction: float | None
    filename: str | None
    total_bytes_estimate: int | None = None

    @classmethod
    def from_hook(cls, d: dict[str, Any]) -> DownloadProgress:
        """Build from a yt-dlp progress-hook dict."""
        raw_status = d.get("status")
        status: Literal["downloading", "finished", "error"] = (
            "finished"
            if raw_status == "finished"
            else "error"
            if raw_status == "error"
            else "downloading"
        )
        done = int(d.get("downloaded_bytes") or 0)
        exact, estimate = d.get("total_bytes"), d.get("total_bytes_estimate")
        exact = int(exact) if isinstance(exact, (int, float)) and exact > 0 else None
        estimate = int(estimate) if isinstance(estimate, (int, float)) and estimate > 0 else None
        total = exact or estimate
        if status == "finished":
            total = total or done or None
            done = total or done
            fraction: float | None = 1.0
        else:
            fraction = min(1.0, done / total) if total else None
        speed, eta = d.get("speed"), d.get("eta")
        return cls(
            status=status,
            downloaded_bytes=done,
            total_bytes=total,
            speed=float(speed) if isinstance(speed, (int, float)) else None,
            eta=float(eta) if isinstance(eta, (int, float)) else None,
            fraction=fraction,
            filename=d.get("filename"),
            total_bytes_estimate=None if exact else estimate,
        )


@attrs.frozen(kw_only=True)
class DownloadResult:
    """A finished download: every file the job wrote, at its final path in ``output_dir``
    (a name already taken there gets `` (2)``, `` (3)``...: a job never reports, overwrites or
    skips another job's file), and what yt-dlp knew about the media."""

    files: list[Path]
    info: MediaInfo
