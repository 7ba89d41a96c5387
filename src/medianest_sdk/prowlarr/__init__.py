"""Prowlarr: ``ProwlarrAdapter`` for its ``/api/v1``, typed models, and release selection
(:func:`select_release`)."""

from __future__ import annotations

from .adapter import DEFAULT_RATE, ProwlarrAdapter, SearchType, default_pipeline
from .models import (
    Application,
    DownloadClient,
    DownloadProtocol,
    HealthCheckResult,
    HealthIssue,
    HistoryRecord,
    Indexer,
    IndexerCategory,
    IndexerStats,
    IndexerStatus,
    IndexerTest,
    Release,
    SystemStatus,
)
from .selection import (
    DEFAULT_SIZE_LIMITS,
    ReleasePolicy,
    ReleaseQuality,
    Selection,
    Verdict,
    parse_quality,
    select_release,
)

__all__ = [
    "DEFAULT_RATE",
    "DEFAULT_SIZE_LIMITS",
    "ReleasePolicy",
    "ReleaseQuality",
    "Selection",
    "Verdict",
    "parse_quality",
    "select_release",
    "Application",
    "DownloadClient",
    "DownloadProtocol",
    "HealthIssue",
    "HealthCheckResult",
    "HistoryRecord",
    "Indexer",
    "IndexerCategory",
    "IndexerStats",
    "IndexerStatus",
    "IndexerTest",
    "ProwlarrAdapter",
    "Release",
    "SearchType",
    "SystemStatus",
    "default_pipeline",
]
