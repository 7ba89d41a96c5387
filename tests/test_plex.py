from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_core.exceptions import OpenAPIError

import medianest_sdk as mn
from medianest_sdk.plex import LibrarySection, Metadata, PlexIdentity, PlexMediaType, ServerInfo
from medianest_sdk.plex.fake import MACHINE
from medianest_sdk.testing import FakePlex

from .openapi_contract import load_spec, undeclared_query_params, validate
from .recorded import SPECS
from .servers import LoopbackServer, Reply
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

BASE = "http://plex.test:32400"
TOKEN = "fake-plex-token"


def fake_transport(fake: FakePlex) -> Callable[[httpx.Request], httpx.Response]:
    """The fake as a MockTransport handler, for tests that spy on each request."""

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, body = fake.handle(request.method, str(request.url), dict(request.headers))
        return httpx.Response(status, headers=headers, content=body)

    return handler


def plex(fake: FakePlex, **kw: Any) -> mn.PlexAdapter:
    client = fake.http_client()
    return either(
        mn.PlexAdapter, BASE, TOKEN, http_client=client, client_identifier="test-client", **kw
    )


# -- the calls against a fake server ------------------------------------------------------------


async def test_server_and_sections() -> None:
    async with plex(FakePlex()) as p:
        identity = await p.identity()
        info = await p.server_info()
        sections = await p.library_sections()
    assert identity.machine_identifier == MACHINE
    assert info.friendly_name == "Fake"
    assert [(s.key, s.title, s.type) for s in sections] == [
        ("1", "Movies", "movie"),
        ("2", "TV Shows", "show"),
    ]
    assert sections[0].locations[0].path == "/media/movies"
    assert sections[0].scanned_at is not None
    assert sections[0].scanned_at.tzinfo is not None


async def test_paging_walks_every_item() -> None:
    fake = FakePlex(movies=137)
    async with plex(fake) as p:
        page = await p.section_items(1, start=20, size=50, sort="titleSort")
        assert (page.start, page.total_size, len(page.items), page.has_more) == (20, 137, 50, True)
        everything = [m.rating_key async for m in p.iter_section_items(1, page_size=50)]
    assert everything == [str(1000 + n) for n in range(137)]
    movie = page.items[0]
    assert movie.type is PlexMediaType.MOVIE
    assert movie.added_at is not None
    assert movie.added_at.tzinfo is not None
    assert movie.duration == 5_400_020
    assert movie.media[0].parts[0].file == "/media/movies/Movie 0020.mkv"
    with pytest.raises(ValueError, match="size"):
        await plex(fake).section_items(1, size=0)


async def test_metadata_children_search_recent_deck_sessions() -> None:
    async with plex(FakePlex()) as p:
        assert (await p.metadata(1003)).title == "Movie 0003"
        assert (await p.children(200))[0].type is PlexMediaType.SEASON
        hubs = await p.search("movie 001", limit=5)
        assert [h.type for h in hubs] == ["movie"]  # empty hubs are left out
        assert [m.title for m in hubs[0].items][:2] == ["Movie 0010", "Movie 0011"]
        assert len(await p.recently_added()) == 5
        assert len(await p.recently_added(1)) == 5
        deck = await p.on_deck()
        assert [m.rating_key for m in deck] == ["1000"]
        [session] = await p.sessions()
    assert session.user == "owner" and session.state == "playing" and session.session_id == "abc"
    assert session.player is not None and session.player.title == "Living Room TV"
    assert (session.player.address, session.player.local) == ("192.168.1.20", True)
    assert (session.player.product, session.player.platform) == ("Plex for Android (TV)", "Android")
    assert session.session is not None and session.session.location == "lan"
    assert session.transcode is not None and session.transcode.video_decision == "transcode"
    assert session.transcode.speed == 3.2 and session.user_id == 1
    assert session.item.rating_key == "1001"


async def test_refresh_path_and_invalidation() -> None:
    fake = FakePlex()
    cache = mn.MemoryCache()
    async with plex(fake, pipeline=mn.ResiliencePipeline(cache=cache)) as p:
        await p.section_items(1)
        await p.library_sections()
        assert len(cache) == 2
        await p.refresh_section(1, path="/media/movies/New Film (2026)", force=True)
        assert len(cache) == 0
    [(path, query)] = fake.refreshed
    assert path == "/library/sections/1/refresh"
    assert query == {"path": ["/media/movies/New Film (2026)"], "force": ["1"]}


async def test_collections() -> None:
    async with plex(FakePlex()) as p:
        [existing] = await p.collections(1)
        assert existing.type is PlexMediaType.COLLECTION
        created = await p.create_collection(1, "Weekend", [1001, 1002, 1003])
        assert (created.title, created.child_count) == ("Weekend", 3)
        await p.add_to_collection(300, [1004])
        await p.remove_from_collection(300, 1004)
        await p.delete_collection(300)
        with pytest.raises(mn.NotFoundError, match="no library section '99'"):
            await p.create_collection(99, "x", [1])


async def test_token_never_in_urls_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakePlex()
    seen: list[httpx.Request] = []
    base = fake_transport(fake)

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return base(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(spy))
    hooks = mn.EventHooks()
    events: list[mn.Event] = []
    hooks.register(events.append)
    with caplog.at_level(logging.DEBUG):
        async with mn.PlexAdapter(BASE, TOKEN, http_client=client, hooks=hooks) as p:
            await p.library_sections()
            with pytest.raises(mn.NotFoundError) as info:
                await p.metadata(999999)
    assert all(TOKEN not in str(r.url) for r in seen)
    assert all(r.headers["X-Plex-Token"] == TOKEN for r in seen)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(events)
    assert TOKEN not in str(info.value)
    await client.aclose()


async def test_headers_and_client_identifier() -> None:
    seen: list[httpx.Request] = []
    fake = FakePlex()

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fake_transport(fake)(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(spy)) as client:
        p = mn.PlexAdapter(BASE, TOKEN, http_client=client, product="my-app")
        await p.identity()
    headers = seen[0].headers
    assert headers["Accept"] == "application/json"
    assert headers["X-Plex-Product"] == "my-app"
    assert headers["X-Plex-Client-Identifier"] == p.client_identifier
    assert len(p.client_identifier) == 32
    assert {"x-plex-version", "x-plex-platform", "x-plex-device-name"} <= set(headers.keys())


async def test_cache_keys_separate_users() -> None:
    fake = FakePlex()
    cache = mn.MemoryCache()
    pipeline = mn.ResiliencePipeline(cache=cache)
    async with plex(fake, pipeline=pipeline) as a:
        await a.library_sections()
    other = FakePlex(token="another-token")
    async with mn.PlexAdapter(
        BASE,
        "another-token",
        pipeline=pipeline,
        http_client=other.http_client(),
    ) as b:
        await b.library_sections()
    assert len(cache) == 2
    assert not any(TOKEN in k or "another-token" in k for k in cache._data)


async def test_errors() -> None:
    async with plex(FakePlex(token="other")) as p:
        with pytest.raises(mn.AuthenticationError):
            await p.library_sections()
    async with plex(FakePlex()) as p:
        with pytest.raises(mn.NotFoundError):
            await p.section_items(7)
        with pytest.raises(ValueError, match="empty"):
            await p.search("  ")


async def test_health() -> None:
    async with plex(FakePlex()) as p:
        report = await p.health()
    assert report.healthy
    assert report.version == "1.41.0.8992"


# -- the requests fit the spec -----------------------------------------------------------------

PLEX_SPEC = SPECS / "plex-api-spec.yaml"
Call = Callable[[mn.PlexAdapter], Awaitable[object]]
CALLS: dict[str, Call] = {
    "identity": lambda p: p.identity(),
    "server_info": lambda p: p.server_info(),
    "library_sections": lambda p: p.library_sections(),
    "section_items": lambda p: p.section_items(
        1, start=10, size=20, sort="titleSort", filters={"unwatched": True, "year": 1999}
    ),
    "metadata": lambda p: p.metadata(1003),
    "children": lambda p: p.children(200),
    "search": lambda p: p.search("movie", section_id=1, limit=3),
    "recently_added": lambda p: p.recently_added(),
    "recently_added_section": lambda p: p.recently_added(1),
    "on_deck": lambda p: p.on_deck(1),
    "sessions": lambda p: p.sessions(),
    "refresh_section": lambda p: p.refresh_section(1, path="/media/movies/x", force=True),
    "collections": lambda p: p.collections(1),
    "create_collection": lambda p: p.create_collection(1, "Weekend", [1001, 1002]),
    "add_to_collection": lambda p: p.add_to_collection(300, [1004]),
    "remove_from_collection": lambda p: p.remove_from_collection(300, 1004),
    "delete_collection": lambda p: p.delete_collection(300),
    "on_deck_all": lambda p: p.on_deck(),
    "section_items_guids": lambda p: p.section_items(1, include_guids=True),
    "history": lambda p: _drain(
        p.history(
            account_id=1,
            section_id=1,
            rating_key=1003,
            since=datetime(2024, 1, 1, tzinfo=UTC),
            until=datetime(2025, 1, 1, tzinfo=UTC),
            page_size=50,
        )
    ),
    "activities": lambda p: p.activities(),
    "refresh_and_wait": lambda p: p.refresh_section(1, wait=True, interval=0),
    "mark_played": lambda p: p.mark_played(1003),
    "mark_unplayed": lambda p: p.mark_unplayed(1003),
    "rate": lambda p: p.rate(1003, 7.5),
    "set_progress": lambda p: p.set_progress(1003, 60_000),
    "find_by_external_id": lambda p: p.find_by_external_id("imdb://tt0100003"),
    "playlists": lambda p: p.playlists("video"),
    "create_playlist": lambda p: p.create_playlist("Friday", [1001, 1002]),
    "playlist_lifecycle": lambda p: _playlist_lifecycle(p),
}


async def _drain(items: AsyncIterator[object]) -> list[object]:
    return [item async for item in items]


async def _playlist_lifecycle(p: mn.PlexAdapter) -> None:
    created = await p.create_playlist("Friday", [1001])
    await p.add_to_playlist(created.rating_key, [1002])
    items = await p.playlist_items(created.rating_key)
    await p.remove_from_playlist(created.rating_key, items[0].playlist_item_id or 0)
    await p.delete_playlist(created.rating_key)


# Paths PMS serves (and Plex Web, python-plexapi use) that the spec does not list yet. If the
# spec adds one, test_known_spec_gaps_are_still_gaps fails and the entry comes off this list.
KNOWN_GAPS = {
    ("DELETE", "/library/collections/300/items/1004"),
    ("GET", "/library/onDeck"),
}

# Requests the spec describes differently from what PMS accepts, with what differs. Each is
# checked for exactly that difference, so a spec fix shows up as a failing test.
SPEC_DISAGREES: dict[tuple[str, str], dict[str, Any]] = {
    # "The client must provide either the key or uri" (its description), yet uri is required
    ("PUT", "/:/scrobble"): {"missing": {"uri": "library://s-1/item/%2Flibrary%2Fmetadata%2F1"}},
    ("PUT", "/:/unscrobble"): {"missing": {"uri": "library://s-1/item/%2Flibrary%2Fmetadata%2F1"}},
    # PMS needs the title, type and smart flag to create a playlist; the spec lists only uri
    ("POST", "/playlists"): {"undeclared": {"title", "type", "smart"}},
}


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_requests_exist_in_the_spec(call: str) -> None:
    sent: list[httpx.Request] = []
    fake = FakePlex()

    def spy(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return fake_transport(fake)(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(spy)) as client:
        await CALLS[call](mn.PlexAdapter(BASE, TOKEN, http_client=client))
    spec = load_spec(PLEX_SPEC)
    checked = 0
    for request in sent:
        where = (request.method, request.url.path)
        if where in KNOWN_GAPS:
            continue
        differs = SPEC_DISAGREES.get(where, {})
        if "missing" in differs:
            with pytest.raises(OpenAPIError):
                validate(spec, request)
            request = httpx.Request(
                request.method,
                request.url.copy_merge_params(differs["missing"]),
                headers=request.headers,
            )
        validate(spec, request)
        assert undeclared_query_params(spec, request) == differs.get("undeclared", set())
        checked += 1
    assert sent
    assert checked >= 1 or all((r.method, r.url.path) in KNOWN_GAPS for r in sent)


def test_known_spec_gaps_are_still_gaps() -> None:
    from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

    spec = load_spec(PLEX_SPEC)
    for method, path in KNOWN_GAPS:
        with pytest.raises((OperationNotFound, PathNotFound)):
            validate(spec, httpx.Request(method, BASE + path))


def _example(schema: Any, depth: int = 0) -> Any:
    """An instance of an OpenAPI schema from its examples (or a plain value of its type)."""
    if depth > 16:
        return None
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            parts = [_example(s, depth + 1) for s in schema / combinator]
            if combinator == "allOf" and all(isinstance(p, dict) for p in parts):
                merged: dict[str, Any] = {}
                for part in parts:
                    merged.update(part)
                return merged
            return next((p for p in parts if p is not None), None)
    kind = schema["type"] if "type" in schema else ("object" if "properties" in schema else None)
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" and "properties" in schema:
        return {
            str(name): _example(schema / "properties" / name, depth + 1)
            for name in (schema / "properties").keys()
        }
    if kind == "array" and "items" in schema:
        item = _example(schema / "items", depth + 1)
        return [] if item is None else [item]
    if "example" in schema:
        value = (schema / "example").read_value()
        named = isinstance(value, dict) and value and kind != "object"
        if named and all(isinstance(v, dict) and "value" in v for v in value.values()):
            return next(iter(value.values()))["value"]  # named examples: {name: {value}}
        return value
    return {"string": "text", "integer": 1, "number": 1.5, "boolean": True, "object": {}}.get(
        str(kind)
    )


def _response_example(method: str, path: str) -> Any:
    from openapi_core.templating.paths.finders import APICallPathFinder

    spec = load_spec(PLEX_SPEC)
    found = APICallPathFinder(spec.spec).find(method, BASE + path)
    schema = found.operation / "responses" / "200" / "content" / "application/json" / "schema"
    return _example(schema)


@pytest.mark.parametrize(
    ("method", "path", "extract", "model"),
    [
        ("get", "/identity", lambda c: c, PlexIdentity),
        ("get", "/", lambda c: c, ServerInfo),
        ("get", "/library/sections/all", lambda c: c["Directory"][0], LibrarySection),
        ("get", "/library/sections/1/all", lambda c: c["Metadata"][0], Metadata),
        ("get", "/library/metadata/1", lambda c: c["Metadata"][0], Metadata),
        ("get", "/hubs/search", lambda c: c["Hub"][0]["Metadata"][0], Metadata),
    ],
)
def test_spec_response_examples_structure_into_models(
    method: str, path: str, extract: Callable[[Any], Any], model: type[Any]
) -> None:
    example = _response_example(method, path)
    container = example.get("MediaContainer", example)
    value = mn.decoding.decode(extract(container), model, service="plex", endpoint=path)
    assert value is not None


# -- decoding robustness ------------------------------------------------------------------------

metadata_dicts = st.fixed_dictionaries(
    {
        "ratingKey": st.text(min_size=1, max_size=6),
        "key": st.text(max_size=20),
        "type": st.sampled_from(["movie", "episode", "show", "clip", "something-new"]),
        "title": st.text(max_size=20),
    },
    optional={
        "year": st.integers(1900, 2100),
        "addedAt": st.integers(0, 2**31),
        "duration": st.integers(0, 10**9),
        "extraField": st.text(),
        "Media": st.lists(st.fixed_dictionaries({"id": st.integers(1, 99)}), max_size=2),
    },
)


@settings(max_examples=100, deadline=None)
@given(metadata_dicts)
def test_metadata_tolerates_extra_missing_and_unknown(raw: dict[str, Any]) -> None:
    item = mn.decoding.decode(raw, Metadata, service="plex", endpoint="x")
    assert item.rating_key == raw["ratingKey"]
    assert item.type == raw["type"]


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["ratingKey", "key", "type", "title", "addedAt", "Media", "year"]),
        st.none()
        | st.integers()
        | st.text(max_size=5)
        | st.lists(st.integers(), max_size=2)
        | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )
)
def test_odd_types_give_decode_error_only(raw: dict[str, Any]) -> None:
    try:
        mn.decoding.decode(raw, Metadata, service="plex", endpoint="GET /library/metadata/1")
    except mn.DecodeError as exc:
        assert exc.field is not None  # noqa: PT017 - anything but DecodeError fails


def test_missing_required_field_is_named() -> None:
    with pytest.raises(mn.DecodeError) as info:
        mn.decoding.decode(
            {"key": "/x", "type": "movie", "title": "t"},
            Metadata,
            service="plex",
            endpoint="GET /library/metadata/1",
        )
    assert info.value.field == "$.ratingKey"


# -- end to end: a real loopback Plex that fails, then recovers ---------------------------------


async def test_breaker_opens_serves_stale_and_closes(loopback: LoopbackServer) -> None:
    from medianest_sdk.testing import ManualClock

    fake = FakePlex()
    failures = {"left": 0}

    def sections(seen: Any) -> Reply:
        if failures["left"] > 0:
            failures["left"] -= 1
            return Reply(503, b"<html>busy</html>", {"Content-Type": "text/html"})
        status, headers, body = fake.handle("GET", "/library/sections/all", seen.headers)
        return Reply(status, body, headers)

    loopback.routes["GET /library/sections/all"] = sections
    clock = ManualClock()
    events: list[mn.Event] = []
    hooks = mn.EventHooks()
    hooks.register(events.append)
    breaker = mn.CircuitBreaker(
        "plex",
        consecutive_failures=5,
        minimum_throughput=100,
        break_duration=30,
        clock=clock,
        hooks=hooks,
    )
    pipeline = mn.ResiliencePipeline(
        cache=mn.MemoryCache(clock=clock),
        max_stale=3600,
        breaker=breaker,
        hooks=hooks,
        retry=mn.RetryPolicy(attempts=5, wait_initial=0, wait_jitter=0),
        timeout=10,
    )
    async with mn.PlexAdapter(loopback.url, TOKEN, pipeline=pipeline) as p:
        fresh = await p.library_sections()  # cached for 30 minutes
        clock.advance(1801)  # the entry is stale now
        failures["left"] = 5
        stale = await p.library_sections()  # 5 failures open the breaker; stale answer
        assert stale == fresh
        assert breaker.state is mn.BreakerState.OPEN
        assert await p.library_sections() == fresh  # breaker open: still stale, no request
        requests_while_open = len(loopback.seen)
        clock.advance(30)
        recovered = await p.library_sections()  # trial call succeeds
    assert recovered == fresh
    assert breaker.metrics().state is mn.BreakerState.CLOSED
    assert len(loopback.seen) == requests_while_open + 1
    changes = [(e.old, e.new) for e in events if isinstance(e, mn.BreakerStateChanged)]
    assert changes == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]
    lookups = [e.result for e in events if isinstance(e, mn.CacheLookup)]
    assert lookups.count("stale") == 2


def serve_fake(server: LoopbackServer, fake: FakePlex) -> None:
    """Answer every GET/POST/PUT/DELETE on ``server`` from ``fake``."""

    def route(seen: Any) -> Reply:
        status, headers, body = fake.handle(seen.method, server.url + seen.path, seen.headers)
        return Reply(status, body, headers)

    server.fallback = route


def test_library_example(loopback: LoopbackServer) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    serve_fake(loopback, FakePlex(movies=12))
    example = Path(__file__).parent.parent / "examples" / "plex_library.py"
    env = {**os.environ, "PLEX_URL": loopback.url, "PLEX_TOKEN": TOKEN}
    out = subprocess.run(
        [sys.executable, str(example), "movie 001"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Fake (Plex 1.41.0.8992, Linux)" in out.stdout
    assert "[1] Movies" in out.stdout and "12 items" in out.stdout
    assert "new: Movie 0011" in out.stdout
    assert "Movie 0010, Movie 0011" in out.stdout
    assert all(s.headers.get("X-Plex-Token") == TOKEN for s in loopback.seen)
    bad = subprocess.run(
        [sys.executable, str(example)],
        env={**env, "PLEX_TOKEN": "wr0ng-t0ken"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "401" in bad.stderr and "wr0ng-t0ken" not in bad.stderr
