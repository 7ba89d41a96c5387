"""Fallback and hedging, alone and in the pipeline, on asyncio and trio."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest

import medianest_sdk as mn
from medianest_sdk.testing import ManualClock, capture_events

from .servers import LoopbackServer, Reply


def down() -> mn.ServerError:
    return mn.ServerError("down", service="plex", method="GET", url="/", status=503)


async def test_fallback_answers_a_handled_failure_and_says_so() -> None:
    async def from_overseerr(exc: BaseException) -> str:
        return f"overseerr ({type(exc).__name__})"

    async def plex() -> str:
        raise down()

    fallback: mn.Fallback[str] = mn.Fallback(from_overseerr)
    with capture_events(mn.FallbackUsed) as events:
        assert await fallback.call(plex, name="sections") == "overseerr (ServerError)"
    assert [e.operation for e in events] == ["sections"]


async def test_fallback_leaves_caller_errors_alone() -> None:
    async def answer(exc: BaseException) -> str:
        return "fallback"

    async def missing() -> str:
        raise mn.NotFoundError("gone", service="plex", method="GET", url="/", status=404)

    with pytest.raises(mn.NotFoundError):
        await mn.Fallback(answer).call(missing)


async def test_an_adapter_pipeline_fallback_answers_for_the_response_body(
    loopback: LoopbackServer,
) -> None:
    loopback.routes["GET /library/sections/all"] = Reply.json({}, status=503)

    async def saved(exc: BaseException) -> dict[str, object]:
        directory = [{"key": "1", "title": "Saved", "type": "movie"}]
        return {"MediaContainer": {"size": 1, "Directory": directory}}

    pipeline = mn.ResiliencePipeline(fallback=mn.Fallback(saved))
    async with mn.PlexAdapter(loopback.url, "t", pipeline=pipeline) as plex:
        with capture_events(mn.FallbackUsed) as events:
            sections = await plex.library_sections()
    assert [s.title for s in sections] == ["Saved"]  # decoded like a real answer
    assert len(events) == 1


async def test_stale_if_error_wins_over_the_fallback() -> None:
    clock = ManualClock()
    answers = iter(["fresh"])

    async def upstream() -> str:
        try:
            return next(answers)
        except StopIteration:
            raise down() from None

    async def fallback(exc: BaseException) -> str:
        return "fallback"

    pipeline = mn.ResiliencePipeline(
        cache=mn.MemoryCache(clock=clock), max_stale=60, fallback=mn.Fallback(fallback)
    )
    assert [s.split("(")[0] for s in pipeline.describe()] == ["fallback", "cache"]
    assert await pipeline.execute(upstream, cache_key="k", ttl=10) == "fresh"
    clock.advance(20)  # expired, still within max_stale: the real (stale) answer is served
    assert await pipeline.execute(upstream, cache_key="k", ttl=10) == "fresh"
    clock.advance(100)  # past max_stale: nothing real left, the fallback answers
    assert await pipeline.execute(upstream, cache_key="k", ttl=10) == "fallback"
    assert await pipeline.execute(upstream, cache_key="other") == "fallback"


# -- hedging against loopback servers of different speeds ----------------------------------


@pytest.fixture
def slow() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.routes["GET /identity"] = Reply.json({"server": "slow"}, delay=3.0)
        yield server


@pytest.fixture
def fast() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.routes["GET /identity"] = Reply.json({"server": "fast"})
        yield server


async def test_hedging_takes_the_first_success_and_cancels_the_rest(
    slow: LoopbackServer, fast: LoopbackServer
) -> None:
    finished: list[str] = []

    async def probe(url: str) -> str:
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(f"{url}/identity")
            return str(response.json()["server"])
        finally:
            finished.append(url)

    hedging: mn.Hedging[str] = mn.Hedging(delay=0.1, max_attempts=2)
    started = anyio.current_time()
    with capture_events(mn.HedgeStarted) as events:
        assert await hedging.call(probe, targets=[slow.url, fast.url]) == "fast"
    assert anyio.current_time() - started < 2.0  # did not wait for the slow one
    assert sorted(finished) == sorted([slow.url, fast.url])  # the slow attempt was cancelled
    assert [e.reason for e in events] == ["slow"]


async def test_hedging_moves_on_at_once_when_an_attempt_fails(fast: LoopbackServer) -> None:
    calls: list[str] = []

    async def probe(url: str) -> str:
        calls.append(url)
        if url == "broken":
            raise mn.ConnectError("refused", service="plex", method="GET", url=url)
        return "ok"

    hedging: mn.Hedging[str] = mn.Hedging(delay=60, max_attempts=3)
    with anyio.fail_after(5):
        assert await hedging.call(probe, targets=["broken", "ok"]) == "ok"
    assert calls == ["broken", "ok"]


async def test_hedging_never_sends_a_non_idempotent_call_twice() -> None:
    calls = 0

    async def create(url: str) -> str:
        nonlocal calls
        calls += 1
        await anyio.sleep(0.2)
        return "created"

    hedging: mn.Hedging[str] = mn.Hedging(delay=0.01, max_attempts=3)
    assert await hedging.call(create, targets=["a", "b"], retry_safe=False) == "created"
    assert calls == 1


async def test_hedging_all_failing_raises_the_last_error() -> None:
    async def broken(url: str) -> str:
        raise mn.ConnectError(f"refused {url}", service="s", method="GET", url=url)

    hedging: mn.Hedging[str] = mn.Hedging(delay=0, max_attempts=2)
    with pytest.raises(mn.ConnectError, match="refused b"):
        await hedging.call(broken, targets=["a", "b"])


async def test_hedging_in_the_pipeline_and_cancellation_leaves_nothing_running() -> None:
    running = 0
    peak = 0

    async def op() -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            await anyio.sleep(10)
            return "never"
        finally:
            running -= 1

    pipeline = mn.ResiliencePipeline(hedging=mn.Hedging(delay=0.05, max_attempts=3))
    assert "hedging(3 attempts, 0.05 s apart)" in pipeline.describe()
    with anyio.move_on_after(0.5):
        await pipeline.execute(op)
    assert peak == 3 and running == 0


def test_hedging_validates() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        mn.Hedging(max_attempts=0)
