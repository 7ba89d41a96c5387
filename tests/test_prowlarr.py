"""ProwlarrAdapter against FakeProwlarr: every call, checked against Prowlarr's OpenAPI spec
(requests and the fake's answers), the default pipeline, typed errors and secrets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import medianest_sdk as mn
from medianest_sdk.prowlarr import DownloadProtocol, HealthCheckResult, Release
from medianest_sdk.testing import FakeProwlarr, capture_events

from .openapi_contract import load_spec, undeclared_query_params, validate, validate_response
from .recorded import SPECS
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

SPEC = SPECS / "prowlarr-openapi.json"


def stocked() -> FakeProwlarr:
    fake = FakeProwlarr()
    fake.add_release("The.Matrix.1999.1080p.BluRay.x264-GRP", imdb_id=133093, flags=["freeleech"])
    fake.add_release("The.Matrix.1999.2160p.UHD.BluRay.x265-GRP", imdb_id=133093, seeders=300)
    fake.add_release("The.Matrix.1999.720p.WEB-DL", indexer_id=2, imdb_id=133093, seeders=None)
    fake.add_release("Heat.1995.1080p.BluRay.x264", imdb_id=113277, categories=[2000, 2040])
    return fake


def prowlarr(fake: FakeProwlarr, **kw: Any) -> mn.ProwlarrAdapter:
    return either(
        mn.ProwlarrAdapter, fake.base_url, fake.api_key, http_client=fake.http_client(), **kw
    )


async def test_search_filters_and_types() -> None:
    async with prowlarr(stocked()) as p:
        matrix = await p.search("{ImdbId:tt0133093}", type="movie", categories=[2000])
        assert [r.indexer_id for r in matrix] == [1, 1, 2]
        first = matrix[0]
        assert first.protocol is DownloadProtocol.TORRENT and first.freeleech
        assert first.imdb == "tt0133093" and first.size == 4_000_000_000
        assert first.publish_date is not None and first.publish_date.tzinfo is not None
        usenet = matrix[2]
        assert usenet.protocol is DownloadProtocol.USENET and usenet.seeders is None
        assert [r.title for r in await p.search("heat", indexer_ids=[1])] == [
            "Heat.1995.1080p.BluRay.x264"
        ]
        assert len(await p.search("matrix", limit=1, offset=1)) == 1
        with pytest.raises(ValueError, match="limit"):
            await p.search("x", limit=0)


async def test_grab_is_sent_once_and_answers_the_release() -> None:
    fake = stocked()
    pipeline = mn.ResiliencePipeline(retry=mn.RetryPolicy(attempts=4, wait_initial=0, wait_max=0))
    async with prowlarr(fake, pipeline=pipeline) as p:
        [release, *_] = await p.search("heat")
        grabbed = await p.grab(release)
        assert grabbed.guid == release.guid and grabbed.title == release.title
        fake.faults.fail(1)
        with pytest.raises(mn.ServerError):
            await p.grab(release)  # it may have reached Prowlarr: not sent again
        with pytest.raises(mn.NotFoundError, match="cache"):
            await p.grab(Release(guid="gone", title="x", indexer_id=1))
    assert fake.grabbed == [(release.guid, 1)]
    assert fake.requests.count(("POST", "/api/v1/search")) == 3  # ok, 503 (not retried), 404


async def test_indexers_tests_status_and_stats() -> None:
    fake = stocked()
    async with prowlarr(fake) as p:
        indexers = await p.indexers()
        assert [(i.id, i.enable, i.protocol) for i in indexers] == [
            (1, True, DownloadProtocol.TORRENT),
            (2, True, DownloadProtocol.USENET),
            (3, False, DownloadProtocol.TORRENT),
        ]
        assert (await p.indexer(2)).name == "Usenet Index"
        with pytest.raises(mn.NotFoundError):
            await p.indexer(99)
        assert (await p.test_indexer(1)).is_valid
        broken = await p.test_indexer(3)
        assert not broken.is_valid and "503" in broken.messages[0]
        results = {t.id: t.is_valid for t in await p.test_all_indexers()}
        assert results == {1: True, 2: True, 3: False}
        [status] = await p.indexer_status()
        assert status.indexer_id == 3 and status.disabled_till is not None
        stats = await p.indexer_stats(datetime(2026, 1, 1, tzinfo=UTC), datetime.now(UTC))
        assert {s.indexer_id: s.average_response_time for s in stats} == {1: 120, 2: 240, 3: 360}
        with pytest.raises(ValueError, match="aware"):
            await p.indexer_stats(datetime(2026, 1, 1))
    assert ("POST", "/api/v1/indexer/test?forceTest=true") in fake.requests


async def test_system_health_history_apps_and_clients() -> None:
    fake = stocked()
    async with prowlarr(fake) as p:
        assert (await p.system_status()).version == "2.0.5.5160"
        [issue] = await p.health_checks()
        assert issue.type is HealthCheckResult.WARNING and "Broken Tracker" in issue.message
        releases = await p.search("matrix")
        for release in releases:
            await p.grab(release)
        history = [h async for h in p.history(page_size=2)]
        assert len(history) == 3 and all(h.event_type == "releaseGrabbed" for h in history)
        assert [h.indexer_id async for h in p.history(indexer_ids=[2])] == [2]
        assert [a.name for a in await p.applications()] == ["Radarr"]
        assert [c.name for c in await p.download_clients()] == ["qBittorrent"]
        report = await p.health()
    assert report.healthy and report.version == "2.0.5.5160" and report.breaker_state == "closed"
    pages = [q for _, q in fake.requests if q.startswith("/api/v1/history?")]
    assert sum("page=" in q for q in pages) >= 2


async def test_default_pipeline_limits_and_breaks() -> None:
    fake = stocked()
    async with prowlarr(fake) as p:
        described = " ".join(p.http.pipeline.describe())  # type: ignore[union-attr]
        assert (
            "60/1 minute" in described or "60 per 1 minute" in described or "60/minute" in described
        )
        fake.faults.fail(5)
        for _ in range(5):
            with pytest.raises(mn.ServerError):
                await p.system_status()
        with pytest.raises(mn.CircuitOpenError):
            await p.system_status()
    assert fake.requests.count(("GET", "/api/v1/system/status")) == 5


async def test_wrong_key_and_slow_search_are_typed() -> None:
    fake = stocked()
    # the slowest indexer keeps Prowlarr's answer waiting past the attempt timeout
    async with prowlarr(fake, pipeline=mn.ResiliencePipeline(attempt_timeout=0.05)) as p:
        fake.faults.latency = 0.5
        with pytest.raises(mn.RequestTimeout):
            await p.search("matrix")
    async with either(
        mn.ProwlarrAdapter,
        fake.base_url,
        mn.Secret("wrong-key-123"),
        http_client=fake.http_client(),
        pipeline=mn.ResiliencePipeline(),
    ) as p:
        fake.faults.latency = 0
        with capture_events() as events, pytest.raises(mn.AuthenticationError) as refused:
            await p.indexers()
    shown = str(refused.value) + repr(refused.value.__dict__) + repr(events)
    assert "wrong-key-123" not in shown and fake.api_key not in shown


Call = Callable[[mn.ProwlarrAdapter], Awaitable[object]]
CALLS: dict[str, Call] = {
    "search": lambda p: p.search(
        "{ImdbId:tt0133093}", type="movie", indexer_ids=[1, 2], categories=[2000], limit=5, offset=0
    ),
    "grab": lambda p: _grab_first(p),
    "indexers": lambda p: p.indexers(),
    "indexer": lambda p: p.indexer(1),
    "test_indexer": lambda p: p.test_indexer(3),
    "test_all_indexers": lambda p: p.test_all_indexers(),
    "indexer_status": lambda p: p.indexer_status(),
    "indexer_stats": lambda p: p.indexer_stats(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    ),
    "system_status": lambda p: p.system_status(),
    "health_checks": lambda p: p.health_checks(),
    "history": lambda p: _drain(
        p.history(page_size=1, event_types=["releaseGrabbed"], successful=True, indexer_ids=[1])
    ),
    "applications": lambda p: p.applications(),
    "download_clients": lambda p: p.download_clients(),
}


async def _grab_first(p: mn.ProwlarrAdapter) -> object:
    return await p.grab((await p.search("heat"))[0])


async def _drain(items: Any) -> list[object]:
    return [item async for item in items]


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_requests_and_answers_fit_the_spec(call: str) -> None:
    fake = stocked()
    fake.add_release("x", indexer_id=1)
    seen: list[tuple[httpx.Request, httpx.Response]] = []

    def spy(request: httpx.Request) -> httpx.Response:
        status, headers, body = fake.handle(
            request.method, str(request.url), dict(request.headers), request.content
        )
        response = httpx.Response(status, headers=headers, content=body, request=request)
        seen.append((request, response))
        return response

    async with httpx.AsyncClient(transport=httpx.MockTransport(spy)) as client:
        if call == "history":
            await mn.ProwlarrAdapter(fake.base_url, fake.api_key, http_client=client).grab(
                (
                    await mn.ProwlarrAdapter(
                        fake.base_url, fake.api_key, http_client=client
                    ).search("heat")
                )[0]
            )
            seen.clear()
        await CALLS[call](mn.ProwlarrAdapter(fake.base_url, fake.api_key, http_client=client))
    spec = load_spec(SPEC)
    assert seen
    for request, response in seen:
        validate(spec, request)
        assert undeclared_query_params(spec, request) == set(), request.url
        if response.status_code == 200 and response.content:
            validate_response(spec, request, response)


async def test_hostile_answers_end_in_typed_errors() -> None:
    class Hostile(FakeProwlarr):
        def handle(self, method, url, headers, body=b""):  # type: ignore[no-untyped-def]
            if "/search" in url:
                return 200, {"content-type": "application/json"}, b"[" * 100_000
            if "/history" in url:
                return 200, {"content-type": "application/json"}, b'{"records": 5}'
            if "/system/status" in url:
                return 302, {"location": "http://elsewhere.invalid/steal"}, b""
            if "/indexerstatus" in url:
                return 200, {"content-encoding": "gzip"}, b"not gzip at all"
            return super().handle(method, url, headers, body)

    fake = Hostile()
    async with prowlarr(fake, pipeline=mn.ResiliencePipeline()) as p:
        with pytest.raises(mn.DecodeError):
            await p.search("x")
        with pytest.raises(mn.DecodeError):
            [h async for h in p.history()]
        with pytest.raises(mn.RedirectError) as moved:
            await p.system_status()
        with pytest.raises(mn.DecodeError):
            await p.indexer_status()
    assert fake.api_key not in str(moved.value)
    assert all("elsewhere" not in q for _, q in fake.requests)
