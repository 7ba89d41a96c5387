"""Typed models of the Plex Media Server and plex.tv JSON (spec: ``plex-api-spec.yaml``).

Plex wraps every PMS answer in ``{"MediaContainer": {...}}`` and names nested lists in
CamelCase (``Directory``, ``Metadata``, ``Media``, ``Part``, ``Location``). Times are unix
seconds and arrive here as aware UTC datetimes; durations stay in milliseconds, as Plex sends
them. Unknown fields are ignored and unknown media types are kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import attrs

from ..decoding import OpenIntEnum, OpenStrEnum, camel_case, converter, json_key
from ..secrets import Secret

__all__ = [
    "Activity",
    "ExternalId",
    "HistoryEntry",
    "LibrarySection",
    "MediaStream",
    "Playlist",
    "PlexPlayer",
    "PlexSessionInfo",
    "StreamType",
    "Tag",
    "TranscodeSession",
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


def _date(value: Any, _: type) -> date:
    """Plex's ``originallyAvailableAt``: ``"YYYY-MM-DD"`` (a time part is ignored)."""
    if not isinstance(value, str):
        raise ValueError(f"not a date: {type(value).__name__}")
    return date.fromisoformat(value.strip()[:10])


converter.register_structure_hook(date, _date)
converter.register_structure_hook(date | None, lambda v, t: None if v is None else _date(v, t))


@camel_case
@attrs.frozen(kw_only=True)
class Tag:
    """A tag of an item: a genre, actor (``role`` is the part played), director, writer,
    country, collection, producer (``Genre``, ``Role``, ... of ``Metadata``)."""

    tag: str
    id: int | None = None
    filter: str | None = None
    role: str | None = None
    thumb: str | None = None


@attrs.frozen
class ExternalId:
    """An item's id at another database, parsed from Plex's ``Guid`` (``"imdb://tt0111161"``).

    Attributes:
        source: ``"imdb"``, ``"tmdb"``, ``"tvdb"``, ``"plex"`` (or whatever scheme Plex sent;
            ``""`` for an entry without one, kept whole in ``id``).
        id: The id within it (``"tt0111161"``, ``"278"``).
    """

    source: str
    id: str

    @classmethod
    def parse(cls, text: str) -> ExternalId:
        """Read ``"source://id"``.

        Raises:
            ValueError: not of that form (an empty source or id).
        """
        source, sep, ident = text.strip().partition("://")
        if not sep or not source or not ident:
            raise ValueError(f"not an external id (source://id): {text[:60]!r}")
        return cls(source.lower(), ident)

    def __str__(self) -> str:
        return f"{self.source}://{self.id}"


def _external_id(value: Any, _: type) -> ExternalId:
    """A ``Guid`` entry; one without a ``scheme://`` is kept whole with an empty source, so a
    server's odd id never makes its item unreadable."""
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        raise ValueError("a Guid is not {'id': 'source://id'}")
    source, sep, ident = value.strip().partition("://")
    if not sep or not source or not ident:
        return ExternalId("", value)
    return ExternalId(source.lower(), ident)


converter.register_structure_hook(ExternalId, _external_id)


class StreamType(OpenIntEnum):
    """A media stream's kind (``streamType``): 1 video, 2 audio, 3 subtitle, 4 lyrics."""

    VIDEO = 1
    AUDIO = 2
    SUBTITLE = 3
    LYRICS = 4


@camel_case
@attrs.frozen(kw_only=True)
class MediaStream:
    """A track of a file (``Stream`` of a ``Part``): video, audio or subtitle.

    ``bitrate`` in kbit/s, ``frame_rate`` per second, ``channels`` of audio;
    ``language_code`` is ISO 639-2 (``"eng"``), ``language_tag`` BCP 47 (``"en"``).
    ``selected``: the track players pick now; ``key`` is set for an external subtitle file.
    """

    id: int
    stream_type: StreamType
    index: int | None = None
    codec: str | None = None
    title: str | None = None
    display_title: str | None = None
    extended_display_title: str | None = None
    language: str | None = None
    language_code: str | None = None
    language_tag: str | None = None
    selected: bool = False
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False
    bitrate: int | None = None
    channels: int | None = None
    audio_channel_layout: str | None = None
    sampling_rate: int | None = None
    bit_depth: int | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    profile: str | None = None
    key: str | None = None


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
    """A file of a media version: ``file`` path, ``size`` in bytes, ``duration`` in ms, and its
    tracks (``streams``; Plex sends them on ``/library/metadata/{id}``, not in lists)."""

    id: int
    key: str | None = None
    file: str | None = None
    size: int | None = None
    duration: int | None = None
    container: str | None = None
    video_profile: str | None = None
    audio_profile: str | None = None
    accessible: bool | None = None
    exists: bool | None = None
    streams: list[MediaStream] = attrs.field(factory=list, metadata=json_key("Stream"))

    def streams_of(self, kind: StreamType) -> list[MediaStream]:
        """The tracks of one kind (``StreamType.AUDIO``...), in file order."""
        return [s for s in self.streams if s.stream_type == kind]


@camel_case
@attrs.frozen(kw_only=True)
class MediaItem:
    """A media version of an item (``Media``): codecs, resolution (``"1080"``, ``"4k"``),
    ``video_frame_rate`` (``"24p"``, ``"PAL"``), ``audio_channels``, ``duration`` in ms,
    ``bitrate`` in kbit/s, and its files (``parts``)."""

    id: int
    duration: int | None = None
    bitrate: int | None = None
    width: int | None = None
    height: int | None = None
    aspect_ratio: float | None = None
    container: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    audio_channels: int | None = None
    video_resolution: str | None = None
    video_frame_rate: str | None = None
    video_profile: str | None = None
    audio_profile: str | None = None
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
        added_at, updated_at, last_viewed_at: Aware UTC datetimes (last_viewed_at: the last play).
        duration: Milliseconds.
        media: Versions and files (movies, episodes, tracks).
        library_section_id: The section the item lives in.
        originally_available_at: Release or air date.
        content_rating: ``"PG-13"``, ``"TV-MA"``, ``"gb/15"``...
        rating, audience_rating, user_rating: Critic, audience and the user's own (0-10).
        leaf_count, viewed_leaf_count, child_count: Episodes (or tracks), watched ones,
            seasons (or albums) of a show (or artist).
        view_count, view_offset: Plays, and the resume position in milliseconds.
        guids: Ids at other databases (``imdb://``, ``tmdb://``, ``tvdb://``); Plex sends
            them on ``/library/metadata/{id}`` and with ``includeGuids=1``.
        genres, roles, directors, writers, countries, collections, producers: Tags.
        playlist_item_id: The item's id within a playlist (``playlist_items()``).
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
    originally_available_at: date | None = None
    content_rating: str | None = None
    rating: float | None = None
    audience_rating: float | None = None
    user_rating: float | None = None
    studio: str | None = None
    tagline: str | None = None
    title_sort: str | None = None
    original_title: str | None = None
    art: str | None = None
    viewed_leaf_count: int | None = None
    playlist_item_id: int | None = attrs.field(default=None, metadata=json_key("playlistItemID"))
    media: list[MediaItem] = attrs.field(factory=list, metadata=json_key("Media"))
    guids: list[ExternalId] = attrs.field(factory=list, metadata=json_key("Guid"))
    genres: list[Tag] = attrs.field(factory=list, metadata=json_key("Genre"))
    roles: list[Tag] = attrs.field(factory=list, metadata=json_key("Role"))
    directors: list[Tag] = attrs.field(factory=list, metadata=json_key("Director"))
    writers: list[Tag] = attrs.field(factory=list, metadata=json_key("Writer"))
    countries: list[Tag] = attrs.field(factory=list, metadata=json_key("Country"))
    collections: list[Tag] = attrs.field(factory=list, metadata=json_key("Collection"))
    producers: list[Tag] = attrs.field(factory=list, metadata=json_key("Producer"))

    def external_id(self, source: str) -> str | None:
        """The id at ``source`` (``"imdb"``, ``"tmdb"``, ``"tvdb"``), or ``None``."""
        return next((g.id for g in self.guids if g.source == source), None)


@attrs.frozen(kw_only=True)
class SectionPage:
    """One page of a section's items.

    Attributes:
        items: The items on this page.
        start: Offset of the first item (``X-Plex-Container-Start``).
        size: The page size asked for.
        total_size: Items in the whole section (``totalSize``), or ``None`` when the server
            did not say (then a page shorter than ``size`` is the last).
    """

    items: list[Metadata]
    start: int
    size: int
    total_size: int | None

    @property
    def has_more(self) -> bool:
        """Whether items follow this page."""
        if self.total_size is None:
            return len(self.items) >= self.size
        return self.start + len(self.items) < self.total_size


@attrs.frozen(kw_only=True)
class SearchHub:
    """One hub of a search result (movies, shows, episodes...), with its typed hits."""

    title: str
    type: str
    hub_identifier: str | None
    items: list[Metadata]


@camel_case
@attrs.frozen(kw_only=True)
class PlexPlayer:
    """The player of a session (``Player``): its name (``title``), where it is (``address``,
    ``local``), what it is (``product``, ``platform``) and ``state`` (``"playing"``,
    ``"paused"``, ``"buffering"``)."""

    title: str | None = None
    address: str | None = None
    remote_public_address: str | None = None
    local: bool | None = None
    relayed: bool | None = None
    secure: bool | None = None
    machine_identifier: str | None = None
    product: str | None = None
    platform: str | None = None
    platform_version: str | None = None
    device: str | None = None
    state: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class PlexSessionInfo:
    """The network side of a session (``Session``): ``bandwidth`` in kbit/s and ``location``
    (``"lan"`` or ``"wan"``)."""

    id: str | None = None
    bandwidth: int | None = None
    location: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class TranscodeSession:
    """A transcode in progress (``TranscodeSession``): decisions (``"transcode"``, ``"copy"``,
    ``"direct play"``), source and target codecs, ``progress`` in percent, ``speed`` (1.0 is
    real time), whether it is ``throttled`` and uses hardware."""

    key: str | None = None
    progress: float | None = None
    speed: float | None = None
    throttled: bool | None = None
    complete: bool | None = None
    video_decision: str | None = None
    audio_decision: str | None = None
    subtitle_decision: str | None = None
    container: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    source_video_codec: str | None = None
    source_audio_codec: str | None = None
    audio_channels: int | None = None
    transcode_hw_requested: bool | None = None
    transcode_hw_full_pipeline: bool | None = None


@attrs.frozen(kw_only=True)
class PlexSession:
    """A playback going on now (``GET /status/sessions``).

    Attributes:
        item: What is playing, with its media and streams.
        user: The account's name (``User.title``).
        user_id: The account's id on this server (``User.id``).
        player: The player: name, address, product, platform, state.
        session: Bandwidth (kbit/s) and location (``"lan"``/``"wan"``).
        transcode: The transcode, or ``None`` for direct play.
    """

    item: Metadata
    user: str | None
    user_id: int | None = None
    player: PlexPlayer | None = None
    session: PlexSessionInfo | None = None
    transcode: TranscodeSession | None = None

    @property
    def state(self) -> str | None:
        """The player's state (``"playing"``, ``"paused"``, ``"buffering"``)."""
        return None if self.player is None else self.player.state

    @property
    def session_id(self) -> str | None:
        """``Session.id``."""
        return None if self.session is None else self.session.id


@camel_case
@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One play in the watch history (``GET /status/sessions/history/all``).

    Attributes:
        history_key: The entry's own path (``/status/sessions/history/{id}``).
        rating_key: The item played (missing when the item was deleted since).
        viewed_at: When (aware UTC).
        account_id: Who (the server's account id; 1 is the owner).
        device_id: On which device.
    """

    history_key: str
    title: str = ""
    type: PlexMediaType | None = None
    rating_key: str | None = None
    key: str | None = None
    parent_title: str | None = None
    grandparent_title: str | None = None
    grandparent_rating_key: str | None = None
    index: int | None = None
    parent_index: int | None = None
    thumb: str | None = None
    originally_available_at: date | None = None
    viewed_at: datetime | None = None
    account_id: int | None = attrs.field(default=None, metadata=json_key("accountID"))
    device_id: int | None = attrs.field(default=None, metadata=json_key("deviceID"))
    library_section_id: str | None = attrs.field(
        default=None, metadata=json_key("librarySectionID")
    )


@camel_case
@attrs.frozen(kw_only=True)
class Playlist:
    """A playlist (``GET /playlists``): ``playlist_type`` ``"video"``, ``"audio"`` or
    ``"photo"``; ``duration`` in ms; ``leaf_count`` items."""

    rating_key: str
    key: str
    title: str
    playlist_type: str | None = None
    smart: bool = False
    summary: str | None = None
    leaf_count: int | None = None
    duration: int | None = None
    guid: str | None = None
    added_at: datetime | None = None
    updated_at: datetime | None = None


@camel_case
@attrs.frozen(kw_only=True)
class Activity:
    """A job the server is running (``GET /activities``): a library scan
    (``type == "library.update.section"``), a refresh, a media analysis...

    Attributes:
        uuid: The activity's id.
        progress: Percent done (0-100).
        context: What it is about (``{"librarySectionID": "1"}`` for a scan).
    """

    SCAN: ClassVar[str] = "library.update.section"

    uuid: str
    type: str
    title: str = ""
    subtitle: str | None = None
    progress: float = 0.0
    cancellable: bool = False
    user_id: int | None = attrs.field(default=None, metadata=json_key("userID"))
    context: dict[str, Any] = attrs.field(factory=dict, metadata=json_key("Context"))

    @property
    def section_id(self) -> str | None:
        """The library section it works on, if any."""
        value = self.context.get("librarySectionID")
        return None if value is None else str(value)


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
