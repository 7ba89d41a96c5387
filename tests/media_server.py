"""A loopback HTTP server that serves a small MP4: fast, throttled, or stalling mid-transfer."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

SAMPLE = Path(__file__).parent.parent / "examples" / "media" / "sample.mp4"
PAGE = b"<!doctype html><html><head><title>No media here</title></head><body>Hi</body></html>"
TWO_VIDEOS = (
    b"<!doctype html><html><head><title>Two clips</title></head><body>"
    b'<video src="/media/first.mp4"></video><video src="/media/second.mp4"></video>'
    b"</body></html>"
)
SEGMENTS = 3


def playlist() -> bytes:
    """An HLS media playlist (RFC 8216) of SEGMENTS segments, relative URIs."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1", "#EXT-X-MEDIA-SEQUENCE:0"]
    for n in range(SEGMENTS):
        lines += ["#EXTINF:1.0,", f"seg{n}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return ("\n".join(lines) + "\n").encode()


class MediaServer:
    """Routes: ``/clip.mp4`` (fast), ``/slow.mp4`` (1 KiB per 20 ms), ``/stall.mp4`` (half,
    then nothing), ``/media/<any path>.mp4`` (fast, with ``Range``), ``/two.html`` (a page with
    two videos), ``/hls/<name>/index.m3u8`` (an HLS playlist of three ``.ts`` segments),
    ``/gate.mp4`` (headers, then the body once :attr:`gate` is set; the server
    counts the distinct ``?n=`` jobs inside it), ``/missing.mp4`` (404), ``/page.html`` (HTML
    without media)."""

    def __init__(self, data: bytes | None = None) -> None:
        self.data = data if data is not None else SAMPLE.read_bytes()
        self.requests: list[str] = []
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.gate = threading.Event()
        self.gate_jobs: dict[str, int] = {}
        self.gate_seen: set[str] = set()
        self.gate_peak = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except (ConnectionResetError, BrokenPipeError):
                    pass

            def _headers(self, status: int, kind: str, length: int) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(length))
                self.send_header("Accept-Ranges", "none")
                self.end_headers()

            def do_HEAD(self) -> None:
                self._serve(body=False)

            def do_GET(self) -> None:
                self._serve(body=True)

            def _serve(self, body: bool) -> None:
                path, _, query = self.path.partition("?")
                server.requests.append(f"{self.command} {path}")
                data = server.data
                try:
                    if path == "/page.html":
                        self._headers(200, "text/html; charset=utf-8", len(PAGE))
                        if body:
                            self.wfile.write(PAGE)
                    elif path == "/two.html":
                        self._headers(200, "text/html; charset=utf-8", len(TWO_VIDEOS))
                        if body:
                            self.wfile.write(TWO_VIDEOS)
                    elif path.startswith("/media/") and path.endswith(".mp4"):
                        self._ranged(data, body)
                    elif path.startswith("/hls/") and path.endswith("/index.m3u8"):
                        text = playlist()
                        self._headers(200, "application/vnd.apple.mpegurl", len(text))
                        if body:
                            self.wfile.write(text)
                    elif path.startswith("/hls/") and path.endswith(".ts"):
                        part = data[: len(data) // SEGMENTS]
                        self._headers(200, "video/mp2t", len(part))
                        if body:
                            self.wfile.write(part)
                    elif path == "/gate.mp4":
                        self._headers(200, "video/mp4", len(data))
                        if body:
                            self._gated(query, data)
                    elif path in ("/clip.mp4", "/slow.mp4", "/stall.mp4"):
                        self._headers(200, "video/mp4", len(data))
                        if not body:
                            return
                        if path == "/clip.mp4":
                            self.wfile.write(data)
                        elif path == "/slow.mp4":
                            with server._lock:
                                server.active += 1
                                server.peak = max(server.peak, server.active)
                            try:
                                for i in range(0, len(data), 1024):
                                    if server._stop.is_set():
                                        return
                                    self.wfile.write(data[i : i + 1024])
                                    self.wfile.flush()
                                    time.sleep(0.02)
                            finally:
                                with server._lock:
                                    server.active -= 1
                        else:
                            self.wfile.write(data[: len(data) // 2])
                            self.wfile.flush()
                            server._stop.wait(120)
                    else:
                        self._headers(404, "text/html", 9)
                        if body:
                            self.wfile.write(b"Not Found")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _ranged(self, data: bytes, body: bool) -> None:
                start = 0
                spec = self.headers.get("Range", "")
                if spec.startswith("bytes=") and spec[6:].split("-")[0].isdigit():
                    start = min(int(spec[6:].split("-")[0]), len(data))
                part = data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(len(part)))
                self.send_header("Accept-Ranges", "bytes")
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                if body:
                    self.wfile.write(part)

            def _gated(self, job: str, data: bytes) -> None:
                # One download may open several connections (yt-dlp probes, then fetches):
                # the server counts jobs, not connections.
                with server._lock:
                    server.gate_jobs[job] = server.gate_jobs.get(job, 0) + 1
                    server.gate_seen.add(job)
                    server.gate_peak = max(server.gate_peak, len(server.gate_jobs))
                try:
                    server.gate.wait(60)
                    self.wfile.write(data)
                finally:
                    with server._lock:
                        server.gate_jobs[job] -= 1
                        if not server.gate_jobs[job]:
                            del server.gate_jobs[job]

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> MediaServer:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self.gate.set()
        self._httpd.shutdown()
        self._httpd.server_close()
