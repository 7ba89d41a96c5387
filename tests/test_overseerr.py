from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk.overseerr import (
    MediaPage,
    MediaRequest,
    MediaStatus,
    RequestCounts,
    RequestPage,
    RequestStatus,
    ServerStatus,
    User,
    UserPage,
    UserQuota,
)

from .openapi_contract import load_spec, validate
from .recorded import SPECS, recorded, recorded_json
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

BASE = "http://seerr.test:5055"
API = f"{BASE}/api/v1"
KEY = "MTY4OTk5-overseerr-api-key"


def seerr(**kw: Any) -> mn.OverseerrAdapter:
    return either(mn.OverseerrAdapter, BASE, KEY, **kw)


# -- every recorded fixture decodes ---------------------------------------------------------

FIXTURE_MODELS: dict[str, type[Any]] = {
    "status": ServerStatus,
    "auth_me": User,
    "auth_me_as_user2": User,
    "request_list": RequestPage,
    "request_list_pending": RequestPage,
    "request_1": MediaRequest,
    "request_approve_1": MediaRequest,
    "request_decline_1": MediaRequest,
    "request_count": RequestCounts,
    "user_list": UserPage,
    "user_1": User,
    "user_1_quota": UserQuota,
    "media_list": MediaPage,
}


@pytest.mark.parametrize("name", sorted(FIXTURE_MODELS))
def test_recorded_fixture_structures(name: str) -> None:
    value = mn.decoding.decode(
        recorded_json("overseerr", name), FIXTURE_MODELS[name], service="overseerr", endpoint=name
    )
    assert value is not None


def test_recorded_request_details() -> None:
    page = mn.decoding.decode(
        recorded_json("overseerr", "request_list"), RequestPage, service="o", endpoint="x"
    )
    assert page.page_info.results == 3
    first = page.results[0]
    assert first.status is RequestStatus.APPROVED
    assert first.media is not None
    assert first.media.status is MediaStatus.AVAILABLE
    assert first.requested_by is not None
    assert first.requested_by.display_name == "friend"
    assert first.created_at is not None
    assert first.created_at.tzinfo is not None


# -- calls: what we send fits both specs ------------------------------------------------------

SPEC_FILES = ["overseerr-api.yml", "seerr-api.yml"]
Call = Callable[[mn.OverseerrAdapter], Awaitable[object]]

CALLS: dict[str, tuple[str, str, str, Call]] = {
    "status": ("GET", "/status", "status", lambda s: s.status()),
    "me": ("GET", "/auth/me", "auth_me", lambda s: s.me()),
    "requests": (
        "GET",
        "/request",
        "request_list",
        lambda s: s.requests(filter="pending", sort="modified", take=10, skip=5, requested_by=2),
    ),
    "request": ("GET", "/request/1", "request_1", lambda s: s.request(1)),
    "request_counts": ("GET", "/request/count", "request_count", lambda s: s.request_counts()),
    "approve": ("POST", "/request/1/approve", "request_approve_1", lambda s: s.approve_request(1)),
    "decline": ("POST", "/request/1/decline", "request_decline_1", lambda s: s.decline_request(1)),
    "retry": ("POST", "/request/1/retry", "request_approve_1", lambda s: s.retry_request(1)),
    "create_movie": (
        "POST",
        "/request",
        "request_1",
        lambda s: s.create_request("movie", 603, is_4k=True, server_id=0, profile_id=4),
    ),
    "create_tv": (
        "POST",
        "/request",
        "request_1",
        lambda s: s.create_request("tv", 1399, seasons=[1, 2], root_folder="/tv", user_id=2),
    ),
    "media": ("GET", "/media", "media_list", lambda s: s.media(filter="available", take=5)),
    "users": ("GET", "/user", "user_list", lambda s: s.users(take=5, sort="requests")),
    "user": ("GET", "/user/1", "user_1", lambda s: s.user(1)),
    "quota": ("GET", "/user/1/quota", "user_1_quota", lambda s: s.user_quota(1)),
}


@pytest.mark.parametrize("spec_file", SPEC_FILES)
@pytest.mark.parametrize("call", sorted(CALLS))
async def test_requests_fit_both_specs(
    respx_mock: respx.MockRouter, call: str, spec_file: str
) -> None:
    method, path, fixture, run = CALLS[call]
    route = respx_mock.route(method=method, url=f"{API}{path}").mock(
        return_value=recorded("overseerr", fixture)
    )
    # approve/decline read the request back; retry reads it first (a failed one)
    failed = {**json.loads(recorded("overseerr", "request_1").content), "status": 4}
    reads = respx_mock.get(f"{API}/request/1").respond(json=failed)
    async with seerr() as s:
        await run(s)
    sent = route.calls.last.request
    assert sent.headers["X-Api-Key"] == KEY
    spec = load_spec(SPECS / spec_file)
    validate(spec, sent)
    for extra in reads.calls:
        validate(spec, extra.request)


@pytest.mark.parametrize("spec_file", SPEC_FILES)
async def test_search_and_details_fit_both_specs(
    respx_mock: respx.MockRouter, spec_file: str
) -> None:
    search = respx_mock.get(f"{API}/search").respond(
        json={
            "page": 1,
            "totalPages": 1,
            "totalResults": 1,
            "results": [
                {
                    "id": 603,
                    "mediaType": "movie",
                    "title": "The Matrix",
                    "releaseDate": "1999-03-30",
                }
            ],
        }
    )
    movie = respx_mock.get(f"{API}/movie/603").respond(json={"id": 603, "title": "The Matrix"})
    tv = respx_mock.get(f"{API}/tv/1399").respond(
        json={"id": 1399, "name": "Game of Thrones", "seasons": [{"seasonNumber": 1}]}
    )
    async with seerr() as s:
        page = await s.search("the matrix & co", page=2)
        assert page.results[0].display_title == "The Matrix"
        assert (await s.movie(603)).title == "The Matrix"
        assert (await s.tv(1399)).seasons[0].season_number == 1
    spec = load_spec(SPECS / spec_file)
    for route in (search, movie, tv):
        validate(spec, route.calls.last.request)
    assert search.calls.last.request.url.params["query"] == "the matrix & co"


async def test_act_as_user_header(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{API}/auth/me").mock(
        return_value=recorded("overseerr", "auth_me_as_user2")
    )
    async with seerr(act_as_user=2) as s:
        me = await s.me()
    assert route.calls.last.request.headers["X-API-User"] == "2"
    assert me.id == 2


async def test_create_request_bodies(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{API}/request").mock(return_value=recorded("overseerr", "request_1"))
    async with seerr() as s:
        await s.create_request("tv", 1399, seasons="all")
        assert json.loads(route.calls.last.request.content) == {
            "mediaType": "tv",
            "mediaId": 1399,
            "is4k": False,
            "seasons": "all",
        }
        with pytest.raises(ValueError, match="needs seasons"):
            await s.create_request("tv", 1399)
        with pytest.raises(ValueError, match="only apply to TV"):
            await s.create_request("movie", 603, seasons=[1])


# -- paging and changed_requests ---------------------------------------------------------------


def _request(n: int, modified: str) -> dict[str, Any]:
    return {"id": n, "status": 1, "type": "movie", "createdAt": modified, "updatedAt": modified}


def _pages(items: list[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        take = int(request.url.params["take"])
        skip = int(request.url.params["skip"])
        chunk = items[skip : skip + take]
        info = {
            "page": skip // take + 1,
            "pages": -(-len(items) // take),
            "pageSize": take,
            "results": len(items),
        }
        return httpx.Response(200, json={"pageInfo": info, "results": chunk})

    return handler


async def test_iter_requests_walks_every_page(respx_mock: respx.MockRouter) -> None:
    items = [_request(n, "2026-01-01T00:00:00.000Z") for n in range(1, 24)]
    route = respx_mock.get(f"{API}/request").mock(side_effect=_pages(items))
    async with seerr() as s:
        seen = [r.id async for r in s.iter_requests(page_size=10)]
    assert seen == list(range(1, 24))
    assert route.call_count == 3


async def test_changed_requests_stops_at_the_first_older_one(respx_mock: respx.MockRouter) -> None:
    stamps = [f"2026-11-21T05:{59 - n:02d}:00.000Z" for n in range(30)]  # newest first
    items = [_request(n, stamp) for n, stamp in enumerate(stamps)]
    route = respx_mock.get(f"{API}/request").mock(side_effect=_pages(items))
    since = datetime(2026, 11, 21, 5, 47, 30, tzinfo=UTC)
    async with seerr() as s:
        changed = [r.id async for r in s.changed_requests(since, page_size=5)]
        with pytest.raises(ValueError, match="aware"):
            [r async for r in s.changed_requests(datetime(2026, 1, 1))]
    assert changed == list(range(12))  # 05:59 .. 05:48
    assert route.call_count == 3  # stopped on page 3, never read the rest
    assert all(c.request.url.params["sort"] == "modified" for c in route.calls)


# -- errors --------------------------------------------------------------------------------


async def test_error_mapping_from_recorded_responses(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{API}/request/404").mock(return_value=recorded("overseerr", "request_404"))
    respx_mock.get(f"{API}/auth/me").mock(return_value=recorded("overseerr", "request_list_noauth"))
    respx_mock.get(f"{API}/user/1").mock(return_value=recorded("overseerr", "settings_main_badkey"))
    respx_mock.get(f"{API}/request").mock(
        return_value=recorded("overseerr", "request_list_badquery")
    )
    respx_mock.get(f"{API}/movie/550").mock(return_value=recorded("overseerr", "movie_details"))
    async with seerr() as s:
        with pytest.raises(mn.NotFoundError, match="Request not found"):
            await s.request(404)
        with pytest.raises(
            mn.AuthenticationError, match="401 Unauthorized: the credentials were not accepted"
        ) as e401:
            await s.me()
        with pytest.raises(
            mn.AuthenticationError, match="403 Forbidden: the service refused"
        ) as e403:
            await s.user(1)
        with pytest.raises(mn.HTTPStatusError, match="should be number") as e400:
            await s.requests()
        with pytest.raises(mn.ServerError, match="Unable to retrieve movie"):
            await s.movie(550)
    assert (e401.value.status, e403.value.status, e400.value.status) == (401, 403, 400)
    assert "permission to access" in str(e403.value)
    for exc in (e401.value, e403.value, e400.value):
        assert KEY not in str(exc)


async def test_create_request_is_never_retried_after_sending() -> None:
    attempts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.RemoteProtocolError("server closed the connection", request=request)

    pipeline = mn.ResiliencePipeline(retry=mn.RetryPolicy(attempts=4, wait_initial=0))
    transport = httpx.MockTransport(handler)
    async with (
        httpx.AsyncClient(transport=transport) as client,
        seerr(pipeline=pipeline, http_client=client) as s,
    ):
        with pytest.raises(mn.TransportError, match="may or may not have been created"):
            await s.create_request("movie", 603)
        with pytest.raises(mn.TransportError):
            await s.request_counts()  # an idempotent GET is retried
    assert attempts == 1 + 4


async def test_create_request_is_retried_when_nothing_was_sent() -> None:
    attempts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise httpx.ConnectError("refused", request=request)
        return recorded("overseerr", "request_1")

    pipeline = mn.ResiliencePipeline(retry=mn.RetryPolicy(attempts=3, wait_initial=0))
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client,
        seerr(pipeline=pipeline, http_client=client) as s,
    ):
        created = await s.create_request("movie", 603)
    assert created.id == 1
    assert attempts == 2


async def test_mutations_invalidate_cached_requests(respx_mock: respx.MockRouter) -> None:
    one = respx_mock.get(f"{API}/request/1").mock(return_value=recorded("overseerr", "request_1"))
    respx_mock.post(f"{API}/request/1/approve").mock(
        return_value=recorded("overseerr", "request_approve_1")
    )
    async with seerr(pipeline=mn.ResiliencePipeline(cache=mn.MemoryCache())) as s:
        await s.request(1)
        await s.request(1)
        assert one.call_count == 1
        await s.approve_request(1)  # reads the request back (fresh), then the cache is empty
        assert one.call_count == 2
        await s.request(1)
    assert one.call_count == 3  # the approval dropped the cached request


async def test_health(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{API}/status").mock(return_value=recorded("overseerr", "status"))
    me = respx_mock.get(f"{API}/auth/me").mock(return_value=recorded("overseerr", "auth_me"))
    async with seerr() as s:
        report = await s.health()
    assert report.healthy
    assert report.version == "develop-local"
    me.mock(return_value=recorded("overseerr", "auth_me_badkey"))  # /status needs no key
    async with seerr() as s:
        bad = await s.health()
    assert bad.status == "unhealthy"
    assert bad.error is not None and "403 Forbidden" in bad.error


async def test_validation() -> None:
    s = seerr()
    with pytest.raises(ValueError, match="take"):
        await s.requests(take=0)
    assert KEY not in repr(s)


# -- decoding robustness ------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {"id": st.integers(1, 10**6), "status": st.integers(-5, 50)},
        optional={
            "type": st.sampled_from(["movie", "tv", "music"]),
            "createdAt": st.sampled_from(["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00+02:00"]),
            "media": st.fixed_dictionaries(
                {"id": st.integers(1, 99)},
                optional={"status": st.integers(1, 9), "tmdbId": st.integers(1, 10**6)},
            ),
            "seasons": st.lists(st.fixed_dictionaries({"seasonNumber": st.integers(0, 30)})),
            "unexpected": st.text(),
        },
    )
)
def test_requests_decode_with_extra_missing_and_unknown_values(raw: dict[str, Any]) -> None:
    request = mn.decoding.decode(raw, MediaRequest, service="overseerr", endpoint="GET /request/1")
    assert request.status == raw["status"]


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
        max_leaves=10,
    )
)
def test_junk_gives_decode_error_only(junk: object) -> None:
    for model in (MediaRequest, RequestPage, User, UserQuota):
        try:
            mn.decoding.decode(junk, model, service="overseerr", endpoint="x")
        except mn.DecodeError as exc:
            assert exc.service == "overseerr"  # noqa: PT017 - any other exception fails
