"""``YtDlpRunner``: async, cancellable, quota-aware downloads on yt-dlp's embedding API.

Execution model: each download (and each ``extract_info``) runs ``yt_dlp.YoutubeDL`` in a
**child process** (``python -m medianest_sdk.ytdlp._child``, started with
:func:`anyio.open_process`), which reports progress as JSON lines on its stdout.
A worker thread with a progress hook that raises ``DownloadCancelled`` can only stop between
two progress callbacks: when the transfer stalls, no callback comes, and the thread stays stuck
in a socket read for as long as ``socket_timeout`` (20 s and more). A process can always be
stopped: ``cancel()`` terminates it (then kills it after ``cancel_grace`` seconds), so a
cancellation finishes in well under 2 seconds even mid-stall. The cost of a fresh interpreter
(about half a second, mostly importing yt-dlp) is paid ahead of time inside
``async with YtDlpRunner(...) as runner:``: the runner keeps one **warm** child ready, yt-dlp
already imported, waiting for its job; a job takes it and a new one starts warming behind it;
leaving the block stops it. (Outside such a block each job starts its own child: a warm child
must be stopped by the event loop that started it, which only the block guarantees.) A warm
child whose parent goes away exits by itself: its stdin closes. A child started
this way (not with ``multiprocessing``) never re-imports the caller's ``__main__``, so scripts
need no ``if __name__ == "__main__"`` guard, and only JSON crosses between processes.

Nothing blocks the event loop: the process's pipes are read asynchronously; yt-dlp itself runs
in the other process.

Files: each job downloads into its own temporary folder inside ``output_dir``, so yt-dlp never
sees another job's file (it would skip a name it finds, and report that file as this job's).
When the job succeeds, every file it wrote is moved into ``output_dir``; a name already taken
there gets `` (2)``, `` (3)``... (claimed atomically, so two jobs finishing at once never
overwrite each other). A cancelled or failed job removes its temporary folder, so no ``.part``
file is left behind.

Quota: a ``RateLimiter`` applied per key (``"5/hour"`` per user). A slot is taken when the job
starts and is **not** given back when the job fails or is cancelled: the quota counts started
downloads (``limits``' windows cannot refund a hit). A job refused by the quota never starts a
process or takes a concurrency slot.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import anyio.lowlevel
import attrs
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ..errors import (
    DownloadCancelled,
    DownloadError,
    DownloadNetworkError,
    DownloadStorageError,
    MediaUnavailableError,
    PostProcessingError,
    RateLimitExceeded,
    UnsupportedURLError,
)
from ..events import DownloadFinished, DownloadProgressed, EventHooks, logger
from ..resilience.bulkhead import Bulkhead
from ..resilience.cache import Cache
from ..resilience.limiter import RateLimiter
from ..secrets import redact_url
from .models import DownloadProgress, DownloadResult, MediaInfo

__all__ = ["DownloadJob", "YtDlpRunner"]

_ERRORS: dict[str, type[DownloadError]] = {
    "unsupported": UnsupportedURLError,
    "unavailable": MediaUnavailableError,
    "network": DownloadNetworkError,
    "postprocessing": PostProcessingError,
    "storage": DownloadStorageError,
}

DEFAULT_INFO_TTL = 3600.0
"""Seconds an ``extract_info`` result stays in the runner's cache (1 hour)."""


def _shown(url: str) -> str:
    """A URL for messages: no query string (it may carry tokens), no credentials."""
    return redact_url(url.split("?", 1)[0])


class YtDlpRunner:
    """Runs yt-dlp downloads into ``output_dir``.

    Args:
        output_dir: Where finished files land (created if missing).
        max_concurrent: Downloads running at once (a bulkhead); more wait their turn.
        quota: A :class:`~medianest_sdk.RateLimiter` applied per ``key`` of :meth:`download`
            (e.g. ``RateLimiter("5/hour")``: five downloads per hour per user).
        cache: Where :meth:`extract_info` keeps results (``cache_ttl`` seconds, 1 hour default).
        cache_ttl: Seconds info results stay cached.
        options: Extra ``YoutubeDL`` options merged over the safe defaults (quiet, no console
            progress, our logger, ``paths``/``outtmpl`` under ``output_dir``, ``noplaylist``).
            They cross to the download process as JSON, so they must be plain data.
        cancel_grace: Seconds a cancelled download process gets to exit before it is killed.
        hooks: Receives :class:`~medianest_sdk.events.DownloadProgressed` and
            :class:`~medianest_sdk.events.DownloadFinished` events.

    Raises:
        ImportError: yt-dlp is not installed (``pip install "medianest-sdk[ytdlp]"``).
        TypeError: ``options`` are not plain data.
        ValueError: ``max_concurrent < 1``.
    """

    def __init__(
        self,
        output_dir: str | Path,
        *,
        max_concurrent: int = 2,
        quota: RateLimiter | None = None,
        cache: Cache | None = None,
        cache_ttl: float = DEFAULT_INFO_TTL,
        options: dict[str, Any] | None = None,
        cancel_grace: float = 1.0,
        hooks: EventHooks | None = None,
    ) -> None:
        if importlib.util.find_spec("yt_dlp") is None:
            raise ImportError('YtDlpRunner needs yt-dlp: pip install "medianest-sdk[ytdlp]"')
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be >= 1, got {max_concurrent}")
        options = dict(options or {})
        try:
            json.dumps(options)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "YtDlpRunner options must be plain JSON data (they cross to the download "
                f"process): {exc}"
            ) from None
        self.output_dir = Path(output_dir)
        self.quota = quota
        self.cache = cache
        self.cache_ttl = cache_ttl
        self.options = options
        self.cancel_grace = cancel_grace
        self.hooks = hooks if hooks is not None else EventHooks()
        self.bulkhead = Bulkhead(max_concurrent)
        self._warm: Process | None = None
        self._warm_loop: Any = None  # the event loop of `async with`: warm children live there

    async def __aenter__(self) -> YtDlpRunner:
        """Keep a warm child ready while the block runs (jobs then start without waiting for
        an interpreter and yt-dlp's import); it is stopped on exit."""
        self._warm_loop = anyio.lowlevel.current_token()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the warm child process and keep none from now on (idempotent). Running jobs
        are not affected."""
        warm, self._warm, self._warm_loop = self._warm, None, None
        if warm is not None:
            with anyio.CancelScope(shield=True):
                await _stop(warm, self.cancel_grace)

    async def _child(self) -> Process:
        """A child process for a job: the warm one if it is alive, else a new one. Inside
        ``async with runner:`` a new warm one starts behind it."""
        warm, self._warm = self._warm, None
        if warm is not None and warm.returncode is not None:
            with anyio.CancelScope(shield=True):
                await _stop(warm, self.cancel_grace)
            warm = None
        process = warm or await _spawn()
        if self._warm_loop is not None and self._warm_loop == anyio.lowlevel.current_token():
            self._warm = await _spawn()
        return process

    def __repr__(self) -> str:
        return (
            f"YtDlpRunner({str(self.output_dir)!r}, max_concurrent={self.bulkhead.max_concurrent})"
        )

    def _options(self, temp_dir: str, format: str | None) -> dict[str, Any]:
        opts: dict[str, Any] = {
            "quiet": True,
            "noprogress": True,
            "noplaylist": True,
            "socket_timeout": 20,
            "retries": 3,
            "outtmpl": {"default": "%(title).150B [%(id)s].%(ext)s"},
            **self.options,
            "paths": {"home": temp_dir, "temp": temp_dir},
        }
        if format is not None:
            opts["format"] = format
        return opts

    async def extract_info(self, url: str) -> MediaInfo:
        """What yt-dlp knows about ``url``, without downloading (cached when a cache is set).

        Raises:
            UnsupportedURLError, MediaUnavailableError, DownloadNetworkError, DownloadError: as
                yt-dlp reports the failure.
        """
        _check_url(url)
        key = f"ytdlp:info:{hashlib.sha256(url.encode()).hexdigest()[:32]}"
        if self.cache is not None:
            entry = await self.cache.get(key)
            if entry is not None and entry.is_fresh(self.cache.clock.now()):
                return MediaInfo.from_info(entry.value)
        info: dict[str, Any] = {}
        async with self.bulkhead.slot():
            temp = await anyio.to_thread.run_sync(self._make_temp)
            try:
                async for message in _run_child(self, url, self._options(temp, None), "info"):
                    if message[0] == "info":
                        info = message[1]
            finally:
                await anyio.to_thread.run_sync(shutil.rmtree, temp, True)
        if self.cache is not None:
            await self.cache.set(key, info, ttl=self.cache_ttl)
        return MediaInfo.from_info(info)

    def download(
        self,
        url: str,
        *,
        key: str | None = None,
        format: str | None = None,
        output_dir: str | Path | None = None,
    ) -> DownloadJob:
        """A download job for ``url`` (it starts with ``async with job:`` or ``await
        job.result()``).

        Args:
            url: An http(s) URL yt-dlp understands (a page or a direct media link).
            key: Whose quota this download counts against (``"default"`` when not given).
            format: A yt-dlp format selector (``"bestvideo*+bestaudio/best"``...).
            output_dir: Where this job's files land instead of the runner's ``output_dir``
                (created if missing; its partial files live there too).

        Raises:
            UnsupportedURLError: the URL is not http(s) (raised at once).
        """
        _check_url(url)
        folder = self.output_dir if output_dir is None else Path(output_dir)
        return DownloadJob(self, url, key=key, format=format, output_dir=folder)

    def _make_temp(self, output_dir: Path | None = None) -> str:
        folder = self.output_dir if output_dir is None else output_dir
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkdtemp(prefix=".medianest-partial-", dir=folder)


async def take_quota(quota: RateLimiter, owner: str | None) -> None:
    """Take one download from ``owner``'s quota (``"default"`` when ``None``).

    Raises:
        RateLimitExceeded: the quota is used up; the message says it is a download quota,
            whose, and when the next slot frees.
    """
    key = owner or "default"
    if not await quota.try_acquire(key):
        wait = await quota.retry_after(key)
        raise RateLimitExceeded(
            f"download quota {quota.limit} used up for {key!r}; next slot in {wait:.0f} s",
            limit=str(quota.limit),
            key=key,
            retry_after=wait,
            service="yt-dlp",
        )


def _check_url(url: str) -> None:
    if not url.lower().startswith(("http://", "https://")):
        raise UnsupportedURLError(
            f"only http and https URLs can be downloaded, got {_shown(url)!r}", url=_shown(url)
        )


_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_MAX_LINE = 16 * 1024 * 1024


async def _spawn() -> Process:
    """Start a child: it imports yt-dlp, then waits for a job on its stdin."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    return await anyio.open_process(
        [sys.executable, "-m", "medianest_sdk.ytdlp._child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )


async def _run_child(
    runner: YtDlpRunner, url: str, options: dict[str, Any], mode: str
) -> AsyncIterator[list[Any]]:
    """Run yt-dlp in a child process; yield its messages; stop it on cancellation."""
    outcome: list[Any] | None = None
    process = await runner._child()
    try:
        assert process.stdin is not None and process.stdout is not None
        job = json.dumps({"url": url, "options": options, "mode": mode}) + "\n"
        await process.stdin.send(job.encode())
        await process.stdin.aclose()
        lines = BufferedByteReceiveStream(process.stdout)
        while True:
            try:
                line = await lines.receive_until(b"\n", _MAX_LINE)
            except (anyio.EndOfStream, anyio.IncompleteRead):
                break
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not isinstance(message, list) or not message:
                continue
            if message[0] in ("done", "error"):
                outcome = message
                break
            if message[0] == "log":
                # yt-dlp's errors come back as the exception; its warnings are mostly notes.
                logger.log(20 if message[1] == "warning" else 10, "yt-dlp: %s", message[2])
                continue
            yield message
    finally:
        with anyio.CancelScope(shield=True):
            await _stop(process, runner.cancel_grace)
    if outcome is None:
        raise DownloadError(
            f"the download process for {_shown(url)} ended without a result "
            f"(exit code {process.returncode})",
            url=_shown(url),
        )
    if outcome[0] == "error":
        cls = _ERRORS.get(str(outcome[1]), DownloadError)
        raise cls(f"{_shown(url)}: {outcome[2]}", url=_shown(url))
    yield outcome


_LEFTOVERS = (".part", ".ytdl", ".temp")


def _move_out(temp: Path, reported: list[str], output_dir: Path) -> list[Path]:
    """Move every finished file the job wrote from its temporary folder into ``output_dir``
    (yt-dlp's reported files first, in order, then any other it wrote), each under a name no
    other file has; return the final paths."""
    found = [p for p in sorted(temp.rglob("*")) if p.is_file()]
    ordered = [Path(r) for r in reported if Path(r).is_file()]
    ordered += [p for p in found if p not in ordered]
    moved = []
    for path in ordered:
        if path.name.startswith(".") or path.name.endswith(_LEFTOVERS):
            continue
        moved.append(_claim(path, output_dir))
    return moved


def _claim(source: Path, output_dir: Path) -> Path:
    """Move ``source`` into ``output_dir`` under its name, or ``name (2).ext``... when taken.

    A hard link claims a name atomically (it fails if the name exists); where links are not
    supported, an exclusive create reserves the name before the move replaces it.
    """
    stem, suffix = source.stem, source.suffix
    for n in range(1, 10_000):
        target = output_dir / (source.name if n == 1 else f"{stem} ({n}){suffix}")
        try:
            os.link(source, target)
        except FileExistsError:
            continue
        except OSError:  # no hard links here: reserve the name, then move over it
            try:
                fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                continue
            os.close(fd)
            os.replace(source, target)
            return target
        source.unlink()
        return target
    raise DownloadStorageError(f"no free name for {source.name} in {output_dir}", url="")


async def _stop(process: Process, grace: float) -> None:
    """Terminate, wait ``grace`` seconds, then kill; always reap the process."""
    if process.returncode is None:
        process.terminate()
        with anyio.move_on_after(grace):
            await process.wait()
    if process.returncode is None:
        process.kill()
        await process.wait()
    await process.aclose()


class DownloadJob:
    """One download: an async context manager, an async iterator of progress, a result.

    Example::

        async with runner.download(url, key=user_id) as job:
            async for progress in job:
                print(f"{(progress.fraction or 0):.0%}")
        result = await job.result()

    Leaving the ``async with`` block while the download runs cancels it.
    """

    def __init__(
        self,
        runner: YtDlpRunner,
        url: str,
        *,
        key: str | None,
        format: str | None,
        output_dir: Path | None = None,
    ) -> None:
        self.runner = runner
        self.output_dir = runner.output_dir if output_dir is None else output_dir
        self.url = _shown(url)
        self.key = key
        self._raw_url = url
        self._format = format
        self._send: MemoryObjectSendStream[DownloadProgress]
        self._receive: MemoryObjectReceiveStream[DownloadProgress]
        self._send, self._receive = anyio.create_memory_object_stream[DownloadProgress](256)
        self._done = anyio.Event()
        self._started = False
        self._scope: anyio.CancelScope | None = None
        self._cancelled = False
        self._result: DownloadResult | None = None
        self._error: BaseException | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._best: tuple[str | None, float] = (None, 0.0)
        self._began = 0.0

    def __repr__(self) -> str:
        state = "done" if self._done.is_set() else "running" if self._started else "new"
        return f"DownloadJob({self.url!r}, {state})"

    @property
    def done(self) -> bool:
        """Whether the job has finished (successfully or not)."""
        return self._done.is_set()

    async def __aenter__(self) -> DownloadJob:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._started = True
        self._task_group.start_soon(self._run)
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        if not self._done.is_set():
            # Cancel without awaiting: under an enclosing cancelled scope an await would raise
            # before the task group is exited. The task group waits for the shielded clean-up.
            self._cancelled = True
            if self._scope is not None:
                self._scope.cancel()
        assert self._task_group is not None
        return await self._task_group.__aexit__(t, e, tb)

    def __aiter__(self) -> AsyncIterator[DownloadProgress]:
        if not self._started:
            raise RuntimeError("enter the job first: `async with runner.download(url) as job:`")
        return self._receive.__aiter__()

    async def result(self) -> DownloadResult:
        """Wait for the download; return the final file(s) and the media info.

        Raises:
            DownloadCancelled: the job was cancelled.
            RateLimitExceeded: the key's quota was used up (nothing was downloaded).
            DownloadError: and its subclasses, for the failure.
        """
        if not self._started:
            self._started = True
            await self._run()
        await self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    async def cancel(self) -> None:
        """Stop the download (within ``cancel_grace`` seconds plus clean-up), remove partial
        files and free the concurrency slot. Safe to call at any time, also twice."""
        self._cancelled = True
        if self._scope is not None:
            self._scope.cancel()
        if self._started:
            await self._done.wait()
        else:
            self._error = DownloadCancelled(
                f"{self.url}: cancelled before it started", url=self.url
            )
            self._done.set()

    async def _run(self) -> None:
        self._began = time.monotonic()
        try:
            with anyio.CancelScope() as self._scope:
                if self._cancelled:
                    self._scope.cancel()
                self._result = await self._download()
            if self._scope.cancelled_caught or self._result is None:
                self._error = DownloadCancelled(f"{self.url}: cancelled", url=self.url)
        except DownloadError as exc:
            self._error = exc
        except RateLimitExceeded as exc:
            self._error = exc
        finally:
            if self._error is None and self._result is None:
                self._error = DownloadCancelled(f"{self.url}: cancelled", url=self.url)
            self._done.set()
            self._send.close()
            with anyio.CancelScope(shield=True):
                await self._report_end()

    async def _report_end(self) -> None:
        hooks = self.runner.hooks
        if not hooks.active(DownloadFinished):
            return
        files = [] if self._result is None else self._result.files
        size = 0
        for path in files:
            try:
                size += path.stat().st_size
            except OSError:
                pass
        await hooks.emit(
            DownloadFinished(
                url=self.url,
                key=self.key,
                files=[str(f) for f in files],
                bytes=size,
                duration_s=time.monotonic() - self._began,
                error=None if self._error is None else type(self._error).__name__,
            )
        )

    async def _download(self) -> DownloadResult | None:
        runner = self.runner
        if runner.quota is not None:
            await take_quota(runner.quota, self.key)
        async with runner.bulkhead.slot():
            temp = await anyio.to_thread.run_sync(runner._make_temp, self.output_dir)
            info: dict[str, Any] = {}
            files: list[Path] = []
            try:
                options = runner._options(temp, self._format)
                async for message in _run_child(runner, self._raw_url, options, "download"):
                    kind = message[0]
                    if kind == "progress":
                        await self._progress(DownloadProgress.from_hook(message[1]))
                    elif kind == "info":
                        info = message[1]
                    elif kind == "done":
                        reported = [str(f) for f in message[1]]
                        files = await anyio.to_thread.run_sync(
                            _move_out, Path(temp), reported, self.output_dir
                        )
            finally:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(shutil.rmtree, temp, True)
        return DownloadResult(files=files, info=MediaInfo.from_info(info))

    async def _progress(self, event: DownloadProgress) -> None:
        """Clamp the fraction (never backwards within a file), publish, emit."""
        filename, best = self._best
        if event.filename != filename:
            best = 0.0
        if event.fraction is not None:
            if event.fraction < best:
                event = attrs.evolve(event, fraction=best)
            best = event.fraction if event.fraction is not None else best
        self._best = (event.filename, best)
        self._publish(event)
        hooks = self.runner.hooks
        if hooks.active(DownloadProgressed):
            await hooks.emit(
                DownloadProgressed(
                    url=self.url,
                    key=self.key,
                    status=event.status,
                    downloaded_bytes=event.downloaded_bytes,
                    total_bytes=event.total_bytes,
                    fraction=event.fraction,
                )
            )

    def _publish(self, event: DownloadProgress) -> None:
        try:
            self._send.send_nowait(event)
        except anyio.WouldBlock:
            if event.status != "downloading":  # keep the ones that matter; drop a tick
                try:
                    self._receive.receive_nowait()
                    self._send.send_nowait(event)
                except (anyio.WouldBlock, anyio.EndOfStream):
                    pass
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass
