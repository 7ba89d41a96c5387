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
- ``on_deck(section_id=None)``: ``GET /library/sections/{sectionId}/onDeck``
- ``sessions()``: ``GET /status/sessions``
- ``refresh_section(id, path=, force=)``: ``POST /library/sections/{sectionId}/refresh``
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
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar

from ..errors import DecodeError
from ..events import EventHooks
from ..http import AsyncHTTPClient, HealthReport, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..http import path_segment as _segment
from ..secrets import Secret
from ..version import sdk_version
from .models import (
    SECTION_ITEM_TYPE,
    LibrarySection,
    Metadata,
    PlexIdentity,
    PlexSession,
    SearchHub,
    SectionPage,
    ServerInfo,
)

__all__ = ["PlexAdapter", "plex_headers"]

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
        ttl: float | None = None,
    ) -> dict[str, Any]:
        data = await self.http.get_json(
            path, params=params, headers=headers, cache=ttl is not None, cache_ttl=ttl
        )
        container = data.get("MediaContainer") if isinstance(data, dict) else None
        if not isinstance(container, dict):
            raise DecodeError(
                f"GET {path}: no MediaContainer object",
                service=SERVICE,
                endpoint=f"GET {path}",
                field="$.MediaContainer",
            )
        return container

    def _list(self, container: dict[str, Any], key: str, model: type[T], path: str) -> list[T]:
        raw = container.get(key) or []
        return self.http.decode(raw, list[model], f"GET {path}")  # type: ignore[valid-type]

    async def _items(
        self, path: str, *, ttl: float | None, params: dict[str, Any] | None = None
    ) -> list[Metadata]:
        container = await self._container(path, params=params, ttl=ttl)
        return self._list(container, "Metadata", Metadata, path)

    async def _invalidate_section(self, section_id: int | str | None) -> None:
        prefixes = ["/library/sections/all", "/library/recentlyAdded", "/hubs/search"]
        if section_id is not None:
            prefixes += [f"/library/sections/{section_id}/", f"/library/sections/{section_id}?"]
        await self.http.invalidate(*prefixes)

    # -- server ----------------------------------------------------------------------------

    async def identity(self) -> PlexIdentity:
        """The server's machine identifier and version. ``GET /identity``."""
        container = await self._container("/identity", ttl=TTL_SERVER)
        return self.http.decode(container, PlexIdentity, "GET /identity")

    async def server_info(self) -> ServerInfo:
        """The server's name, version, platform and owner. ``GET /``."""
        container = await self._container("/", ttl=TTL_SERVER)
        return self.http.decode(container, ServerInfo, "GET /")

    async def health(self) -> HealthReport:
        """Whether the server answers ``GET /identity``, with latency and version."""
        return await self.http.probe(
            "/identity", version=lambda r: str(r.json()["MediaContainer"]["version"])
        )

    # -- library ---------------------------------------------------------------------------

    async def library_sections(self) -> list[LibrarySection]:
        """Every library section. ``GET /library/sections/all``."""
        path = "/library/sections/all"
        container = await self._container(path, ttl=TTL_LIBRARY)
        return self._list(container, "Directory", LibrarySection, path)

    async def section_items(
        self,
        section_id: int | str,
        *,
        start: int = 0,
        size: int = 100,
        sort: str | None = None,
        filters: Mapping[str, str | int | bool] | None = None,
    ) -> SectionPage:
        """One page of a section's items. ``GET /library/sections/{sectionId}/all``.

        Args:
            section_id: The section's ``key``.
            start: Offset of the first item (``X-Plex-Container-Start``).
            size: Page size (``X-Plex-Container-Size``), 1..1000.
            sort: Plex sort, e.g. ``"titleSort"``, ``"addedAt:desc"``.
            filters: Plex filters, e.g. ``{"unwatched": 1, "year": 1999, "genre": "Drama"}``.

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
        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}
        container = await self._container(path, params=params, headers=headers, ttl=TTL_LIBRARY)
        items = self._list(container, "Metadata", Metadata, path)
        total = container.get("totalSize")
        if not isinstance(total, int):
            total = start + len(items)
        offset = container.get("offset")
        return SectionPage(
            items=items, start=offset if isinstance(offset, int) else start, total_size=total
        )

    async def iter_section_items(
        self,
        section_id: int | str,
        *,
        page_size: int = 200,
        sort: str | None = None,
        filters: Mapping[str, str | int | bool] | None = None,
    ) -> AsyncIterator[Metadata]:
        """Every item of a section, page by page (see :meth:`section_items`)."""
        start = 0
        while True:
            page = await self.section_items(
                section_id, start=start, size=page_size, sort=sort, filters=filters
            )
            for item in page.items:
                yield item
            start += len(page.items)
            if not page.items or start >= page.total_size:
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
            One :class:`SearchHub` per kind of result (movies, shows, episodes...) with hits.

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
        container = await self._container("/hubs/search", params=params, ttl=TTL_SEARCH)
        hubs = []
        for raw in container.get("Hub") or []:
            if not isinstance(raw, dict):
                continue
            items = self.http.decode(raw.get("Metadata") or [], list[Metadata], "GET /hubs/search")
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

    async def recently_added(self, section_id: int | str | None = None) -> list[Metadata]:
        """Recently added items, newest first: of the whole library, or one section.
        ``GET /library/recentlyAdded`` / ``GET /library/sections/{sectionId}/recentlyAdded``."""
        if section_id is None:
            return await self._items("/library/recentlyAdded", ttl=TTL_SEARCH)
        path = f"/library/sections/{_segment(section_id)}/recentlyAdded"
        return await self._items(path, ttl=TTL_SEARCH)

    async def on_deck(self, section_id: int | str | None = None) -> list[Metadata]:
        """What the token's user is watching next: of one section, or (``None``) of every
        movie and show section, most recently viewed first.
        ``GET /library/sections/{sectionId}/onDeck`` (never cached)."""
        if section_id is not None:
            return await self._items(f"/library/sections/{_segment(section_id)}/onDeck", ttl=None)
        merged: list[Metadata] = []
        for section in await self.library_sections():
            if section.type in ("movie", "show"):
                merged += await self._items(f"/library/sections/{section.key}/onDeck", ttl=None)
        return sorted(
            merged,
            key=lambda m: m.last_viewed_at.timestamp() if m.last_viewed_at else 0,
            reverse=True,
        )

    async def sessions(self) -> list[PlexSession]:
        """What is playing now, on every player. ``GET /status/sessions`` (never cached)."""
        container = await self._container("/status/sessions")
        sessions = []
        for raw in container.get("Metadata") or []:
            if not isinstance(raw, dict):
                continue
            item = self.http.decode(raw, Metadata, "GET /status/sessions")
            user, player, session = raw.get("User"), raw.get("Player"), raw.get("Session")
            sessions.append(
                PlexSession(
                    item=item,
                    user=user.get("title") if isinstance(user, dict) else None,
                    player=player.get("title") if isinstance(player, dict) else None,
                    state=player.get("state") if isinstance(player, dict) else None,
                    session_id=session.get("id") if isinstance(session, dict) else None,
                )
            )
        return sessions

    async def refresh_section(
        self, section_id: int | str, *, path: str | None = None, force: bool = False
    ) -> None:
        """Scan a section for new files: all of it, or just one folder (``path``, a folder on
        the server inside the section). ``POST /library/sections/{sectionId}/refresh``.

        Invalidates the section's cached entries.

        Args:
            path: Scan only this folder (a partial scan; much faster on big libraries).
            force: Refresh metadata of existing items too.
        """
        params: dict[str, Any] = {}
        if path is not None:
            params["path"] = path
        if force:
            params["force"] = 1
        await self.http.request(
            "POST",
            f"/library/sections/{_segment(section_id)}/refresh",
            params=params,
            retry_safe=True,
        )
        await self._invalidate_section(section_id)

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
            raise ValueError(f"no library section {section_id!r}")
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

    async def _section_of(self, rating_key: int | str) -> int | None:
        return (await self.metadata(rating_key)).library_section_id


def _param(value: str | int | bool) -> str | int:
    return int(value) if isinstance(value, bool) else value
