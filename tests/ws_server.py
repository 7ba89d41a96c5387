"""A loopback websocket server (uvicorn with wsproto, in a thread) that replays notification
frames the way Plex Media Server sends them on ``/:/websockets/notifications``."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from types import TracebackType
from typing import Any

import attrs
import uvicorn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@attrs.define
class Connection:
    """What one connection does: send ``frames``, then close with ``close_code`` (``None``:
    stay open until the client leaves)."""

    frames: list[str]
    close_code: int | None = None


@attrs.define
class Seen:
    """One accepted or refused connection: its path, query string and headers."""

    path: str
    query: str
    headers: dict[str, str]
    accepted: bool


class NotificationServer:
    """Serves ``script`` in order, one :class:`Connection` per client connection (the last one
    repeats); refuses (HTTP 403) a connection without ``X-Plex-Token: token``."""

    def __init__(self, script: list[Connection], *, token: str = "fake-plex-token") -> None:
        self.script = script
        self.token = token
        self.seen: list[Seen] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            ws="wsproto",
            interface="asgi3",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        ok = scope["path"] == "/:/websockets/notifications" and headers.get("x-plex-token") == (
            self.token
        )
        self.seen.append(Seen(scope["path"], scope.get("query_string", b"").decode(), headers, ok))
        await receive()  # websocket.connect
        if not ok:
            await send({"type": "websocket.close", "code": 1008})
            return
        accepted = sum(s.accepted for s in self.seen)
        step = self.script[min(accepted, len(self.script)) - 1]
        await send({"type": "websocket.accept"})
        for frame in step.frames:
            await send({"type": "websocket.send", "text": frame})
        if step.close_code is not None:
            await asyncio.sleep(0.01)
            await send({"type": "websocket.close", "code": step.close_code})
            return
        while (await receive())["type"] != "websocket.disconnect":
            pass

    def __enter__(self) -> NotificationServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the websocket server did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
