"""Downloads across many worker processes, on arq (a job queue on Redis).

One :class:`DownloadQueue` per host process enqueues; any number of worker processes
(:func:`run_worker`, or ``python -m medianest_sdk.ytdlp``) run the jobs with
:class:`~medianest_sdk.YtDlpRunner`. Redis holds what must be true across all of them:

- **the quota**: a :class:`~medianest_sdk.RateLimiter` on Redis storage, taken when a job is
  enqueued: ``"5/hour"`` per owner means five in total, whichever process enqueues;
- **the concurrency cap**: at most ``max_concurrent`` downloads run at once across every
  worker, each holding one of that many Redis locks (redis-py's ``Lock``) with a lease renewed
  while it runs, so a worker that dies frees its slot within ``SLOT_LEASE`` seconds;
- **the job**: a JSON :class:`DownloadSpec` under an idempotent job id (enqueueing the same id
  again is a no-op; never pickle), retried by arq's own rules when a worker dies (the job stays
  queued; another worker takes it when the dead one's lease runs out) or when the network
  fails, up to ``max_tries``;
- **what happens**: every job's :class:`JobEvent` stream (started, progress, done, failed,
  cancelled) in a Redis stream, readable from any process with :meth:`DownloadQueue.events`;
- **cancellation**: :meth:`DownloadQueue.cancel` sets a flag the running job watches; its
  download process is stopped and its partial files removed within about a second.

Each job writes into ``output_dir/<job id>/``, so two jobs never share or overwrite a file, and a
retry starts from an empty folder (what a dead attempt left is removed first); a finished job
leaves a ``.medianest-done.json`` there, so a job delivered again after it finished does not
download again.

Why arq: it is asyncio-native like the rest of the library, keeps jobs in Redis (which the
library already uses for shared limits, breakers and caches), has unique job ids and retries
built in, and takes a JSON serializer. Celery (a synchronous worker model and its own broker
configuration) or taskiq (broker plug-ins) could run the same job function: a worker needs only
:func:`download_job` and the :class:`WorkerConfig` in its context.

arq's client is asyncio-only; :class:`DownloadQueue` runs it on the library's own event-loop
thread (as the blocking API does), so it works under asyncio and trio alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio
import attrs

from ..decoding import converter, decode, parse_json
from ..errors import DecodeError, DownloadCancelled, DownloadError
from ..resilience import RateLimiter
from ..secrets import redact_url
from .models import DownloadProgress
from .runner import YtDlpRunner, _check_url, take_quota

__all__ = [
    "JOB_FUNCTION",
    "QUEUE_NAME",
    "SLOT_LEASE",
    "DownloadQueue",
    "DownloadSpec",
    "JobEvent",
    "JobState",
    "WorkerConfig",
    "download_job",
    "run_worker",
    "worker_settings",
]

T = TypeVar("T")

QUEUE_NAME = "medianest:downloads"
"""The arq queue (a Redis sorted set) the jobs wait in."""

JOB_FUNCTION = "medianest_download"
"""The name the job function is registered under in the workers."""

SLOT_LEASE = 15.0
"""Seconds a concurrency slot is held without renewal; a running job renews it every third of
that, so a worker killed mid-download frees its slot within this time."""

EVENTS_TTL = 7 * 24 * 3600
"""Seconds a job's event stream is kept after its last event."""

_DONE_MARKER = ".medianest-done.json"
_WORKER = f"{socket.gethostname()}:{os.getpid()}"


@attrs.frozen(kw_only=True)
class DownloadSpec:
    """A download job as it travels through the queue (JSON, never pickle).

    Attributes:
        job_id: The job's id: enqueueing an id that exists already changes nothing.
        url: The media URL (http or https).
        owner: Whose quota it counts against (a user id), or ``None`` (``"default"``).
        format: A yt-dlp format selector, or ``None`` for yt-dlp's choice.
    """

    job_id: str
    url: str
    owner: str | None = None
    format: str | None = None


@attrs.frozen(kw_only=True)
class JobEvent:
    """One entry of a job's event stream.

    Attributes:
        kind: ``"started"`` (an attempt got a concurrency slot and began; ``attempt`` counts
            from 1), ``"progress"``,
            ``"retrying"`` (an attempt failed on the network; another follows), ``"done"``,
            ``"failed"`` or ``"cancelled"`` (the last three end the job).
        at: When, in unix seconds.
        attempt: The attempt it belongs to.
        progress: For ``"progress"``: the download's state.
        files: For ``"done"``: the final paths.
        error: For ``"failed"`` and ``"retrying"``: the error's class name and message.
        worker: For ``"started"``: the worker running the attempt (``"host:pid"``).
    """

    kind: Literal["started", "progress", "retrying", "done", "failed", "cancelled"]
    at: float
    attempt: int = 0
    progress: DownloadProgress | None = None
    files: list[str] = attrs.field(factory=list)
    error: str | None = None
    worker: str | None = None

    @property
    def final(self) -> bool:
        """Whether the job ended with this event."""
        return self.kind in ("done", "failed", "cancelled")


@attrs.frozen(kw_only=True)
class JobState:
    """Where a job is.

    Attributes:
        job_id: The job's id.
        status: ``"queued"`` (waiting, or waiting again after a worker died), ``"running"``,
            ``"done"``, ``"failed"``, ``"cancelled"`` or ``"not_found"``.
        attempt: Attempts started so far.
        files: For ``"done"``: the final paths.
        error: For ``"failed"``: why.
    """

    job_id: str
    status: Literal["queued", "running", "done", "failed", "cancelled", "not_found"]
    attempt: int = 0
    files: list[str] = attrs.field(factory=list)
    error: str | None = None


def _events_key(namespace: str, job_id: str) -> str:
    return f"{namespace}:download:{job_id}:events"


def _cancel_key(namespace: str, job_id: str) -> str:
    return f"{namespace}:download:{job_id}:cancel"


def _dumps(value: Any) -> bytes:
    """arq's serializer: JSON; an exception (arq stores a failed job's) becomes its text."""

    def fallback(obj: object) -> object:
        if isinstance(obj, BaseException):
            return f"{type(obj).__name__}: {obj}"
        raise TypeError(f"{type(obj).__name__} is not JSON data")

    return json.dumps(value, default=fallback, separators=(",", ":")).encode()


def _loads(data: bytes) -> Any:
    return json.loads(data)


def _event_bytes(event: JobEvent) -> bytes:
    return json.dumps(converter.unstructure(event), separators=(",", ":")).encode()


def _event_of(data: bytes) -> JobEvent:
    """A stream entry as a :class:`JobEvent` (JSON depth-guarded).

    Raises:
        DecodeError: the entry is not a job event.
    """
    raw = parse_json(data, service="yt-dlp", endpoint="job event")
    return decode(raw, JobEvent, service="yt-dlp", endpoint="job event")


# -- the host side ---------------------------------------------------------------------------


class DownloadQueue:
    """Enqueue downloads for the worker processes; follow and cancel them from any process.

    Args:
        redis_url: ``redis://host:port/db`` (credentials are never logged).
        quota: Per-owner download quota in ``limits`` notation (``"5/hour"``), taken at
            :meth:`enqueue` and shared by every process through Redis; ``None``: no quota.
        queue_name: The arq queue; the workers must use the same.
        namespace: Prefix of the library's Redis keys (events, cancel flags, slots, quota).

    Raises:
        ImportError: arq or redis is not installed (``pip install "medianest-sdk[workers]"``).

    Example::

        async with DownloadQueue("redis://127.0.0.1:6379/0", quota="5/hour") as queue:
            job_id = await queue.enqueue("https://example.org/clip.mp4", owner="alice")
            async for event in queue.events(job_id):
                print(event.kind, event.progress and event.progress.fraction)
    """

    def __init__(
        self,
        redis_url: str,
        *,
        quota: str | None = "5/hour",
        queue_name: str = QUEUE_NAME,
        namespace: str = "medianest",
    ) -> None:
        try:
            import arq  # noqa: F401  (a clear ImportError now, not on first use)
        except ImportError as exc:
            raise ImportError(
                'DownloadQueue needs arq and redis: pip install "medianest-sdk[workers]"'
            ) from exc

        self._url = redis_url
        self.redis = redact_url(redis_url)
        self.queue_name = queue_name
        self.namespace = namespace
        self.quota = (
            None
            if quota is None
            else RateLimiter(quota, storage=redis_url, name="downloads", namespace=namespace)
        )
        self._pool: Any = None

    def __repr__(self) -> str:
        return f"DownloadQueue({self.redis!r}, queue_name={self.queue_name!r})"

    async def __aenter__(self) -> DownloadQueue:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _on_loop(self, fn: Callable[[Any], Awaitable[T]]) -> T:
        """Run ``fn(pool)`` on the library's asyncio loop thread (arq is asyncio-only)."""
        from ..sync.runtime import run

        async def call() -> T:
            if self._pool is None:
                from arq import create_pool
                from arq.connections import RedisSettings

                settings = RedisSettings.from_dsn(self._url)
                settings.conn_retries = 1  # a host's call fails in about a second, not five
                settings.conn_retry_delay = 1
                self._pool = await create_pool(
                    settings,
                    default_queue_name=self.queue_name,
                    job_serializer=_dumps,
                    job_deserializer=_loads,
                )
            return await fn(self._pool)

        from ..redis_client import STORE_ERRORS, store_error

        try:
            return await run(call)
        except STORE_ERRORS as exc:
            raise store_error(exc, self._url, "download queue") from None

    async def aclose(self) -> None:
        """Close the Redis connections (idempotent)."""
        if self._pool is None:
            return
        from ..sync.runtime import run

        pool, self._pool = self._pool, None

        async def close() -> None:
            await pool.aclose()

        with anyio.CancelScope(shield=True):
            await run(close)

    async def enqueue(
        self,
        url: str,
        *,
        owner: str | None = None,
        job_id: str | None = None,
        format: str | None = None,
    ) -> str:
        """Queue a download; return its job id.

        Args:
            url: An http(s) URL yt-dlp understands.
            owner: Whose quota it counts against (``"default"`` when ``None``).
            job_id: The job's id (a new random one when ``None``). Enqueueing an id that is
                queued, running or finished changes nothing and takes no quota: a request
                retried by the host cannot become two downloads.
            format: A yt-dlp format selector.

        Raises:
            UnsupportedURLError: the URL is not http(s).
            RateLimitExceeded: the owner's download quota is used up (nothing was queued).
            StoreUnavailableError: Redis is unreachable.
        """
        _check_url(url)
        spec = DownloadSpec(job_id=job_id or uuid.uuid4().hex, url=url, owner=owner, format=format)

        async def exists(pool: Any) -> bool:
            from arq.jobs import Job, JobStatus

            status = await Job(
                spec.job_id, pool, _queue_name=self.queue_name, _deserializer=_loads
            ).status()
            return bool(status != JobStatus.not_found)

        if await self._on_loop(exists):
            return spec.job_id
        if self.quota is not None:
            await take_quota(self.quota, owner)
        payload = json.dumps(converter.unstructure(spec), separators=(",", ":"))

        async def put(pool: Any) -> None:
            await pool.enqueue_job(JOB_FUNCTION, payload, _job_id=spec.job_id)

        await self._on_loop(put)
        return spec.job_id

    async def cancel(self, job_id: str) -> None:
        """Cancel a job from any process: a queued one never downloads, a running one is
        stopped (its download process ends, its partial files are removed) within about a
        second. Idempotent; a finished job stays finished.

        Raises:
            StoreUnavailableError: Redis is unreachable.
        """
        key = _cancel_key(self.namespace, job_id)

        async def flag(pool: Any) -> None:
            await pool.set(key, b"1", ex=EVENTS_TTL)

        await self._on_loop(flag)

    async def state(self, job_id: str) -> JobState:
        """Where the job is now (its event stream first, then arq's own record).

        Raises:
            StoreUnavailableError: Redis is unreachable.
            DecodeError: an entry of the job's stream is not a job event.
        """
        events_key = _events_key(self.namespace, job_id)

        async def read(pool: Any) -> tuple[list[Any], str, Any]:
            from arq.jobs import Job

            entries = await pool.xrevrange(events_key, count=50)
            job = Job(job_id, pool, _queue_name=self.queue_name, _deserializer=_loads)
            status = str((await job.status()).value)
            result = await job.result_info() if status == "complete" else None
            return entries, status, result

        entries, status, result = await self._on_loop(read)
        events = [_event_of(fields[b"e"]) for _, fields in entries]
        attempt = max((e.attempt for e in events), default=0)
        final = next((e for e in events if e.final), None)
        if final is not None:
            return JobState(
                job_id=job_id,
                status=final.kind,  # type: ignore[arg-type]
                attempt=attempt,
                files=final.files,
                error=final.error,
            )
        if result is not None:  # arq ended it without a final event: out of attempts
            return JobState(
                job_id=job_id, status="failed", attempt=attempt, error=str(result.result)[:300]
            )
        mapped = {"deferred": "queued", "queued": "queued", "in_progress": "running"}
        return JobState(
            job_id=job_id,
            status=mapped.get(status, "not_found"),  # type: ignore[arg-type]
            attempt=attempt,
        )

    async def events(
        self, job_id: str, *, since: str = "0", poll: float = 1.0
    ) -> AsyncIterator[JobEvent]:
        """The job's events, from the first (``since="0"``) or after a stream id, until the
        one that ends it (done, failed, cancelled). Typed when read back. It waits for them:
        for a job id that was never enqueued it waits forever, so bound it when that can
        happen (``with anyio.fail_after(...)``).

        Args:
            poll: Seconds each blocking read waits before asking again.

        Raises:
            StoreUnavailableError: Redis is unreachable.
            DecodeError: an entry is not a job event.
        """
        key = _events_key(self.namespace, job_id)
        last = since
        while True:

            async def read(pool: Any, after: str = last) -> Any:
                return await pool.xread({key: after}, count=100, block=int(poll * 1000))

            answer = await self._on_loop(read)
            for _stream, entries in answer or ():
                for entry_id, fields in entries:
                    last = entry_id.decode()
                    event = _event_of(fields[b"e"])
                    yield event
                    if event.final:
                        return


# -- the worker side -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class WorkerConfig:
    """What a worker's jobs need, in arq's context under ``"medianest"``.

    Attributes:
        output_dir: Where each job's folder (``<output_dir>/<job id>/``) is made.
        max_concurrent: Downloads running at once across every worker (Redis slots).
        namespace: Prefix of the library's Redis keys (as the queue's).
        options: Extra yt-dlp options (plain JSON data), as ``YtDlpRunner(options=)``.
        cancel_grace: Seconds a cancelled download process gets before it is killed.
        max_tries: Attempts per job (arq's ``max_tries``).
    """

    output_dir: Path
    max_concurrent: int = 2
    namespace: str = "medianest"
    options: dict[str, Any] = attrs.field(factory=dict)
    cancel_grace: float = 1.0
    max_tries: int = 3


class _Slot:
    """One of ``count`` Redis locks, held with a renewed lease: the cross-worker cap."""

    def __init__(self, redis: Any, config: WorkerConfig) -> None:
        self._redis = redis
        self._config = config
        self._lock: Any = None

    async def __aenter__(self) -> _Slot:
        config = self._config
        while self._lock is None:
            for n in range(config.max_concurrent):
                lock = self._redis.lock(
                    f"{config.namespace}:download-slot:{n}", timeout=SLOT_LEASE, blocking=False
                )
                if await lock.acquire(blocking=False):
                    self._lock = lock
                    break
            else:
                await asyncio.sleep(0.2)
        return self

    async def renew(self) -> None:
        while True:
            await asyncio.sleep(SLOT_LEASE / 3)
            await self._lock.reacquire()

    async def __aexit__(self, *exc: object) -> None:
        from redis.exceptions import LockError

        with contextlib.suppress(LockError):
            await self._lock.release()


async def download_job(ctx: dict[str, Any], payload: str) -> dict[str, Any]:
    """The arq job: download one :class:`DownloadSpec` (JSON) into its own folder.

    Returns ``{"status": "done", "files": [...]}``, ``{"status": "cancelled"}`` or
    ``{"status": "failed", "error": ...}``; raises ``arq.Retry`` after a network failure while
    attempts remain. Its events go to the job's stream.
    """
    from arq import Retry

    config: WorkerConfig = ctx["medianest"]
    redis = ctx["redis"]
    attempt = int(ctx.get("job_try", 1))
    raw = parse_json(payload.encode(), service="yt-dlp", endpoint="job spec")
    spec = decode(raw, DownloadSpec, service="yt-dlp", endpoint="job spec")
    events_key = _events_key(config.namespace, spec.job_id)
    cancel_key = _cancel_key(config.namespace, spec.job_id)

    async def publish(event: JobEvent) -> None:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.xadd(events_key, {"e": _event_bytes(event)}, maxlen=2000, approximate=True)
            pipe.expire(events_key, EVENTS_TTL)
            await pipe.execute()

    async def end(kind: Literal["done", "failed", "cancelled"], **fields: Any) -> dict[str, Any]:
        await publish(JobEvent(kind=kind, at=time.time(), attempt=attempt, **fields))
        return {"status": kind, **fields}

    folder = config.output_dir / spec.job_id
    marker = folder / _DONE_MARKER
    if marker.is_file():  # delivered again after it finished: the files are there
        try:
            done = parse_json(marker.read_bytes(), service="yt-dlp", endpoint="done marker")
            files = [str(f) for f in done["files"]]
        except (DecodeError, KeyError, TypeError):
            files = None  # a damaged marker: download again into a cleared folder
        if files is not None:
            return await end("done", files=files)
    if await redis.exists(cancel_key):
        return await end("cancelled")
    if folder.exists():  # what an earlier, interrupted attempt left
        await anyio.to_thread.run_sync(shutil.rmtree, folder, True)
    runner: YtDlpRunner = ctx["medianest_runner"]
    cancelled = False
    result = None
    try:
        async with _Slot(redis, config) as slot, anyio.create_task_group() as tg:

            async def watch_cancel() -> None:
                nonlocal cancelled
                while True:  # a flag in Redis, set by any process: polled
                    if await redis.exists(cancel_key):
                        break
                    await asyncio.sleep(0.2)
                cancelled = True
                tg.cancel_scope.cancel()

            tg.start_soon(slot.renew)
            tg.start_soon(watch_cancel)
            await publish(JobEvent(kind="started", at=time.time(), attempt=attempt, worker=_WORKER))
            download = runner.download(
                spec.url, key=spec.owner, format=spec.format, output_dir=folder
            )
            async with download as job:
                async for progress in job:
                    await publish(
                        JobEvent(
                            kind="progress", at=time.time(), attempt=attempt, progress=progress
                        )
                    )
            result = await job.result()
            tg.cancel_scope.cancel()
    except DownloadCancelled:
        if not cancelled:
            raise
    except DownloadError as exc:
        error = f"{type(exc).__name__}: {exc.message}"
        if exc.transient and attempt < config.max_tries:
            await publish(JobEvent(kind="retrying", at=time.time(), attempt=attempt, error=error))
            raise Retry(defer=2 * attempt) from None
        return await end("failed", error=error)
    if cancelled or result is None:
        return await end("cancelled")
    files = [str(p) for p in result.files]
    temp = folder / (_DONE_MARKER + ".tmp")
    temp.write_text(json.dumps({"files": files}))
    os.replace(temp, marker)  # atomic: a marker is complete or absent
    return await end("done", files=files)


async def _startup(ctx: dict[str, Any]) -> None:
    """One runner per worker, with a warm download process (yt-dlp already imported) kept
    ready: a job starts downloading without waiting for an interpreter."""
    config: WorkerConfig = ctx["medianest"]
    runner = YtDlpRunner(
        config.output_dir,
        max_concurrent=1 << 16,  # the Redis slots are the cap
        options=config.options,
        cancel_grace=config.cancel_grace,
    )
    ctx["medianest_runner"] = await runner.__aenter__()


async def _shutdown(ctx: dict[str, Any]) -> None:
    runner = ctx.pop("medianest_runner", None)
    if runner is not None:
        await runner.aclose()


def worker_settings(
    redis_url: str,
    output_dir: str | Path,
    *,
    max_concurrent: int = 2,
    jobs_per_worker: int | None = None,
    job_timeout: float = 3600.0,
    max_tries: int = 3,
    queue_name: str = QUEUE_NAME,
    namespace: str = "medianest",
    options: dict[str, Any] | None = None,
    cancel_grace: float = 1.0,
) -> dict[str, Any]:
    """arq worker settings for download workers (pass to ``arq.worker.Worker(**settings)`` or
    :func:`run_worker`).

    Args:
        redis_url: The Redis the queue uses.
        output_dir: Where the job folders go (a path every worker can write).
        max_concurrent: Downloads at once across all workers (the Redis slots).
        jobs_per_worker: Jobs one worker takes at once (arq's ``max_jobs``); default
            ``max_concurrent`` (a job waiting for a slot holds its worker's place).
        job_timeout: Seconds one attempt may run (arq's job timeout). A job whose worker died
            is taken again about ``job_timeout + 10`` seconds later (arq's in-progress lease).
        max_tries: Attempts per job (network failures and dead workers).
        queue_name, namespace: As the :class:`DownloadQueue`'s.
        options: Extra yt-dlp options (plain JSON data).
        cancel_grace: Seconds a cancelled download process gets before it is killed.

    Raises:
        ValueError: ``max_concurrent < 1``.
    """
    from arq import func
    from arq.connections import RedisSettings

    if max_concurrent < 1:
        raise ValueError(f"max_concurrent must be >= 1, got {max_concurrent}")
    config = WorkerConfig(
        output_dir=Path(output_dir),
        max_concurrent=max_concurrent,
        namespace=namespace,
        options=dict(options or {}),
        cancel_grace=cancel_grace,
        max_tries=max_tries,
    )
    return {
        "functions": [
            func(download_job, name=JOB_FUNCTION, timeout=job_timeout, max_tries=max_tries)
        ],
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "queue_name": queue_name,
        "max_jobs": jobs_per_worker or max_concurrent,
        "job_serializer": _dumps,
        "job_deserializer": _loads,
        "ctx": {"medianest": config},
        "on_startup": _startup,
        "on_shutdown": _shutdown,
        "poll_delay": 0.1,
        "keep_result": EVENTS_TTL,
    }


def run_worker(redis_url: str, output_dir: str | Path, **settings: Any) -> None:
    """Run a download worker in this process until it is stopped (SIGINT or SIGTERM: running
    jobs are cancelled and go back to the queue). ``settings`` as for :func:`worker_settings`.
    Blocking: it runs its own asyncio event loop."""
    from arq.worker import run_worker as arq_run_worker

    arq_run_worker(worker_settings(redis_url, output_dir, **settings))


def main(argv: list[str] | None = None) -> None:
    """``python -m medianest_sdk.ytdlp --redis URL --output DIR [--max-concurrent N]``."""
    parser = argparse.ArgumentParser(prog="python -m medianest_sdk.ytdlp")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--output", required=True, help="where each job's folder is made")
    parser.add_argument("--max-concurrent", type=int, default=2, help="across all workers")
    parser.add_argument("--jobs-per-worker", type=int, default=None)
    parser.add_argument("--job-timeout", type=float, default=3600.0, help="seconds")
    parser.add_argument("--max-tries", type=int, default=3)
    args = parser.parse_args(argv)
    run_worker(
        args.redis,
        args.output,
        max_concurrent=args.max_concurrent,
        jobs_per_worker=args.jobs_per_worker,
        job_timeout=args.job_timeout,
        max_tries=args.max_tries,
    )
