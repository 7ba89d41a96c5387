"""Overseerr / Jellyseerr / Seerr: requests, media, search, users (``/api/v1``)."""

from __future__ import annotations

from .adapter import OverseerrAdapter, RequestFilter
from .models import (
    MediaInfo,
    MediaPage,
    MediaRequest,
    MediaStatus,
    MovieDetails,
    PageInfo,
    QuotaDetail,
    RequestCounts,
    RequestPage,
    RequestSeason,
    RequestStatus,
    SearchPage,
    SearchResult,
    ServerStatus,
    TvDetails,
    TvSeason,
    User,
    UserPage,
    UserQuota,
)

__all__ = [
    "MediaInfo",
    "MediaPage",
    "MediaRequest",
    "MediaStatus",
    "MovieDetails",
    "OverseerrAdapter",
    "PageInfo",
    "QuotaDetail",
    "RequestCounts",
    "RequestFilter",
    "RequestPage",
    "RequestSeason",
    "RequestStatus",
    "SearchPage",
    "SearchResult",
    "ServerStatus",
    "TvDetails",
    "TvSeason",
    "User",
    "UserPage",
    "UserQuota",
]
