"""yt-dlp downloads: ``YtDlpRunner`` (needs ``medianest-sdk[ytdlp]``; yt-dlp itself is only
imported inside the download processes), and ``DownloadQueue`` with its worker processes for
downloads across many processes (needs ``medianest-sdk[workers]``: arq and Redis)."""

from __future__ import annotations

from .models import DownloadProgress, DownloadResult, MediaFormat, MediaInfo
from .progress import show_progress
from .runner import DownloadJob, YtDlpRunner
from .workers import (
    JOB_FUNCTION,
    QUEUE_NAME,
    SLOT_LEASE,
    DownloadQueue,
    DownloadSpec,
    JobEvent,
    JobState,
    WorkerConfig,
    download_job,
    run_worker,
    worker_settings,
)

__all__ = [
    "JOB_FUNCTION",
    "QUEUE_NAME",
    "SLOT_LEASE",
    "DownloadJob",
    "DownloadProgress",
    "DownloadQueue",
    "DownloadResult",
    "DownloadSpec",
    "JobEvent",
    "JobState",
    "WorkerConfig",
    "MediaFormat",
    "MediaInfo",
    "YtDlpRunner",
    "download_job",
    "run_worker",
    "show_progress",
    "worker_settings",
]
