"""A raw-socket loopback server that misbehaves on purpose, one behaviour per request path.

Each connection reads one request head, answers ``/<behaviour>`` as below, and closes. Nothing
it does is HTTP that a well-behaved server would send; every stall is bounded (3 s or until
the client hangs up), so the server never keeps a test alive.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType

Send = Callable[[socket.socket], None]


def _head(status: str, headers: dict[str, str], length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _reply(status: str, body: bytes, **headers: str) -> Send:
    def send(sock: socket.socket) -> None:
        sock.sendall(_head(status, headers, len(body)) + body)

    return send


def _json(status: str, body: bytes) -> Send:
    return _reply(status, body, **{"Content-Type": "application/json"})


def _wait_for_hangup(sock: socket.socket, seconds: float = 3.0) -> None:
    sock.settimeout(seconds)
    try:
        while sock.recv(1024):
            pass
    except OSError:
        pass


def _stall_body(sock: socket.socket) -> None:
    sock.sendall(_head("200 OK", {"Content-Type": "application/json"}, 100) + b'{"a":')
    _wait_for_hangup(sock)


def _stall_head(sock: socket.socket) -> None:
    _wait_for_hangup(sock)


def _truncated(sock: socket.socket) -> None:
    sock.sendall(_head("200 OK", {"Content-Type": "application/json"}, 100) + b'{"a": 1')


def _reset(sock: socket.socket) -> None:
    sock.sendall(_head("200 OK", {"Content-Type": "application/json"}, 1000) + b'{"a": [1, 2')
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _drip(sock: socket.socket) -> None:
    body = b'{"ok": true}'
    sock.sendall(_head("200 OK", {"Content-Type": "application/json"}, len(body)))
    for i in range(len(body)):
        sock.sendall(body[i : i + 1])
        time.sleep(0.01)


def _huge_header(sock: socket.socket) -> None:
    sock.sendall(_head("200 OK", {"X-Filler": "a" * 200_000}, 2) + b"{}")


def _huge_body(sock: socket.socket) -> None:
    sock.sendall(_head("200 OK", {"Content-Type": "application/json"}, None))
    try:
        for _ in range(200):
            sock.sendall(b" " * 1024)
    except OSError:
        pass


def _empty(sock: socket.socket) -> None:
    return None


BOMB = gzip.compress(b"\0" * 10_000_000)

BEHAVIOURS: dict[str, Send] = {
    "ok": _json("200 OK", b'{"ok": true}'),
    "drip": _drip,
    "bad_gzip": _reply("200 OK", b"this is not gzip", **{"Content-Encoding": "gzip"}),
    "deep_json_200": _json("200 OK", b"[" * 60_000),
    "deep_json_500": _json("500 Internal Server Error", b"[" * 60_000),
    "not_json": _reply("200 OK", b"<html>hello</html>", **{"Content-Type": "text/html"}),
    "garbage_status": lambda s: s.sendall(b"HTTP/1.1 abc\r\n\r\n"),
    "not_http": lambda s: s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n"),
    "empty": _empty,
    "truncated": _truncated,
    "reset": _reset,
    "stall_head": _stall_head,
    "stall_body": _stall_body,
    "huge_header": _huge_header,
    "huge_body": _huge_body,
    "gzip_bomb": _reply("200 OK", BOMB, **{"Content-Encoding": "gzip"}),
    "retry_after_huge": _reply("503 Service Unavailable", b"", **{"Retry-After": "9" * 400}),
    "retry_after_junk": _reply("429 Too Many Requests", b"", **{"Retry-After": "soon\u00e9"}),
    "bad_charset": _reply(
        "500 Oops", b"\xff\xfe\x00", **{"Content-Type": "text/plain; charset=no-such-codec"}
    ),
    "redirect_elsewhere": _reply("302 Found", b"", Location="http://127.0.0.2:9/stolen"),
    "redirect_loop": _reply("302 Found", b"", Location="/redirect_loop"),
    "redirect_bad": _reply("302 Found", b"", Location="http://[::1"),
}


class HostileServer:
    """Answers ``GET /<behaviour>`` on 127.0.0.1 with the behaviour of that name."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                path = head.split(b" ", 2)[1].decode().lstrip("/").split("?")[0]
                BEHAVIOURS.get(path, _json("404 Not Found", b"{}"))(conn)
            except OSError:
                pass

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()
