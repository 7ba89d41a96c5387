"""``PlexAdapter``: an async, typed, JSON client for Plex Media Server.

Endpoints (spec ``plex-api-spec.yaml``; all answers are JSON because we send
``Accept: application/json``):

- ``identity()``: ``GET /identity``
- ``server_info()``: ``GET /``
- ``library_sections()``: ``GET /library/sections/all``
- ``section_items(id, ...)``, ``iter_section_items``: ``GET /library/sections/{sectionId}/all``
- ``metadata(rating_key)``: ``GET /library/metadata/{ids}``
- ``children(rating_key)``: ``GET /library/metadata/{id}/children``
- ``search(query, ...)``: ``GET /hubs/search``
- ``recently_added(section_id=None)``: ``GET /library/recentlyAdded`` or
  ``GET /library/sections/{sectionId}/recentlyAdded``
- ``on_deck(section_id=None)``: ``GET /library/onDeck`` (served by PMS, not in the spec) or
  ``GET /library/sections/{sectionId}/onDeck``
- ``sessions()``: ``GET /status/sessions``
- ``history(...)``: ``GET /status/sessions/history/all``
- ``refresh_section(id, path=, force=, wait=)``: ``POST /library/sections/{sectionId}/refresh``,
  then ``GET /activities`` until the scan ended
- ``activities()``: ``GET /activities``
- ``find_by_external_id(id)``: ``GET /library/sections/{sectionId}/all?includeGuids=1``
- ``mark_played(key)``, ``mark_unplayed(key)``: ``PUT /:/scrobble``, ``PUT /:/unscrobble``
- ``set_progress(key, ms)``: ``GET /:/progress``; ``rate(key, rating)``: ``PUT /:/rate``
- ``playlists()``, ``create_playlist(...)``: ``GET /playlists``, ``POST /playlists``
- ``playlist_items(key)``, ``add_to_playlist(...)``: ``GET``/``PUT /playlists/{playlistId}/items``
- ``remove_from_playlist(key, item)``: ``DELETE /playlists/{playlistId}/items/{playlistItemId}``
- ``delete_playlist(key)``: ``DELETE /playlists/{playlistId}``
- ``notifications()``: the websocket ``/:/websockets/notifications``
- ``collections(section_id)``: ``GET /library/sections/{sectionId}/collections``
- ``create_collection(...)``: ``POST /library/collections``
- ``add_to_collection(...)``: ``PUT /library/collections/{collectionId}/items``
- ``remove_from_collection(...)``:
  ``DELETE /library/collections/{collectionId}/items/{itemId}``
- ``delete_collection(key)``: ``DELETE /library/metadata/{ids}``
- ``health()``: ``GET /identity``
"""

from __future__ import annotations

import platform
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

import anyio

from ..errors import DecodeError, NotFoundError, WaitTimeout
from ..events import EventHooks
from ..http import AsyncHTTPClient, HealthReport, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..http import path_segment as _segment
from ..resilience import CircuitBreaker, RetryPolicy
from ..secrets import Secret
from ..version import sdk_version
from .models import (
    SECTION_ITEM_TYPE,
    Activity,
    ExternalId,
    HistoryEntry,
    LibrarySection,
    Metadata,
    Playlist,
    PlexIdentity,
    PlexPlayer,
    PlexSession,
    PlexSessionInfo,
    SearchHub,
    SectionPage,
    ServerInfo,
    TranscodeSession,
)
from .notifications import NotificationStream

__all__ = ["PlexAdapter", "plex_headers"]

RECONNECT = RetryPolicy(attempts=10, timeout=None, wait_initial=1.0, wait_max=30.0)
"""The retry policy notifications reconnect with when the adapter's pipeline has none
(10 attempts, backoff from 1 s doubling to 30 s, plus up to 1 s jitter)."""

SERVICE = "plex"
T = TypeVar("T")

TTL_SERVER = 3600.0
"""Seconds identity and server info stay in the pipeline's cache (1 hour)."""
TTL_LIBRARY = 1800.0
"""Seconds sections, items, metadata and children stay cached (30 minutes)."""
TTL_SEARCH = 300.0
"""Seconds search results and recently-added lists stay cached (5 minutes)."""


def plex_headers(client_identifier: str, product: str) -> dict[str, str]:
    """The ``X-Plex-*`` headers that identify this app to Plex and plex.tv."""
    return {
        "Accept": "application/json",
        "X-Plex-Product": product,
        "X-Plex-Version": sdk_version(),
        "X-Plex-Client-Identifier": client_identifier,
        "X-Plex-Platform": "Python",
        "X-Plex-Platform-Version": platform.python_version(),
        "X-Plex-Device-Name": product,
    }


class PlexAdapter(ServiceAdapter):
    """An async client for one Plex Media Server.

    Args:
        base_url: The server, e.g. ``"http://127.0.0.1:32400"``.
        token: A Plex token (``X-Plex-Token``); sent as a header, never in a URL.
        client_identifier: This app's ``X-Plex-Client-Identifier``. When not given, one is
            generated (``client_identifier`` attribute): persist it and pass it next time, since
            Plex lists every new identifier as a new device.
        product: ``X-Plex-Product`` (and device name), default ``"medianest-sdk"``.
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline` for every call. With a cache,
            server info and identity are kept 1 hour, sections and items 30 minutes, search
            5 minutes; keys include a hash of the token, so users never share results.
        http_client: An ``httpx.AsyncClient`` you own (never closed by the adapter).
        timeout: Seconds or ``Timeout`` (default 5 s connect, 10 s otherwise).
        hooks: Receives the request events.

    Example::

        async with PlexAdapter("http://127.0.0.1:32400", token=Secret(token)) as plex:
            for section in await plex.library_sections():
                print(section.key, section.title, section.type)
    """

    def __init__(
        self,
        base_url: str,
        token: str | Secret,
        *,
        client_identifier: str | None = None,
        product: str = "medianest-sdk",
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        timeout: float | Timeout | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        self.client_identifier = client_identifier or uuid.uuid4().hex
        headers: dict[str, str | Secret] = {
            **plex_headers(self.client_identifier, product),
            "X-Plex-Token": Secret.coerce(token),
        }
        super().__init__(
            ServiceClient(
                SERVICE,
                base_url,
                headers=headers,
                pipeline=pipeline,
                http_client=http_client,
                timeout=timeout,
                hooks=hooks,
            )
        )

    # -- helpers -----------------------------------------------------------------------------

    async def _container(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The ``MediaContainer`` of an answer that is never cached."""
        data = await self.http.get_json(path, params=params, headers=headers)
        return _container_of(data, path)

    async def _parsed(
        self,
        path: str,
        parse: Callable[[dict[str, Any]], T],
        *,
        memo: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ttl: float | None = None,
    ) -> T:
        """``parse`` of the answer's ``MediaContainer``; with ``ttl`` cached, and on a cache hit
        the models parsed before (see :meth:`ServiceClient.get_parsed`)."""
        return await self.http.get_parsed(
            path,
            lambda data: parse(_container_of(data, path)),
            memo=memo,
            params=params,
            headers=headers,
            cache=ttl is not None,
            cache_ttl=ttl,
        )

    def _list(self, container: dict[str, Any], key: str, model: type[T], path: str) -> list[T]:
        raw = container.get(key) or []
        return self.http.decode(raw, list[model], f"GET {path}")  # type: ignore[valid-type]

    async def _items(
        self, path: str, *, ttl: float | None, params: dict[str, Any] | None = None
    ) -> list[Metadata]:
        items = await self._parsed(
            path,
            lambda c: self._list(c, "Metadata", Metadata, path),
            memo="Metadata",
            params=params,
            ttl=ttl,
        )
        return list(items)  # the parsed list is shared with later cache hits

    async def _invalidate_section(self, section_id: int | str | None) -> None:
        prefixes = ["/library/sections/all", "/library/recentlyAdded", "/hubs/search"]
        if section_id is not None:
            prefixes += [f"/library/sections/{section_id}/", f"/library/sections/{section_id}?"]
        await self.http.invalidate(*prefixes)

    # -- server ----------------------------------------------------------------------------

    async def identity(self) -> PlexIdentity:
        """The server's machine identifier and version. ``GET /identity``."""
        return await self._parsed(
            "/identity",
            lambda c: self.http.decode(c, PlexIdentity, "GET /identity"),
            memo="PlexIdentity",
            ttl=TTL_SERVER,
        )

    async def server_info(self) -> ServerInfo:
        """The server's name, version, platform and owner. ``GET /``."""
        return await self._parsed(
            "/",
            lambda c: self.http.decode(c, ServerInfo, "GET /"),
            memo="ServerInfo",
            ttl=TTL_SERVER,
        )

    async def health(self) -> HealthReport:
        """Whether the server answers ``GET /identity``, with latency and version."""
        return await self.http.probe(
            "/identity", version=lambda r: str(r.json()["MediaContainer"]["version"])
        )

    # -- library ---------------------------------------------------------------------------

    async def library_sections(self) -> list[LibrarySection]:
        """Every library section. ``GET /library/sections/all``."""
        path = "/library/sections/all"
        sections = await self._parsed(
            path,
            lambda c: self._list(c, "Directory", LibrarySection, path),
            memo="LibrarySection",
            ttl=TTL_LIBRARY,
        )
        return list(sections)

    async def section_items(
        self,
        section_id: int | str,
        *,
        start: int = 0,
        size: int = 100,
        sort: str | None = None,
        filters: Mapping[str, str | int | bool] | None = None,
        include_guids: bool = False,
    ) -> SectionPage:
        """One page of a section's items. ``GET /library/sections/{sectionId}/all``.

        Args:
            section_id: The section's ``key``.
            start: Offset of the first item (``X-Plex-Container-Start``).
            size: Page size (``X-Plex-Container-Size``), 1..1000.
            sort: Plex sort, e.g. ``"titleSort"``, ``"addedAt:desc"``.
            filters: Plex filters, e.g. ``{"unwatched": 1, "year": 1999, "genre": "Drama"}``.
            include_guids: Ask for each item's external ids (``Metadata.guids``).

        Raises:
            ValueError: ``start < 0`` or ``size`` outside 1..1000.
            NotFoundError: no such section.
        """
        if start < 0 or not 1 <= size <= 1000:
            raise ValueError(f"need start >= 0 and 1 <= size <= 1000, got {start}, {size}")
        path = f"/library/sections/{_segment(section_id)}/all"
        params: dict[str, Any] = {k: _param(v) for k, v in (filters or {}).items()}
        if sort is not None:
            params["sort"] = sort
        if include_guids:
            params["includeGuids"] = 1
        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}

        def parse(container: dict[str, Any]) -> tuple[list[Metadata], int | None, int | None]:
            items = self._list(container, "Metadata", Metadata, path)
            total, offset = container.get("totalSize"), container.get("offset")
            return items, _whole(total), _whole(offset)

        items, total, offset = await self._parsed(
            path, parse, memo="SectionPage", params=params, headers=headers, ttl=TTL_LIBRARY
        )
        return SectionPage(
            items=list(items),
            start=start if offset is None else offset,
            size=size,
            total_size=total,
        )

    async def iter_section_items(
        self,
        section_id: int | str,
        *,
        page_size: int = 200,
        sort: str | None = None,
        filters: Mapping[str, str | int | bool] | None = None,
        include_guids: bool = False,
    ) -> AsyncIterator[Metadata]:
        """Every item of a section, page by page (see :meth:`section_items`): until the
        ``totalSize`` the server reports, or, when it reports none, a page shorter than
        ``page_size``."""
        start = 0
        while True:
            page = await self.section_items(
                section_id,
                start=start,
                size=page_size,
                sort=sort,
                filters=filters,
                include_guids=include_guids,
            )
            for item in page.items:
                yield item
            start += len(page.items)
            if not page.items or not page.has_more:
                return

    async def metadata(self, rating_key: int | str) -> Metadata:
        """One item by rating key. ``GET /library/metadata/{ids}``.

        Raises:
            NotFoundError: no such item.
            DecodeError: the answer holds no item.
        """
        path = f"/library/metadata/{_segment(rating_key)}"
        items = await self._items(path, ttl=TTL_LIBRARY)
        if not items:
            raise DecodeError(
                f"GET {path}: no Metadata",
                service=SERVICE,
                endpoint=f"GET {path}",
                field="$.MediaContainer.Metadata",
            )
        return items[0]

    async def children(self, rating_key: int | str) -> list[Metadata]:
        """A show's seasons, a season's episodes, an album's tracks.
        ``GET /library/metadata/{id}/children``."""
        path = f"/library/metadata/{_segment(rating_key)}/children"
        return await self._items(path, ttl=TTL_LIBRARY)

    async def search(
        self, query: str, *, section_id: int | str | None = None, limit: int = 10
    ) -> list[SearchHub]:
        """Search the library. ``GET /hubs/search``.

        Returns:
            One :class:`SearchHub` per kind of result (movies, shows, episodes...) with hits:
            Plex lists movies and episodes as ``Metadata``, shows and artists as
            ``Directory``; both are read.

        Raises:
            ValueError: empty query or ``limit < 1``.
        """
        if not query.strip():
            raise ValueError("search query must not be empty")
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        params: dict[str, Any] = {"query": query, "limit": limit}
        if section_id is not None:
            params["sectionId"] = section_id

        def parse(container: dict[str, Any]) -> list[SearchHub]:
            hubs = []
            for raw in container.get("Hub") or []:
                if not isinstance(raw, dict):
                    continue
                hits = [*(raw.get("Metadata") or []), *(raw.get("Directory") or [])]
                items = self.http.decode(hits, list[Metadata], "GET /hubs/search")
                if items:
                    hubs.append(
                        SearchHub(
                            title=str(raw.get("title", "")),
                            type=str(raw.get("type", "")),
                            hub_identifier=raw.get("hubIdentifier"),
                            items=items,
                        )
                    )
            return hubs

        hubs = await self._parsed(
            "/hubs/search", parse, memo="SearchHub", params=params, ttl=TTL_SEARCH
        )
        return list(hubs)

    async def recently_added(self, section_id: int | str | None = None) -> list[Metadata]:
        """Recently added items, newest first: of the whole library, or one section.
        ``GET /library/recentlyAdded`` / ``GET /library/sections/{sectionId}/recentlyAdded``."""
        if section_id is None:
            return await self._items("/library/recentlyAdded", ttl=TTL_SEARCH)
        path = f"/library/sections/{_segment(section_id)}/recentlyAdded"
        return await self._items(path, ttl=TTL_SEARCH)

    async def on_deck(self, section_id: int | str | None = None) -> list[Metadata]:
        """What the token's user is watching next: of one section, or (``None``) of the whole
        library, as Plex orders it (most recently viewed first). One request:
        ``GET /library/onDeck`` (served by every PMS and used by Plex's own apps; the spec
        lists only the per-section path) or ``GET /library/sections/{sectionId}/onDeck``.
        Never cached."""
        if section_id is not None:
            return await self._items(f"/library/sections/{_segment(section_id)}/onDeck", ttl=None)
        return await self._items("/library/onDeck", ttl=None)

    async def sessions(self) -> list[PlexSession]:
        """What is playing now, on every player. ``GET /status/sessions`` (never cached)."""
        endpoint = "GET /status/sessions"
        container = await self._container("/status/sessions")
        sessions = []
        decode = self.http.decode
        for raw in container.get("Metadata") or []:
            if not isinstance(raw, dict):
                continue
            user, player = raw.get("User"), raw.get("Player")
            session, transcode = raw.get("Session"), raw.get("TranscodeSession")
            user_id = user.get("id") if isinstance(user, dict) else None
            sessions.append(
                PlexSession(
                    item=decode(raw, Metadata, endpoint),
                    user=user.get("title") if isinstance(user, dict) else None,
                    user_id=decode(user_id, int | None, endpoint),  # type: ignore[arg-type]
                    player=decode(player, PlexPlayer, endpoint)
                    if isinstance(player, dict)
                    else None,
                    session=decode(session, PlexSessionInfo, endpoint)
                    if isinstance(session, dict)
                    else None,
                    transcode=decode(transcode, TranscodeSession, endpoint)
                    if isinstance(transcode, dict)
                    else None,
                )
            )
        return sessions

    async def refresh_section(
        self,
        section_id: int | str,
        *,
        path: str | None = None,
        force: bool = False,
        wait: bool = False,
        timeout: float = 600.0,
        interval: float = 0.5,
    ) -> None:
        """Scan a section for new files: all of it, or just one folder (``path``, a folder on
        the server inside the section). ``POST /library/sections/{sectionId}/refresh``; with
        ``wait``, then ``GET /activities`` every ``interval`` seconds until the section's scan
        ended, so the next call finds what it added.

        Invalidates the section's cached entries (again once the scan ended).

        Args:
            path: Scan only this folder (a partial scan; much faster on big libraries).
            force: Refresh metadata of existing items too.
            wait: Return only when the scan is over: its activity came and went, or the
                section's ``scannedAt`` moved (a scan too short to be seen).
            timeout: Seconds ``wait`` may take.
            interval: Seconds between looks at the activities.

        Raises:
            WaitTimeout: ``wait`` and the scan still runs after ``timeout`` seconds (it goes
                on on the server).
            NotFoundError: no such section.
        """
        params: dict[str, Any] = {}
        if path is not None:
            params["path"] = path
        if force:
            params["force"] = 1
        before = await self._scanned_at(section_id) if wait else None
        await self.http.request(
            "POST",
            f"/library/sections/{_segment(section_id)}/refresh",
            params=params,
            retry_safe=True,
        )
        await self._invalidate_section(section_id)
        if wait:
            await self._wait_for_scan(str(section_id), before, timeout, interval)
            await self._invalidate_section(section_id)

    async def _scanned_at(self, section_id: int | str) -> datetime | None:
        container = await self._container("/library/sections/all")
        sections = self._list(container, "Directory", LibrarySection, "/library/sections/all")
        section = next((s for s in sections if s.key == str(section_id)), None)
        return None if section is None else section.scanned_at

    async def _wait_for_scan(
        self, section_id: str, before: datetime | None, timeout: float, interval: float
    ) -> None:
        start = time.monotonic()
        seen = False
        with anyio.move_on_after(timeout):
            while True:
                scanning = any(
                    a.type == Activity.SCAN and a.section_id in (section_id, None)
                    for a in await self.activities()
                )
                seen = seen or scanning
                if not scanning and (seen or await self._scanned_at(section_id) != before):
                    return
                await anyio.sleep(interval)
        raise WaitTimeout(
            f"the scan of library section {section_id} did not end within {timeout} s (it "
            "goes on on the server)",
            service=SERVICE,
            waited=time.monotonic() - start,
            what=f"scan of section {section_id}",
        )

    async def activities(self) -> list[Activity]:
        """What the server is doing now: scans, refreshes, analyses. ``GET /activities``
        (never cached)."""
        container = await self._container("/activities")
        return self._list(container, "Activity", Activity, "/activities")

    async def history(
        self,
        *,
        account_id: int | None = None,
        section_id: int | str | None = None,
        rating_key: int | str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "viewedAt:desc",
        page_size: int = 200,
    ) -> AsyncIterator[HistoryEntry]:
        """The watch history, newest first by default, page by page.
        ``GET /status/sessions/history/all`` (never cached).

        Args:
            account_id: Only this account's plays (1 is the owner).
            section_id: Only this library section.
            rating_key: Only plays of this item (``metadataItemID``).
            since, until: Only plays at or after / before these aware datetimes.
            sort: Plex sort, ``"viewedAt:desc"`` or ``"viewedAt"``.
            page_size: Entries per request, 1..1000.

        Raises:
            ValueError: ``page_size`` outside 1..1000, or a naive datetime.
        """
        if not 1 <= page_size <= 1000:
            raise ValueError(f"page_size must be in 1..1000, got {page_size}")
        params: dict[str, Any] = {"sort": sort}
        if account_id is not None:
            params["accountID"] = account_id
        if section_id is not None:
            params["librarySectionID"] = section_id
        if rating_key is not None:
            params["metadataItemID"] = rating_key
        for name, when in (("viewedAt>", since), ("viewedAt<", until)):
            if when is not None:
                if when.tzinfo is None:
                    raise ValueError(f"{name[:-1]} bound must be an aware datetime")
                params[name] = int(when.timestamp())
        path = "/status/sessions/history/all"
        start = 0
        while True:
            page = {**params, "X-Plex-Container-Start": start, "X-Plex-Container-Size": page_size}
            container = await self._container(path, params=page)
            entries = self._list(container, "Metadata", HistoryEntry, path)
            for entry in entries:
                yield entry
            start += len(entries)
            total = container.get("totalSize")
            if isinstance(total, bool) or not isinstance(total, int):
                total = None
            if not entries or (len(entries) < page_size if total is None else start >= total):
                return

    # -- collections -----------------------------------------------------------------------

    async def collections(self, section_id: int | str) -> list[Metadata]:
        """A section's collections. ``GET /library/sections/{sectionId}/collections``."""
        path = f"/library/sections/{_segment(section_id)}/collections"
        return await self._items(path, ttl=TTL_LIBRARY)

    async def _items_uri(self, rating_keys: Sequence[int | str]) -> str:
        if not rating_keys:
            raise ValueError("give at least one rating key")
        machine = (await self.identity()).machine_identifier
        keys = ",".join(str(_segment(k)) for k in rating_keys)
        return f"server://{machine}/com.plexapp.plugins.library/library/metadata/{keys}"

    async def create_collection(
        self, section_id: int | str, title: str, rating_keys: Sequence[int | str]
    ) -> Metadata:
        """Create a collection of items in a section. ``POST /library/collections``.

        Raises:
            ValueError: empty title or no items, or a section type without collections.
            NotFoundError: no such section.
        """
        if not title.strip():
            raise ValueError("collection title must not be empty")
        section = next((s for s in await self.library_sections() if s.key == str(section_id)), None)
        if section is None:
            raise NotFoundError(
                f"no library section {str(section_id)[:40]!r} on this server",
                service=SERVICE,
                method="GET",
                url=self.http.url("/library/sections/all"),
                status=404,
            )
        item_type = SECTION_ITEM_TYPE.get(section.type)
        if item_type is None:
            raise ValueError(f"sections of type {section.type!r} have no collections")
        params = {
            "type": item_type,
            "title": title,
            "smart": 0,
            "sectionId": section.key,
            "uri": await self._items_uri(rating_keys),
        }
        response = await self.http.request("POST", "/library/collections", params=params)
        await self._invalidate_section(section.key)
        data = self.http.json_of(response)
        raw = (data.get("MediaContainer") or {}).get("Metadata") if isinstance(data, dict) else None
        if not raw:
            raise DecodeError(
                "POST /library/collections: no Metadata",
                service=SERVICE,
                endpoint="POST /library/collections",
                field="$.MediaContainer.Metadata",
            )
        return self.http.decode(raw[0], Metadata, "POST /library/collections")

    async def add_to_collection(
        self, collection_key: int | str, rating_keys: Sequence[int | str]
    ) -> None:
        """Add items to a collection. ``PUT /library/collections/{collectionId}/items``."""
        section = await self._section_of(collection_key)
        await self.http.request(
            "PUT",
            f"/library/collections/{_segment(collection_key)}/items",
            params={"uri": await self._items_uri(rating_keys)},
        )
        await self._invalidate_section(section)

    async def remove_from_collection(
        self, collection_key: int | str, rating_key: int | str
    ) -> None:
        """Remove an item from a collection.
        ``DELETE /library/collections/{collectionId}/items/{itemId}`` (as Plex Web does; the
        OpenAPI spec does not list this path yet)."""
        section = await self._section_of(collection_key)
        await self.http.request(
            "DELETE",
            f"/library/collections/{_segment(collection_key)}/items/{_segment(rating_key)}",
        )
        await self._invalidate_section(section)

    async def delete_collection(self, collection_key: int | str) -> None:
        """Delete a collection (not its items). ``DELETE /library/metadata/{ids}``."""
        section = await self._section_of(collection_key)
        await self.http.request("DELETE", f"/library/metadata/{_segment(collection_key)}")
        await self.http.invalidate(f"/library/metadata/{collection_key}")
        await self._invalidate_section(section)

    # -- live notifications -------------------------------------------------------------

    def notifications(self, *, reconnect: bool = True, buffer: int = 256) -> NotificationStream:
        """The server's live notifications over its websocket
        (``/:/websockets/notifications``, the token in the ``X-Plex-Token`` header): library
        items added, changed and deleted, scans and their progress, playback states, status
        messages; see :mod:`medianest_sdk.plex.notifications`.

        ``async with plex.notifications() as stream: async for event in stream: ...``

        Args:
            reconnect: Reconnect after a drop (through the pipeline's circuit breaker, with its
                retry policy or :data:`~medianest_sdk.plex.adapter.RECONNECT`); ``False``:
                the iteration ends with the drop's :class:`WebSocketClosed`.
            buffer: Notifications held for a slow consumer before the reader waits.

        Raises (entering, or while iterating):
            ConnectError, RequestTimeout: the server cannot be reached (after the retries).
            AuthenticationError: the token was refused.
            CircuitOpenError: the breaker is open.
            WebSocketClosed: the socket dropped and ``reconnect`` is off.
        """
        pipeline = self.http.pipeline
        retry = getattr(pipeline, "retry", None)
        breaker = getattr(pipeline, "breaker", None)
        return NotificationStream(
            self,
            reconnect=reconnect,
            retry=retry if isinstance(retry, RetryPolicy) else RECONNECT,
            breaker=breaker if isinstance(breaker, CircuitBreaker) else None,
            buffer=buffer,
        )

    # -- watched state ------------------------------------------------------------------

    async def mark_played(self, rating_key: int | str) -> None:
        """Mark an item (a show or season: all its episodes) played, without a history entry.
        ``PUT /:/scrobble?identifier=com.plexapp.plugins.library&key=``."""
        await self._library_action("/:/scrobble", rating_key)

    async def mark_unplayed(self, rating_key: int | str) -> None:
        """Mark an item unplayed. ``PUT /:/unscrobble``."""
        await self._library_action("/:/unscrobble", rating_key)

    async def rate(self, rating_key: int | str, rating: float) -> None:
        """Set the user's rating of an item, 0-10 (Plex's stars are 2 points each); ``-1``
        removes it. ``PUT /:/rate``.

        Raises:
            ValueError: ``rating`` outside 0-10 (and not -1).
        """
        if not (rating == -1 or 0 <= rating <= 10):
            raise ValueError(f"rating must be within 0..10 (or -1 to clear), got {rating}")
        await self._library_action("/:/rate", rating_key, rating=rating)

    async def set_progress(self, rating_key: int | str, position_ms: int) -> None:
        """Set where playback resumes, in milliseconds from the start. ``GET /:/progress``.

        Raises:
            ValueError: a negative position.
        """
        if position_ms < 0:
            raise ValueError(f"position_ms must be >= 0, got {position_ms}")
        await self.http.request(
            "GET", "/:/progress", params={"key": str(rating_key), "time": int(position_ms)}
        )
        await self.http.invalidate(f"/library/metadata/{rating_key}")

    async def _library_action(self, path: str, rating_key: int | str, **extra: Any) -> None:
        params = {"identifier": "com.plexapp.plugins.library", "key": str(rating_key), **extra}
        await self.http.request("PUT", path, params=params)
        await self.http.invalidate(f"/library/metadata/{rating_key}")

    # -- finding by external id --------------------------------------------------------

    async def find_by_external_id(
        self, external_id: ExternalId | str, *, section_id: int | str | None = None
    ) -> Metadata | None:
        """The item with this id at another database (``"imdb://tt0111161"``,
        ``"tmdb://278"``, ``"tvdb://81189"``, or Plex's ``"plex://movie/..."``), searched in
        one section or every movie and show section; ``None`` when there is none.
        ``GET /library/sections/{sectionId}/all?includeGuids=1``, paged (cached as section
        pages are, so repeated look-ups cost no requests), as python-plexapi's ``getGuid``.

        Raises:
            ValueError: not ``source://id``.
        """
        wanted = (
            external_id if isinstance(external_id, ExternalId) else ExternalId.parse(external_id)
        )
        if section_id is None:
            keys = [s.key for s in await self.library_sections() if s.type in ("movie", "show")]
        else:
            keys = [str(section_id)]
        for key in keys:
            async for item in self.iter_section_items(key, page_size=500, include_guids=True):
                if wanted in item.guids or (wanted.source == "plex" and item.guid == str(wanted)):
                    return item
        return None

    # -- playlists -------------------------------------------------------------------------

    async def playlists(
        self, playlist_type: Literal["video", "audio", "photo"] | None = None
    ) -> list[Playlist]:
        """The user's playlists. ``GET /playlists`` (``playlistType=`` filters)."""
        params = None if playlist_type is None else {"playlistType": playlist_type}
        playlists = await self._parsed(
            "/playlists",
            lambda c: self._list(c, "Metadata", Playlist, "/playlists"),
            memo="Playlist",
            params=params,
            ttl=TTL_SEARCH,
        )
        return list(playlists)

    async def playlist_items(self, playlist_key: int | str) -> list[Metadata]:
        """A playlist's items in order (each with ``playlist_item_id``).
        ``GET /playlists/{playlistId}/items``."""
        return await self._items(f"/playlists/{_segment(playlist_key)}/items", ttl=TTL_SEARCH)

    async def create_playlist(
        self,
        title: str,
        rating_keys: Sequence[int | str],
        *,
        playlist_type: Literal["video", "audio", "photo"] = "video",
    ) -> Playlist:
        """Create a playlist of items. ``POST /playlists?type=&title=&smart=0&uri=``.

        Raises:
            ValueError: empty title or no items.
            DecodeError: the answer holds no playlist.
        """
        if not title.strip():
            raise ValueError("playlist title must not be empty")
        params = {
            "type": playlist_type,
            "title": title,
            "smart": 0,
            "uri": await self._items_uri(rating_keys),
        }
        response = await self.http.request("POST", "/playlists", params=params)
        await self.http.invalidate("/playlists")
        data = self.http.json_of(response)
        raw = (data.get("MediaContainer") or {}).get("Metadata") if isinstance(data, dict) else None
        if not raw:
            raise DecodeError(
                "POST /playlists: no Metadata",
                service=SERVICE,
                endpoint="POST /playlists",
                field="$.MediaContainer.Metadata",
            )
        return self.http.decode(raw[0], Playlist, "POST /playlists")

    async def add_to_playlist(
        self, playlist_key: int | str, rating_keys: Sequence[int | str]
    ) -> None:
        """Append items to a playlist. ``PUT /playlists/{playlistId}/items?uri=``."""
        await self.http.request(
            "PUT",
            f"/playlists/{_segment(playlist_key)}/items",
            params={"uri": await self._items_uri(rating_keys)},
        )
        await self.http.invalidate("/playlists")

    async def remove_from_playlist(self, playlist_key: int | str, playlist_item_id: int) -> None:
        """Remove one entry (``Metadata.playlist_item_id`` of :meth:`playlist_items`).
        ``DELETE /playlists/{playlistId}/items/{playlistItemId}``."""
        await self.http.request(
            "DELETE",
            f"/playlists/{_segment(playlist_key)}/items/{_segment(playlist_item_id)}",
        )
        await self.http.invalidate("/playlists")

    async def delete_playlist(self, playlist_key: int | str) -> None:
        """Delete a playlist (not its items). ``DELETE /playlists/{playlistId}``."""
        await self.http.request("DELETE", f"/playlists/{_segment(playlist_key)}")
        await self.http.invalidate("/playlists")

    async def _section_of(self, rating_key: int | str) -> int | None:
        return (await self.metadata(rating_key)).library_section_id


def _container_of(data: Any, path: str) -> dict[str, Any]:
    container = data.get("MediaContainer") if isinstance(data, dict) else None
    if not isinstance(container, dict):
        raise DecodeError(
            f"GET {path}: no MediaContainer object",
            service=SERVICE,
            endpoint=f"GET {path}",
            field="$.MediaContainer",
        )
    return container


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _param(value: str | int | bool) -> str | int:
    return int(value) if isinstance(value, bool) else value
