"""Typed models of the Overseerr / Jellyseerr / Seerr ``/api/v1`` (specs: ``overseerr-api.yml``,
``seerr-api.yml``). Unknown fields are ignored; enums keep values they do not know."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ..decoding import OpenIntEnum, camel_case

__all__ = [
    "BlocklistItem",
    "BlocklistPage",
    "Issue",
    "IssueComment",
    "IssueCounts",
    "IssuePage",
    "IssueStatus",
    "IssueType",
    "MediaInfo",
    "MediaPage",
    "MediaRequest",
    "MediaStatus",
    "MovieDetails",
    "PageInfo",
    "QuotaDetail",
    "RequestCounts",
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
    "WebhookSettings",
]


class RequestStatus(OpenIntEnum):
    """A request's status: 1 pending approval, 2 approved, 3 declined, 4 failed, 5 completed
    (Seerr); unknown values are kept."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5


class MediaStatus(OpenIntEnum):
    """A media item's availability: 1 unknown, 2 pending, 3 processing, 4 partially
    available, 5 available, 6 blocklisted, 7 deleted (Jellyseerr/Seerr's server code; the Seerr
    spec's prose lists 6 as deleted). Unknown values are kept."""

    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLOCKLISTED = 6
    DELETED = 7


@camel_case
@attrs.frozen(kw_only=True)
class PageInfo:
    """``pageInfo`` of a paged list: ``page`` (1-based), ``pages``, ``page_size``, ``results``
    (the total number of items)."""

    page: int
    pages: int
    page_size: int
    results: int


@camel_case
@attrs.frozen(kw_only=True)
class ServerStatus:
    """``GET /status``: the server's version and update state."""

    version: str
    commit_tag: str | None = None
    update_available: bool = False
    commits_behind: int = 0
    restart_required: bool = False


@camel_case
@attrs.frozen(kw_only=True)
class User:
    """A user (``User`` schema). ``permissions`` is Overseerr's bit field (2 = ADMIN)."""

    id: int
    email: str | None = None
    username: str | None = None
    plex_username: str | None = None
    display_name: str | None = None
    user_type: int | None = None
    permissions: int = 0
    avatar: str | None = None
    jellyfin_username: str | None = None
    request_count: int = 0
    movie_quota_limit: int | None = None
    movie_quota_days: int | None = None
    tv_quota_limit: int | None = None
    tv_quota_days: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class MediaInfo:
    """A media item Overseerr tracks (``MediaInfo`` schema).

    Attributes:
        tmdb_id, tvdb_id, imdb_id: External ids.
        status, status4k: Availability (:class:`MediaStatus`).
        rating_key: The Plex rating key once the item is in Plex.
        service_id, service_id4k, external_service_id: The Radarr/Sonarr server and its id.
        download_status, download_status4k: Radarr/Sonarr queue entries (as sent).
        plex_url, media_url: Links to the item in Plex / the media server, when known.
    """

    id: int
    media_type: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    status: MediaStatus = MediaStatus.UNKNOWN
    status4k: MediaStatus = MediaStatus.UNKNOWN
    rating_key: str | None = None
    rating_key4k: str | None = None
    service_id: int | None = None
    service_id4k: int | None = None
    external_service_id: int | None = None
    download_status: list[dict[str, Any]] = attrs.field(factory=list)
    download_status4k: list[dict[str, Any]] = attrs.field(factory=list)
    plex_url: str | None = None
    media_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    media_added_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class RequestSeason:
    """A season in a TV request: its number and the season request's status."""

    id: int | None = None
    season_number: int
    status: RequestStatus = RequestStatus.PENDING


@camel_case
@attrs.frozen(kw_only=True)
class MediaRequest:
    """A request (``MediaRequest`` schema).

    Attributes:
        status: :class:`RequestStatus`.
        type: ``"movie"`` or ``"tv"``.
        is_4k: A 4K request.
        media: The requested item.
        seasons: Requested seasons (TV).
        requested_by, modified_by: Who asked, who last changed it (approver).
        season_count: How many seasons the show has (TV).
        can_remove: Whether the caller may delete it (Seerr only).
        profile_name: The Radarr/Sonarr quality profile's name (Seerr only).
        created_at, updated_at: Aware UTC datetimes (Seerr leaves ``updated_at`` unchanged on
            approve and decline: see :meth:`OverseerrAdapter.sync_requests`).
    """

    id: int
    status: RequestStatus
    type: str | None = None
    is_4k: bool = attrs.field(default=False, metadata={"json": "is4k"})
    server_id: int | None = None
    profile_id: int | None = None
    root_folder: str | None = None
    language_profile_id: int | None = None
    is_auto_request: bool = False
    season_count: int | None = None
    can_remove: bool | None = None
    profile_name: str | None = None
    media: MediaInfo | None = None
    seasons: list[RequestSeason] = attrs.field(factory=list)
    requested_by: User | None = None
    modified_by: User | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class RequestPage:
    """``GET /request``: one page of requests and its ``pageInfo``."""

    page_info: PageInfo
    results: list[MediaRequest]


@camel_case
@attrs.frozen(kw_only=True)
class MediaPage:
    """``GET /media``: one page of media items and its ``pageInfo``."""

    page_info: PageInfo
    results: list[MediaInfo]


@camel_case
@attrs.frozen(kw_only=True)
class UserPage:
    """``GET /user``: one page of users and its ``pageInfo``."""

    page_info: PageInfo
    results: list[User]


@camel_case
@attrs.frozen(kw_only=True)
class RequestCounts:
    """``GET /request/count``: how many requests are in each state."""

    total: int
    movie: int = 0
    tv: int = 0
    pending: int = 0
    approved: int = 0
    declined: int = 0
    processing: int = 0
    available: int = 0
    completed: int = 0


@camel_case
@attrs.frozen(kw_only=True)
class QuotaDetail:
    """One quota: ``limit`` requests per ``days`` days, ``used``, ``remaining``, and whether the
    user is ``restricted`` now. A ``limit`` of 0 or ``None`` means unlimited."""

    limit: int | None = None
    days: int | None = None
    used: int = 0
    remaining: int | None = None
    restricted: bool = False


@camel_case
@attrs.frozen(kw_only=True)
class UserQuota:
    """``GET /user/{id}/quota``: the movie and TV quotas."""

    movie: QuotaDetail
    tv: QuotaDetail


@camel_case
@attrs.frozen(kw_only=True)
class SearchResult:
    """One search hit: a movie, a TV show or a person (``media_type``).

    ``title`` is the movie title or the show's/person's name; ``release_date`` is the release or
    first-air date (``YYYY-MM-DD``) when known; ``media_info`` is Overseerr's own record if the
    item was ever requested.
    """

    id: int
    media_type: str
    title: str | None = None
    name: str | None = None
    overview: str | None = None
    release_date: str | None = None
    first_air_date: str | None = None
    poster_path: str | None = None
    media_info: MediaInfo | None = None

    @property
    def display_title(self) -> str:
        """The movie title or the show's/person's name."""
        return self.title or self.name or ""


@camel_case
@attrs.frozen(kw_only=True)
class SearchPage:
    """``GET /search``: ``page``, ``total_pages``, ``total_results`` and the hits."""

    page: int
    total_pages: int
    total_results: int
    results: list[SearchResult]


@camel_case
@attrs.frozen(kw_only=True)
class MovieDetails:
    """``GET /movie/{tmdbId}``: the movie as TMDB and Overseerr know it (``runtime`` in minutes)."""

    id: int
    title: str
    original_title: str | None = None
    overview: str | None = None
    release_date: str | None = None
    runtime: int | None = None
    status: str | None = None
    imdb_id: str | None = None
    poster_path: str | None = None
    media_info: MediaInfo | None = None


@camel_case
@attrs.frozen(kw_only=True)
class TvSeason:
    """A season of a TV show: number, name, episode count, air date."""

    id: int | None = None
    season_number: int
    name: str | None = None
    episode_count: int | None = None
    air_date: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class TvDetails:
    """``GET /tv/{tmdbId}``: the show, its seasons, and Overseerr's record of it."""

    id: int
    name: str
    overview: str | None = None
    first_air_date: str | None = None
    number_of_seasons: int | None = None
    number_of_episodes: int | None = None
    status: str | None = None
    poster_path: str | None = None
    seasons: list[TvSeason] = attrs.field(factory=list)
    media_info: MediaInfo | None = None


class IssueType(OpenIntEnum):
    """``issueType`` of an issue (server ``IssueType``); unknown values are kept."""

    VIDEO = 1
    AUDIO = 2
    SUBTITLES = 3
    OTHER = 4


class IssueStatus(OpenIntEnum):
    """``status`` of an issue: open or resolved."""

    OPEN = 1
    RESOLVED = 2


@camel_case
@attrs.frozen(kw_only=True)
class IssueComment:
    """A comment on an issue: its text, who wrote it, when."""

    id: int
    message: str = ""
    user: User | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class Issue:
    """A reported problem with a media item (``Issue`` schema).

    Attributes:
        issue_type: Video, audio, subtitles or other.
        status: Open or resolved.
        problem_season, problem_episode: Where (0: the whole item).
        media: The item; created_by: the reporter; comments: the thread (first: the report).
    """

    id: int
    issue_type: IssueType = IssueType.OTHER
    status: IssueStatus = IssueStatus.OPEN
    problem_season: int = 0
    problem_episode: int = 0
    media: MediaInfo | None = None
    created_by: User | None = None
    modified_by: User | None = None
    comments: list[IssueComment] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class IssuePage:
    """``GET /issue``: ``page_info`` and one page of issues."""

    page_info: PageInfo
    results: list[Issue]


@camel_case
@attrs.frozen(kw_only=True)
class IssueCounts:
    """``GET /issue/count``: totals by type and by status."""

    total: int
    video: int = 0
    audio: int = 0
    subtitles: int = 0
    others: int = 0
    open: int = 0
    closed: int = 0


@camel_case
@attrs.frozen(kw_only=True)
class BlocklistItem:
    """An entry of Seerr's blocklist: what is blocked (TMDB id, type, title), by whom, when."""

    id: int
    tmdb_id: int
    media_type: str | None = None
    title: str | None = None
    user: User | None = None
    created_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class BlocklistPage:
    """``GET /blocklist``: ``page_info`` and one page of entries."""

    page_info: PageInfo
    results: list[BlocklistItem]


@attrs.frozen(kw_only=True)
class WebhookSettings:
    """The webhook notification agent (``/settings/notifications/webhook``).

    Attributes:
        enabled: Whether the agent sends.
        url: Where it posts (``options.webhookUrl``).
        json_payload: The JSON template, as text (the server stores it base64-encoded and
            answers either form; this is always the decoded text).
        types: The notification types it sends, as the server's bit mask.
        authorization: The ``Authorization`` header value it sends, or ``None``.
        raw: The settings object as the server sent it.
    """

    enabled: bool
    url: str
    json_payload: str
    types: int
    authorization: str | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)
