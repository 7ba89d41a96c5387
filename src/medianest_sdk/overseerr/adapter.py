"""``OverseerrAdapter``: the Overseerr / Jellyseerr / Seerr request API (``/api/v1``).

All three serve the same API; paths below are relative to ``{base_url}/api/v1``
(specs: ``overseerr-api.yml``, ``seerr-api.yml``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from ..errors import ConnectError, RequestTimeout, TransportError
from ..events import EventHooks
from ..http import AsyncHTTPClient, HealthReport, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..secrets import Secret, redact_url
from .models import (
    MediaPage,
    MediaRequest,
    MovieDetails,
    RequestCounts,
    RequestPage,
    SearchPage,
    ServerStatus,
    TvDetails,
    User,
    UserPage,
    UserQuota,
)

__all__ = ["OverseerrAdapter", "RequestFilter"]

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
"""``filter`` values of ``GET /request`` (``deleted`` and ``completed``: Seerr only)."""

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
            )
        )

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

    async def health(self) -> HealthReport:
        """Whether the server answers ``GET /status``, with latency and version."""
        return await self.http.probe("/status", version=lambda r: str(r.json().get("version")))

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
            AuthenticationError: 401/403. HTTPStatusError: 400 with the server's message.
        """
        if not 1 <= take <= 100:
            raise ValueError(f"take must be between 1 and 100, got {take}")
        if skip < 0:
            raise ValueError(f"skip must be >= 0, got {skip}")
        params: dict[str, Any] = {"take": take, "skip": skip, "sort": sort}
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
        """Approve a pending request. ``POST /request/{requestId}/approve``.

        Raises:
            AuthenticationError: 403 when the user lacks ``MANAGE_REQUESTS``.
            NotFoundError: no such request.
        """
        return await self._post_request(f"/request/{int(request_id)}/approve")

    async def decline_request(self, request_id: int) -> MediaRequest:
        """Decline a pending request. ``POST /request/{requestId}/decline``."""
        return await self._post_request(f"/request/{int(request_id)}/decline")

    async def retry_request(self, request_id: int) -> MediaRequest:
        """Send a failed request to Radarr/Sonarr again. ``POST /request/{requestId}/retry``."""
        return await self._post_request(f"/request/{int(request_id)}/retry")

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
        filter: Literal[
            "all", "available", "partial", "allavailable", "processing", "pending", "deleted"
        ]
        | None = None,
        sort: Literal["added", "modified", "mediaAdded"] = "added",
        take: int = 20,
        skip: int = 0,
    ) -> MediaPage:
        """One page of the media Overseerr tracks. ``GET /media``."""
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
        """One page of users. ``GET /user``."""
        params = {"take": take, "skip": skip, "sort": sort}
        return await self._get("/user", UserPage, params, ttl=TTL_USERS)

    async def user(self, user_id: int) -> User:
        """One user. ``GET /user/{userId}``."""
        return await self._get(f"/user/{int(user_id)}", User, ttl=TTL_USERS)

    async def user_quota(self, user_id: int) -> UserQuota:
        """A user's movie and TV request quotas. ``GET /user/{userId}/quota``."""
        return await self._get(f"/user/{int(user_id)}/quota", UserQuota, ttl=TTL_USERS)
