"""``OverseerrAdapter``: the Overseerr / Jellyseerr / Seerr request API (``/api/v1``).

All three serve the same API; paths below are relative to ``{base_url}/api/v1``
(specs: ``overseerr-api.yml``, ``seerr-api.yml``).
"""

from __future__ import annotations

import base64
import json
import typing
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

import attrs

from ..errors import (
    AuthenticationError,
    ConnectError,
    DecodeError,
    HTTPStatusError,
    MediaNestError,
    NotFoundError,
    RequestTimeout,
    ServerError,
    TransportError,
    UnsupportedByServerError,
    UpstreamUnavailableError,
)
from ..events import EventHooks
from ..http import AsyncHTTPClient, HealthReport, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..secrets import Secret, redact_url
from .models import (
    BlocklistPage,
    Issue,
    IssueCounts,
    IssuePage,
    IssueType,
    MediaInfo,
    MediaPage,
    MediaRequest,
    MovieDetails,
    RequestCounts,
    RequestPage,
    RequestStatus,
    SearchPage,
    ServerStatus,
    TvDetails,
    User,
    UserPage,
    UserQuota,
    WebhookSettings,
)
from .sync import RequestChange, RequestCursor, RequestSync, fingerprint, now_utc

__all__ = ["Flavour", "MediaFilter", "OverseerrAdapter", "RequestFilter"]

SERVICE = "overseerr"
T = TypeVar("T")

RequestFilter = Literal[
    "all",
    "approved",
    "available",
    "pending",
    "processing",
    "unavailable",
    "failed",
    "deleted",
    "completed",
]
"""``filter`` values of ``GET /request`` (``deleted`` and ``completed``: Seerr only;
Overseerr answers 400, so the adapter refuses them there with ``UnsupportedByServerError``)."""

MediaFilter = Literal["all", "available", "partial", "allavailable", "processing", "pending"]
"""``filter`` values of ``GET /media`` that servers honour (``deleted``: Overseerr answers 400,
Seerr ignores it and returns everything, so it is not offered)."""

Flavour = Literal["overseerr", "seerr"]
"""Which server answers: Overseerr (and Jellyseerr, its fork, versions below 3) or Seerr (3.x)."""

_TMDB_WORDS = ("tmdb", "unable to retrieve")


def _refine(error: HTTPStatusError) -> HTTPStatusError:
    """Overseerr's 500s that name TMDB mean TMDB is unreachable, not Overseerr."""
    if isinstance(error, ServerError) and error.status == 500:
        text = error.message.lower()
        if any(word in text for word in _TMDB_WORDS):
            return UpstreamUnavailableError(
                f"{error.message} (the server cannot reach TMDB; retrying will not help until "
                "it can)",
                service=error.service,
                method=error.method,
                url=error.url,
                status=error.status,
                request_id=error.request_id,
                body_excerpt=error.body_excerpt,
            )
    return error


TTL_STATUS = 60.0
"""Seconds ``status()`` and ``me()`` stay in the pipeline's cache."""
TTL_USERS = 300.0
"""Seconds user lists, users and quotas stay cached."""
TTL_DETAILS = 3600.0
"""Seconds movie and TV details stay cached."""
TTL_SEARCH = 300.0
"""Seconds search results stay cached."""
TTL_REQUESTS = 30.0
"""Seconds one request and the request counts stay cached (changes through this adapter
invalidate them at once)."""


class OverseerrAdapter(ServiceAdapter):
    """An async client for Overseerr, Jellyseerr or Seerr.

    Args:
        base_url: The server's root, e.g. ``"http://127.0.0.1:5055"`` (``/api/v1`` is added).
        api_key: The API key (Settings, General), sent as ``X-Api-Key``.
        act_as_user: A user id to act as (``X-API-User``): requests are created and checked as
            that user, with that user's permissions and quotas.
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline` for every call.
        http_client: An ``httpx.AsyncClient`` you own (never closed by the adapter).
        timeout: Seconds or an ``Timeout`` (default 5 s connect, 10 s otherwise).
        hooks: Receives the request events.

    Errors: 401 (no or unknown key) and 403 (the key's user lacks a permission, such as
    ``MANAGE_REQUESTS`` for approving) raise :class:`~medianest_sdk.AuthenticationError`
    saying which; 400 validation errors keep the server's message.

    Example::

        async with OverseerrAdapter("http://127.0.0.1:5055", api_key) as seerr:
            async for request in seerr.iter_requests(filter="pending"):
                await seerr.approve_request(request.id)
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | Secret,
        *,
        act_as_user: int | None = None,
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        timeout: float | Timeout | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        headers: dict[str, str | Secret] = {
            "X-Api-Key": Secret.coerce(api_key),
            "Accept": "application/json",
        }
        if act_as_user is not None:
            headers["X-API-User"] = str(int(act_as_user))
        self.act_as_user = act_as_user
        super().__init__(
            ServiceClient(
                SERVICE,
                base_url.rstrip("/") + "/api/v1",
                headers=headers,
                pipeline=pipeline,
                http_client=http_client,
                timeout=timeout,
                hooks=hooks,
                refine_error=_refine,
            )
        )
        self._flavour: Flavour | None = None

    def __repr__(self) -> str:
        url = redact_url(self.http.base_url)
        return f"OverseerrAdapter({url!r}, act_as_user={self.act_as_user!r})"

    # -- helpers ---------------------------------------------------------------------------

    async def _get(
        self,
        path: str,
        model: type[T],
        params: dict[str, Any] | None = None,
        ttl: float | None = None,
    ) -> T:
        return await self.http.get_model(
            path, model, params=params, cache=ttl is not None, cache_ttl=ttl
        )

    async def _invalidate_requests(self) -> None:
        await self.http.invalidate("/request")

    async def _post_request(self, path: str, *, json: Any = None) -> MediaRequest:
        response = await self.http.request("POST", path, json=json, retry_safe=True)
        await self._invalidate_requests()
        return self.http.decode(self.http.json_of(response), MediaRequest, f"POST {path}")

    # -- server ----------------------------------------------------------------------------

    async def status(self) -> ServerStatus:
        """The server's version and update state. ``GET /status`` (no key needed)."""
        return await self._get("/status", ServerStatus, ttl=TTL_STATUS)

    async def me(self) -> User:
        """The user the key (or ``act_as_user``) acts as. ``GET /auth/me``."""
        return await self._get("/auth/me", User, ttl=TTL_STATUS)

    async def flavour(self) -> Flavour:
        """``"seerr"`` (version 3 and later: Seerr) or ``"overseerr"`` (Overseerr, and
        Jellyseerr before the merge), from ``GET /status``; asked once per adapter."""
        if self._flavour is None:
            version = (await self.status()).version
            major = version.split(".", 1)[0]
            self._flavour = "seerr" if major.isdigit() and int(major) >= 3 else "overseerr"
        return self._flavour

    async def health(self) -> HealthReport:
        """Whether the server answers ``GET /status`` (with latency and version) **and**
        accepts the API key (``GET /auth/me``): a wrong key is ``unhealthy``, with the reason.
        Never raises for a failed check."""
        report = await self.http.probe("/status", version=lambda r: str(r.json().get("version")))
        if report.status == "unhealthy":
            return report
        try:
            await self.http.get_json("/auth/me")
        except AuthenticationError as exc:
            return attrs.evolve(
                report, status="unhealthy", error=f"AuthenticationError: {exc.message}"
            )
        except MediaNestError as exc:
            return attrs.evolve(
                report, status="degraded", error=f"{type(exc).__name__}: {exc.message}"
            )
        return report

    # -- requests --------------------------------------------------------------------------

    async def requests(
        self,
        *,
        filter: RequestFilter | None = None,
        sort: Literal["added", "modified"] = "added",
        take: int = 20,
        skip: int = 0,
        requested_by: int | None = None,
    ) -> RequestPage:
        """One page of requests, newest first. ``GET /request``.

        Args:
            filter: Only requests in this state (default: all).
            sort: ``"added"`` (creation) or ``"modified"`` (last change).
            take: Page size (1-100).
            skip: How many to skip.
            requested_by: Only this user's requests.

        Raises:
            ValueError: ``take`` outside 1..100 or ``skip`` negative.
            UnsupportedByServerError: ``deleted``/``completed`` on Overseerr.
            AuthenticationError: 401/403. HTTPStatusError: 400 with the server's message.
        """
        _check_page(take, skip)
        params: dict[str, Any] = {"take": take, "skip": skip, "sort": sort}
        if filter in ("deleted", "completed") and await self.flavour() != "seerr":
            raise UnsupportedByServerError(
                f"filter={filter!r} is Seerr's; this Overseerr server answers it with 400",
                feature=f"request filter {filter}",
                service=SERVICE,
            )
        if filter is not None:
            params["filter"] = filter
        if requested_by is not None:
            params["requestedBy"] = requested_by
        return await self._get("/request", RequestPage, params)

    async def iter_requests(
        self,
        *,
        filter: RequestFilter | None = None,
        sort: Literal["added", "modified"] = "added",
        page_size: int = 50,
        requested_by: int | None = None,
    ) -> AsyncIterator[MediaRequest]:
        """Every request, walking the pages of :meth:`requests` until ``pageInfo.results``."""
        skip = 0
        while True:
            page = await self.requests(
                filter=filter, sort=sort, take=page_size, skip=skip, requested_by=requested_by
            )
            for item in page.results:
                yield item
            skip += len(page.results)
            if not page.results or skip >= page.page_info.results:
                return

    async def changed_requests(
        self, since: datetime, *, page_size: int = 50
    ) -> AsyncIterator[MediaRequest]:
        """Requests modified after ``since``, newest change first.

        Pages through ``GET /request?sort=modified`` and stops at the first request last
        modified at or before ``since``, so a sync loop reads only what changed.

        Raises:
            ValueError: ``since`` is naive (give it a time zone, e.g. ``datetime.now(UTC)``).
        """
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError("since must be an aware datetime (with a time zone)")
        async for item in self.iter_requests(sort="modified", page_size=page_size):
            changed = item.updated_at or item.created_at
            if changed is None or changed <= since:
                return
            yield item

    async def request(self, request_id: int) -> MediaRequest:
        """One request. ``GET /request/{requestId}``.

        Raises:
            NotFoundError: no such request.
        """
        return await self._get(f"/request/{int(request_id)}", MediaRequest, ttl=TTL_REQUESTS)

    async def request_counts(self) -> RequestCounts:
        """How many requests are in each state. ``GET /request/count``."""
        return await self._get("/request/count", RequestCounts, ttl=TTL_REQUESTS)

    async def create_request(
        self,
        media_type: Literal["movie", "tv"],
        media_id: int,
        *,
        seasons: Sequence[int] | Literal["all"] | None = None,
        is_4k: bool = False,
        server_id: int | None = None,
        profile_id: int | None = None,
        root_folder: str | None = None,
        language_profile_id: int | None = None,
        user_id: int | None = None,
    ) -> MediaRequest:
        """Request a movie or show. ``POST /request``.

        Not idempotent: it is never retried once the request may have reached the server.

        Args:
            media_type: ``"movie"`` or ``"tv"``.
            media_id: The TMDB id.
            seasons: For TV: season numbers, or ``"all"``.
            is_4k: Request the 4K version.
            server_id, profile_id, root_folder, language_profile_id: Radarr/Sonarr overrides.
            user_id: Request on behalf of this user (needs the permission).

        Raises:
            ValueError: ``seasons`` given for a movie, or a TV request without seasons.
            TransportError: the connection was lost after sending; the message says that the
                request may or may not have been created (look before trying again).
            HTTPStatusError: 4xx with the server's message; ServerError: 5xx.
        """
        if media_type not in ("movie", "tv"):
            raise ValueError(f"media_type must be 'movie' or 'tv', got {media_type!r}")
        body: dict[str, Any] = {"mediaType": media_type, "mediaId": int(media_id), "is4k": is_4k}
        if media_type == "tv":
            if seasons is None:
                raise ValueError('a TV request needs seasons: a list of numbers or "all"')
            body["seasons"] = "all" if seasons == "all" else [int(s) for s in seasons]
        elif seasons is not None:
            raise ValueError("seasons only apply to TV requests")
        for key, value in (
            ("serverId", server_id),
            ("profileId", profile_id),
            ("rootFolder", root_folder),
            ("languageProfileId", language_profile_id),
            ("userId", user_id),
        ):
            if value is not None:
                body[key] = value
        try:
            response = await self.http.request("POST", "/request", json=body)
        except TransportError as exc:
            if isinstance(exc, ConnectError) or exc.retry_safe:
                raise
            phase = f" ({exc.phase} timeout)" if isinstance(exc, RequestTimeout) else ""
            raise TransportError(
                f"POST /request: the connection was lost after the request was sent{phase}, "
                "so the request may or may not have been created; check requests() before "
                "trying again",
                service=SERVICE,
                method="POST",
                url=exc.url,
            ) from exc
        await self._invalidate_requests()
        return self.http.decode(self.http.json_of(response), MediaRequest, "POST /request")

    async def approve_request(self, request_id: int) -> MediaRequest:
        """Approve a pending request. ``POST /request/{requestId}/approve``, then
        ``GET /request/{requestId}``: the approve answer carries the media status from before
        the approval; this returns the request as it is after.

        Raises:
            AuthenticationError: 403 when the user lacks ``MANAGE_REQUESTS``.
            NotFoundError: no such request.
        """
        return await self._change_request(request_id, "approve")

    async def decline_request(self, request_id: int) -> MediaRequest:
        """Decline a pending request. ``POST /request/{requestId}/decline``; returns the
        request as it is after (``GET``)."""
        return await self._change_request(request_id, "decline")

    async def retry_request(self, request_id: int) -> MediaRequest:
        """Send a **failed** request to Radarr/Sonarr again. ``POST /request/{requestId}/retry``.

        The server would approve a request in any state through this call (a declined one
        included), so the adapter refuses any request that is not failed.

        Raises:
            ValueError: the request is not failed (the message says its state).
            NotFoundError: no such request.
        """
        current = await self.http.get_model(f"/request/{int(request_id)}", MediaRequest)
        if current.status != RequestStatus.FAILED:
            raise ValueError(
                f"request {int(request_id)} is {current.status.name.lower()}, not failed: "
                "retry is for failed requests (approve_request() approves a pending one)"
            )
        return await self._change_request(request_id, "retry")

    async def _change_request(self, request_id: int, action: str) -> MediaRequest:
        path = f"/request/{int(request_id)}"
        await self.http.request("POST", f"{path}/{action}", retry_safe=True)
        await self._invalidate_requests()
        return await self.http.get_model(path, MediaRequest)

    async def edit_request(
        self,
        request_id: int,
        media_type: Literal["movie", "tv"],
        *,
        seasons: Sequence[int] | None = None,
        server_id: int | None = None,
        profile_id: int | None = None,
        root_folder: str | None = None,
        language_profile_id: int | None = None,
        user_id: int | None = None,
    ) -> MediaRequest:
        """Change a request: its seasons (TV), Radarr/Sonarr server, profile, root folder.
        ``PUT /request/{requestId}``; returns the request as saved (``GET`` after: Overseerr
        answers before its save of a movie request finishes).

        Raises:
            ValueError: seasons given for a movie.
            NotFoundError: no such request.
        """
        body: dict[str, Any] = {"mediaType": media_type}
        if seasons is not None:
            if media_type != "tv":
                raise ValueError("seasons only apply to TV requests")
            body["seasons"] = [int(s) for s in seasons]
        for key, value in (
            ("serverId", server_id),
            ("profileId", profile_id),
            ("rootFolder", root_folder),
            ("languageProfileId", language_profile_id),
            ("userId", user_id),
        ):
            if value is not None:
                body[key] = value
        path = f"/request/{int(request_id)}"
        await self.http.request("PUT", path, json=body)
        await self._invalidate_requests()
        return await self.http.get_model(path, MediaRequest)

    async def sync_requests(
        self, cursor: RequestCursor | None = None, *, overlap: float = 60.0, page_size: int = 50
    ) -> RequestSync:
        """Every request that is new, changed or (on Seerr) gone since ``cursor``; see
        the module ``medianest_sdk.overseerr.sync`` for how every change is seen on both servers.

        Args:
            cursor: From the last sync (or :meth:`RequestCursor.from_json`); ``None``: report
                every request as new.
            overlap: Seconds before the last sync that Overseerr's incremental read goes back.
            page_size: Requests per page read.

        Returns:
            The changes, oldest change last, and the cursor for next time.

        Raises:
            ValueError: ``overlap`` negative.
        """
        if overlap < 0:
            raise ValueError(f"overlap must be >= 0 seconds, got {overlap}")
        cursor = cursor or RequestCursor()
        started = now_utc()
        whole = await self.flavour() == "seerr" or cursor.synced_at is None
        limit = None if whole or cursor.synced_at is None else cursor.synced_at.timestamp()
        seen = dict(cursor.seen) if not whole else {}
        changes: list[RequestChange] = []
        listed: set[int] = set()
        async for item in self.iter_requests(sort="modified", page_size=page_size):
            changed_at = item.updated_at or item.created_at
            if (
                limit is not None
                and changed_at is not None
                and (changed_at.timestamp() < limit - overlap)
            ):
                break
            listed.add(item.id)
            now = fingerprint(item)
            before = cursor.seen.get(item.id)
            if before is None:
                changes.append(RequestChange(kind="new", request_id=item.id, request=item))
            elif before != now:
                changes.append(
                    RequestChange(kind="changed", request_id=item.id, request=item, previous=before)
                )
            seen[item.id] = now
        if whole and cursor.synced_at is not None:
            for gone in sorted(set(cursor.seen) - listed):
                changes.append(
                    RequestChange(
                        kind="removed", request_id=gone, request=None, previous=cursor.seen[gone]
                    )
                )
        return RequestSync(changes=changes, cursor=RequestCursor(synced_at=started, seen=seen))

    async def delete_request(self, request_id: int) -> None:
        """Delete a request. ``DELETE /request/{requestId}``.

        Raises:
            NotFoundError: no such request.
        """
        await self.http.request("DELETE", f"/request/{int(request_id)}")
        await self._invalidate_requests()

    # -- media, search, details --------------------------------------------------------------

    async def media(
        self,
        *,
        filter: MediaFilter | None = None,
        sort: Literal["added", "modified", "mediaAdded"] = "added",
        take: int = 20,
        skip: int = 0,
    ) -> MediaPage:
        """One page of the media Overseerr tracks. ``GET /media``.

        Raises:
            ValueError: ``take`` outside 1..100, ``skip`` negative, or a filter no server
                honours (``"deleted"``).
        """
        _check_page(take, skip)
        if filter is not None and filter not in typing.get_args(MediaFilter):
            raise ValueError(
                f"filter={filter!r} is not honoured by the servers (Overseerr answers 400, "
                f"Seerr returns everything); use one of {', '.join(typing.get_args(MediaFilter))}"
            )
        params: dict[str, Any] = {"take": take, "skip": skip, "sort": sort}
        if filter is not None:
            params["filter"] = filter
        return await self._get("/media", MediaPage, params)

    async def search(self, query: str, *, page: int = 1) -> SearchPage:
        """Search movies, shows and people (through TMDB). ``GET /search``.

        Raises:
            ValueError: empty query or ``page < 1``.
        """
        if not query.strip():
            raise ValueError("search query must not be empty")
        if page < 1:
            raise ValueError(f"page must be >= 1, got {page}")
        return await self._get(
            "/search", SearchPage, {"query": query, "page": page}, ttl=TTL_SEARCH
        )

    async def movie(self, tmdb_id: int) -> MovieDetails:
        """A movie's details. ``GET /movie/{movieId}`` (TMDB id).

        Raises:
            ServerError: the server cannot reach TMDB (it answers 500).
        """
        return await self._get(f"/movie/{int(tmdb_id)}", MovieDetails, ttl=TTL_DETAILS)

    async def tv(self, tmdb_id: int) -> TvDetails:
        """A show's details with its seasons. ``GET /tv/{tvId}`` (TMDB id)."""
        return await self._get(f"/tv/{int(tmdb_id)}", TvDetails, ttl=TTL_DETAILS)

    # -- users -------------------------------------------------------------------------------

    async def users(
        self,
        *,
        take: int = 20,
        skip: int = 0,
        sort: Literal["created", "updated", "requests", "displayname"] = "created",
    ) -> UserPage:
        """One page of users. ``GET /user`` (the server's own default page is 10).

        Raises:
            ValueError: ``take`` outside 1..100 or ``skip`` negative.
        """
        _check_page(take, skip)
        params = {"take": take, "skip": skip, "sort": sort}
        return await self._get("/user", UserPage, params, ttl=TTL_USERS)

    async def iter_users(
        self,
        *,
        page_size: int = 50,
        sort: Literal["created", "updated", "requests", "displayname"] = "created",
    ) -> AsyncIterator[User]:
        """Every user, page after page of :meth:`users` (not just the server's first 10)."""
        skip = 0
        while True:
            page = await self.users(take=page_size, skip=skip, sort=sort)
            for user in page.results:
                yield user
            skip += len(page.results)
            if not page.results or skip >= page.page_info.results:
                return

    async def user(self, user_id: int) -> User:
        """One user. ``GET /user/{userId}``."""
        return await self._get(f"/user/{int(user_id)}", User, ttl=TTL_USERS)

    async def user_quota(self, user_id: int) -> UserQuota:
        """A user's movie and TV request quotas. ``GET /user/{userId}/quota``."""
        return await self._get(f"/user/{int(user_id)}/quota", UserQuota, ttl=TTL_USERS)

    # -- media management ------------------------------------------------------------------

    async def set_media_status(
        self,
        media_id: int,
        status: Literal["available", "partial", "processing", "pending", "unknown"],
        *,
        is_4k: bool = False,
    ) -> MediaInfo:
        """Mark a media item (Overseerr's own id, not TMDB's) available, partially available,
        processing, pending or unknown. ``POST /media/{mediaId}/{status}``.

        Raises:
            HTTPStatusError: 400 (``partial`` on a movie). NotFoundError: no such media.
        """
        path = f"/media/{int(media_id)}/{status}"
        response = await self.http.request("POST", path, json={"is4k": True} if is_4k else {})
        await self.http.invalidate("/media", "/request")
        return self.http.decode(self.http.json_of(response), MediaInfo, f"POST {path}")

    async def delete_media(self, media_id: int) -> None:
        """Delete a media item (and its requests). ``DELETE /media/{mediaId}``.

        Raises:
            NotFoundError: no such media.
        """
        await self.http.request("DELETE", f"/media/{int(media_id)}")
        await self.http.invalidate("/media", "/request")

    # -- issues --------------------------------------------------------------------------

    async def issues(
        self,
        *,
        filter: Literal["all", "open", "resolved"] = "open",
        sort: Literal["added", "modified"] = "added",
        take: int = 20,
        skip: int = 0,
    ) -> IssuePage:
        """One page of issues. ``GET /issue``.

        Raises:
            ValueError: ``take`` outside 1..100 or ``skip`` negative.
        """
        _check_page(take, skip)
        params = {"take": take, "skip": skip, "sort": sort, "filter": filter}
        return await self._get("/issue", IssuePage, params)

    async def iter_issues(
        self,
        *,
        filter: Literal["all", "open", "resolved"] = "open",
        sort: Literal["added", "modified"] = "added",
        page_size: int = 50,
    ) -> AsyncIterator[Issue]:
        """Every issue, page after page of :meth:`issues`."""
        skip = 0
        while True:
            page = await self.issues(filter=filter, sort=sort, take=page_size, skip=skip)
            for issue in page.results:
                yield issue
            skip += len(page.results)
            if not page.results or skip >= page.page_info.results:
                return

    async def issue_counts(self) -> IssueCounts:
        """Issues by type and status. ``GET /issue/count``."""
        return await self._get("/issue/count", IssueCounts)

    async def issue(self, issue_id: int) -> Issue:
        """One issue with its comments. ``GET /issue/{issueId}``.

        Raises:
            NotFoundError: no such issue (the servers answer 500 ``Issue not found.``; it is
                reported as the 404 it is).
        """
        try:
            return await self.http.get_model(f"/issue/{int(issue_id)}", Issue)
        except ServerError as exc:
            if "not found" in exc.message.lower():
                raise NotFoundError(
                    exc.message,
                    service=SERVICE,
                    method=exc.method,
                    url=exc.url,
                    status=404,
                    body_excerpt=exc.body_excerpt,
                ) from None
            raise

    async def create_issue(
        self,
        media_id: int,
        issue_type: IssueType | int,
        message: str,
        *,
        problem_season: int = 0,
        problem_episode: int = 0,
    ) -> Issue:
        """Report a problem with a media item (Overseerr's media id). ``POST /issue``.

        Not idempotent: never retried once it may have reached the server.

        Raises:
            ValueError: an empty message.
            AuthenticationError: 403 without an issue permission. NotFoundError: no such media.
        """
        if not message.strip():
            raise ValueError("an issue needs a message")
        body = {
            "mediaId": int(media_id),
            "issueType": int(issue_type),
            "message": message,
            "problemSeason": int(problem_season),
            "problemEpisode": int(problem_episode),
        }
        response = await self.http.request("POST", "/issue", json=body)
        await self.http.invalidate("/issue")
        return self.http.decode(self.http.json_of(response), Issue, "POST /issue")

    async def comment_issue(self, issue_id: int, message: str) -> Issue:
        """Add a comment. ``POST /issue/{issueId}/comment``; returns the issue.

        Raises:
            ValueError: an empty message.
        """
        if not message.strip():
            raise ValueError("a comment needs a message")
        path = f"/issue/{int(issue_id)}/comment"
        response = await self.http.request("POST", path, json={"message": message})
        await self.http.invalidate("/issue")
        return self.http.decode(self.http.json_of(response), Issue, f"POST {path}")

    async def resolve_issue(self, issue_id: int) -> Issue:
        """Mark an issue resolved. ``POST /issue/{issueId}/resolved``."""
        return await self._issue_status(issue_id, "resolved")

    async def reopen_issue(self, issue_id: int) -> Issue:
        """Open a resolved issue again. ``POST /issue/{issueId}/open``."""
        return await self._issue_status(issue_id, "open")

    async def _issue_status(self, issue_id: int, status: str) -> Issue:
        path = f"/issue/{int(issue_id)}/{status}"
        response = await self.http.request("POST", path, retry_safe=True)
        await self.http.invalidate("/issue")
        return self.http.decode(self.http.json_of(response), Issue, f"POST {path}")

    async def delete_issue(self, issue_id: int) -> None:
        """Delete an issue. ``DELETE /issue/{issueId}``."""
        await self.http.request("DELETE", f"/issue/{int(issue_id)}")
        await self.http.invalidate("/issue")

    # -- notifications ---------------------------------------------------------------------

    async def webhook_settings(self) -> WebhookSettings:
        """The webhook notification agent. ``GET /settings/notifications/webhook`` (admin).

        The JSON template comes back as text whichever form the server stored it in.
        """
        data = await self.http.get_json("/settings/notifications/webhook")
        return _webhook_settings(data)

    async def set_webhook_settings(
        self,
        *,
        enabled: bool,
        url: str,
        json_payload: str | None = None,
        types: int = 4094,
        authorization: str | Secret | None = None,
    ) -> WebhookSettings:
        """Point the webhook agent at your receiver (e.g. a ``WebhookEndpoint`` with
        ``WebhookVerifier.shared_secret(authorization, source="overseerr")``).
        ``POST /settings/notifications/webhook``.

        Args:
            enabled: Turn the agent on or off.
            url: Where to post.
            json_payload: The JSON template as text; ``None`` keeps the current one.
            types: The notification types, as the server's bit mask (4094: all).
            authorization: The ``Authorization`` header the agent sends (redacted everywhere).

        Raises:
            ValueError: ``json_payload`` is not JSON (the server would store it and fail).
        """
        current = await self.webhook_settings()
        payload = current.json_payload if json_payload is None else json_payload
        try:
            json.loads(payload)
        except ValueError:
            raise ValueError("json_payload must be JSON text") from None
        options: dict[str, Any] = {"webhookUrl": url, "jsonPayload": payload}
        secrets: list[Secret] = []
        if authorization is not None:
            auth = Secret.coerce(authorization)
            secrets.append(auth)
            options["authHeader"] = auth.reveal()
        elif current.authorization:
            options["authHeader"] = current.authorization
        body = {**current.raw, "enabled": enabled, "types": types, "options": options}
        await self.http.request(
            "POST", "/settings/notifications/webhook", json=body, secrets=secrets
        )
        return await self.webhook_settings()

    async def test_webhook(self) -> None:
        """Ask the server to send a test notification with its current webhook settings.
        ``POST /settings/notifications/webhook/test``.

        Raises:
            ServerError: the server could not deliver it (500 "Failed to send webhook
                notification.": check the URL from the server's side).
        """
        current = await self.webhook_settings()
        body = {
            **current.raw,
            "options": {**current.raw.get("options", {}), "jsonPayload": current.json_payload},
        }
        await self.http.request(
            "POST", "/settings/notifications/webhook/test", json=body, retry_safe=False
        )

    # -- Seerr's blocklist and watchlist ---------------------------------------------------

    async def blocklist(self, *, take: int = 25, skip: int = 0) -> BlocklistPage:
        """Seerr's blocklist. ``GET /blocklist``.

        Raises:
            UnsupportedByServerError: an Overseerr server (it has no blocklist).
        """
        _check_page(take, skip)
        await self._need_seerr("blocklist")
        return await self._get("/blocklist", BlocklistPage, {"take": take, "skip": skip})

    async def add_to_blocklist(
        self, tmdb_id: int, media_type: Literal["movie", "tv"], *, title: str | None = None
    ) -> None:
        """Block a title from being requested. ``POST /blocklist``; a title already blocked
        is not an error.

        Raises:
            UnsupportedByServerError: an Overseerr server.
        """
        await self._need_seerr("blocklist")
        body: dict[str, Any] = {"tmdbId": int(tmdb_id), "mediaType": media_type}
        if title is not None:
            body["title"] = title
        try:
            await self.http.request("POST", "/blocklist", json=body, retry_safe=True)
        except HTTPStatusError as exc:
            if exc.status != 412:  # 412: already blocklisted
                raise
        await self.http.invalidate("/blocklist")

    async def remove_from_blocklist(self, tmdb_id: int) -> None:
        """Unblock a title. ``DELETE /blocklist/{tmdbId}``.

        Raises:
            UnsupportedByServerError: an Overseerr server.
            NotFoundError: the title is not blocklisted (Seerr answers 401 with a database
                message; it is reported as the 404 it is).
        """
        await self._need_seerr("blocklist")
        try:
            await self.http.request("DELETE", f"/blocklist/{int(tmdb_id)}")
        except AuthenticationError as exc:
            if exc.status == 401 and "entity" in exc.message.lower():
                raise NotFoundError(
                    f"{int(tmdb_id)} is not on the blocklist",
                    service=SERVICE,
                    method="DELETE",
                    url=exc.url,
                    status=404,
                ) from None
            raise
        await self.http.invalidate("/blocklist")

    async def watchlist(self, *, page: int = 1) -> dict[str, Any]:
        """The Plex watchlist of the acting user. ``GET /discover/watchlist`` (Seerr).

        Raises:
            UnsupportedByServerError: an Overseerr server.
        """
        await self._need_seerr("watchlist")
        data: dict[str, Any] = await self.http.get_json(
            "/discover/watchlist", params={"page": int(page)}
        )
        return data

    async def _need_seerr(self, feature: str) -> None:
        if await self.flavour() != "seerr":
            raise UnsupportedByServerError(
                f"this Overseerr server has no {feature} (Seerr 3.x has)",
                feature=feature,
                service=SERVICE,
            )


def _check_page(take: int, skip: int) -> None:
    if not 1 <= take <= 100:
        raise ValueError(f"take must be between 1 and 100, got {take}")
    if skip < 0:
        raise ValueError(f"skip must be >= 0, got {skip}")


def _webhook_settings(data: Any) -> WebhookSettings:
    if not isinstance(data, dict):
        raise DecodeError(
            "webhook settings are not an object",
            service=SERVICE,
            endpoint="GET /settings/notifications/webhook",
            field="$",
        )
    raw_options = data.get("options")
    options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
    payload = options.get("jsonPayload", "")
    if isinstance(payload, (dict, list)):
        text = json.dumps(payload, indent=2)
    else:
        text = str(payload)
        try:
            decoded = base64.b64decode(text, validate=True).decode("utf-8")
            json.loads(decoded)
            text = decoded
        except ValueError:
            pass
        try:  # the stored default is a JSON-encoded string holding the template
            inner = json.loads(text)
            if isinstance(inner, str):
                text = inner
        except ValueError:
            pass
    auth = options.get("authHeader")
    return WebhookSettings(
        enabled=bool(data.get("enabled")),
        url=str(options.get("webhookUrl") or ""),
        json_payload=text,
        types=int(data.get("types") or 0),
        authorization=str(auth) if auth else None,
        raw=data,
    )
