"""A small real HTTP/1.1 server on 127.0.0.1 for tests that need real sockets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import attrs


@attrs.define
class Reply:
    """What a route answers: status, headers, body, and an optional delay in seconds."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = attrs.Factory(lambda: {"Content-Type": "application/json"})
    delay: float = 0.0

    @classmethod
    def json(
        cls,
        data: Any,
        status: int = 200,
        *,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, json.dumps(data).encode(), all_headers, delay)


Route = Reply | Callable[["RequestSeen"], Reply]


@attrs.frozen
class RequestSeen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


class LoopbackServer:
    """ThreadingHTTPServer on a free loopback port; routes map ``"METHOD /path"`` to replies."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.fallback: Callable[[RequestSeen], Reply] | None = None
        self.seen: list[RequestSeen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = RequestSeen(
                    self.command,
                    self.path,
                    dict(self.headers.items()),
                    body,
                    self.client_address[1],
                )
                with server._lock:
                    server.seen.append(seen)
                path_only = self.path.split("?", 1)[0]
                route = server.routes.get(f"{self.command} {path_only}") or server.fallback
                reply = (
                    Reply(404, b'{"message":"no route"}')
                    if route is None
                    else (route(seen) if callable(route) else route)
                )
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
