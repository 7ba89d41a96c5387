from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import attrs
import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk.http import MAX_RETRY_AFTER, parse_retry_after

from .servers import LoopbackServer, Reply
from .strategies import secret_text
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

BASE = "http://svc.test:8080/api"
KEY = "k3y-Sup3r-S3cret"


@attrs.frozen
class Item:
    id: int
    title: str
    tags: list[str] = attrs.Factory(list)


def client(**kw: object) -> mn.ServiceClient:
    return either(mn.ServiceClient, "svc", BASE, headers={"X-Api-Key": mn.Secret(KEY)}, **kw)


async def test_get_model_decodes_and_sends_headers(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/items").respond(
        json=[{"id": 1, "title": "A", "extra": True}, {"id": 2, "title": "B", "tags": ["x"]}]
    )
    async with client() as c:
        items = await c.get_model("/items", list[Item], params={"page": 2})
    assert items == [Item(1, "A"), Item(2, "B", ["x"])]
    sent = route.calls.last.request
    assert sent.headers["X-Api-Key"] == KEY
    assert sent.url.params["page"] == "2"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, mn.HTTPStatusError),
        (401, mn.AuthenticationError),
        (403, mn.AuthenticationError),
        (404, mn.NotFoundError),
        (408, mn.HTTPStatusError),
        (429, mn.RateLimitedError),
        (500, mn.ServerError),
        (503, mn.ServerError),
    ],
)
async def test_status_mapping(
    respx_mock: respx.MockRouter, status: int, expected: type[mn.HTTPStatusError]
) -> None:
    respx_mock.get(f"{BASE}/x").respond(
        status, json={"message": "server says no"}, headers={"X-Request-Id": "req-7"}
    )
    async with client() as c:
        with pytest.raises(expected) as info:
            await c.get_json("/x", params={"apikey": KEY})
    exc = info.value
    assert type(exc) is expected
    assert (exc.status, exc.method, exc.service, exc.request_id) == (status, "GET", "svc", "req-7")
    assert "server says no" in str(exc)
    assert KEY not in str(exc) and KEY not in exc.url and "apikey=***" in exc.url


async def test_auth_errors_say_which(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/a").respond(401)
    respx_mock.get(f"{BASE}/b").respond(403)
    async with client() as c:
        with pytest.raises(
            mn.AuthenticationError, match="401 Unauthorized: the credentials were not accepted"
        ):
            await c.get_json("/a")
        with pytest.raises(mn.AuthenticationError, match="403 Forbidden: the service refused"):
            await c.get_json("/b")


async def test_body_excerpt_is_bounded_and_redacted(respx_mock: respx.MockRouter) -> None:
    body = ("junk " * 20) + f"key={KEY} and again {KEY} " + "z" * 2000
    respx_mock.get(f"{BASE}/x").respond(500, text=body)
    async with client() as c:
        with pytest.raises(mn.ServerError) as info:
            await c.get_json("/x")
    assert len(info.value.body_excerpt) <= 500
    assert KEY not in info.value.body_excerpt
    assert "***" in info.value.body_excerpt


async def test_retry_after_is_parsed_onto_the_error(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/x").respond(429, headers={"Retry-After": "7"})
    respx_mock.get(f"{BASE}/y").respond(503, headers={"retry-after-ms": "1500"})
    async with client() as c:
        with pytest.raises(mn.RateLimitedError) as info:
            await c.get_json("/x")
        assert info.value.retry_after == 7.0
        with pytest.raises(mn.ServerError) as info2:
            await c.get_json("/y")
        assert info2.value.retry_after == 1.5


async def test_decode_error_names_service_endpoint_and_field(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/items").respond(
        json=[{"id": 1, "title": "A"}, {"id": "x", "title": "B"}]
    )
    respx_mock.get(f"{BASE}/missing").respond(json=[{"id": 1}])
    respx_mock.get(f"{BASE}/notjson").respond(text="<html>oops</html>")
    async with client() as c:
        with pytest.raises(mn.DecodeError) as info:
            await c.get_model("/items", list[Item])
        assert info.value.service == "svc"
        assert info.value.endpoint == "GET /items"
        assert info.value.field == "$[1].id"
        with pytest.raises(mn.DecodeError) as info:
            await c.get_model("/missing", list[Item])
        assert info.value.field == "$[0].title"
        with pytest.raises(mn.DecodeError, match="not JSON"):
            await c.get_json("/notjson")


async def test_request_completed_events_and_logs_are_redacted(
    respx_mock: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx_mock.get(f"{BASE}/x").respond(json={})
    hooks = mn.EventHooks()
    seen: list[mn.Event] = []
    hooks.register(seen.append, mn.RequestCompleted)
    with caplog.at_level(logging.DEBUG):
        async with client(hooks=hooks) as c:
            await c.get_json("/x", params={"token": KEY})
    [event] = seen
    assert isinstance(event, mn.RequestCompleted)
    assert (event.service, event.method, event.status, event.attempt) == ("svc", "GET", 200, 1)
    assert event.url == f"{BASE}/x?token=***"
    assert event.duration_s >= 0
    assert KEY not in caplog.text


async def test_borrowed_client_is_never_closed(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/x").respond(json={"ok": True})
    async with httpx.AsyncClient() as borrowed:
        async with client(http_client=borrowed) as c:
            assert await c.get_json("/x") == {"ok": True}
        assert not borrowed.is_closed
    owned = client()
    await owned.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await owned.get_json("/x")


def test_constructor_validates() -> None:
    with pytest.raises(ValueError, match="http://"):
        mn.ServiceClient("svc", "ftp://h")
    with pytest.raises(ValueError, match="max_connections"):
        mn.ServiceClient("svc", "http://h", max_connections=0)
    assert KEY not in repr(client())


def test_cache_key_hashes_the_credentials() -> None:
    a = client().cache_key("/x", {"b": 2, "a": 1})
    other = mn.ServiceClient("svc", BASE, headers={"X-Api-Key": mn.Secret("other")})
    assert a.endswith("/x?a=1&b=2") and a.startswith("svc:")
    assert KEY not in a
    assert other.cache_key("/x", {"a": 1, "b": 2}) != a


async def test_mock_transport_seam() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 1, "title": request.headers["X-Api-Key"]})

    async with client(transport=httpx.MockTransport(handler)) as c:
        assert await c.get_model("/i", Item) == Item(1, KEY)


# -- real sockets -------------------------------------------------------------------------


async def test_read_timeout_on_a_real_server(loopback: LoopbackServer) -> None:
    loopback.routes["GET /slow"] = Reply(delay=1.0)
    async with mn.ServiceClient("svc", loopback.url, timeout=0.2) as c:
        with pytest.raises(mn.RequestTimeout) as info:
            await c.get_json("/slow")
    assert info.value.phase == "read"
    assert not info.value.retry_safe


async def test_per_call_timeout_override(loopback: LoopbackServer) -> None:
    loopback.routes["GET /slow"] = Reply.json({"ok": 1}, delay=0.3)
    async with mn.ServiceClient("svc", loopback.url, timeout=0.1) as c:
        assert await c.get_json("/slow", timeout=5.0) == {"ok": 1}


async def test_connection_refused_is_connect_error() -> None:
    with LoopbackServer() as server:
        url = server.url
    async with mn.ServiceClient("svc", url) as c:
        with pytest.raises(mn.ConnectError) as info:
            await c.get_json("/x")
    assert info.value.retry_safe


async def test_connections_are_reused(loopback: LoopbackServer) -> None:
    loopback.routes["GET /x"] = Reply.json({"n": 1})
    async with mn.ServiceClient("svc", loopback.url) as c:
        for _ in range(5):
            await c.get_json("/x")
    assert len(loopback.seen) == 5
    assert len({s.client_port for s in loopback.seen}) == 1


async def test_pool_bound_holds_on_a_real_server(loopback: LoopbackServer) -> None:
    loopback.routes["GET /x"] = Reply.json({"n": 1}, delay=0.05)
    async with (
        mn.ServiceClient("svc", loopback.url, max_connections=2) as c,
        anyio.create_task_group() as tg,
    ):
        for _ in range(8):
            tg.start_soon(c.get_json, "/x")
    assert len(loopback.seen) == 8
    assert len({s.client_port for s in loopback.seen}) <= 2


async def test_post_json_body(loopback: LoopbackServer) -> None:
    loopback.routes["POST /things"] = lambda seen: Reply.json(json.loads(seen.body), status=201)
    async with mn.ServiceClient("svc", loopback.url) as c:
        response = await c.request("POST", "/things", json={"a": 1})
    assert response.status_code == 201
    assert response.json() == {"a": 1}


async def test_probe_reports_health(loopback: LoopbackServer) -> None:
    loopback.routes["GET /ok"] = Reply.json({"version": "1.2"})
    loopback.routes["GET /down"] = Reply(status=503)
    loopback.routes["GET /denied"] = Reply(status=401)
    async with mn.ServiceClient("svc", loopback.url) as c:
        ok = await c.probe("/ok", version=lambda r: r.json()["version"])
        down = await c.probe("/down")
        denied = await c.probe("/denied")
    assert ok.healthy and ok.version == "1.2" and ok.latency_ms is not None
    assert down.status == "degraded" and "ServerError" in (down.error or "")
    assert denied.status == "unhealthy"


# -- Retry-After ------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10**500))
def test_retry_after_delta_seconds_is_capped(seconds: int) -> None:
    expected = min(float(seconds), MAX_RETRY_AFTER) if seconds < 10**20 else MAX_RETRY_AFTER
    assert parse_retry_after({"Retry-After": str(seconds)}) == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_retry_after_http_date(seconds: int) -> None:
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=seconds), usegmt=True)
    expected = min(float(seconds), MAX_RETRY_AFTER)
    assert parse_retry_after({"retry-after": header}, now=now) == expected


def test_absurd_retry_after_values_are_capped_not_raised() -> None:
    assert parse_retry_after({"Retry-After": "9" * 400}) == MAX_RETRY_AFTER
    assert parse_retry_after({"Retry-After": "9" * 5000}) == MAX_RETRY_AFTER
    assert parse_retry_after({"retry-after-ms": "1e400"}) == MAX_RETRY_AFTER
    assert parse_retry_after({"retry-after-ms": "nan"}) is None
    assert parse_retry_after({"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}) == MAX_RETRY_AFTER


def test_retry_after_past_date_is_zero_and_ms_wins() -> None:
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": past}, now=now) == 0.0
    assert parse_retry_after({"Retry-After": "9", "retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({}) is None


@given(st.text(max_size=40))
def test_retry_after_junk_never_raises(junk: str) -> None:
    value = parse_retry_after({"Retry-After": junk, "retry-after-ms": junk})
    assert value is None or value >= 0.0


@settings(max_examples=25, deadline=None)
@given(secret_text.map(lambda text: f"s3cr-{text}"))  # never a word of the message itself
def test_secret_headers_never_reach_repr_or_errors(secret: str) -> None:
    def reflect(request: httpx.Request) -> httpx.Response:
        # A server that echoes the credential it was sent back in its error body.
        return httpx.Response(401, json={"error": f"bad key {request.headers['Authorization']}"})

    async def call() -> mn.MediaNestError:
        async with mn.ServiceClient(
            "svc",
            BASE,
            headers={"Authorization": mn.Secret(secret)},
            transport=httpx.MockTransport(reflect),
        ) as c:
            assert secret not in repr(c)
            with pytest.raises(mn.AuthenticationError) as info:
                await c.get_json("/x")
            return info.value

    error = anyio.run(call)
    assert isinstance(error, mn.HTTPStatusError)
    assert "bad key" in error.body_excerpt
    for text in (str(error), repr(error), error.body_excerpt):
        assert secret not in text


def test_adapter_reprs_hide_url_credentials() -> None:
    url = "http://admin:hunter2@svc.test:8080"
    for adapter in (
        mn.OverseerrAdapter(url, "key"),
        mn.PlexAdapter(url, "token"),
        mn.UptimeKumaAdapter(url),
    ):
        assert "hunter2" not in repr(adapter)
        assert "svc.test" in repr(adapter)


def test_path_segment_cannot_escape_the_path() -> None:
    from medianest_sdk.http import path_segment

    assert path_segment("a/b?c=d#e") == "a%2Fb%3Fc%3Dd%23e"
    assert path_segment(42) == "42"
    with pytest.raises(ValueError, match="empty"):
        path_segment("")
