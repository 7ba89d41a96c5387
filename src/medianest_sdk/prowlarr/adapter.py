"""``ProwlarrAdapter``: Prowlarr's ``/api/v1`` (the key in ``X-Api-Key``), typed and async.

Endpoints (spec ``prowlarr-openapi.json``):

=================================  =============================================
``search(...)``                    ``GET /api/v1/search``
``grab(release)``                  ``POST /api/v1/search`` (``guid`` and ``indexerId``)
``indexers()``, ``indexer(id)``    ``GET /api/v1/indexer``, ``GET /api/v1/indexer/{id}``
``test_indexer(id)``               ``POST /api/v1/indexer/test`` (the indexer as sent)
``test_all_indexers()``            ``POST /api/v1/indexer/testall``
``indexer_status()``               ``GET /api/v1/indexerstatus``
``indexer_stats(start, end)``      ``GET /api/v1/indexerstats``
``system_status()``                ``GET /api/v1/system/status``
``health_checks()``                ``GET /api/v1/health``
``history(...)``                   ``GET /api/v1/history`` (paged)
``applications()``                 ``GET /api/v1/applications``
``download_clients()``             ``GET /api/v1/downloadclient``
``health()``                       ``GET /api/v1/system/status``
=================================  =============================================

Without a pipeline of the host's, the adapter uses :func:`default_pipeline`: a client-side
limit of 60 requests a minute (waiting for a slot, as Prowlarr's indexers limit their users)
and a circuit breaker that opens after 5 failures in a row for 60 s. A host pipeline replaces
both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from ..errors import DecodeError
from ..events import EventHooks
from ..http import AsyncHTTPClient, HealthReport, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..http import path_segment as _segment
from ..resilience import CircuitBreaker, RateLimiter, ResiliencePipeline
from ..secrets import Secret
from .models import (
    Application,
    DownloadClient,
    HealthIssue,
    HistoryRecord,
    Indexer,
    IndexerStats,
    IndexerStatus,
    IndexerTest,
    Release,
    SystemStatus,
)

__all__ = ["DEFAULT_RATE", "HISTORY_EVENTS", "ProwlarrAdapter", "SearchType", "default_pipeline"]

SERVICE = "prowlarr"
API = "/api/v1"
DEFAULT_RATE = "60/minute"
"""The default client-side rate limit (from the seed system's Prowlarr client)."""

HISTORY_EVENTS = (
    "unknown",
    "releaseGrabbed",
    "indexerQuery",
    "indexerRss",
    "indexerAuth",
    "indexerInfo",
)
"""Prowlarr's history event types, in the order of their numbers (its ``eventType`` filter
takes the numbers; records carry the names)."""

SearchType = Literal["search", "tvsearch", "movie", "music", "book"]
"""Prowlarr's search types (Newznab/Torznab ``t=``)."""


def default_pipeline(hooks: EventHooks | None = None) -> ResiliencePipeline:
    """The pipeline a :class:`ProwlarrAdapter` uses when given none: ``RateLimiter("60/minute")``
    (a call waits for a slot) and a ``CircuitBreaker("prowlarr", consecutive_failures=5,
    break_duration=60)``."""
    return ResiliencePipeline(
        limiter=RateLimiter(DEFAULT_RATE),
        breaker=CircuitBreaker(SERVICE, consecutive_failures=5, break_duration=60.0),
        hooks=hooks,
    )


class ProwlarrAdapter(ServiceAdapter):
    """An async client for one Prowlarr.

    Args:
        base_url: Prowlarr's root, e.g. ``"http://127.0.0.1:9696"``.
        api_key: The API key (Settings, General), a :class:`Secret` (a ``str`` is wrapped).
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline`; ``None``:
            :func:`default_pipeline`.
        http_client: An ``httpx.AsyncClient`` you own (never closed by the adapter).
        timeout: Seconds, or a ``Timeout``. Searches ask every indexer and wait for the slowest:
            the default read timeout is 100 s (Prowlarr's own indexer timeout), 5 s connect.
        hooks: Receives the request events.

    Example::

        async with ProwlarrAdapter("http://127.0.0.1:9696", api_key) as prowlarr:
            releases = await prowlarr.search("The Matrix 1999", type="movie", categories=[2000])
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | Secret,
        *,
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        timeout: float | Timeout | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        super().__init__(
            ServiceClient(
                SERVICE,
                base_url,
                headers={"Accept": "application/json", "X-Api-Key": Secret.coerce(api_key)},
                pipeline=default_pipeline(hooks) if pipeline is None else pipeline,
                http_client=http_client,
                timeout=Timeout(100.0, connect=5.0) if timeout is None else timeout,
                hooks=hooks,
            )
        )

    async def _get(self, path: str, model: Any, params: Mapping[str, Any] | None = None) -> Any:
        data = await self.http.get_json(f"{API}{path}", params=params)
        return self.http.decode(data, model, f"GET {API}{path}")

    async def health(self) -> HealthReport:
        """Whether Prowlarr answers ``GET /api/v1/system/status``, with latency and version."""
        return await self.http.probe(
            f"{API}/system/status", version=lambda r: str(r.json()["version"])
        )

    # -- search and grab -----------------------------------------------------------------

    async def search(
        self,
        query: str = "",
        *,
        type: SearchType = "search",
        indexer_ids: Iterable[int] = (),
        categories: Iterable[int] = (),
        limit: int = 100,
        offset: int = 0,
    ) -> list[Release]:
        """Search every enabled indexer (or those given). ``GET /api/v1/search``.

        Args:
            query: Free text; Prowlarr also reads ``{ImdbId:tt0133093}``-style tokens for the
                ``movie`` and ``tvsearch`` types.
            type: The search type (``"movie"`` for films, ``"tvsearch"`` for episodes).
            indexer_ids: Only these indexers.
            categories: Newznab categories (2000 movies, 5000 TV...).
            limit, offset: A page of the results (per indexer, as Prowlarr pages).

        Raises:
            ValueError: ``limit`` below 1 or ``offset`` below 0.
            RequestTimeout: the slowest indexer kept Prowlarr past the timeout.
            DecodeError: the answer does not fit.
        """
        if limit < 1 or offset < 0:
            raise ValueError(f"need limit >= 1 and offset >= 0, got {limit}, {offset}")
        params: dict[str, Any] = {"query": query, "type": type, "limit": limit, "offset": offset}
        ids = [int(i) for i in indexer_ids]
        if ids:
            params["indexerIds"] = ids
        cats = [int(c) for c in categories]
        if cats:
            params["categories"] = cats
        result: list[Release] = await self._get("/search", list[Release], params)
        return result

    async def grab(self, release: Release) -> Release:
        """Have Prowlarr send ``release`` to its download client. ``POST /api/v1/search``.

        Not retried once it may have reached Prowlarr (a second grab is a second download).

        Raises:
            HTTPStatusError: Prowlarr refused (no download client for the protocol, an indexer
                error); the message is Prowlarr's.
        """
        response = await self.http.request(
            "POST",
            f"{API}/search",
            json={"guid": release.guid, "indexerId": release.indexer_id},
            retry_safe=False,
        )
        data = self.http.json_of(response)
        if not isinstance(data, dict) or not data:
            return release
        grabbed: Release = self.http.decode(_merge(release, data), Release, f"POST {API}/search")
        return grabbed

    # -- indexers --------------------------------------------------------------------------

    async def indexers(self) -> list[Indexer]:
        """Every indexer, enabled or not. ``GET /api/v1/indexer``."""
        data = await self.http.get_json(f"{API}/indexer")
        if not isinstance(data, list):
            raise DecodeError(
                f"GET {API}/indexer: not a list", service=SERVICE, endpoint=f"GET {API}/indexer"
            )
        return [self._indexer(item, f"GET {API}/indexer") for item in data]

    async def indexer(self, indexer_id: int) -> Indexer:
        """One indexer. ``GET /api/v1/indexer/{id}``.

        Raises:
            NotFoundError: no such indexer.
        """
        path = f"{API}/indexer/{_segment(indexer_id)}"
        return self._indexer(await self.http.get_json(path), f"GET {path}")

    def _indexer(self, data: Any, endpoint: str) -> Indexer:
        indexer: Indexer = self.http.decode(data, Indexer, endpoint)
        return attrs.evolve(indexer, raw=dict(data))

    async def test_indexer(self, indexer_id: int) -> IndexerTest:
        """Test one indexer now (a query to it). ``POST /api/v1/indexer/test``, with the indexer
        as ``GET /api/v1/indexer/{id}`` gave it.

        Returns:
            ``is_valid`` and, when not, Prowlarr's failures (its 400 answer is a test result
            here, not an error).

        Raises:
            NotFoundError: no such indexer.
        """
        indexer = await self.indexer(indexer_id)
        response = await self.http.request(
            "POST",
            f"{API}/indexer/test",
            json=indexer.raw,
            params={"forceTest": "true"},
            accept=(400,),
        )
        if response.status_code != 400:
            return IndexerTest(id=indexer_id, is_valid=True)
        failures = self.http.json_of(response)
        return IndexerTest(
            id=indexer_id,
            is_valid=False,
            validation_failures=[f for f in failures if isinstance(f, dict)]
            if isinstance(failures, list)
            else [],
        )

    async def test_all_indexers(self) -> list[IndexerTest]:
        """Test every enabled indexer. ``POST /api/v1/indexer/testall``.

        Returns:
            One result per indexer; Prowlarr answers 400 when any fails, which is a result
            here too.
        """
        response = await self.http.request("POST", f"{API}/indexer/testall", accept=(400,))
        data = self.http.json_of(response) if response.content else []
        result: list[IndexerTest] = self.http.decode(
            data or [], list[IndexerTest], f"POST {API}/indexer/testall"
        )
        return result

    async def indexer_status(self) -> list[IndexerStatus]:
        """Indexers disabled after failures, and until when. ``GET /api/v1/indexerstatus``."""
        result: list[IndexerStatus] = await self._get("/indexerstatus", list[IndexerStatus])
        return result

    async def indexer_stats(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[IndexerStats]:
        """Per-indexer statistics over a period (all time by default).
        ``GET /api/v1/indexerstats?startDate=&endDate=``.

        Raises:
            ValueError: a naive datetime.
        """
        params = {}
        for name, when in (("startDate", start), ("endDate", end)):
            if when is not None:
                if when.tzinfo is None:
                    raise ValueError(f"{name} must be an aware datetime")
                params[name] = when.isoformat()
        data = await self.http.get_json(f"{API}/indexerstats", params=params)
        indexers = data.get("indexers") if isinstance(data, dict) else None
        result: list[IndexerStats] = self.http.decode(
            indexers or [], list[IndexerStats], f"GET {API}/indexerstats"
        )
        return result

    # -- the instance ----------------------------------------------------------------------

    async def system_status(self) -> SystemStatus:
        """Version, platform, start time. ``GET /api/v1/system/status``."""
        result: SystemStatus = await self._get("/system/status", SystemStatus)
        return result

    async def health_checks(self) -> list[HealthIssue]:
        """The problems Prowlarr reports about itself (indexers unavailable, updates...).
        ``GET /api/v1/health``."""
        result: list[HealthIssue] = await self._get("/health", list[HealthIssue])
        return result

    async def history(
        self,
        *,
        page_size: int = 100,
        event_types: Iterable[str] = (),
        successful: bool | None = None,
        indexer_ids: Iterable[int] = (),
        sort_key: str = "date",
        sort_direction: Literal["ascending", "descending"] = "descending",
    ) -> AsyncIterator[HistoryRecord]:
        """Prowlarr's history, newest first by default, page by page.
        ``GET /api/v1/history?page=&pageSize=``.

        Args:
            page_size: Records per request, 1..1000.
            event_types: Only these (``"releaseGrabbed"``, ``"indexerQuery"``...).
            successful: Only successful (or failed) events.
            indexer_ids: Only these indexers.

        Raises:
            ValueError: ``page_size`` outside 1..1000, or an event type not in
                :data:`HISTORY_EVENTS`.
        """
        if not 1 <= page_size <= 1000:
            raise ValueError(f"page_size must be in 1..1000, got {page_size}")
        params: dict[str, Any] = {
            "pageSize": page_size,
            "sortKey": sort_key,
            "sortDirection": sort_direction,
        }
        if wanted := list(event_types):
            unknown = [e for e in wanted if e not in HISTORY_EVENTS]
            if unknown:
                raise ValueError(f"unknown history event types {unknown}; known: {HISTORY_EVENTS}")
            params["eventType"] = [HISTORY_EVENTS.index(e) for e in wanted]
        if successful is not None:
            params["successful"] = "true" if successful else "false"
        if ids := [int(i) for i in indexer_ids]:
            params["indexerIds"] = ids
        page = 1
        seen = 0
        while True:
            data = await self.http.get_json(f"{API}/history", params={**params, "page": page})
            if not isinstance(data, dict):
                raise DecodeError(
                    f"GET {API}/history: not a page", service=SERVICE, endpoint=f"GET {API}/history"
                )
            records: list[HistoryRecord] = self.http.decode(
                data.get("records") or [], list[HistoryRecord], f"GET {API}/history"
            )
            for record in records:
                yield record
            seen += len(records)
            total = data.get("totalRecords")
            if isinstance(total, bool) or not isinstance(total, int):
                total = None
            if not records or (len(records) < page_size if total is None else seen >= total):
                return
            page += 1

    async def applications(self) -> list[Application]:
        """The applications Prowlarr syncs to. ``GET /api/v1/applications``."""
        result: list[Application] = await self._get("/applications", list[Application])
        return result

    async def download_clients(self) -> list[DownloadClient]:
        """The download clients Prowlarr grabs to. ``GET /api/v1/downloadclient``."""
        result: list[DownloadClient] = await self._get("/downloadclient", list[DownloadClient])
        return result


def _merge(release: Release, data: dict[str, Any]) -> dict[str, Any]:
    """The release as sent, updated by what Prowlarr answered (its own keys)."""
    base = {
        "guid": release.guid,
        "title": release.title,
        "indexerId": release.indexer_id,
        "size": release.size,
    }
    return {**base, **data}
