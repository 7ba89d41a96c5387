"""Typed records of qBittorrent's WebUI API v2 (4.1 to 5.x).

Field names are qBittorrent's own JSON keys (``dlspeed``, ``num_seeds``, ``save_path``), so
what you read in qBittorrent's wiki and in qbittorrent-api's dictionaries is what you type
here. Units: sizes and amounts in **bytes**, speeds and limits in **bytes per second** (a
limit of ``0`` or ``-1`` is "no limit"), durations in **seconds**, progress and ratios as
floats (progress ``0.0``-``1.0``), times as aware UTC datetimes (qBittorrent's unix seconds;
its "never" values, ``-1`` and ``0``, become ``None``), ``eta`` ``None`` for "infinite"
(qBittorrent's 8,640,000). Unknown fields are ignored; missing ones take the defaults below,
since older servers send fewer fields.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NewType

import attrs

from ..decoding import OpenStrEnum, camel_case, converter

__all__ = [
    "BuildInfo",
    "Category",
    "EpochTime",
    "Peer",
    "Preferences",
    "ServerState",
    "TagList",
    "Torrent",
    "TorrentFile",
    "TorrentProperties",
    "TorrentState",
    "Tracker",
    "TransferInfo",
]

EpochTime = NewType("EpochTime", datetime)
"""An aware UTC datetime read from unix seconds; qBittorrent's ``-1``/``0`` ("never") and
out-of-range values read as ``None``."""

TagList = NewType("TagList", tuple[str, ...])
"""Tags read from qBittorrent's ``"tag1, tag2"`` string (or a list), empty entries dropped."""

Seconds = NewType("Seconds", int)
"""A duration in seconds where qBittorrent's 8,640,000 ("infinity") and negatives read as
``None``."""

MAX_ETA = 8_640_000
"""qBittorrent's "infinite" ETA: 100 days in seconds (``MAX_ETA`` in its sources)."""


def _epoch(value: Any, _: type) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not unix seconds: {type(value).__name__}")
    if value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _tags(value: Any, _: type) -> tuple[str, ...]:
    if isinstance(value, str):
        parts: list[Any] = value.split(",")
    elif isinstance(value, list):
        parts = value
    else:
        raise ValueError(f"not a tag list: {type(value).__name__}")
    if not all(isinstance(part, str) for part in parts):
        raise ValueError("a tag is not a string")
    return tuple(t for t in (part.strip() for part in parts) if t)


def _seconds(value: Any, _: type) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"not whole seconds: {type(value).__name__}")
    return None if value < 0 or value >= MAX_ETA else value


converter.register_structure_hook(EpochTime, _epoch)
converter.register_structure_hook(TagList, _tags)
converter.register_structure_hook(Seconds, _seconds)


class TorrentState(OpenStrEnum):
    """A torrent's state (``state`` of ``/api/v2/torrents/info``). Open: a state a newer server
    adds is kept (named ``UNKNOWN``).

    qBittorrent 5.0 (WebUI API 2.11) renamed ``pausedDL``/``pausedUP`` to
    ``stoppedDL``/``stoppedUP``; both are members, and :attr:`is_stopped` is true for either.
    """

    ERROR = "error"
    MISSING_FILES = "missingFiles"
    UPLOADING = "uploading"
    PAUSED_UP = "pausedUP"
    STOPPED_UP = "stoppedUP"
    QUEUED_UP = "queuedUP"
    STALLED_UP = "stalledUP"
    CHECKING_UP = "checkingUP"
    FORCED_UP = "forcedUP"
    ALLOCATING = "allocating"
    DOWNLOADING = "downloading"
    META_DL = "metaDL"
    FORCED_META_DL = "forcedMetaDL"
    PAUSED_DL = "pausedDL"
    STOPPED_DL = "stoppedDL"
    QUEUED_DL = "queuedDL"
    STALLED_DL = "stalledDL"
    CHECKING_DL = "checkingDL"
    FORCED_DL = "forcedDL"
    CHECKING_RESUME_DATA = "checkingResumeData"
    MOVING = "moving"
    UNKNOWN_STATE = "unknown"

    @property
    def is_stopped(self) -> bool:
        """Paused (4.x) or stopped (5.x), downloading or seeding."""
        return self in (
            TorrentState.PAUSED_DL,
            TorrentState.PAUSED_UP,
            TorrentState.STOPPED_DL,
            TorrentState.STOPPED_UP,
        )

    @property
    def is_checking(self) -> bool:
        """Checking files or resume data (progress is not final yet)."""
        return self in (
            TorrentState.CHECKING_DL,
            TorrentState.CHECKING_UP,
            TorrentState.CHECKING_RESUME_DATA,
        )

    @property
    def is_errored(self) -> bool:
        """``error`` or ``missingFiles``: qBittorrent will not go on without a hand."""
        return self in (TorrentState.ERROR, TorrentState.MISSING_FILES)

    @property
    def is_complete(self) -> bool:
        """A seeding-side state (``*UP``, ``uploading``): every wanted piece is here."""
        return self in (
            TorrentState.UPLOADING,
            TorrentState.PAUSED_UP,
            TorrentState.STOPPED_UP,
            TorrentState.QUEUED_UP,
            TorrentState.STALLED_UP,
            TorrentState.FORCED_UP,
        )


@attrs.frozen(kw_only=True)
class Torrent:
    """One torrent as ``GET /api/v2/torrents/info`` (and ``sync/maindata``) describe it.

    ``hash`` is qBittorrent's torrent ID: the v1 info hash (40 hex digits), or for a v2-only
    torrent the first 40 hex digits of its v2 hash. ``infohash_v1``/``infohash_v2`` are empty
    when the torrent has no such hash (qBittorrent 4.4+ sends them).
    """

    hash: str
    name: str = ""
    state: TorrentState = TorrentState.UNKNOWN_STATE
    progress: float = 0.0
    size: int = 0
    total_size: int = 0
    downloaded: int = 0
    uploaded: int = 0
    downloaded_session: int = 0
    uploaded_session: int = 0
    amount_left: int = 0
    completed: int = 0
    dlspeed: int = 0
    upspeed: int = 0
    dl_limit: int = -1
    up_limit: int = -1
    eta: Seconds | None = None
    ratio: float = 0.0
    num_seeds: int = 0
    num_leechs: int = 0
    num_complete: int = 0
    num_incomplete: int = 0
    category: str = ""
    tags: TagList = attrs.field(default=TagList(()))
    save_path: str = ""
    content_path: str = ""
    download_path: str = ""
    added_on: EpochTime | None = None
    completion_on: EpochTime | None = None
    last_activity: EpochTime | None = None
    seen_complete: EpochTime | None = None
    magnet_uri: str = ""
    infohash_v1: str = ""
    infohash_v2: str = ""
    priority: int = 0
    seq_dl: bool = False
    f_l_piece_prio: bool = False
    force_start: bool = False
    super_seeding: bool = False
    auto_tmm: bool = False
    tracker: str = ""
    trackers_count: int = 0
    availability: float = 0.0
    time_active: int = 0
    seeding_time: int = 0
    max_ratio: float = -1.0
    max_seeding_time: int = -1
    private: bool | None = None
    comment: str = ""


@attrs.frozen(kw_only=True)
class TorrentProperties:
    """``GET /api/v2/torrents/properties?hash=``: one torrent's general properties."""

    save_path: str = ""
    download_path: str = ""
    creation_date: EpochTime | None = None
    addition_date: EpochTime | None = None
    completion_date: EpochTime | None = None
    last_seen: EpochTime | None = None
    piece_size: int = 0
    pieces_have: int = 0
    pieces_num: int = 0
    comment: str = ""
    created_by: str = ""
    total_size: int = 0
    total_downloaded: int = 0
    total_downloaded_session: int = 0
    total_uploaded: int = 0
    total_uploaded_session: int = 0
    total_wasted: int = 0
    dl_speed: int = 0
    dl_speed_avg: int = 0
    up_speed: int = 0
    up_speed_avg: int = 0
    dl_limit: int = -1
    up_limit: int = -1
    time_elapsed: int = 0
    seeding_time: int = 0
    eta: Seconds | None = None
    nb_connections: int = 0
    nb_connections_limit: int = 0
    seeds: int = 0
    seeds_total: int = 0
    peers: int = 0
    peers_total: int = 0
    share_ratio: float = 0.0
    reannounce: int = 0
    is_private: bool | None = None


@attrs.frozen(kw_only=True)
class TorrentFile:
    """A file of a torrent (``GET /api/v2/torrents/files?hash=``).

    ``index`` is the file id the priority and rename calls take (qBittorrent 4.2.1+ sends it;
    older servers list files in index order). ``priority``: 0 do not download, 1 normal, 6
    high, 7 maximal. ``piece_range`` is ``[first, last]`` piece index.
    """

    index: int = -1
    name: str
    size: int = 0
    progress: float = 0.0
    priority: int = 1
    is_seed: bool | None = None
    piece_range: tuple[int, int] = (0, 0)
    availability: float = 0.0


@attrs.frozen(kw_only=True)
class Tracker:
    """A tracker of a torrent (``GET /api/v2/torrents/trackers?hash=``). The first three rows
    are qBittorrent's pseudo-trackers ``** [DHT] **``, ``** [PeX] **`` and ``** [LSD] **``.

    ``status``: 0 disabled, 1 not contacted yet, 2 working, 3 updating, 4 not working.
    ``num_*`` are ``-1`` when the tracker did not say.
    """

    url: str
    status: int = 0
    tier: int = -1
    num_peers: int = -1
    num_seeds: int = -1
    num_leeches: int = -1
    num_downloaded: int = -1
    msg: str = ""


@attrs.frozen(kw_only=True)
class Peer:
    """A connected peer (``peers`` of ``GET /api/v2/sync/torrentPeers``), keyed ``ip:port``."""

    ip: str = ""
    port: int = 0
    client: str = ""
    connection: str = ""
    flags: str = ""
    progress: float = 0.0
    dl_speed: int = 0
    up_speed: int = 0
    downloaded: int = 0
    uploaded: int = 0
    relevance: float = 0.0
    country_code: str = ""


@camel_case
@attrs.frozen(kw_only=True)
class Category:
    """A category: its name and default save path (``GET /api/v2/torrents/categories``)."""

    name: str
    save_path: str = ""


@attrs.frozen(kw_only=True)
class TransferInfo:
    """Global transfer figures (``GET /api/v2/transfer/info``): speeds in bytes/s, data in
    bytes for this session, limits in bytes/s (0: none). ``connection_status``:
    ``"connected"``, ``"firewalled"`` or ``"disconnected"``."""

    dl_info_speed: int = 0
    dl_info_data: int = 0
    up_info_speed: int = 0
    up_info_data: int = 0
    dl_rate_limit: int = 0
    up_rate_limit: int = 0
    dht_nodes: int = 0
    connection_status: str = ""


@attrs.frozen(kw_only=True)
class ServerState(TransferInfo):
    """``server_state`` of ``sync/maindata``: :class:`TransferInfo` plus all-time totals, free
    disk space (bytes) and whether the alternative speed limits are on."""

    alltime_dl: int = 0
    alltime_ul: int = 0
    free_space_on_disk: int = 0
    use_alt_speed_limits: bool = False
    queueing: bool = False
    refresh_interval: int = 1500
    total_peer_connections: int = 0


@attrs.frozen(kw_only=True)
class BuildInfo:
    """``GET /api/v2/app/buildInfo``: library versions qBittorrent was built with."""

    qt: str = ""
    libtorrent: str = ""
    boost: str = ""
    openssl: str = ""
    zlib: str = ""
    bitness: int = 64


@attrs.frozen(kw_only=True)
class Preferences:
    """The commonly used application preferences (``GET /api/v2/app/preferences``); every other
    key is in ``QBittorrentAdapter.preferences(raw=True)``. Limits in bytes/s (0: none),
    ``web_ui_session_timeout`` in seconds."""

    save_path: str = ""
    temp_path_enabled: bool = False
    temp_path: str = ""
    listen_port: int = 0
    dht: bool = False
    pex: bool = False
    lsd: bool = False
    upnp: bool = False
    dl_limit: int = 0
    up_limit: int = 0
    alt_dl_limit: int = 0
    alt_up_limit: int = 0
    queueing_enabled: bool = False
    max_active_downloads: int = -1
    max_active_uploads: int = -1
    max_active_torrents: int = -1
    max_ratio_enabled: bool = False
    max_ratio: float = -1.0
    max_seeding_time_enabled: bool = False
    max_seeding_time: int = -1
    auto_tmm_enabled: bool = False
    start_paused_enabled: bool = False
    web_ui_session_timeout: int = 3600
    web_ui_max_auth_fail_count: int = 5
    web_ui_ban_duration: int = 3600
    bypass_local_auth: bool = False
