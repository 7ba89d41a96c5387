"""Typed records of Prowlarr's ``/api/v1`` (spec: ``prowlarr-openapi.json``).

Sizes in **bytes**; ``age`` in days as Prowlarr counts it; times as aware UTC datetimes; enums
open (a value a newer Prowlarr adds is kept). Unknown fields are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ..decoding import OpenStrEnum, camel_case

__all__ = [
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
    "Release",
    "SystemStatus",
]


class DownloadProtocol(OpenStrEnum):
    """How a release is fetched: ``torrent`` or ``usenet``."""

    UNKNOWN = "unknown"
    USENET = "usenet"
    TORRENT = "torrent"


class HealthCheckResult(OpenStrEnum):
    """The level of a Prowlarr health check."""

    OK = "ok"
    NOTICE = "notice"
    WARNING = "warning"
    ERROR = "error"


@camel_case
@attrs.frozen(kw_only=True)
class IndexerCategory:
    """A Newznab/Torznab category (2000 movies, 5000 TV, ...)."""

    id: int
    name: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class Release:
    """A search result (``ReleaseResource``).

    Attributes:
        guid: The release's id at its indexer; with ``indexer_id`` what :meth:`grab` needs.
        size: Bytes.
        seeders, leechers: Torrent swarm sizes (``None`` for usenet or when not reported).
        grabs: How often it was downloaded, when the indexer says.
        protocol: :class:`DownloadProtocol`.
        download_url, magnet_url, info_hash: Where to fetch it (through Prowlarr's proxy for
            ``download_url``); ``info_hash`` is 40 hex digits when the indexer gives it.
        indexer_flags: ``"freeleech"``, ``"halfleech"``, ``"internal"``... as the indexer says.
        publish_date: When it was published; ``age`` in days.
        imdb_id, tmdb_id, tvdb_id: The ids the indexer tagged it with (``imdb_id`` is the
            number of ``tt0133093``: 133093); Prowlarr sends 0 when it has none.
    """

    guid: str
    title: str
    indexer_id: int
    indexer: str | None = None
    size: int = 0
    seeders: int | None = None
    leechers: int | None = None
    grabs: int | None = None
    files: int | None = None
    protocol: DownloadProtocol = DownloadProtocol.UNKNOWN
    download_url: str | None = None
    magnet_url: str | None = None
    info_url: str | None = None
    info_hash: str | None = None
    indexer_flags: list[str] = attrs.field(factory=list)
    categories: list[IndexerCategory] = attrs.field(factory=list)
    publish_date: datetime | None = None
    age: int | None = None
    imdb_id: int | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    file_name: str | None = None
    sort_title: str | None = None

    @property
    def imdb(self) -> str | None:
        """The IMDb id as IMDb writes it (``"tt0133093"``), or ``None``."""
        return None if not self.imdb_id else f"tt{self.imdb_id:07d}"

    @property
    def tmdb(self) -> int | None:
        """The TMDB id, or ``None`` (Prowlarr's 0)."""
        return self.tmdb_id or None

    @property
    def freeleech(self) -> bool:
        """The indexer flags it freeleech (downloading it costs no ratio)."""
        return any(flag.lower() == "freeleech" for flag in self.indexer_flags)


@camel_case
@attrs.frozen(kw_only=True)
class IndexerStatus:
    """Why an indexer is disabled, and until when (``IndexerStatusResource``)."""

    indexer_id: int
    disabled_till: datetime | None = None
    most_recent_failure: datetime | None = None
    initial_failure: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class Indexer:
    """An indexer (``IndexerResource``): ``protocol``, ``privacy`` (``"public"``,
    ``"semiPrivate"``, ``"private"``), whether it is enabled and what it supports.

    ``raw`` is the whole resource as Prowlarr sent it: :meth:`ProwlarrAdapter.test_indexer`
    sends it back as the spec asks.
    """

    id: int
    name: str
    enable: bool = False
    protocol: DownloadProtocol = DownloadProtocol.UNKNOWN
    privacy: str | None = None
    priority: int | None = None
    implementation: str | None = None
    definition_name: str | None = None
    supports_search: bool = False
    supports_rss: bool = False
    added: datetime | None = None
    status: IndexerStatus | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)


@camel_case
@attrs.frozen(kw_only=True)
class IndexerTest:
    """The outcome of testing one indexer: valid, or the failures Prowlarr reported."""

    id: int
    is_valid: bool
    validation_failures: list[dict[str, Any]] = attrs.field(factory=list)

    @property
    def messages(self) -> list[str]:
        """The failures' messages (``errorMessage``)."""
        return [str(f.get("errorMessage", "")) for f in self.validation_failures]


@camel_case
@attrs.frozen(kw_only=True)
class IndexerStats:
    """One indexer's statistics over a period (``IndexerStatistics``): response times in
    milliseconds, counts of queries and grabs."""

    indexer_id: int
    indexer_name: str | None = None
    average_response_time: int = 0
    average_grab_response_time: int = 0
    number_of_queries: int = 0
    number_of_grabs: int = 0
    number_of_rss_queries: int = 0
    number_of_auth_queries: int = 0
    number_of_failed_queries: int = 0
    number_of_failed_grabs: int = 0


@camel_case
@attrs.frozen(kw_only=True)
class HealthIssue:
    """A problem Prowlarr reports about itself (``HealthResource``), with a wiki link."""

    source: str | None = None
    type: HealthCheckResult = HealthCheckResult.OK
    message: str = ""
    wiki_url: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class HistoryRecord:
    """One event of Prowlarr's history: a query, an RSS fetch, a grab (``event_type``
    ``"indexerQuery"``, ``"releaseGrabbed"``...), ``successful`` or not; ``data`` holds its
    details as Prowlarr's strings."""

    id: int
    indexer_id: int = 0
    date: datetime | None = None
    download_id: str | None = None
    successful: bool = False
    event_type: str = "unknown"
    data: dict[str, Any] = attrs.field(factory=dict)


@camel_case
@attrs.frozen(kw_only=True)
class SystemStatus:
    """``GET /api/v1/system/status``: version, platform, where it runs."""

    app_name: str | None = None
    instance_name: str | None = None
    version: str = ""
    branch: str | None = None
    os_name: str | None = None
    is_docker: bool = False
    authentication: str | None = None
    url_base: str | None = None
    start_time: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class Application:
    """An application Prowlarr syncs its indexers to (Radarr, Sonarr, ...)."""

    id: int
    name: str
    implementation: str | None = None
    sync_level: str | None = None
    tags: list[int] = attrs.field(factory=list)


@camel_case
@attrs.frozen(kw_only=True)
class DownloadClient:
    """A download client Prowlarr can grab to (qBittorrent, SABnzbd, ...)."""

    id: int
    name: str
    implementation: str | None = None
    enable: bool = False
    protocol: DownloadProtocol = DownloadProtocol.UNKNOWN
    priority: int | None = None
