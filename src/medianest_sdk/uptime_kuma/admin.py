"""``UptimeKumaAdmin``: Uptime Kuma's admin API (socket.io) for 1.23.x and 2.x.

Uptime Kuma manages monitors, tags, notifications, maintenance windows and status pages only
over socket.io (the web UI's own API): the handlers in ``server/server.js`` and
``server/socket-handlers/``. This client speaks it with python-socketio (``pip install
"medianest-sdk[kuma-admin]"``).

python-socketio's client runs on asyncio only. So that this class works under trio as well, the
connection lives on the library's own event-loop thread (the one the blocking API uses) and
every call is handed over to it (:func:`medianest_sdk.sync.runtime.run`): each call costs a
thread hop, about 0.1 ms, nothing next to a round trip to the server.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, Self, TypeVar

import anyio
import attrs

from ..decoding import decode, parse_json
from ..errors import (
    CallRejectedError,
    ConnectError,
    DecodeError,
    RequestTimeout,
    StreamOverflowError,
)
from ..secrets import Secret, redact_text, redact_url
from .models import Heartbeat, Incident, heartbeat_from
from .monitors import (
    HeartbeatEvent,
    MaintenanceSpec,
    MaintenanceWindow,
    Monitor,
    MonitorSpec,
    Notification,
    StatusPageGroup,
    Tag,
    UptimeEvent,
    edit_fields,
)

__all__ = ["KumaEvent", "KumaEventStream", "UptimeKumaAdmin"]

SERVICE = "uptime-kuma"
log = logging.getLogger("medianest_sdk.uptime_kuma")
T = TypeVar("T")

KumaEvent = HeartbeatEvent | UptimeEvent
"""What :meth:`UptimeKumaAdmin.events` yields."""

_UPTIME_HOURS = {"24": 24, "720": 720, "1y": 8760}

# 1.23 answers login failures in English; 2.x with i18n keys. ``reason`` is always the key.
_REASONS = {
    "Incorrect username or password.": "authIncorrectCreds",
    "Invalid token.": "authInvalidToken",
    "Invalid Token!": "authInvalidToken",
    "The user is inactive or deleted.": "authUserInactiveOrDeleted",
}


async def _run(fn: Callable[[], Awaitable[T]]) -> T:
    """Await ``fn()`` on the library's asyncio loop thread (python-socketio is asyncio-only)."""
    from ..sync.runtime import run  # not at import: medianest_sdk.sync imports every adapter

    return await run(fn)


class _Json:
    """The JSON module this client's socket.io packets are parsed with: hostile nesting
    (``[[[[...`` 100,000 deep) ends in a :class:`DecodeError` instead of a ``RecursionError``;
    the packet is dropped, and a call waiting for it times out (``RequestTimeout``)."""

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        return parse_json(text, service=SERVICE, endpoint="socket.io packet")

    @staticmethod
    def dumps(value: Any, **kwargs: Any) -> str:
        return json.dumps(value, **kwargs)


@functools.cache
def _packet_class() -> type:
    """python-socketio's packet class with :class:`_Json`, for this client only (its ``json=``
    option would change the class every socket.io user in the process shares)."""
    from socketio.packet import Packet

    return type("KumaPacket", (Packet,), {"json": _Json})


@attrs.define(eq=False)
class _Subscriber:
    queue: asyncio.Queue[KumaEvent | None]
    dropped: int = 0


class KumaEventStream:
    """Heartbeats and uptime ratios pushed by the server, as they come: an async context
    manager (the subscription starts on entry, so nothing between entering and the first
    ``async for`` step is missed) and an async iterator of :data:`KumaEvent`.

    The stream survives reconnects (beats sent while disconnected are not replayed by the
    server). It ends when the admin client is closed.

    Raises:
        StreamOverflowError: (from iteration) more than ``max_buffer`` events waited unread;
            the buffered ones were delivered first.
    """

    def __init__(self, admin: UptimeKumaAdmin) -> None:
        self._admin = admin
        self._sub: _Subscriber | None = None
        self._pending: list[KumaEvent] = []
        self._ended = False

    async def __aenter__(self) -> Self:
        self._sub = await _run(self._admin._subscribe)
        return self

    async def __aexit__(self, *exc: object) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            admin = self._admin

            async def drop() -> None:
                admin._subscribers.discard(sub)

            with anyio.CancelScope(shield=True):
                await _run(drop)

    def __aiter__(self) -> AsyncIterator[KumaEvent]:
        return self

    async def __anext__(self) -> KumaEvent:
        while True:
            if self._pending:
                return self._pending.pop(0)
            sub = self._sub
            if sub is None:
                raise RuntimeError("enter the stream first: async with admin.events() as events")
            if self._ended:
                if sub.dropped:
                    raise StreamOverflowError(
                        f"the event stream fell behind: {sub.dropped} events were dropped "
                        f"after {self._admin.max_buffer} unread ones; read faster or raise "
                        "max_buffer",
                        dropped=sub.dropped,
                        service=SERVICE,
                    )
                raise StopAsyncIteration

            async def take(sub: _Subscriber = sub) -> list[KumaEvent | None]:
                batch = [await sub.queue.get()]
                while batch[-1] is not None and not sub.queue.empty():
                    batch.append(sub.queue.get_nowait())
                return batch

            batch = await _run(take)
            self._ended = batch[-1] is None
            self._pending = [e for e in batch if e is not None]


class UptimeKumaAdmin:
    """An admin client for one Uptime Kuma server over socket.io (1.23.x and 2.x).

    Connect, log in (or run the first-run ``setup``), then manage monitors, tags,
    notifications, maintenance windows and status pages, and read the heartbeat stream::

        async with UptimeKumaAdmin("http://127.0.0.1:3001") as kuma:
            token = await kuma.login("admin", password)   # keep it: login_by_token(token)
            monitor_id = await kuma.add_monitor(PushMonitor(name="backup", interval=300))

    Args:
        base_url: The server's root, e.g. ``"http://127.0.0.1:3001"``.
        timeout: Seconds a call may take: waiting for a connection (while reconnecting),
            then for the server's answer (its "ack"). Default 10 s.
        reconnect_delay, reconnect_delay_max: The first and the longest wait (seconds) between
            reconnection attempts after the connection drops (doubling, with jitter). After a
            reconnect the client waits for the server's ``info`` event and logs in again with
            the session's token before any call is sent.
        max_buffer: Events a :meth:`events` stream holds unread before it overflows.

    Raises:
        ConnectError: (any call) not connected within ``timeout`` (nothing was sent);
            ``method`` is ``"EMIT"`` and ``url`` the server's URL.
        RequestTimeout: (any call) the server did not answer within ``timeout``
            (``phase="ack"``); the call may or may not have taken effect.
        CallRejectedError: (any call) the server answered ``ok: false`` (``reason`` says why).
        DecodeError: (any call) the answer does not have the expected shape.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        reconnect_delay: float = 1.0,
        reconnect_delay_max: float = 30.0,
        max_buffer: int = 1000,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {redact_url(base_url)!r}")
        if not (timeout > 0 and math.isfinite(timeout)):
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if max_buffer < 1:
            raise ValueError(f"max_buffer must be at least 1, got {max_buffer!r}")
        self.url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.reconnect_delay = float(reconnect_delay)
        self.reconnect_delay_max = float(reconnect_delay_max)
        self.max_buffer = max_buffer
        self._sio: Any = None
        self._token: Secret | None = None
        self._secrets: list[Secret] = []
        self._info: dict[str, Any] = {}
        self._ready: asyncio.Event | None = None
        self._authed = False
        self._relogin: asyncio.Task[None] | None = None
        self._relogin_error: CallRejectedError | None = None
        self._monitors: dict[str, Any] = {}
        self._lists: dict[str, Any] = {}
        self._subscribers: set[_Subscriber] = set()
        self._pushed: dict[str, asyncio.Event] = {}
        self._closed = False

    def __repr__(self) -> str:
        return f"UptimeKumaAdmin({redact_url(self.url)!r}, version={self.version!r})"

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def version(self) -> str | None:
        """The server's version (``"2.5.3"``), known after login (the server sends it then)."""
        version = self._info.get("version")
        return version if isinstance(version, str) else None

    @property
    def major(self) -> int:
        """The server's major version (1 or 2).

        Raises:
            RuntimeError: not logged in yet (the version is unknown until then).
        """
        version = self.version
        head = version.split(".", 1)[0] if version else ""
        if not head.isdigit():
            raise RuntimeError("log in first: the server tells its version after login")
        return int(head)

    # -- connection ----------------------------------------------------------------------

    def _not_connected(self, message: str) -> ConnectError:
        """Nothing was sent (``ConnectError`` is retry-safe)."""
        return ConnectError(message, service=SERVICE, method="EMIT", url=redact_url(self.url))

    def _no_answer(self, message: str) -> RequestTimeout:
        """Sent (or maybe sent), never answered."""
        return RequestTimeout(
            message, service=SERVICE, method="EMIT", url=redact_url(self.url), phase="ack"
        )

    async def connect(self) -> None:
        """Open the connection and wait for the server's ``info`` event (2.x drops anything
        sent before it). Idempotent.

        Raises:
            ConnectError: the server could not be reached within ``timeout``.
        """
        await _run(self._connect)

    async def _connect(self) -> None:
        if self._sio is not None:
            return
        import socketio

        self._closed = False
        self._ready = asyncio.Event()
        sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_delay=self.reconnect_delay,
            reconnection_delay_max=self.reconnect_delay_max,
            randomization_factor=0.5,
            logger=False,
            engineio_logger=False,
            serializer=_packet_class(),
            handle_sigint=False,
        )
        sio.on("connect", self._on_connect)
        sio.on("disconnect", self._on_disconnect)
        sio.on("info", self._on_info)
        sio.on("monitorList", self._on_monitor_list)
        sio.on("updateMonitorIntoList", self._on_update_monitors)
        sio.on("deleteMonitorFromList", self._on_delete_monitor)
        sio.on("heartbeat", self._on_heartbeat)
        sio.on("uptime", self._on_uptime)
        for name in ("notificationList", "maintenanceList", "statusPageList"):
            sio.on(name, self._keeper(name))
        try:
            await asyncio.wait_for(
                sio.connect(self.url, transports=["websocket"], wait_timeout=self.timeout),
                self.timeout,
            )
            await asyncio.wait_for(self._ready.wait(), self.timeout)
        except (socketio.exceptions.ConnectionError, TimeoutError, OSError) as exc:
            await sio.disconnect()
            raise self._not_connected(
                f"could not connect to Uptime Kuma's socket.io within {self.timeout:g} s "
                f"({type(exc).__name__}); is the server up at this URL?",
            ) from None
        self._sio = sio

    async def aclose(self) -> None:
        """Disconnect and end every :meth:`events` stream (idempotent)."""

        async def close() -> None:
            self._closed = True
            sio, self._sio = self._sio, None
            if self._relogin is not None:
                self._relogin.cancel()
            for sub in self._subscribers:
                self._offer(sub, None)
            if sio is not None:
                await sio.disconnect()

        with anyio.CancelScope(shield=True):
            await _run(close)

    async def _on_connect(self) -> None:
        self._authed = False  # a new connection: the server knows no login on it yet
        for pushed in self._pushed.values():
            pushed.clear()

    def _mark_pushed(self, name: str) -> None:
        self._pushed.setdefault(name, asyncio.Event()).set()

    async def _wait_pushed(self, name: str) -> None:
        """Wait until the server has pushed ``name`` on this connection. 1.23 answers
        ``login`` before it pushes the version and the lists (2.x after)."""
        pushed = self._pushed.setdefault(name, asyncio.Event())
        try:
            await asyncio.wait_for(pushed.wait(), self.timeout)
        except TimeoutError:
            raise self._no_answer(
                f"Uptime Kuma did not send {name!r} within {self.timeout:g} s after login",
            ) from None

    async def _on_disconnect(self, *_: Any) -> None:
        if self._ready is not None:
            self._ready.clear()
        self._authed = False

    async def _on_info(self, info: Any) -> None:
        if not isinstance(info, dict):
            return
        self._info.update(info)
        if isinstance(info.get("version"), str):
            self._mark_pushed("version")
        assert self._ready is not None
        if self._token is None or self._authed:
            self._ready.set()
        elif self._relogin is None or self._relogin.done():
            self._relogin = asyncio.get_running_loop().create_task(self._login_again())

    async def _login_again(self) -> None:
        """After a reconnect: log in again with the session's token, then let calls through."""
        assert self._sio is not None and self._token is not None and self._ready is not None
        try:
            reply = await self._sio.call("loginByToken", self._token.reveal(), timeout=self.timeout)
        except Exception as exc:  # the connection dropped again: the next connect retries
            log.warning("uptime-kuma: login after reconnect failed (%s)", type(exc).__name__)
            return
        if isinstance(reply, dict) and reply.get("ok") is True:
            self._authed = True
            self._relogin_error = None
        else:
            self._relogin_error = self._rejected("loginByToken", reply)
        self._ready.set()

    def _keeper(self, name: str) -> Any:
        async def keep(payload: Any) -> None:
            self._lists[name] = payload
            self._mark_pushed(name)

        return keep

    async def _on_monitor_list(self, monitors: Any) -> None:
        if isinstance(monitors, dict):
            self._monitors = dict(monitors)

    async def _on_update_monitors(self, monitors: Any) -> None:
        if isinstance(monitors, dict):
            self._monitors.update(monitors)

    async def _on_delete_monitor(self, monitor_id: Any) -> None:
        self._monitors.pop(str(monitor_id), None)

    # -- events --------------------------------------------------------------------------

    def events(self) -> KumaEventStream:
        """The heartbeat and uptime stream: ``async with kuma.events() as events: async for
        event in events: ...``. Yields :class:`HeartbeatEvent` (socket.io ``heartbeat``)
        and :class:`UptimeEvent` (``uptime``) for every monitor of the logged-in user.
        A pushed event that does not fit is skipped with a warning on the
        ``medianest_sdk.uptime_kuma`` logger."""
        return KumaEventStream(self)

    async def _subscribe(self) -> _Subscriber:
        sub = _Subscriber(asyncio.Queue(self.max_buffer + 1))
        if self._closed:
            sub.queue.put_nowait(None)
        self._subscribers.add(sub)
        return sub

    def _offer(self, sub: _Subscriber, event: KumaEvent | None) -> None:
        """Queue ``event`` (``None``: the end) for one reader. The queue holds ``max_buffer``
        events and one end marker; an event that finds it full ends the stream: the reader
        gets the buffered events, then :class:`StreamOverflowError` with the count dropped."""
        if sub.dropped:  # overflowed: the end marker is queued; count what is lost
            if event is not None:
                sub.dropped += 1
            return
        if event is not None and sub.queue.qsize() >= self.max_buffer:
            sub.dropped = 1
            event = None
        sub.queue.put_nowait(event)

    def _publish(self, event: KumaEvent) -> None:
        for sub in list(self._subscribers):
            self._offer(sub, event)

    async def _on_heartbeat(self, raw: Any) -> None:
        beat = heartbeat_from(raw)
        monitor_id = raw.get("monitorID") if isinstance(raw, dict) else None
        if beat is None or isinstance(monitor_id, bool) or not isinstance(monitor_id, int):
            log.warning("uptime-kuma: skipped a heartbeat event that does not fit")
            return
        duration = raw.get("duration")
        self._publish(
            HeartbeatEvent(
                monitor_id=monitor_id,
                heartbeat=beat,
                important=bool(raw.get("important")),
                duration=(
                    float(duration)
                    if isinstance(duration, (int, float)) and not isinstance(duration, bool)
                    else None
                ),
            )
        )

    async def _on_uptime(
        self, monitor_id: Any = None, period: Any = None, ratio: Any = None
    ) -> None:
        hours = _UPTIME_HOURS.get(str(period))
        if (
            isinstance(monitor_id, bool)
            or not isinstance(monitor_id, int)
            or hours is None
            or isinstance(ratio, bool)
            or not isinstance(ratio, (int, float))
            or not math.isfinite(ratio)
        ):
            log.warning("uptime-kuma: skipped an uptime event that does not fit")
            return
        self._publish(UptimeEvent(monitor_id=monitor_id, hours=hours, ratio=float(ratio)))

    # -- calls ---------------------------------------------------------------------------

    async def call(self, event: str, *args: Any, timeout: float | None = None) -> Any:
        """Send any socket.io call and return the server's raw answer (its ack): the way to
        reach handlers this class does not wrap (``getSettings``, ``addAPIKey``...).

        Args:
            event: The handler's name.
            args: Its arguments (JSON values), in order, without the callback.
            timeout: Seconds, instead of the client's ``timeout``.

        Raises:
            ConnectError, RequestTimeout: see the class.
        """
        limit = self.timeout if timeout is None else float(timeout)
        return await _run(lambda: self._call(event, args, limit))

    async def _call(self, event: str, args: tuple[Any, ...], timeout: float) -> Any:
        import socketio

        sio, ready = self._sio, self._ready
        if sio is None or ready is None:
            raise RuntimeError("connect first: async with UptimeKumaAdmin(url) as kuma")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            await asyncio.wait_for(ready.wait(), timeout)
        except TimeoutError:
            raise self._not_connected(
                f"not connected to Uptime Kuma within {timeout:g} s (reconnecting); "
                f"{event!r} was not sent",
            ) from None
        if self._relogin_error is not None and event not in ("login", "loginByToken", "setup"):
            raise self._relogin_error
        data: Any = None if not args else args[0] if len(args) == 1 else args
        if isinstance(data, tuple) and len(args) == 1:
            data = list(data)
        try:
            return await sio.call(event, data, timeout=max(deadline - loop.time(), 0.001))
        except socketio.exceptions.TimeoutError:
            raise self._no_answer(
                f"Uptime Kuma did not answer {event!r} within {timeout:g} s",
            ) from None
        except (socketio.exceptions.SocketIOError, OSError) as exc:
            raise self._not_connected(
                f"the connection to Uptime Kuma dropped before {event!r} was sent "
                f"({type(exc).__name__})",
            ) from None

    def _rejected(self, event: str, reply: Any) -> CallRejectedError:
        reason = reply.get("msg") if isinstance(reply, dict) else None
        if isinstance(reply, dict) and reply.get("tokenRequired"):
            reason = "tokenRequired"
        text = "no reason" if reason is None else redact_text(str(reason)[:300], self._secrets)
        reason = _REASONS.get(text, text)
        hint = " (2FA is on for this account: pass totp=)" if reason == "tokenRequired" else ""
        return CallRejectedError(
            f"{event!r} was refused: {reason}{hint}", call=event, reason=reason, service=SERVICE
        )

    async def _ok(self, event: str, *args: Any) -> dict[str, Any]:
        """Call and require ``{ok: true, ...}``."""
        reply = await self.call(event, *args)
        if not isinstance(reply, dict):
            raise DecodeError(
                f"{event}: the answer is not an object", service=SERVICE, endpoint=event
            )
        if reply.get("ok") is not True:
            raise self._rejected(event, reply)
        return reply

    def _decode(self, data: Any, cls: type[T], event: str) -> T:
        return decode(data, cls, service=SERVICE, endpoint=f"socket.io {event}")

    @staticmethod
    def _int(reply: Mapping[str, Any], key: str, event: str) -> int:
        value = reply.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise DecodeError(
                f"{event}: {key} is not an integer", service=SERVICE, endpoint=event, field=key
            )
        return value

    # -- setup and login -----------------------------------------------------------------

    async def need_setup(self) -> bool:
        """Whether the server is fresh (no user yet): then call :meth:`setup`. ``needSetup``."""
        return (await self.call("needSetup")) is True

    async def setup(self, username: str, password: str | Secret) -> None:
        """First-run setup of a fresh server: create the admin user. ``setup``.

        Raises:
            CallRejectedError: the server already has a user, or the password rates "Too weak"
                (``reason="passwordTooWeak"`` on 2.x).
        """
        secret = self._remember(password)
        await self._ok("setup", username, secret.reveal())

    async def login(
        self, username: str, password: str | Secret, *, totp: str | None = None
    ) -> Secret:
        """Log in with a username and password (and the current 2FA code when 2FA is on).
        ``login``.

        Returns:
            The session token (a JWT) as a :class:`Secret`: persist it (encrypted, e.g. with
            :class:`~medianest_sdk.TokenVault`) and use :meth:`login_by_token` next time. It is
            also what the client logs in with again after a reconnect.

        Raises:
            CallRejectedError: ``reason`` ``"authIncorrectCreds"``, ``"tokenRequired"``
                (pass ``totp=``), ``"authInvalidToken"`` (a wrong 2FA code), or a rate limit.
        """
        secret = self._remember(password)
        reply = await self._ok(
            "login", {"username": username, "password": secret.reveal(), "token": totp or ""}
        )
        token = reply.get("token")
        if not isinstance(token, str) or not token:
            raise DecodeError("login: no token in the answer", service=SERVICE, endpoint="login")
        return await _run(lambda: self._logged_in(Secret(token)))

    async def login_by_token(self, token: str | Secret) -> None:
        """Log in with a token :meth:`login` returned earlier. ``loginByToken``.

        Raises:
            CallRejectedError: the token is invalid, or the password changed since
                (``reason="authInvalidToken"``).
        """
        secret = self._remember(token)
        await self._ok("loginByToken", secret.reveal())
        await _run(lambda: self._logged_in(secret))

    def _remember(self, value: str | Secret) -> Secret:
        """``value`` as a :class:`Secret`, kept for redacting the server's messages."""
        secret = Secret.coerce(value)
        if secret not in self._secrets:
            self._secrets.append(secret)
        return secret

    async def _logged_in(self, token: Secret) -> Secret:
        self._token = token
        self._authed = True
        self._relogin_error = None
        await self._wait_pushed("version")
        return token

    # -- monitors ------------------------------------------------------------------------

    async def monitors(self) -> dict[int, Monitor]:
        """Every monitor of the logged-in user, by id. ``getMonitorList`` (the server pushes
        ``monitorList`` before it answers)."""
        await self._ok("getMonitorList")

        async def snapshot() -> list[Any]:
            return list(self._monitors.values())

        raw = await _run(snapshot)
        monitors = self._decode(raw, list[Monitor], "monitorList")
        return {m.id: m for m in monitors}

    async def monitor(self, monitor_id: int) -> Monitor:
        """One monitor. ``getMonitor``.

        Raises:
            CallRejectedError: no such monitor, or not this user's (``reason="notFound"``).
        """
        try:
            reply = await self._ok("getMonitor", int(monitor_id))
        except CallRejectedError as exc:
            if "of null" not in exc.reason:  # the server's TypeError on a missing row
                raise
            raise CallRejectedError(
                f"no monitor {int(monitor_id)} (or not this user's)",
                call="getMonitor",
                reason="notFound",
                service=SERVICE,
            ) from None
        return self._decode(reply.get("monitor"), Monitor, "getMonitor")

    async def add_monitor(self, spec: MonitorSpec) -> int:
        """Add a monitor; it starts at once unless ``spec.active`` is false. ``add``.

        Returns:
            The new monitor's id.

        Raises:
            CallRejectedError: the server refused a field (1.23: an interval under 20 s).
        """
        major = self.major
        reply = await self._ok("add", spec.payload(major))
        return self._int(reply, "monitorID", "add")

    async def edit_monitor(self, monitor_id: int, **changes: Any) -> None:
        """Change some fields of a monitor, keeping the others. ``getMonitor`` then
        ``editMonitor`` (which takes the whole monitor).

        Args:
            changes: Fields by the names the monitor classes use (``name=``, ``interval=``,
                ``url=``, ``notification_ids=[1, 2]``, ``parent=``...).

        Raises:
            TypeError: a name no monitor type has.
            CallRejectedError: no such monitor, or a value the server refused.
        """
        fields = edit_fields()
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise TypeError(f"edit_monitor() got fields no monitor has: {', '.join(unknown)}")
        major = self.major
        reply = await self._ok("getMonitor", int(monitor_id))
        current = reply.get("monitor")
        if not isinstance(current, dict):
            raise DecodeError(
                "getMonitor: no monitor object", service=SERVICE, endpoint="getMonitor"
            )
        for name, value in changes.items():
            field = fields[name]
            if field.metadata.get("v2") and major < 2:
                continue
            convert = field.metadata.get("to")
            current[field.metadata["json"]] = convert(value) if convert else value
        await self._ok("editMonitor", current)

    async def delete_monitor(self, monitor_id: int, *, delete_children: bool = False) -> None:
        """Delete a monitor and its heartbeats. ``deleteMonitor``.

        Args:
            delete_children: For a group on 2.x: delete its monitors too (otherwise they are
                moved out of the group). 1.23 always moves them out.
        """
        if delete_children and self.major >= 2:
            await self._ok("deleteMonitor", int(monitor_id), True)
        else:
            await self._ok("deleteMonitor", int(monitor_id))

    async def pause_monitor(self, monitor_id: int) -> None:
        """Stop checking a monitor (``active`` becomes false). ``pauseMonitor``."""
        await self._ok("pauseMonitor", int(monitor_id))

    async def resume_monitor(self, monitor_id: int) -> None:
        """Start checking a paused monitor again. ``resumeMonitor``."""
        await self._ok("resumeMonitor", int(monitor_id))

    async def monitor_beats(self, monitor_id: int, hours: float = 24) -> list[Heartbeat]:
        """A monitor's heartbeats of the last ``hours``, oldest first. ``getMonitorBeats``."""
        reply = await self._ok("getMonitorBeats", int(monitor_id), hours)
        data = reply.get("data")
        if not isinstance(data, list):
            raise DecodeError(
                "getMonitorBeats: data is not a list", service=SERVICE, endpoint="getMonitorBeats"
            )
        return [hb for hb in map(heartbeat_from, data) if hb is not None]

    # -- tags ----------------------------------------------------------------------------

    async def tags(self) -> list[Tag]:
        """Every tag. ``getTags``."""
        reply = await self._ok("getTags")
        return self._decode(reply.get("tags"), list[Tag], "getTags")

    async def add_tag(self, name: str, color: str = "#2563eb") -> Tag:
        """Create a tag (``color`` as ``"#RRGGBB"``). ``addTag``."""
        reply = await self._ok("addTag", {"name": name, "color": color})
        return self._decode(reply.get("tag"), Tag, "addTag")

    async def delete_tag(self, tag_id: int) -> None:
        """Delete a tag (and remove it from every monitor). ``deleteTag``."""
        await self._ok("deleteTag", int(tag_id))

    async def add_monitor_tag(self, monitor_id: int, tag_id: int, value: str = "") -> None:
        """Put a tag on a monitor, with an optional value. ``addMonitorTag``."""
        await self._ok("addMonitorTag", int(tag_id), int(monitor_id), value)

    async def remove_monitor_tag(self, monitor_id: int, tag_id: int, value: str = "") -> None:
        """Take a tag (with this value) off a monitor. ``deleteMonitorTag``."""
        await self._ok("deleteMonitorTag", int(tag_id), int(monitor_id), value)

    # -- notifications -------------------------------------------------------------------

    async def notifications(self) -> list[Notification]:
        """Every notification of the user, as the server last pushed them (``notificationList``:
        at login and after every change). Attach one to a monitor with
        ``edit_monitor(id, notification_ids=[...])`` or the ``notification_ids`` of a spec."""

        async def snapshot() -> Any:
            await self._wait_pushed("notificationList")
            return self._lists.get("notificationList", [])

        raw = await _run(snapshot)
        if not isinstance(raw, list):
            raise DecodeError(
                "notificationList is not a list", service=SERVICE, endpoint="notificationList"
            )
        return [_notification(item) for item in raw]

    async def add_notification(
        self,
        name: str,
        type: str,
        settings: Mapping[str, Any] | None = None,
        *,
        is_default: bool = False,
        apply_existing: bool = False,
    ) -> int:
        """Create a notification. ``addNotification``.

        Args:
            name: Its name.
            type: The provider as Kuma names it (``"webhook"``, ``"discord"``, ``"ntfy"``...).
            settings: The provider's fields as the web UI sends them (``{"webhookURL": ...,
                "webhookContentType": "json"}``). They may hold secrets: they are sent, never
                logged or kept.
            is_default: Enable it on new monitors.
            apply_existing: Enable it on every existing monitor now.

        Returns:
            The notification's id.
        """
        body = {
            **dict(settings or {}),
            "name": name,
            "type": type,
            "isDefault": is_default,
            "applyExisting": apply_existing,
        }
        reply = await self._ok("addNotification", body, None)
        return self._int(reply, "id", "addNotification")

    async def delete_notification(self, notification_id: int) -> None:
        """Delete a notification. ``deleteNotification``."""
        await self._ok("deleteNotification", int(notification_id))

    async def add_docker_host(
        self, name: str, daemon: str, *, type: Literal["socket", "tcp"] = "socket"
    ) -> int:
        """Register a docker host for :class:`DockerMonitor` (``daemon``: a socket path such
        as ``"/var/run/docker.sock"``, or ``"tcp://host:2375"``). ``addDockerHost``; the
        server does not connect to it until a monitor uses it.

        Returns:
            The docker host's id.
        """
        reply = await self._ok(
            "addDockerHost", {"name": name, "dockerDaemon": daemon, "dockerType": type}, None
        )
        return self._int(reply, "id", "addDockerHost")

    # -- maintenance ---------------------------------------------------------------------

    async def maintenances(self) -> list[MaintenanceWindow]:
        """Every maintenance window. ``getMaintenanceList`` (pushes ``maintenanceList``)."""
        await self._ok("getMaintenanceList")

        async def snapshot() -> Any:
            return self._lists.get("maintenanceList", {})

        raw = await _run(snapshot)
        items = list(raw.values()) if isinstance(raw, dict) else raw
        return self._decode(items, list[MaintenanceWindow], "maintenanceList")

    async def add_maintenance(self, spec: MaintenanceSpec, monitor_ids: Sequence[int] = ()) -> int:
        """Add a maintenance window, covering ``monitor_ids``. ``addMaintenance`` (then
        ``addMonitorMaintenance``).

        Returns:
            The window's id.

        Raises:
            ValueError: ``spec`` lacks a field its strategy needs (nothing is sent).
            CallRejectedError: the server refused it (an invalid date or cron expression).
        """
        reply = await self._ok("addMaintenance", spec.payload())
        maintenance_id = self._int(reply, "maintenanceID", "addMaintenance")
        if monitor_ids:
            await self.set_maintenance_monitors(maintenance_id, monitor_ids)
        return maintenance_id

    async def set_maintenance_monitors(
        self, maintenance_id: int, monitor_ids: Sequence[int]
    ) -> None:
        """Set the monitors a maintenance window covers (replacing the list).
        ``addMonitorMaintenance``."""
        await self._ok(
            "addMonitorMaintenance", int(maintenance_id), [{"id": int(m)} for m in monitor_ids]
        )

    async def pause_maintenance(self, maintenance_id: int) -> None:
        """Deactivate a maintenance window. ``pauseMaintenance``."""
        await self._ok("pauseMaintenance", int(maintenance_id))

    async def resume_maintenance(self, maintenance_id: int) -> None:
        """Activate a paused maintenance window. ``resumeMaintenance``."""
        await self._ok("resumeMaintenance", int(maintenance_id))

    async def delete_maintenance(self, maintenance_id: int) -> None:
        """Delete a maintenance window. ``deleteMaintenance``."""
        await self._ok("deleteMaintenance", int(maintenance_id))

    # -- status pages --------------------------------------------------------------------

    async def add_status_page(self, title: str, slug: str) -> None:
        """Create a status page (slug: lower-case letters, digits and ``-``). ``addStatusPage``.

        Raises:
            CallRejectedError: the slug is taken or invalid.
        """
        await self._ok("addStatusPage", title, slug)

    async def save_status_page(
        self,
        slug: str,
        *,
        title: str | None = None,
        description: str | None = None,
        footer_text: str | None = None,
        show_tags: bool | None = None,
        show_powered_by: bool | None = None,
        show_certificate_expiry: bool | None = None,
        groups: Sequence[StatusPageGroup] | None = None,
    ) -> None:
        """Change a status page, keeping what is not given. ``getStatusPage`` then
        ``saveStatusPage`` (which takes the whole page).

        Args:
            groups: The page's monitor groups, in order, replacing the current ones; ``None``
                keeps them (read from ``GET /api/status-page/{slug}``).

        Raises:
            CallRejectedError: no such page.
        """
        reply = await self._ok("getStatusPage", slug)
        config = reply.get("config")
        if not isinstance(config, dict):
            raise DecodeError(
                "getStatusPage: no config object", service=SERVICE, endpoint="getStatusPage"
            )
        changes = {
            "title": title,
            "description": description,
            "footerText": footer_text,
            "showTags": show_tags,
            "showPoweredBy": show_powered_by,
            "showCertificateExpiry": show_certificate_expiry,
        }
        config.update({k: v for k, v in changes.items() if v is not None})
        logo = config.get("icon") or ""
        if groups is None:
            public = await self._current_groups(slug)
        else:
            public = [
                {"name": g.name, "monitorList": [{"id": int(m)} for m in g.monitor_ids]}
                for g in groups
            ]
        await self._ok("saveStatusPage", slug, config, logo, public)

    async def _current_groups(self, slug: str) -> list[dict[str, Any]]:
        from .adapter import UptimeKumaAdapter

        async with UptimeKumaAdapter(self.url, timeout=self.timeout) as http:
            page = await http.status_page(slug, fresh=True)
        return [
            {"id": g.id, "name": g.name, "monitorList": [{"id": m.id} for m in g.monitors]}
            for g in page.groups
        ]

    async def delete_status_page(self, slug: str) -> None:
        """Delete a status page with its incidents. ``deleteStatusPage``."""
        await self._ok("deleteStatusPage", slug)

    async def post_incident(
        self, slug: str, title: str, content: str, *, style: str = "primary"
    ) -> Incident:
        """Pin an incident on a status page (``style``: ``"info"``, ``"warning"``,
        ``"danger"``, ``"primary"``, ``"light"``, ``"dark"``). ``postIncident``."""
        reply = await self._ok(
            "postIncident", slug, {"title": title, "content": content, "style": style}
        )
        return self._decode(reply.get("incident"), Incident, "postIncident")

    async def unpin_incident(self, slug: str) -> None:
        """Unpin the page's pinned incident. ``unpinIncident``."""
        await self._ok("unpinIncident", slug)


def _notification(raw: Any) -> Notification:
    if not isinstance(raw, dict):
        raise DecodeError(
            "notificationList: an item is not an object",
            service=SERVICE,
            endpoint="notificationList",
        )
    kind: str | None = None
    config = raw.get("config")
    if isinstance(config, str):
        try:
            settings = parse_json(config, service=SERVICE, endpoint="notification config")
        except DecodeError:
            settings = None
        if isinstance(settings, dict) and isinstance(settings.get("type"), str):
            kind = settings["type"]
    data = {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "type": kind,
        "active": raw.get("active") in (True, 1),
        "is_default": raw.get("isDefault") in (True, 1) or raw.get("is_default") in (True, 1),
    }
    return decode(data, Notification, service=SERVICE, endpoint="socket.io notificationList")
