"""qBittorrent: ``QBittorrentAdapter`` for the WebUI API v2, typed models, info hashes, and the
``sync/maindata`` state that ``watch()`` follows."""

from __future__ import annotations

from .adapter import AddResult, QBittorrentAdapter, TorrentFilter, TorrentSource
from .hashes import InfoHash, info_hash_of_magnet, info_hash_of_torrent, normalize_hash
from .maindata import (
    MainData,
    MainDataUpdate,
    TorrentAdded,
    TorrentChange,
    TorrentRemoved,
    TorrentUpdated,
)
from .models import (
    BuildInfo,
    Category,
    EpochTime,
    Peer,
    Preferences,
    ServerState,
    TagList,
    Torrent,
    TorrentFile,
    TorrentProperties,
    TorrentState,
    Tracker,
    TransferInfo,
)

__all__ = [
    "AddResult",
    "BuildInfo",
    "Category",
    "EpochTime",
    "InfoHash",
    "MainData",
    "MainDataUpdate",
    "Peer",
    "Preferences",
    "QBittorrentAdapter",
    "ServerState",
    "TagList",
    "Torrent",
    "TorrentAdded",
    "TorrentChange",
    "TorrentFile",
    "TorrentFilter",
    "TorrentProperties",
    "TorrentRemoved",
    "TorrentSource",
    "TorrentState",
    "TorrentUpdated",
    "Tracker",
    "TransferInfo",
    "info_hash_of_magnet",
    "info_hash_of_torrent",
    "normalize_hash",
]
