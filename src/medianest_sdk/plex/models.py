"""Typed models of the Plex Media Server and plex.tv JSON (spec: ``plex-api-spec.yaml``).

Plex wraps every PMS answer in ``{"MediaContainer": {...}}`` and names nested lists in
CamelCase (``Directory``, ``Metadata``, ``Media``, ``Part``, ``Location``). Times are unix
seconds and arrive here as aware UTC datetimes; durations stay in milliseconds, as Plex sends
them. Unknown fields are ignored and unknown media types are kept.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ..decoding import OpenStrEnum, camel_case, json_key
from ..secrets import Secret

__all__ = [
    "LibrarySection",
    "Metadata",
    "MediaItem",
    "MediaPart",
    "PlexConnection",
    "PlexIdentity",
    "PlexMediaType",
    "PlexPin",
    "PlexResource",
    "PlexSession",
    "PlexUser",
    "SearchHub",
    "SectionLocation",
    "SectionPage",
    "ServerInfo",
]


class PlexMediaType(OpenStrEnum):
    """Plex metadata types (``type``); unknown ones are kept (``UNKNOWN``)."""

    MOVIE = "movie"
    SHOW = "show"
    SEASON = "season"
    EPISODE = "episode"
    ARTIST = "artist"
    ALBUM = "album"
    TRACK = "track"
    PHOTO = "photo"
    COLLECTION = "collection"
    PLAYLIST = "playlist"
    CLIP = "clip"


SECTION_ITEM_TYPE = {"movie": 1, "show": 2, "artist": 8, "photo": 13}
"""Plex's numeric metadata type of a section's top-level items (for ``type=`` parameters)."""


@camel_case
@attrs.frozen(kw_only=True)
class PlexIdentity:
    """``GET /identity``: the server's machine identifier and version (no token needed)."""

    machine_identifier: str
    version: str
    claimed: bool = False


@camel_case
@attrs.frozen(kw_only=True)
class ServerInfo:
    """``GET /``: the server's name, identity, platform and features in use."""

    machine_identifier: str
    version: str
    friendly_name: str | None = None
    platform: str | None = None
    platform_version: str | None = None
    my_plex_username: str | None = None
    my_plex_subscription: bool = False
    transcoder_active_video_sessions: int = 0
    updated_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class SectionLocation:
    """A folder of a library section: its id and path on the server (``None`` if not sent)."""

    id: int
    path: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class LibrarySection:
    """A library section (``Directory`` of ``GET /library/sections/all``).

    Attributes:
        key: The section id, as a string (``"1"``); pass it to the section calls.
        type: ``"movie"``, ``"show"``, ``"artist"``, ``"photo"``.
        locations: The section's folders on the server.
    """

    key: str
    title: str
    type: str
    agent: str | None = None
    scanner: str | None = None
    language: str | None = None
    uuid: str | None = None
    refreshing: bool = False
    hidden: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    scanned_at: datetime | None = None
    locations: list[SectionLocation] = attrs.field(factory=list, metadata=json_key("Location"))


@camel_case
@attrs.frozen(kw_only=True)
class MediaPart:
    """A file of a media version: ``file`` path, ``size`` in bytes, ``duration`` in ms."""

    id: int
    key: str | None = None
    file: str | None = None
    size: int | None = None
    duration: int | None = None
    container: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class MediaItem:
    """A media version of an item (``Media``): codecs, resolution, ``duration`` in ms,
    ``bitrate`` in kbit/s, and its files (``parts``)."""

    id: int
    duration: int | None = None
    bitrate: int | None = None
    width: int | None = None
    height: int | None = None
    container: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    video_resolution: str | None = None
    parts: list[MediaPart] = attrs.field(factory=list, metadata=json_key("Part"))


@camel_case
@attrs.frozen(kw_only=True)
class Metadata:
    """A library item: movie, show, season, episode, track, collection... (``Metadata``).

    Attributes:
        rating_key: The item's id (``"1936"``), for :meth:`PlexAdapter.metadata` and friends.
        key: Its API path (``"/library/metadata/1936"``, or ``.../children`` for containers).
        guid: Its global id (``"plex://movie/5d776..."``).
        type: :class:`PlexMediaType` (unknown types kept).
        added_at, updated_at, last_viewed_at: Aware UTC datetimes.
        duration: Milliseconds.
        media: Versions and files (movies, episodes, tracks).
        library_section_id: The section the item lives in.
    """

    rating_key: str
    key: str
    type: PlexMediaType
    title: str
    guid: str | None = None
    year: int | None = None
    summary: str | None = None
    thumb: str | None = None
    duration: int | None = None
    view_count: int | None = None
    view_offset: int | None = None
    leaf_count: int | None = None
    child_count: int | None = None
    index: int | None = None
    parent_index: int | None = None
    parent_rating_key: str | None = None
    parent_title: str | None = None
    grandparent_rating_key: str | None = None
    grandparent_title: str | None = None
    library_section_id: int | None = attrs.field(
        default=None, metadata=json_key("librarySectionID")
    )
    library_section_title: str | None = None
    subtype: str | None = None
    added_at: datetime | None = None
    updated_at: datetime | None = None
    last_viewed_at: datetime | None = None
    media: list[MediaItem] = attrs.field(factory=list, metadata=json_key("Media"))


@attrs.frozen(kw_only=True)
class SectionPage:
    """One page of a section's items.

    Attributes:
        items: The items on this page.
        start: Offset of the first item (``X-Plex-Container-Start``).
        total_size: Items in the whole section (``X-Plex-Container-Total-Size`` / ``totalSize``).
    """

    items: list[Metadata]
    start: int
    total_size: int

    @property
    def has_more(self) -> bool:
        """Whether items follow this page."""
        return self.start + len(self.items) < self.total_size


@attrs.frozen(kw_only=True)
class SearchHub:
    """One hub of a search result (movies, shows, episodes...), with its typed hits."""

    title: str
    type: str
    hub_identifier: str | None
    items: list[Metadata]


@attrs.frozen(kw_only=True)
class PlexSession:
    """A playback going on now (``GET /status/sessions``).

    Attributes:
        item: What is playing.
        user: The account's name (``User.title``).
        player: The player's name (``Player.title``) and ``state`` (``"playing"``,
            ``"paused"``, ``"buffering"``).
        session_id: ``Session.id``.
    """

    item: Metadata
    user: str | None
    player: str | None
    state: str | None
    session_id: str | None


@attrs.frozen(kw_only=True)
class PlexPin:
    """A plex.tv PIN (``POST /api/v2/pins``).

    Attributes:
        id: The PIN's id (to check it).
        code: The code the user confirms at app.plex.tv.
        expires_at: When it expires (aware UTC).
        auth_token: The user's token once they signed in, else ``None`` (a :class:`Secret`).
    """

    id: int
    code: str
    client_identifier: str | None
    expires_at: datetime | None
    auth_token: Secret | None = attrs.field(
        default=None, repr=lambda t: "None" if t is None else "***"
    )


@attrs.frozen(kw_only=True)
class PlexUser:
    """The plex.tv account a token belongs to (``GET /api/v2/user``)."""

    id: int
    uuid: str | None
    username: str | None
    email: str | None
    title: str | None
    subscription_active: bool


@attrs.frozen(kw_only=True)
class PlexConnection:
    """One way to reach a server: ``uri``, ``local`` (same network), ``relay`` (through plex.tv)."""

    uri: str
    address: str | None
    port: int | None
    protocol: str | None
    local: bool
    relay: bool


@attrs.frozen(kw_only=True)
class PlexResource:
    """A server or player of the account (``GET /api/v2/resources``).

    Attributes:
        access_token: The token for this resource (a :class:`Secret`), for a server you do not
            own this is not the account token.
        provides: ``"server"``, ``"client,player"``...
        connections: Ways to reach it, local ones first as plex.tv sends them.
    """

    name: str
    client_identifier: str
    product: str | None
    provides: str
    owned: bool
    access_token: Secret | None = attrs.field(repr=lambda t: "None" if t is None else "***")
    connections: list[PlexConnection]

    @property
    def is_server(self) -> bool:
        """Whether it is a Plex Media Server."""
        return "server" in self.provides.split(",")
