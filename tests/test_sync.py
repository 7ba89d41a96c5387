"""The blocking API: generated, typed, usable from threads, notebooks and Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio
import anyio.lowlevel
import httpx
import pytest

import medianest_sdk as mn
from medianest_sdk import sync

from .servers import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parents[1]


def test_the_generated_twins_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_sync.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# A raw websocket is only of use on an event loop: the blocking API reaches sockets through
# the twins built on them (sync.PlexAdapter.notifications()).
NOT_TWINNED = {"ServiceClient": {"websocket"}}


def test_every_public_async_class_has_a_twin() -> None:
    for name in (
        "PlexAdapter",
        "PlexPinAuth",
        "OverseerrAdapter",
        "UptimeKumaAdapter",
        "QBittorrentAdapter",
        "YtDlpRunner",
        "HealthMonitor",
        "ServiceClient",
        "WebhookVerifier",
    ):
        twin = getattr(sync, name)
        original = getattr(mn, name)
        public = {m for m in vars(original) if not m.startswith("_")}
        public -= NOT_TWINNED.get(name, set())
        assert public <= set(dir(twin)), (name, public - set(dir(twin)))


def sections(request: httpx.Request) -> httpx.Response:
    body = {"MediaContainer": {"Directory": [{"key": "1", "title": "Movies", "type": "movie"}]}}
    return httpx.Response(200, json=body)


def plex() -> sync.PlexAdapter:
    client = httpx.AsyncClient(transport=httpx.MockTransport(sections))
    return sync.PlexAdapter("http://plex.test", mn.Secret("t"), http_client=client)


def test_calls_work_again_and_again_and_from_many_threads() -> None:
    with plex() as p:
        assert [s.title for s in p.library_sections()] == ["Movies"]
        assert [s.title for s in p.library_sections()] == ["Movies"]  # no "loop is closed"
        results: list[str] = []

        def worker() -> None:
            results.extend(s.title for s in p.library_sections())

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    assert results == ["Movies"] * 8


def test_inside_a_running_event_loop_as_in_jupyter() -> None:
    async def cell() -> list[str]:
        with plex() as p:  # blocking, from inside a running loop
            return [s.title for s in p.library_sections()]

    assert asyncio.run(cell()) == ["Movies"]


def test_one_pipeline_serves_a_blocking_and_an_async_adapter() -> None:
    cache = mn.MemoryCache()
    pipeline = mn.ResiliencePipeline(cache=cache)
    calls = 0

    def counted(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return sections(request)

    def transport() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(counted))

    one = "one-install"
    with sync.PlexAdapter(
        "http://plex.test", "t", pipeline=pipeline, client_identifier=one, http_client=transport()
    ) as p:
        p.library_sections()

    async def from_async() -> None:
        async with mn.PlexAdapter(
            "http://plex.test",
            "t",
            pipeline=pipeline,
            client_identifier=one,
            http_client=transport(),
        ) as a:
            await a.library_sections()

    anyio.run(from_async)
    assert calls == 1  # the async adapter was answered from the blocking one's cache entry


def test_generators_and_early_exit(loopback: LoopbackServer) -> None:
    loopback.routes["GET /api/v1/request"] = Reply.json(
        {"pageInfo": {"pages": 3, "pageSize": 1, "results": 3, "page": 1}, "results": []}
    )
    with sync.OverseerrAdapter(loopback.url, "k") as seerr:
        iterator = seerr.iter_requests(page_size=1)
        assert list(iterator) == []


def test_keyboard_interrupt_cancels_the_call_and_leaves_nothing_running() -> None:
    state: dict[str, object] = {}

    async def slow_check() -> bool:
        try:
            state["started"] = True
            await anyio.sleep(30)
        finally:
            state["finished"] = True
        return True

    monitor = sync.HealthMonitor({"slow": slow_check}, timeout=60)
    # a real SIGINT, as Ctrl-C sends: it interrupts the main thread's blocking wait
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        monitor.check_all()
    assert time.monotonic() - begun < 10
    assert state == {"started": True, "finished": True}  # cancelled and unwound, not abandoned


def test_health_monitor_takes_blocking_twins() -> None:
    with plex() as p:
        monitor = sync.HealthMonitor({"plex": p})
        assert monitor.check_all()["plex"].status in ("healthy", "unhealthy", "degraded")


def test_sync_verifier_for_wsgi_apps() -> None:
    verifier = sync.WebhookVerifier.github("s", cache=mn.MemoryCache())
    body = b'{"zen": "x", "hook_id": 1}'
    headers = {**verifier.sign(body), "X-GitHub-Event": "ping"}
    event = verifier.unwrap(headers, body)
    assert isinstance(event, mn.webhooks.GitHubWebhook)
    with pytest.raises(mn.WebhookVerificationError):
        verifier.unwrap(headers, body)  # replayed


def test_calling_from_the_loops_own_thread_is_refused() -> None:
    from medianest_sdk.sync import runtime

    async def inside() -> None:
        with pytest.raises(RuntimeError, match="own event loop"):
            runtime.call(lambda: anyio.lowlevel.checkpoint())

    runtime.call(inside)
