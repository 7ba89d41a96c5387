"""The client side of ``GET /api/v2/sync/maindata``: merging its ``rid`` deltas into a state.

qBittorrent answers ``sync/maindata?rid=N`` with what changed since the answer numbered ``N``:
for each changed torrent only its changed fields, ``torrents_removed``, the same for
categories, tags and trackers, a partial ``server_state``, and the new ``rid``. An answer with
``full_update: true`` (the first one, or when the server no longer knows ``N``: it restarted)
replaces everything. :class:`MainData` applies answers in order and reports each torrent as
added, updated (with the changed field names) or removed; after a full update it compares
with what it held, so a server restart is reported as changes, not as a new world.

Pure state, no I/O: the adapter's ``watch()`` feeds it; tests drive it with generated deltas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..decoding import decode
from ..errors import DecodeError
from .models import Category, ServerState, Torrent

__all__ = [
    "MainData",
    "MainDataUpdate",
    "TorrentAdded",
    "TorrentChange",
    "TorrentRemoved",
    "TorrentUpdated",
]

SERVICE = "qbittorrent"
ENDPOINT = "GET /api/v2/sync/maindata"


@attrs.frozen
class TorrentAdded:
    """A torrent appeared (added, or first seen)."""

    torrent: Torrent

    @property
    def hash(self) -> str:
        """The torrent ID."""
        return self.torrent.hash


@attrs.frozen
class TorrentUpdated:
    """Fields of a torrent changed: ``changed`` names them (qBittorrent's keys)."""

    torrent: Torrent
    changed: frozenset[str]

    @property
    def hash(self) -> str:
        """The torrent ID."""
        return self.torrent.hash


@attrs.frozen
class TorrentRemoved:
    """A torrent is gone (deleted, or absent after a full update)."""

    hash: str


TorrentChange = TorrentAdded | TorrentUpdated | TorrentRemoved
"""One change to one torrent."""


@attrs.frozen(kw_only=True)
class MainDataUpdate:
    """What one ``sync/maindata`` answer changed, and the state after it.

    Attributes:
        rid: The response id to send next.
        full_update: The server sent its whole state (first answer, or after a restart).
        changes: The torrent changes, in the order the answer listed them (removals last).
        torrents: Every torrent now known, by hash (a read-only view of the state).
        server_state: Global figures after this answer.
        categories: Categories by name after this answer.
        tags: Tags after this answer, sorted.
    """

    rid: int
    full_update: bool
    changes: tuple[TorrentChange, ...]
    torrents: Mapping[str, Torrent]
    server_state: ServerState
    categories: Mapping[str, Category]
    tags: tuple[str, ...]


def _object(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DecodeError(
            f"{ENDPOINT}: {key} is not an object", service=SERVICE, endpoint=ENDPOINT, field=key
        )
    return value


def _strings(data: Any, key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DecodeError(
            f"{ENDPOINT}: {key} is not a list of strings",
            service=SERVICE,
            endpoint=ENDPOINT,
            field=key,
        )
    return value


class MainData:
    """qBittorrent's state as merged from ``sync/maindata`` answers.

    ``rid`` is what to ask for next (0 at first). :meth:`apply` takes one parsed answer.
    Torrents are decoded once per change, so watching many torrents costs the changed ones.
    """

    def __init__(self) -> None:
        self.rid = 0
        self._raw: dict[str, dict[str, Any]] = {}
        self._torrents: dict[str, Torrent] = {}
        self._server: dict[str, Any] = {}
        self._server_state = ServerState()
        self._categories: dict[str, Category] = {}
        self._raw_categories: dict[str, dict[str, Any]] = {}
        self._tags: set[str] = set()

    @property
    def torrents(self) -> Mapping[str, Torrent]:
        """Every torrent known, by hash."""
        return self._torrents

    def apply(self, data: Any) -> MainDataUpdate:
        """Merge one answer; return what changed.

        Raises:
            DecodeError: the answer is not an object, has no integer ``rid``, or a part of it
                has the wrong shape; the state is left as it was.
        """
        if not isinstance(data, dict):
            raise DecodeError(f"{ENDPOINT}: not an object", service=SERVICE, endpoint=ENDPOINT)
        rid = data.get("rid")
        if isinstance(rid, bool) or not isinstance(rid, int):
            raise DecodeError(
                f"{ENDPOINT}: rid is not an integer",
                service=SERVICE,
                endpoint=ENDPOINT,
                field="rid",
            )
        full = data.get("full_update") is True
        torrents_in = _object(data, "torrents")
        removed_in = _strings(data, "torrents_removed")
        categories_in = _object(data, "categories")
        categories_removed = _strings(data, "categories_removed")
        tags_in = _strings(data, "tags")
        tags_removed = _strings(data, "tags_removed")
        server_in = _object(data, "server_state")

        raw = {} if full else dict(self._raw)
        decoded = {} if full else dict(self._torrents)
        changes: list[TorrentChange] = []
        for key, fields in torrents_in.items():
            if not isinstance(fields, dict):
                raise DecodeError(
                    f"{ENDPOINT}: torrents[{key!r}] is not an object",
                    service=SERVICE,
                    endpoint=ENDPOINT,
                    field=f"torrents.{key}",
                )
            before = self._raw.get(key)
            merged = {**({} if full else (before or {})), **fields, "hash": key}
            torrent = decode(merged, Torrent, service=SERVICE, endpoint=ENDPOINT)
            raw[key] = merged
            decoded[key] = torrent
            if before is None:
                changes.append(TorrentAdded(torrent))
            else:
                changed = frozenset(k for k, v in merged.items() if before.get(k, _MISSING) != v)
                if changed:
                    changes.append(TorrentUpdated(torrent, changed))
        if full:
            changes.extend(TorrentRemoved(key) for key in self._raw if key not in raw)
        for key in removed_in:
            if raw.pop(key, None) is not None:
                decoded.pop(key, None)
                changes.append(TorrentRemoved(key))

        server = {**({} if full else self._server), **server_in}
        server_state = decode(server, ServerState, service=SERVICE, endpoint=ENDPOINT)
        raw_categories = {} if full else dict(self._raw_categories)
        categories = {} if full else dict(self._categories)
        for name, fields in categories_in.items():
            if not isinstance(fields, dict):
                raise DecodeError(
                    f"{ENDPOINT}: categories[{name!r}] is not an object",
                    service=SERVICE,
                    endpoint=ENDPOINT,
                    field=f"categories.{name}",
                )
            merged_cat = {**raw_categories.get(name, {}), **fields, "name": name}
            categories[name] = decode(merged_cat, Category, service=SERVICE, endpoint=ENDPOINT)
            raw_categories[name] = merged_cat
        for name in categories_removed:
            categories.pop(name, None)
            raw_categories.pop(name, None)
        tags = (set() if full else set(self._tags)) | set(tags_in)
        tags.difference_update(tags_removed)

        self.rid = rid
        self._raw = raw
        self._torrents = decoded
        self._server = server
        self._server_state = server_state
        self._categories = categories
        self._raw_categories = raw_categories
        self._tags = tags
        return MainDataUpdate(
            rid=rid,
            full_update=full,
            changes=tuple(changes),
            torrents=decoded,
            server_state=server_state,
            categories=categories,
            tags=tuple(sorted(tags)),
        )


_MISSING = object()
