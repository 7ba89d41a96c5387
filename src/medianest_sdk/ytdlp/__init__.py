"""yt-dlp downloads: ``YtDlpRunner`` (needs ``medianest-sdk[ytdlp]``; yt-dlp itself is only
imported inside the download processes)."""

from __future__ import annotations

from .models import DownloadProgress, DownloadResult, MediaFormat, MediaInfo
from .progress import show_progress
from .runner import DownloadJob, YtDlpRunner

__all__ = [
    "DownloadJob",
    "DownloadProgress",
    "DownloadResult",
    "MediaFormat",
    "MediaInfo",
    "YtDlpRunner",
    "show_progress",
]
