"""YtDlpRunner with real yt-dlp against a loopback media server (no other network)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import medianest_sdk as mn
from medianest_sdk.ytdlp import DownloadProgress, YtDlpRunner

from .media_server import SAMPLE, MediaServer
from .twins import either
from .twins import fixture as twins_fixture
from .waiting import wait_until

api = twins_fixture()


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with MediaServer() as server:
        yield server


def entries(folder: Path) -> list[str]:
    """Everything in ``folder``."""
    return sorted(p.name for p in folder.iterdir())


def leftovers(folder: Path) -> list[str]:
    """Anything in ``folder`` that is not a finished file: partial files, temp folders."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix in (".part", ".ytdl")
    )


async def test_download_lands_with_monotonic_progress(media: MediaServer, tmp_path: Path) -> None:
    runner = either(YtDlpRunner, tmp_path)
    events: list[DownloadProgress] = []
    async with runner.download(f"{media.url}/slow.mp4?sig=s3cr3t") as job:
        async for event in job:
            events.append(event)
    result = await job.result()
    [path] = result.files
    assert path.parent == tmp_path
    assert path.read_bytes() == SAMPLE.read_bytes()
    assert result.info.extractor == "Generic"
    done = [e.downloaded_bytes for e in events]
    assert done == sorted(done)
    fractions = [e.fraction for e in events if e.fraction is not None]
    assert fractions == sorted(fractions)
    assert events[-1].status == "finished"
    assert events[-1].fraction == 1.0
    assert len(events) >= 3
    assert leftovers(tmp_path) == []
    assert "s3cr3t" not in job.url


async def test_result_without_context_manager(media: MediaServer, tmp_path: Path) -> None:
    result = await either(YtDlpRunner, tmp_path).download(f"{media.url}/clip.mp4").result()
    assert result.files[0].exists()


@pytest.mark.parametrize("how", ["cancel", "scope"])
async def test_cancel_a_stalled_transfer_within_two_seconds(
    media: MediaServer, tmp_path: Path, how: str
) -> None:
    runner = YtDlpRunner(tmp_path)
    job = runner.download(f"{media.url}/stall.mp4")
    elapsed = 0.0
    with anyio.move_on_after(30):
        async with job:
            async for event in job:
                if event.downloaded_bytes > 0:  # the transfer started, then stalls
                    break
            started = time.monotonic()
            if how == "cancel":
                await job.cancel()
            else:
                with anyio.move_on_after(0):
                    await anyio.sleep(1)
                await job.cancel()
            elapsed = time.monotonic() - started
    assert 0 < elapsed < 2.0
    with pytest.raises(mn.DownloadCancelled):
        await job.result()
    assert leftovers(tmp_path) == []
    assert entries(tmp_path) == []
    assert runner.bulkhead.in_use == 0


async def test_enclosing_cancel_scope_cleans_up(media: MediaServer, tmp_path: Path) -> None:
    runner = YtDlpRunner(tmp_path)
    started = time.monotonic()
    with anyio.move_on_after(2.5) as scope:
        async with runner.download(f"{media.url}/stall.mp4") as job:
            async for _ in job:
                pass
    assert scope.cancelled_caught
    assert time.monotonic() - started < 2.5 + 2.0
    assert entries(tmp_path) == []
    assert runner.bulkhead.in_use == 0


async def test_quota_refuses_the_sixth_download_for_one_key(
    media: MediaServer, tmp_path: Path
) -> None:
    runner = either(YtDlpRunner, tmp_path, max_concurrent=5, quota=mn.RateLimiter("5/hour"))

    async def alice(n: int) -> None:
        await runner.download(f"{media.url}/clip.mp4?n={n}", key="alice").result()

    async with anyio.create_task_group() as tg:
        for n in range(5):
            tg.start_soon(alice, n)
    with pytest.raises(mn.RateLimitExceeded) as info:
        await runner.download(f"{media.url}/clip.mp4", key="alice").result()
    assert info.value.key == "alice"
    assert info.value.retry_after is not None and info.value.retry_after > 3000
    assert (await runner.download(f"{media.url}/clip.mp4", key="bob").result()).files


async def test_concurrency_never_exceeds_max(media: MediaServer, tmp_path: Path) -> None:
    runner = either(YtDlpRunner, tmp_path, max_concurrent=2)

    async def one(n: int) -> None:
        await runner.download(f"{media.url}/gate.mp4?{n}").result()

    async with anyio.create_task_group() as downloads:
        for n in range(4):
            downloads.start_soon(one, n)
        # The gate holds every transfer: two jobs reach the server, two wait for a slot.
        # With a third slot, `waiting` would never reach 2 and wait_until would fail the test.
        await wait_until(lambda: len(media.gate_seen) == 2 and runner.bulkhead.waiting == 2)
        assert runner.bulkhead.in_use == 2
        media.gate.set()
    assert media.gate_seen == {"0", "1", "2", "3"}
    assert media.gate_peak == 2


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/missing.mp4", mn.MediaUnavailableError),
        ("/page.html", mn.UnsupportedURLError),
    ],
)
async def test_typed_errors(
    media: MediaServer, tmp_path: Path, path: str, error: type[mn.DownloadError]
) -> None:
    runner = either(YtDlpRunner, tmp_path)
    with pytest.raises(error) as info:
        await runner.download(f"{media.url}{path}?token=hidden").result()
    assert "hidden" not in str(info.value)
    assert info.value.url == f"{media.url}{path}"
    assert entries(tmp_path) == []


async def test_unreachable_and_non_http(tmp_path: Path) -> None:
    runner = either(YtDlpRunner, tmp_path)
    with pytest.raises(mn.DownloadNetworkError):
        await runner.extract_info("http://127.0.0.1:9/clip.mp4")
    with pytest.raises(mn.UnsupportedURLError, match="http and https"):
        runner.download("file:///etc/passwd")
    with pytest.raises(mn.UnsupportedURLError):
        await runner.extract_info("ftp://127.0.0.1/x.mp4")


async def test_extract_info_is_cached(media: MediaServer, tmp_path: Path) -> None:
    runner = either(YtDlpRunner, tmp_path, cache=mn.MemoryCache())
    first = await runner.extract_info(f"{media.url}/clip.mp4")
    seen = len(media.requests)
    second = await runner.extract_info(f"{media.url}/clip.mp4")
    assert first == second
    assert first.id == "clip"
    assert len(media.requests) == seen


def test_clear_errors_for_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TypeError, match="plain JSON"):
        YtDlpRunner(tmp_path, options={"progress_hooks": [print]})
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "yt_dlp" else real(name, *a)
    )
    with pytest.raises(ImportError, match=r"medianest-sdk\[ytdlp\]"):
        YtDlpRunner(tmp_path)


def test_download_to_plex_example(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from medianest_sdk.testing import FakePlex

    from .servers import LoopbackServer, Reply, RequestSeen

    fake = FakePlex()
    example = Path(__file__).parent.parent / "examples" / "download_to_plex.py"
    with MediaServer() as media, LoopbackServer() as plex:

        def answer(seen: RequestSeen) -> Reply:
            status, headers, body = fake.handle(seen.method, plex.url + seen.path, seen.headers)
            return Reply(status, body, headers)

        plex.fallback = answer
        env = {
            **os.environ,
            "PLEX_URL": plex.url,
            "PLEX_TOKEN": fake.token,
            "PLEX_SECTION": "1",
            "PLEX_LIBRARY_DIR": str(tmp_path),
        }
        out = subprocess.run(
            [
                sys.executable,
                str(example),
                f"{media.url}/clip.mp4",
                "--server-path",
                "/data/videos",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 0, out.stderr
    assert "100%|" in out.stderr
    assert entries(tmp_path) == ["clip [clip].mp4"]
    assert fake.refreshed == [("/library/sections/1/refresh", {"path": ["/data/videos"]})]


# -- every job its own files ------------------------------------------------------------------


async def test_two_urls_with_one_file_name_give_two_files(
    media: MediaServer, tmp_path: Path
) -> None:
    async with either(YtDlpRunner, tmp_path) as runner:
        first = await runner.download(f"{media.url}/media/sample.mp4").result()
        events: list[DownloadProgress] = []
        async with runner.download(f"{media.url}/media/other/sample.mp4") as job:
            async for event in job:
                events.append(event)
        second = await job.result()
    assert first.files[0] != second.files[0]
    assert second.files[0].name == "sample [sample] (2).mp4"
    assert all(f.read_bytes() == SAMPLE.read_bytes() for f in (*first.files, *second.files))
    assert events  # the second job really downloaded (yt-dlp did not skip "an existing file")
    assert leftovers(tmp_path) == []


async def test_one_url_queued_twice_gives_two_files(media: MediaServer, tmp_path: Path) -> None:
    results = []
    async with either(YtDlpRunner, tmp_path, max_concurrent=2) as runner:

        async def one() -> None:
            results.append(await runner.download(f"{media.url}/media/same.mp4").result())

        async with anyio.create_task_group() as tg:
            tg.start_soon(one)
            tg.start_soon(one)
    paths = {r.files[0] for r in results}
    assert len(paths) == 2
    assert all(p.read_bytes() == SAMPLE.read_bytes() for p in paths)


async def test_hls_streams_named_index_m3u8_do_not_collide(
    media: MediaServer, tmp_path: Path
) -> None:
    async with either(YtDlpRunner, tmp_path) as runner:
        a = await runner.download(f"{media.url}/hls/a/index.m3u8").result()
        b = await runner.download(f"{media.url}/hls/b/index.m3u8").result()
    assert a.files[0] != b.files[0]
    assert a.files[0].stat().st_size == b.files[0].stat().st_size > 0


async def test_a_page_with_several_videos_returns_every_file(
    media: MediaServer, tmp_path: Path
) -> None:
    async with either(YtDlpRunner, tmp_path) as runner:
        result = await runner.download(f"{media.url}/two.html").result()
    assert len(result.files) == 2
    assert all(f.parent == tmp_path and f.read_bytes() == SAMPLE.read_bytes() for f in result.files)
    assert sorted(entries(tmp_path)) == sorted(f.name for f in result.files)


async def test_the_latest_progress_is_never_held_back() -> None:
    """The child sends at most ~10 updates a second, but the latest state always follows
    within 0.1 s: when yt-dlp stops calling the hook (a stall), the last state still arrives."""
    from medianest_sdk.ytdlp._child import _Progress

    class Channel:
        def __init__(self) -> None:
            self.sent: list[Any] = []

        def send(self, message: Any) -> None:
            self.sent.append(message)

    channel = Channel()
    progress = _Progress(channel)  # type: ignore[arg-type]
    try:
        for done in (1024, 2048, 4096, 7168):  # in quick succession, then nothing (a stall)
            progress.hook({"status": "downloading", "downloaded_bytes": done})
        assert channel.sent[-1][1]["downloaded_bytes"] == 1024  # the rest was throttled ...
        await wait_until(lambda: channel.sent[-1][1]["downloaded_bytes"] == 7168, timeout=5)
    finally:
        progress.close()
    assert len(channel.sent) == 2  # ... and only the latest was sent, once


async def test_fraction_never_goes_backwards_within_a_file(tmp_path: Path) -> None:
    job = YtDlpRunner(tmp_path).download("http://127.0.0.1:9/x.m3u8")
    async with job._send, job._receive:
        for done, estimate in ((100, 1000), (300, 3000), (400, 1000), (3000, 3000)):
            hook = {"status": "downloading", "downloaded_bytes": done, "filename": "a.mp4"}
            await job._progress(
                DownloadProgress.from_hook({**hook, "total_bytes_estimate": estimate})
            )
        await job._progress(
            DownloadProgress.from_hook(
                {
                    "status": "downloading",
                    "downloaded_bytes": 1,
                    "total_bytes": 100,
                    "filename": "b.mp4",
                }
            )
        )
        fractions = [job._receive.receive_nowait().fraction for _ in range(5)]
    assert fractions == [0.1, 0.1, 0.4, 1.0, 0.01]  # b.mp4 is a new file: it starts again


async def test_events_reach_the_runner_hooks(media: MediaServer, tmp_path: Path) -> None:
    hooks = mn.EventHooks()
    seen: list[mn.Event] = []
    hooks.register(seen.append)
    async with either(YtDlpRunner, tmp_path, hooks=hooks) as runner:
        result = await runner.download(f"{media.url}/clip.mp4", key="alice").result()
    progressed = [e for e in seen if isinstance(e, mn.events.DownloadProgressed)]
    [finished] = [e for e in seen if isinstance(e, mn.events.DownloadFinished)]
    assert progressed and progressed[-1].status == "finished"
    assert finished.files == [str(result.files[0])] and finished.key == "alice"
    assert finished.bytes == len(SAMPLE.read_bytes()) and finished.error is None


async def test_a_warm_child_is_kept_inside_the_block_and_stopped_after(
    media: MediaServer, tmp_path: Path
) -> None:
    async with YtDlpRunner(tmp_path) as runner:
        await runner.download(f"{media.url}/clip.mp4").result()
        warm = runner._warm
        assert warm is not None and warm.returncode is None
    assert runner._warm is None
    assert warm.returncode is not None  # stopped and reaped
