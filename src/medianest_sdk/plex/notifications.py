"""Live notifications of a Plex Media Server: its websocket ``/:/websockets/notifications``.

The server sends one JSON text frame per notification, ``{"NotificationContainer": {"type":
..., "size": n, "<Kind>": [entries]}}`` (spec schema ``NotificationContainer``). Each entry
becomes one typed object here:

- ``timeline`` (``TimelineEntry`` entries): :class:`TimelineEntry`, library items created,
  updated, deleted;
- ``activity`` (``ActivityNotification``): :class:`ActivityNotification`, scans and other jobs
  started, updated (with progress) and ended;
- ``playing`` (``PlaySessionStateNotification``): :class:`PlaySessionStateNotification`;
- ``status`` (``StatusNotification``): :class:`StatusNotification`;
- ``transcodeSession.start``/``.update``/``.end`` (``TranscodeSession``):
  :class:`~medianest_sdk.plex.TranscodeSession`;
- anything else: :class:`UnknownNotification`, raw.

A frame that is not JSON, or an entry that does not fit its model, becomes an
:class:`UnknownNotification` too (``error`` says why): one odd frame never ends the stream.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from ..decoding import OpenIntEnum, camel_case, decode, json_key, parse_json
from ..errors import DecodeError, MediaNestError, WebSocketClosed
from .models import Activity, TranscodeSession

if TYPE_CHECKING:
    from ..resilience import CircuitBreaker, RetryPolicy
    from .adapter import PlexAdapter

__all__ = [
    "NOTIFICATIONS_PATH",
    "ActivityNotification",
    "NotificationStream",
    "PlaySessionStateNotification",
    "PlexNotification",
    "StatusNotification",
    "TimelineEntry",
    "TimelineState",
    "UnknownNotification",
    "parse_notification",
]

NOTIFICATIONS_PATH = "/:/websockets/notifications"
"""The websocket's path, as the spec names it (``GET /:/websockets/notifications``)."""
SERVICE = "plex"
QUICK_DROP = 5.0
"""Seconds: a connection that breaks sooner counts as a failed attempt (backoff, breaker)."""


class TimelineState(OpenIntEnum):
    """Where a library item is in its life (``state`` of a timeline entry): 0 created, 1
    processing, 2 matching, 3 downloading, 4 loading, 5 done, 6 analyzing, 9 deleted."""

    CREATED = 0
    PROCESSING = 1
    MATCHING = 2
    DOWNLOADING = 3
    LOADING = 4
    DONE = 5
    ANALYZING = 6
    DELETED = 9


@camel_case
@attrs.frozen(kw_only=True)
class TimelineEntry:
    """A library item changed (``timeline``): created, updated, scanned, deleted.

    Attributes:
        item_id: The item's rating key.
        section_id: Its library section (``"-1"`` for items outside sections).
        type: Plex's numeric metadata type (1 movie, 2 show, 3 season, 4 episode, 8 artist,
            9 album, 10 track, 18 collection).
        state: :class:`TimelineState`.
        metadata_state: ``"created"``, ``"processing"``, ``"deleted"``... when sent.
        updated_at: Unix seconds of the change, when sent.
    """

    item_id: str = attrs.field(metadata=json_key("itemID"))
    section_id: str | None = attrs.field(default=None, metadata=json_key("sectionID"))
    type: int | None = None
    title: str | None = None
    state: TimelineState | None = None
    metadata_state: str | None = None
    media_state: str | None = None
    identifier: str | None = None
    updated_at: int | None = None


@attrs.frozen(kw_only=True)
class ActivityNotification:
    """A server job moved (``activity``): ``event`` is ``"started"``, ``"updated"`` or
    ``"ended"``; ``activity`` says what (a section scan has ``type ==
    Activity.SCAN``) and ``progress`` in percent."""

    event: str
    activity: Activity


@camel_case
@attrs.frozen(kw_only=True)
class PlaySessionStateNotification:
    """A player's state changed (``playing``): ``state`` ``"playing"``, ``"paused"``,
    ``"buffering"``, ``"stopped"``; ``view_offset`` in milliseconds."""

    session_key: str
    rating_key: str | None = None
    key: str | None = None
    state: str | None = None
    view_offset: int | None = None
    client_identifier: str | None = None
    transcode_session: str | None = None


@camel_case
@attrs.frozen(kw_only=True)
class StatusNotification:
    """A server status message (``status``), e.g. a library scan finished."""

    title: str | None = None
    description: str | None = None
    notification_name: str | None = None


@attrs.frozen(kw_only=True)
class UnknownNotification:
    """A notification this library does not model (or could not read): kept raw.

    Attributes:
        type: The container's ``type`` (``""`` when the frame had none).
        data: The entry (or the whole container), as parsed JSON; ``None`` for a frame that
            is not JSON.
        error: Why it could not be read, or ``None`` for a type we simply do not model.
    """

    type: str
    data: Any
    error: str | None = None


PlexNotification = (
    TimelineEntry
    | ActivityNotification
    | PlaySessionStateNotification
    | StatusNotification
    | TranscodeSession
    | UnknownNotification
)
"""One notification of the server."""

_KINDS: dict[str, tuple[str, type[Any]]] = {
    "timeline": ("TimelineEntry", TimelineEntry),
    "playing": ("PlaySessionStateNotification", PlaySessionStateNotification),
    "status": ("StatusNotification", StatusNotification),
}


def parse_notification(frame: str | bytes) -> list[PlexNotification]:
    """The notifications in one websocket frame, in order; never raises for a bad frame (see
    the module docs)."""
    try:
        data = parse_json(frame, service=SERVICE, endpoint="notification")
    except DecodeError as exc:
        return [UnknownNotification(type="", data=None, error=exc.message[:200])]
    container = data.get("NotificationContainer") if isinstance(data, dict) else None
    if not isinstance(container, dict):
        return [UnknownNotification(type="", data=data, error="no NotificationContainer")]
    kind = container.get("type")
    kind = kind if isinstance(kind, str) else ""
    found: list[PlexNotification] = []
    if kind in _KINDS:
        key, model = _KINDS[kind]
        entries = container.get(key)
        for entry in entries if isinstance(entries, list) else []:
            found.append(_one(kind, entry, model))
    elif kind == "activity":
        for entry in container.get("ActivityNotification") or []:
            found.append(_activity(entry))
    elif kind.startswith("transcodeSession."):
        for entry in container.get("TranscodeSession") or []:
            found.append(_one(kind, entry, TranscodeSession))
    else:
        found.append(UnknownNotification(type=kind, data=container))
    return found


def _one(kind: str, entry: Any, model: type[Any]) -> PlexNotification:
    try:
        value: PlexNotification = decode(entry, model, service=SERVICE, endpoint=kind)
    except DecodeError as exc:
        return UnknownNotification(type=kind, data=entry, error=exc.message[:200])
    return value


def _activity(entry: Any) -> PlexNotification:
    if not isinstance(entry, dict) or not isinstance(entry.get("event"), str):
        return UnknownNotification(type="activity", data=entry, error="no event")
    try:
        activity = decode(entry.get("Activity"), Activity, service=SERVICE, endpoint="activity")
    except DecodeError as exc:
        return UnknownNotification(type="activity", data=entry, error=exc.message[:200])
    return ActivityNotification(event=entry["event"], activity=activity)


class NotificationStream:
    """The server's notifications, as long as the stream is open: an async context manager
    and an async iterator of :data:`PlexNotification`.

    ``async with plex.notifications() as stream: async for event in stream: ...``

    Entering connects (raising at once if the first connection fails); a reader task then
    hands each notification over. When the socket drops (:class:`WebSocketClosed`, a broken
    connection) it reconnects: through the adapter's circuit breaker (an open breaker refuses
    reconnects until its break duration ends) and with the pipeline's retry policy, or
    :data:`RECONNECT` when the adapter's pipeline has none; the waiting is stamina's. Once
    reconnecting fails, the iteration raises that error. ``reconnect=False`` ends the
    iteration with the error of the drop instead. Leaving the block closes the socket.
    """

    def __init__(
        self,
        adapter: PlexAdapter,
        *,
        reconnect: bool,
        retry: RetryPolicy,
        breaker: CircuitBreaker | None,
        buffer: int,
    ) -> None:
        self._adapter = adapter
        self._reconnect = reconnect
        self._retry = retry
        self._breaker = breaker
        self._send, self._receive = anyio.create_memory_object_stream[
            PlexNotification | MediaNestError
        ](buffer)
        self._task_group: anyio.abc.TaskGroup | None = None
        self.connections = 0
        """How many times the socket was opened (1 + reconnects)."""

    async def __aenter__(self) -> NotificationStream:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        try:
            await self._task_group.start(self._run)
        except BaseException as exc:
            failure = exc
            self._task_group.cancel_scope.cancel()
            try:
                await self._task_group.__aexit__(None, None, None)
            except BaseExceptionGroup as group:  # the same failure, wrapped by the group
                if group.split(lambda e: e is failure)[1] is not None:
                    raise
            raise failure from None
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        assert self._task_group is not None
        self._task_group.cancel_scope.cancel()
        return await self._task_group.__aexit__(t, e, tb)

    def __aiter__(self) -> AsyncIterator[PlexNotification]:
        if self._task_group is None:
            raise RuntimeError("enter the stream first: `async with plex.notifications() as s:`")
        return self._events()

    async def _events(self) -> AsyncIterator[PlexNotification]:
        async for item in self._receive:
            if isinstance(item, MediaNestError):
                raise item
            yield item

    async def _connect(self, stack: Any, drop: WebSocketClosed | None) -> Any:
        """Open the socket through the breaker and the retry policy. ``drop``: the previous
        connection broke soon after it opened; it counts as a failed attempt first, so the
        retry policy waits before connecting again and the breaker sees it."""

        async def once() -> Any:
            nonlocal drop
            if drop is not None:
                failure, drop = drop, None
                raise failure
            return await stack.enter_async_context(self._adapter.http.websocket(NOTIFICATIONS_PATH))

        async def attempt() -> Any:
            if self._breaker is None:
                return await once()
            return await self._breaker.call(once)

        socket = await self._retry.call(attempt, name="plex notifications connect")
        self.connections += 1
        return socket

    async def _run(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        from contextlib import AsyncExitStack

        started = False
        drop: WebSocketClosed | None = None
        async with self._send:
            while True:
                opened = time.monotonic()
                try:
                    async with AsyncExitStack() as stack:
                        socket = await self._connect(stack, drop)
                        drop = None
                        opened = time.monotonic()
                        if not started:
                            started = True
                            task_status.started()
                        while True:
                            frame = await socket.receive_text()
                            for event in parse_notification(frame):
                                await self._send.send(event)
                except WebSocketClosed as exc:
                    if not self._reconnect or not started:
                        if not started:
                            raise
                        await self._send.send(exc)
                        return
                    drop = exc if time.monotonic() - opened < QUICK_DROP else None
                except MediaNestError as exc:
                    if not started:
                        raise
                    await self._send.send(exc)
                    return
