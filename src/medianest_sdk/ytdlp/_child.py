"""What runs inside the download process: yt-dlp's embedding API, messages to the parent.

The parent runs ``python -m medianest_sdk.ytdlp._child`` ahead of time: the child imports
yt-dlp at once, then waits (warm) for one JSON line on its stdin (``{"url", "options",
"mode"}``); an empty stdin (the parent went away) ends it. It writes JSON lines to stdout:

- ``["progress", dict]``: a trimmed yt-dlp progress-hook dict: every status change, at most
  ~10 per second otherwise, and the latest one always, 0.1 s after it came when no newer one
  followed (so the state just before a stall is never held back);
- ``["log", level, message]``: yt-dlp's warnings and errors, redacted;
- ``["info", dict]``: the sanitized info dict (``yt_dlp.YoutubeDL.sanitize_info``), trimmed;
- ``["done", list_of_files]`` or ``["error", kind, message]`` last.

Only JSON crosses between the processes; yt-dlp's own output never reaches the protocol stream.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import threading
import time
from typing import Any, TextIO

from ..secrets import redact_text, redact_url

_PROGRESS_KEYS = (
    "status",
    "downloaded_bytes",
    "total_bytes",
    "total_bytes_estimate",
    "speed",
    "eta",
    "filename",
    "tmpfilename",
    "elapsed",
)


def _redact(message: str, url: str) -> str:
    """Messages name the URL without its query string (it may carry tokens)."""
    bare = url.split("?", 1)[0]
    text = message.replace(url, bare) if url != bare else message
    return redact_text(redact_url(text))


def classify(exc: BaseException) -> str:
    """``"unsupported"``, ``"unavailable"``, ``"network"``, ``"postprocessing"``,
    ``"storage"`` or ``"other"`` for a yt-dlp failure."""
    from yt_dlp.utils import DownloadError, ExtractorError, PostProcessingError, UnsupportedError

    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        nested = getattr(current, "exc_info", None)
        following = nested[1] if isinstance(nested, tuple) and len(nested) > 1 else None
        current = following or current.__cause__ or current.__context__
    text = " ".join(str(e) for e in chain).lower()
    for e in chain:
        if isinstance(e, OSError) and e.errno in (
            errno.ENOSPC,
            errno.EACCES,
            errno.EROFS,
            errno.EDQUOT,
        ):
            return "storage"
    if any(isinstance(e, UnsupportedError) for e in chain) or "unsupported url" in text:
        return "unsupported"
    if any(isinstance(e, PostProcessingError) for e in chain) or "postprocessing" in text:
        return "postprocessing"
    if "no space left" in text or "permission denied" in text or "read-only file system" in text:
        return "storage"
    if any(f"http error {code}" in text for code in (400, 401, 403, 404, 410, 451)) or (
        "video unavailable" in text or "private video" in text or "has been removed" in text
    ):
        return "unavailable"
    network_words = (
        "connection refused",
        "timed out",
        "unable to download webpage",
        "urlopen error",
        "name or service not known",
        "connection reset",
        "network is unreachable",
        "remote end closed",
        "incompleteread",
        "unable to connect",
        "failed to resolve",
    )
    if any(word in text for word in network_words):
        return "network"
    if any(isinstance(e, (ExtractorError, DownloadError)) for e in chain):
        return "unavailable" if "404" in text else "other"
    return "other"


class _Channel:
    """JSON lines to the parent over the process's original stdout (thread-safe)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: list[Any] | tuple[Any, ...]) -> None:
        line = json.dumps(list(message), default=str) + "\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()

    def close(self) -> None:
        self._stream.flush()


class _Logger:
    """yt-dlp's ``logger`` option: forward warnings and errors, drop debug chatter."""

    def __init__(self, conn: _Channel, url: str) -> None:
        self._conn = conn
        self._url = url

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        self._conn.send(("log", "warning", _redact(message, self._url)))

    def error(self, message: str) -> None:
        self._conn.send(("log", "error", _redact(message, self._url)))


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this process when its parent dies (``PR_SET_PDEATHSIG``):
    a worker killed with ``kill -9`` must not leave a download running behind it."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the stdin EOF stays
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def main() -> None:
    """``python -m medianest_sdk.ytdlp._child``: read the job from stdin, run it."""
    _die_with_parent()
    protocol = sys.stdout
    sys.stdout = sys.stderr  # anything yt-dlp prints stays out of the protocol stream
    conn = _Channel(protocol)
    _warm_up()
    line = sys.stdin.readline()
    if not line:  # the parent closed our stdin without a job (shutdown)
        return
    try:
        job = json.loads(line)
        url, options, mode = str(job["url"]), dict(job["options"]), str(job["mode"])
    except (ValueError, KeyError, TypeError) as exc:
        conn.send(("error", "other", f"bad job: {type(exc).__name__}"))
        return
    run(conn, url, options, mode)


class _Progress:
    """Throttles progress to ~10 per second without ever holding the latest state back."""

    INTERVAL = 0.1

    def __init__(self, conn: _Channel) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._pending: dict[str, Any] | None = None
        self._last_sent = 0.0
        self._last_status = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._flush_loop, daemon=True)
        self._thread.start()

    def hook(self, d: dict[str, Any]) -> None:
        """yt-dlp's progress hook."""
        status = str(d.get("status", ""))
        event = {k: d.get(k) for k in _PROGRESS_KEYS}
        with self._lock:
            now = time.monotonic()
            if (
                status != self._last_status
                or status != "downloading"
                or (now - self._last_sent >= self.INTERVAL)
            ):
                self._send_locked(event, status, now)
            else:
                self._pending = event

    def _send_locked(self, event: dict[str, Any], status: str, now: float) -> None:
        self._conn.send(("progress", event))
        self._pending = None
        self._last_sent, self._last_status = now, status

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self.flush()

    def flush(self) -> None:
        """Send the latest state if it was held back."""
        with self._lock:
            if self._pending is not None:
                event = self._pending
                self._send_locked(event, str(event.get("status", "")), time.monotonic())

    def close(self) -> None:
        """Stop the flusher, sending what is pending."""
        self._stop.set()
        self.flush()


def _warm_up() -> None:
    """Do, before any job comes, what makes a fresh interpreter slow to start one: import
    yt-dlp (~0.15 s), build a ``YoutubeDL`` (~0.1 s) and compile every extractor's URL pattern
    (~0.4 s: yt-dlp asks each of ~1,750 extractors whether it takes the URL)."""
    import yt_dlp
    from yt_dlp.extractor import gen_extractor_classes

    with yt_dlp.YoutubeDL({"quiet": True, "logger": _Quiet()}):
        pass
    for extractor in gen_extractor_classes():
        extractor.suitable("http://127.0.0.1/warm-up.mp4")


class _Quiet:
    def debug(self, message: str) -> None:
        pass

    warning = error = info = debug


def run(conn: _Channel, url: str, options: dict[str, Any], mode: str) -> None:
    """Run one job: ``mode`` is ``"download"`` or ``"info"``."""
    progress = _Progress(conn)

    try:
        import yt_dlp

        opts = dict(options)
        opts["logger"] = _Logger(conn, url)
        opts["progress_hooks"] = [*opts.get("progress_hooks", []), progress.hook]
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.extract_info(url, download=(mode == "download"))
            clean = ydl.sanitize_info(info)
            progress.close()
            conn.send(("info", _trim_info(clean)))
            files = []
            if mode == "download":
                entries = clean.get("entries") or [clean]
                for entry in entries:
                    if not isinstance(entry, dict):
                        continue
                    for download in entry.get("requested_downloads") or [entry]:
                        path = download.get("filepath") or download.get("_filename")
                        if path and os.path.exists(path) and path not in files:
                            files.append(path)
        conn.send(("done", files))
    except BaseException as exc:
        progress.close()
        try:
            conn.send(("error", classify(exc), _redact(str(exc) or type(exc).__name__, url)))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


def _trim_info(info: dict[str, Any]) -> dict[str, Any]:
    """The parts of an info dict the parent models; format URLs stay out (they carry tokens)."""
    keep = (
        "id",
        "title",
        "uploader",
        "duration",
        "webpage_url",
        "extractor",
        "extractor_key",
        "ext",
        "filesize",
        "filesize_approx",
        "width",
        "height",
        "upload_date",
        "description",
    )
    out = {k: info.get(k) for k in keep}
    out["formats"] = [
        {
            k: f.get(k)
            for k in (
                "format_id",
                "ext",
                "width",
                "height",
                "filesize",
                "tbr",
                "vcodec",
                "acodec",
                "format_note",
            )
        }
        for f in info.get("formats") or []
        if isinstance(f, dict)
    ]
    out["thumbnails"] = [
        t.get("url") for t in info.get("thumbnails") or [] if isinstance(t, dict) and t.get("url")
    ]
    return out


if __name__ == "__main__":
    main()
