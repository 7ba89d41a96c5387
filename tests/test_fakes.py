"""The in-memory service fakes a host app tests against, and their fault injection."""

from __future__ import annotations

import json

import pytest

import medianest_sdk as mn
from medianest_sdk.enums import MonitorStatus
from medianest_sdk.overseerr.models import RequestStatus
from medianest_sdk.testing import FakePlex, FakeSeerr, FakeUptimeKuma, Faults, fake_http_client

from .recorded import recorded


@pytest.fixture
def fake() -> FakePlex:
    return FakePlex(movies=3)


def adapter(fake: FakePlex, client: mn.http.AsyncHTTPClient, **kw: object) -> mn.PlexAdapter:
    return mn.PlexAdapter(fake.base_url, fake.token, http_client=client, **kw)  # type: ignore[arg-type]


async def test_the_fake_answers_an_adapter_and_keeps_state(fake: FakePlex) -> None:
    async with fake.http_client() as client:
        plex = adapter(fake, client)
        assert [s.title for s in await plex.library_sections()] == ["Movies", "TV Shows"]
        page = await plex.section_items(1)
        assert [m.title for m in page.items] == ["Movie 0000", "Movie 0001", "Movie 0002"]
        await plex.refresh_section(1, path="/media/movies/new")
    assert fake.refreshed[0][0] == "/library/sections/1/refresh"
    assert fake.requests[0] == ("GET", "/library/sections/all")


async def test_a_wrong_token_is_refused_as_plex_does(fake: FakePlex) -> None:
    async with fake.http_client() as client:
        plex = mn.PlexAdapter(fake.base_url, "not-the-token", http_client=client)
        with pytest.raises(mn.AuthenticationError):
            await plex.library_sections()


async def test_a_5xx_storm_opens_the_host_apps_breaker_and_its_fallback_answers(
    fake: FakePlex,
) -> None:
    fake.faults.fail(20)
    breaker = mn.CircuitBreaker("plex", consecutive_failures=3, break_duration=60)

    async def saved(exc: BaseException) -> list[str]:
        return ["saved"]

    async with fake.http_client() as client:
        plex = adapter(fake, client, pipeline=mn.ResiliencePipeline(breaker=breaker))
        for _ in range(3):
            with pytest.raises(mn.ServerError):
                await plex.library_sections()
        assert breaker.state is mn.BreakerState.OPEN
        with pytest.raises(mn.CircuitOpenError):
            await plex.library_sections()
        assert len(fake.requests) == 3  # the open breaker spared the server
        titles = await mn.Fallback(saved).call(
            lambda: _titles(plex)  # the host app's own fallback path
        )
    assert titles == ["saved"]


async def _titles(plex: mn.PlexAdapter) -> list[str]:
    return [s.title for s in await plex.library_sections()]


async def test_429_with_retry_after_is_typed_and_a_retry_honours_it(fake: FakePlex) -> None:
    fake.faults.rate_limit(retry_after=7)
    async with fake.http_client() as client:
        with pytest.raises(mn.RateLimitedError) as caught:
            await adapter(fake, client).library_sections()
        assert caught.value.retry_after == 7.0
        fake.faults.rate_limit(retry_after=0.01)
        retry = mn.RetryPolicy(attempts=2, max_retry_after=1)
        plex = adapter(fake, client, pipeline=mn.ResiliencePipeline(retry=retry))
        assert len(await plex.library_sections()) == 2
    assert fake.faults.seen == 2


@pytest.mark.parametrize(
    ("inject", "error"),
    [
        (Faults.timeout, mn.RequestTimeout),
        (Faults.malformed, mn.DecodeError),
        (Faults.disconnect, mn.ConnectError),
    ],
)
async def test_each_fault_ends_in_its_typed_error_then_the_fake_recovers(
    fake: FakePlex, inject: object, error: type[mn.MediaNestError]
) -> None:
    inject(fake.faults)  # type: ignore[operator]
    async with fake.http_client() as client:
        plex = adapter(fake, client)
        with pytest.raises(error):
            await plex.library_sections()
        assert len(await plex.library_sections()) == 2


async def test_latency_meets_the_attempt_timeout(fake: FakePlex) -> None:
    fake.faults.latency = 30.0
    pipeline = mn.ResiliencePipeline(attempt_timeout=0.05)
    async with fake.http_client() as client:
        with pytest.raises(mn.RequestTimeout) as caught:
            await adapter(fake, client, pipeline=pipeline).library_sections()
    assert caught.value.phase == "attempt"


async def test_faults_apply_in_the_order_queued_then_clear() -> None:
    fake = FakePlex(movies=1)
    fake.faults.fail(2, status=502).timeout()
    async with fake.http_client() as client:
        plex = adapter(fake, client)
        for _ in range(2):
            with pytest.raises(mn.ServerError) as caught:
                await plex.library_sections()
            assert caught.value.status == 502
        with pytest.raises(mn.RequestTimeout):
            await plex.library_sections()
        assert len(await plex.library_sections()) == 2
        fake.faults.rate_limit(3).clear()
        assert len(await plex.library_sections()) == 2
    assert fake.faults.seen == 3
    with pytest.raises(ValueError, match="times must be >= 1"):
        fake.faults.fail(0)


def test_fake_seerr_refuses_a_malformed_request_body() -> None:
    fake = FakeSeerr()
    for body in (b"{", b"[]", b'{"mediaType": "book", "mediaId": 1}', b'{"mediaType": "movie"}'):
        status, _, answer = fake.handle(
            "POST", fake.base_url + "/api/v1/request", {"X-Api-Key": fake.api_key}, body
        )
        assert (status, json.loads(answer)["message"][:12]) == (400, "request.body")
    assert fake.media_requests == {}


# -- FakeSeerr ------------------------------------------------------------------------------


def _shape(value: object) -> object:
    """The keys of a JSON value, recursively (first list item only), without the values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def _same_keys(fake: object, real: object, where: str = "$") -> None:
    if isinstance(real, dict) and isinstance(fake, dict):
        assert set(fake) == set(real), f"{where}: {set(fake) ^ set(real)}"
        for key in real:
            _same_keys(fake[key], real[key], f"{where}.{key}")
    elif isinstance(real, list) and isinstance(fake, list) and real and fake:
        _same_keys(fake[0], real[0], f"{where}[0]")


@pytest.mark.parametrize(
    ("method", "path", "recording"),
    [
        ("GET", "/api/v1/status", "status"),
        ("GET", "/api/v1/auth/me", "auth_me"),
        ("GET", "/api/v1/request/1", "request_1"),
        ("GET", "/api/v1/request?take=10&skip=0&filter=pending", "request_list_pending"),
        ("GET", "/api/v1/request/count", "request_count"),
        ("POST", "/api/v1/request/1/approve", "request_approve_1"),
        ("GET", "/api/v1/request/99", "request_404"),
    ],
)
def test_fake_seerr_answers_with_the_recorded_shapes(
    method: str, path: str, recording: str
) -> None:
    fake = FakeSeerr()
    fake.add_request(tmdb_id=603)
    status, _, body = fake.handle(method, fake.base_url + path, {"X-Api-Key": fake.api_key})
    real = recorded("overseerr", recording)
    assert status == real.status_code
    _same_keys(_shape(json.loads(body)), _shape(real.json()))


async def test_fake_seerr_keeps_request_state_through_the_adapter() -> None:
    fake = FakeSeerr()
    fake.add_request(tmdb_id=603)
    fake.add_request(tmdb_id=1399, media_type="tv", seasons=[1, 2])
    async with fake.http_client() as client:
        seerr = mn.OverseerrAdapter(fake.base_url, fake.api_key, http_client=client)
        pending = await seerr.requests(filter="pending")
        assert pending.page_info.results == 2
        approved = await seerr.approve_request(1)
        assert approved.status is RequestStatus.APPROVED
        assert (await seerr.request(1)).status is RequestStatus.APPROVED  # it stays
        await seerr.decline_request(2)
        counts = await seerr.request_counts()
        assert (counts.pending, counts.approved, counts.declined) == (0, 1, 1)
        assert (await seerr.me()).username == "admin"
        assert await seerr.flavour() == "overseerr"
        with pytest.raises(mn.UnsupportedByServerError):
            await seerr.requests(filter="deleted")  # Seerr's filter; this one is Overseerr
        with pytest.raises(mn.NotFoundError):
            await seerr.request(99)
    async with fake.http_client() as client:
        wrong = mn.OverseerrAdapter(fake.base_url, "wrong-key", http_client=client)
        assert (await wrong.health()).status == "unhealthy"


async def test_fake_seerr_3_is_seerr_and_faults_apply() -> None:
    fake = FakeSeerr(version="3.1.0")
    fake.faults.fail(1, status=502)
    async with fake.http_client() as client:
        seerr = mn.OverseerrAdapter(fake.base_url, fake.api_key, http_client=client)
        with pytest.raises(mn.ServerError):
            await seerr.status()
        assert await seerr.flavour() == "seerr"
        assert (await seerr.requests(filter="deleted")).results == []


# -- FakeUptimeKuma -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "recording"),
    [
        ("/api/entry-page", "entry_page"),
        ("/api/status-page/demo", "status_page"),
        ("/api/status-page/heartbeat/demo", "status_page_heartbeat"),
        ("/api/status-page/nope", "status_page_missing"),
        ("/api/push/push-token-2?status=up&msg=OK", "push_up"),
        ("/api/push/wrong?status=up&msg=OK", "push_badtoken"),
    ],
)
def test_fake_kuma_answers_with_the_recorded_shapes(path: str, recording: str) -> None:
    fake = FakeUptimeKuma()
    fake.add_monitor("local-keyword", kind="keyword")  # the recorded server had three
    status, _, body = fake.handle("GET", fake.base_url + path, {})
    real = recorded("uptime-kuma", recording)
    assert status == real.status_code
    _same_keys(_shape(json.loads(body)), _shape(real.json()))


async def test_fake_kuma_records_pushes_and_guards_metrics() -> None:
    fake = FakeUptimeKuma()
    async with fake.http_client() as client:
        kuma = mn.UptimeKumaAdapter(fake.base_url, api_key=fake.api_key, http_client=client)
        assert (await kuma.health()).status == "healthy"
        await kuma.push("push-token-2", status="down", msg="disk full", ping=12)
        assert (
            fake.heartbeats[2][-1]["status"] == 0 and fake.heartbeats[2][-1]["msg"] == "disk full"
        )
        beats = await kuma.heartbeats("demo")
        latest = beats[2].latest
        assert latest is not None and latest.status is MonitorStatus.DOWN
        statuses = await kuma.monitor_statuses()
        assert {i: (m.name, m.status) for i, m in statuses.items()} == {
            1: ("local-http", MonitorStatus.UP),
            2: ("push-1", MonitorStatus.DOWN),
        }
        assert "Status: Down" in await kuma.badge(2)
        with pytest.raises(mn.NotFoundError):
            await kuma.push("wrong-token", status="up")
        page = await kuma.status_page("demo")
        assert [m.name for g in page.groups for m in g.monitors] == ["local-http", "push-1"]
    async with fake.http_client() as client:
        keyless = mn.UptimeKumaAdapter(fake.base_url, http_client=client)
        with pytest.raises(mn.AuthenticationError):
            await keyless.metrics()


def test_the_fakes_serve_the_blocking_adapters() -> None:
    import medianest_sdk.sync as sync_api

    plex_fake, seerr_fake = FakePlex(movies=2), FakeSeerr()
    seerr_fake.add_request(tmdb_id=603)
    with sync_api.PlexAdapter(
        plex_fake.base_url, plex_fake.token, http_client=plex_fake.http_client()
    ) as plex:
        assert [s.title for s in plex.library_sections()] == ["Movies", "TV Shows"]
    with sync_api.OverseerrAdapter(
        seerr_fake.base_url, seerr_fake.api_key, http_client=seerr_fake.http_client()
    ) as seerr:
        assert seerr.approve_request(1).status is RequestStatus.APPROVED


async def test_one_client_routes_to_each_fake_by_host() -> None:
    plex_fake, kuma_fake = FakePlex(movies=1), FakeUptimeKuma()
    with pytest.raises(ValueError, match=r"two fakes at plex\.fake\.invalid"):
        fake_http_client(plex_fake, FakePlex())
    async with fake_http_client(plex_fake, kuma_fake) as client:
        plex = mn.PlexAdapter(plex_fake.base_url, plex_fake.token, http_client=client)
        kuma = mn.UptimeKumaAdapter(kuma_fake.base_url, http_client=client)
        assert len(await plex.library_sections()) == 2
        assert (await kuma.health()).status == "healthy"
        elsewhere = mn.PlexAdapter("http://other.fake.invalid", "a-token", http_client=client)
        with pytest.raises(mn.ConnectError, match=r"nothing at other\.fake\.invalid"):
            await elsewhere.library_sections()
