"""Downloads across worker processes (arq on a real Redis): three real worker processes, a
loopback file server, and the quota, the concurrency cap, cancellation and a worker killed
with ``kill -9`` mid-download."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk.decoding import converter, decode
from medianest_sdk.ytdlp import DownloadProgress
from medianest_sdk.ytdlp.workers import (
    DownloadQueue,
    DownloadSpec,
    JobEvent,
    _event_bytes,
    _event_of,
)

from .media_server import MediaServer

pytestmark = [pytest.mark.redis, pytest.mark.timeout(120)]

JOB_TIMEOUT = 10  # seconds one attempt may run
CRASH_JOB_TIMEOUT = 3  # arq takes a dead worker's job again after this + 10 s
MAX_CONCURRENT = 2


class Workers:
    """Worker processes of ``python -m medianest_sdk.ytdlp``, stopped by pid."""

    def __init__(
        self, redis_url: str, output: Path, count: int, job_timeout: float = JOB_TIMEOUT
    ) -> None:
        self.redis_url = redis_url
        self.output = output
        self.job_timeout = job_timeout
        self.processes: list[subprocess.Popen[bytes]] = []
        for _ in range(count):
            self.start()

    def start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "medianest_sdk.ytdlp", "--redis", self.redis_url),
                *("--output", str(self.output), "--max-concurrent", str(MAX_CONCURRENT)),
                *("--jobs-per-worker", "2", "--job-timeout", str(self.job_timeout)),
                *("--max-tries", "3"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def by_label(self, label: str) -> subprocess.Popen[bytes]:
        pid = int(label.rsplit(":", 1)[1])
        return next(p for p in self.processes if p.pid == pid)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with MediaServer() as server:
        yield server


@pytest.fixture
def workers(redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(redis_url, tmp_path / "downloads", 3)
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def short_lease_workers(redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    """Workers whose jobs a dead worker gives up after CRASH_JOB_TIMEOUT + 10 s."""
    pool = Workers(redis_url, tmp_path / "downloads", 3, job_timeout=CRASH_JOB_TIMEOUT)
    try:
        yield pool
    finally:
        pool.stop()


async def _until(check: Callable[[], Awaitable[bool]], what: str, within: float = 30) -> None:
    """Wait for ``check()`` (polled): a condition, never a fixed sleep."""
    with anyio.fail_after(within):
        while True:
            if await check():
                return
            await anyio.sleep(0.05)


async def _all_events(queue: DownloadQueue, job_id: str) -> list[JobEvent]:
    with anyio.fail_after(60):
        return [event async for event in queue.events(job_id)]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


async def test_a_job_downloads_in_a_worker_and_its_events_read_back_typed(
    redis_url: str, workers: Workers, media: MediaServer
) -> None:
    async with DownloadQueue(redis_url, quota=None) as queue:
        job_id = await queue.enqueue(f"{media.url}/clip.mp4", owner="alice")
        events = await _all_events(queue, job_id)
        state = await queue.state(job_id)
    kinds = [e.kind for e in events]
    assert kinds[0] == "started" and kinds[-1] == "done" and "progress" in kinds
    progress = [e.progress for e in events if e.progress is not None]
    assert all(isinstance(p, DownloadProgress) for p in progress)
    assert progress[-1].status == "finished" and progress[-1].fraction == 1.0
    assert events[0].worker is not None and events[0].attempt == 1
    [file] = [Path(f) for f in events[-1].files]
    assert file.parent == workers.output / job_id
    assert file.read_bytes() == media.data
    assert set(_files(workers.output / job_id)) == {file, file.parent / ".medianest-done.json"}
    assert (state.status, state.files, state.attempt) == ("done", events[-1].files, 1)


async def test_the_same_job_id_is_one_download_and_one_quota_slot(
    redis_url: str, workers: Workers, media: MediaServer
) -> None:
    async with DownloadQueue(redis_url, quota="2/hour") as queue:
        url = f"{media.url}/media/once.mp4"
        first = await queue.enqueue(url, owner="bob", job_id="order-17")
        again = await queue.enqueue(url, owner="bob", job_id="order-17")  # the host retried
        assert first == again == "order-17"
        kinds = [e.kind for e in await _all_events(queue, first)]
        assert kinds.count("started") == 1 and kinds[-1] == "done"
        assert await queue.enqueue(url, owner="bob", job_id="order-17") == "order-17"  # done
        await queue.enqueue(url, owner="bob")  # the second slot of the quota
        with pytest.raises(mn.RateLimitExceeded, match="download quota"):
            await queue.enqueue(url, owner="bob")
    assert len(_files(workers.output / "order-17")) == 2  # the file and the done marker


async def test_the_quota_is_exact_across_processes(redis_url: str, workers: Workers) -> None:
    other = (
        "import anyio, medianest_sdk as mn\n"
        "from medianest_sdk.ytdlp.workers import DownloadQueue\n"
        "async def main():\n"
        f"    async with DownloadQueue({redis_url!r}, quota='5/hour') as q:\n"
        "        for n in range(3):\n"
        "            await q.enqueue(f'http://127.0.0.1:9/x{n}.mp4', owner='carol')\n"
        "anyio.run(main)\n"
    )
    done = await anyio.run_process([sys.executable, "-c", other], check=False)
    assert done.returncode == 0, done.stderr.decode()
    async with DownloadQueue(redis_url, quota="5/hour") as queue:
        for n in range(2):
            await queue.enqueue(f"http://127.0.0.1:9/y{n}.mp4", owner="carol")
        with pytest.raises(mn.RateLimitExceeded) as refused:
            await queue.enqueue("http://127.0.0.1:9/z.mp4", owner="carol")
        assert refused.value.key == "carol" and refused.value.retry_after is not None
        await queue.enqueue("http://127.0.0.1:9/z.mp4", owner="dave")  # another owner


async def test_at_most_max_concurrent_downloads_across_all_workers(
    redis_url: str, workers: Workers, media: MediaServer
) -> None:
    async with DownloadQueue(redis_url, quota=None) as queue:
        jobs = [await queue.enqueue(f"{media.url}/gate.mp4?n={n}") for n in range(5)]

        async def all_taken() -> bool:  # three workers x two jobs: every job is picked up
            states = [await queue.state(j) for j in jobs]
            running = all(s.status == "running" for s in states)
            return running and len(media.gate_jobs) >= MAX_CONCURRENT

        await _until(all_taken, "every job taken by a worker, two of them downloading")
        assert len(media.gate_jobs) == MAX_CONCURRENT  # the other three wait for a slot
        media.gate.set()
        ends = [(await _all_events(queue, j))[-1] for j in jobs]
    assert [e.kind for e in ends] == ["done"] * 5
    assert media.gate_peak == MAX_CONCURRENT


async def test_cancel_from_any_process_stops_the_download_within_2_s(
    redis_url: str, workers: Workers, media: MediaServer
) -> None:
    async with DownloadQueue(redis_url, quota=None) as queue:
        job_id = await queue.enqueue(f"{media.url}/gate.mp4?n=cancel-me")

        async def downloading() -> bool:
            return "n=cancel-me" in media.gate_jobs

        await _until(downloading, "the download holds the gate")
        other = DownloadQueue(redis_url, quota=None)  # e.g. the web process
        asked = time.monotonic()
        await other.cancel(job_id)
        await other.aclose()
        events = await _all_events(queue, job_id)
        took = time.monotonic() - asked
        state = await queue.state(job_id)
    assert events[-1].kind == "cancelled" and state.status == "cancelled"
    assert took < 2.0
    assert _files(workers.output / job_id) == []  # no partial file left
    media.gate.set()


async def test_a_worker_killed_mid_download_leaves_one_file_not_two(
    redis_url: str, short_lease_workers: Workers, media: MediaServer
) -> None:
    workers = short_lease_workers
    async with DownloadQueue(redis_url, quota=None) as queue:
        job_id = await queue.enqueue(f"{media.url}/gate.mp4?n=crash")

        async def downloading() -> bool:
            return "n=crash" in media.gate_jobs

        await _until(downloading, "the download holds the gate")
        started = [e async for e in _first(queue, job_id)]
        victim = workers.by_label(started[0].worker or "")
        os.kill(victim.pid, signal.SIGKILL)  # no clean-up, no ack
        victim.wait(10)
        media.gate.set()  # the next attempt goes straight through
        events = await _all_events(queue, job_id)  # arq takes it again after its lease
        state = await queue.state(job_id)
    assert [e.attempt for e in events if e.kind == "started"] == [1, 2]
    assert events[-1].kind == "done" and state.status == "done" and state.attempt == 2
    assert started[0].worker != [e for e in events if e.kind == "started"][1].worker
    files = _files(workers.output / job_id)
    assert [f.name for f in files if not f.name.startswith(".")] == [Path(events[-1].files[0]).name]
    assert json.loads((workers.output / job_id / ".medianest-done.json").read_text()) == {
        "files": events[-1].files
    }


async def _first(queue: DownloadQueue, job_id: str) -> AsyncIterator[JobEvent]:
    async for event in queue.events(job_id):
        yield event
        return


@given(
    st.builds(
        DownloadSpec,
        job_id=st.text(min_size=1, max_size=40),
        url=st.text(max_size=200),
        owner=st.none() | st.text(max_size=40),
        format=st.none() | st.text(max_size=40),
    )
)
def test_a_spec_crosses_the_queue_as_json_unchanged(spec: DownloadSpec) -> None:
    payload = json.dumps(converter.unstructure(spec))
    assert decode(json.loads(payload), DownloadSpec, service="t", endpoint="t") == spec


@given(st.sampled_from(["started", "progress", "done"]), st.floats(0, 2e9), st.integers(0, 9))
def test_an_event_reads_back_as_it_was_written(kind: str, at: float, attempt: int) -> None:
    progress = DownloadProgress(
        status="downloading",
        downloaded_bytes=10,
        total_bytes=20,
        speed=None,
        eta=None,
        fraction=0.5,
        filename="f",
    )
    event = JobEvent(kind=kind, at=at, attempt=attempt, progress=progress, files=["a"])  # type: ignore[arg-type]
    assert _event_of(_event_bytes(event)) == event


def test_a_stream_entry_that_is_not_an_event_is_a_decode_error() -> None:
    for junk in (b"[]", b'{"kind": "exploded", "at": 1}', b"[" * 100_000):
        with pytest.raises(mn.DecodeError):
            _event_of(junk)


async def test_an_unreachable_redis_is_a_typed_error_without_the_password() -> None:
    async with DownloadQueue("redis://:hunter2@127.0.0.1:9/0", quota=None) as queue:
        with pytest.raises(mn.StoreUnavailableError) as caught:
            await queue.enqueue("http://127.0.0.1:9/x.mp4")
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(queue)


def test_the_blocking_twin_enqueues_and_follows_a_job(
    redis_url: str, workers: Workers, media: MediaServer
) -> None:
    import medianest_sdk.sync as sync

    with sync.DownloadQueue(redis_url, quota="1/hour") as queue:  # a WSGI app, a script
        job_id = queue.enqueue(f"{media.url}/clip.mp4", owner="erin")
        kinds = [event.kind for event in queue.events(job_id)]
        assert kinds[0] == "started" and kinds[-1] == "done"
        assert queue.state(job_id).status == "done"
        with pytest.raises(mn.RateLimitExceeded):
            queue.enqueue(f"{media.url}/clip.mp4", owner="erin")


async def test_a_url_that_is_not_http_is_refused_before_anything_is_queued() -> None:
    queue = DownloadQueue("redis://127.0.0.1:9/0", quota="1/hour")  # never reached
    for url in ("file:///etc/passwd", "javascript:alert(1)", "ftp://host/x.mp4", ""):
        with pytest.raises(mn.UnsupportedURLError):
            await queue.enqueue(url, owner="mallory")
    assert queue._pool is None  # no connection was made, no quota taken
    await queue.aclose()


async def test_a_damaged_done_marker_means_download_again_not_a_crash(
    redis_url: str, workers: Workers, media: MediaServer
) -> None:
    folder = workers.output / "damaged"
    folder.mkdir(parents=True)
    (folder / ".medianest-done.json").write_bytes(b"[" * 100_000)  # a torn or hostile file
    (folder / "stale.part").write_bytes(b"x")
    async with DownloadQueue(redis_url, quota=None) as queue:
        await queue.enqueue(f"{media.url}/clip.mp4", job_id="damaged")
        events = await _all_events(queue, "damaged")
    assert events[-1].kind == "done"
    names = sorted(p.name for p in _files(folder))
    assert names == [".medianest-done.json", Path(events[-1].files[0]).name]
    assert json.loads((folder / ".medianest-done.json").read_text())["files"] == events[-1].files
