"""PlexAdapter in depth: real recorded answers decode with nothing users read lost, and the
history, playlists, watched state, external ids and scan waiting work against FakePlex."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk.decoding import decode
from medianest_sdk.plex import ExternalId, Metadata, PlexMediaType, StreamType
from medianest_sdk.testing import FakePlex

from .recorded import FIXTURES
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

BASE = "http://plex.test:32400"
TOKEN = "fake-plex-token"
RECORDED = FIXTURES / "plex"


def plex(fake: FakePlex, **kw: Any) -> mn.PlexAdapter:
    return either(mn.PlexAdapter, BASE, TOKEN, http_client=fake.http_client(), **kw)


# -- recorded answers of real servers ------------------------------------------------------


def _recorded_items() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(RECORDED.glob("*.json")):
        if path.name in ("SOURCES.json", "server-resources.json"):
            continue
        container = json.loads(path.read_text())["MediaContainer"]
        raw = list(container.get("Metadata") or [])
        raw += [r["Metadata"] for r in container.get("SearchResult") or [] if "Metadata" in r]
        found += [(f"{path.stem}#{n}", item) for n, item in enumerate(raw)]
    return found


RECORDED_ITEMS = _recorded_items()

# JSON key -> how the decoded item shows it: what users read, and the issue counted as lost
FIELDS: dict[str, Callable[[Metadata], Any]] = {
    "originallyAvailableAt": lambda m: m.originally_available_at,
    "contentRating": lambda m: m.content_rating,
    "Genre": lambda m: m.genres,
    "Role": lambda m: m.roles,
    "Director": lambda m: m.directors,
    "Writer": lambda m: m.writers,
    "Country": lambda m: m.countries,
    "Collection": lambda m: m.collections,
    "Guid": lambda m: m.guids,
    "rating": lambda m: m.rating,
    "audienceRating": lambda m: m.audience_rating,
    "studio": lambda m: m.studio,
    "viewedLeafCount": lambda m: m.viewed_leaf_count,
    "leafCount": lambda m: m.leaf_count,
    "childCount": lambda m: m.child_count,
    "viewCount": lambda m: m.view_count,
    "lastViewedAt": lambda m: m.last_viewed_at,
    "viewOffset": lambda m: m.view_offset,
}
MEDIA_FIELDS = {
    "audioChannels": "audio_channels",
    "videoFrameRate": "video_frame_rate",
    "container": "container",
    "bitrate": "bitrate",
}


def test_there_are_real_items_with_every_field() -> None:
    assert len(RECORDED_ITEMS) >= 100
    for key in FIELDS:
        assert any(key in raw for _, raw in RECORDED_ITEMS), key
    streams = [
        p["Stream"]
        for _, raw in RECORDED_ITEMS
        for m in raw.get("Media") or []
        for p in m.get("Part") or []
        if p.get("Stream")
    ]
    assert len(streams) >= 10


@pytest.mark.parametrize(("where", "raw"), RECORDED_ITEMS, ids=[w for w, _ in RECORDED_ITEMS])
def test_a_real_item_keeps_what_users_read(where: str, raw: dict[str, Any]) -> None:
    item = decode(raw, Metadata, service="plex", endpoint=where)
    for key, read in FIELDS.items():
        if raw.get(key) not in (None, [], ""):
            value = read(item)
            assert value not in (None, []), f"{key} lost"
            if isinstance(raw[key], list):
                assert len(value) == len(raw[key]), key
    for guid in item.guids:
        assert guid.source in ("imdb", "tmdb", "tvdb", "plex"), guid
        assert str(guid) in {g["id"] for g in raw["Guid"]}
    for media_raw, media in zip(raw.get("Media") or [], item.media, strict=True):
        for key, attr in MEDIA_FIELDS.items():
            if key in media_raw:
                assert getattr(media, attr) is not None, key
        for part_raw, part in zip(media_raw.get("Part") or [], media.parts, strict=True):
            assert len(part.streams) == len(part_raw.get("Stream") or [])
            for stream_raw, stream in zip(part_raw.get("Stream") or [], part.streams, strict=True):
                assert stream.stream_type == stream_raw["streamType"]
                for key, attr in (("codec", "codec"), ("languageCode", "language_code")):
                    if key in stream_raw:
                        assert getattr(stream, attr) == stream_raw[key]
                if "channels" in stream_raw:
                    assert stream.channels == stream_raw["channels"]


def test_a_recorded_movie_reads_as_a_user_expects() -> None:
    raw = json.loads((RECORDED / "metadata-movie.json").read_text())["MediaContainer"]
    movie = decode(raw["Metadata"][0], Metadata, service="plex", endpoint="recorded")
    assert movie.type is PlexMediaType.MOVIE
    assert isinstance(movie.originally_available_at, date)
    imdb = movie.external_id("imdb")
    assert imdb is not None and imdb.startswith("tt")
    part = movie.media[0].parts[0]
    kinds = {s.stream_type for s in part.streams}
    assert StreamType.VIDEO in kinds and StreamType.AUDIO in kinds
    assert part.streams_of(StreamType.VIDEO)[0].codec


async def test_recorded_resources_read() -> None:
    body = (RECORDED / "server-resources.json").read_bytes()

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v2/resources"
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client,
        mn.PlexPinAuth("client-1", http_client=client) as signin,
    ):
        resources = await signin.resources("user-token")
    assert resources
    assert all(c.uri.startswith("http") for r in resources for c in r.connections)


@given(st.text(max_size=40))
def test_external_id_parse_round_trips_or_refuses(text: str) -> None:
    try:
        parsed = ExternalId.parse(text)
    except ValueError:
        source, sep, ident = text.strip().partition("://")
        assert not (sep and source and ident)
        return
    assert str(parsed) == f"{parsed.source}://{parsed.id}"
    assert ExternalId.parse(str(parsed)) == parsed


# -- the fake ------------------------------------------------------------------------------


async def test_search_reads_show_hits_under_directory() -> None:
    async with plex(FakePlex()) as p:
        hubs = await p.search("a show")
    [shows] = [h for h in hubs if h.type == "show"]
    assert [(m.rating_key, m.type) for m in shows.items] == [("200", PlexMediaType.SHOW)]


async def test_on_deck_of_the_whole_library_is_one_request() -> None:
    fake = FakePlex()
    async with plex(fake) as p:
        deck = await p.on_deck()
    assert [m.rating_key for m in deck] == ["1000"]
    assert fake.requests == [("GET", "/library/onDeck")]


async def test_paging_without_total_size_reads_every_page() -> None:
    class NoTotal(FakePlex):
        def handle(self, method, url, headers, body=b""):  # type: ignore[no-untyped-def]
            status, head, data = super().handle(method, url, headers, body)
            if "/sections/1/all" in url:
                answer = json.loads(data)
                del answer["MediaContainer"]["totalSize"]
                data = json.dumps(answer).encode()
            return status, head, data

    fake = NoTotal(movies=45)
    async with plex(fake) as p:
        keys = [m.rating_key async for m in p.iter_section_items(1, page_size=20)]
    assert keys == [str(1000 + n) for n in range(45)]
    assert len(fake.requests) == 3


async def test_history_pages_and_filters() -> None:
    fake = FakePlex(movies=10, history=1000)
    since = datetime.fromtimestamp(1_700_000_000 + 3600 * 500, tz=UTC)
    async with plex(fake) as p:
        everything = [e async for e in p.history(page_size=300)]
        mine = [e async for e in p.history(account_id=1)]
        recent = [e async for e in p.history(since=since, sort="viewedAt")]
        one = [e async for e in p.history(rating_key=1003, section_id=1)]
        with pytest.raises(ValueError, match="aware"):
            [e async for e in p.history(since=datetime(2024, 1, 1))]
    assert len(everything) == 1000
    assert everything[0].viewed_at is not None and everything[-1].viewed_at is not None
    assert everything[0].viewed_at > everything[-1].viewed_at
    assert {e.account_id for e in mine} == {1} and len(mine) == 500
    assert recent and all(e.viewed_at and e.viewed_at >= since for e in recent)
    assert recent == sorted(recent, key=lambda e: e.viewed_at or since)
    assert {e.rating_key for e in one} == {"1003"} and len(one) == 100
    pages = [q for m, q in fake.requests if q.startswith("/status/sessions/history/all")]
    assert sum("X-Plex-Container-Size=300" in q for q in pages) == 4


async def test_playlists_lifecycle() -> None:
    async with plex(FakePlex()) as p:
        created = await p.create_playlist("Friday", [1001, 1002])
        assert (created.title, created.playlist_type, created.leaf_count) == ("Friday", "video", 2)
        await p.add_to_playlist(created.rating_key, [1003])
        items = await p.playlist_items(created.rating_key)
        assert [m.rating_key for m in items] == ["1001", "1002", "1003"]
        assert all(m.playlist_item_id for m in items)
        await p.remove_from_playlist(created.rating_key, items[1].playlist_item_id or 0)
        assert [m.rating_key for m in await p.playlist_items(created.rating_key)] == [
            "1001",
            "1003",
        ]
        assert [pl.title for pl in await p.playlists()] == ["Friday"]
        await p.delete_playlist(created.rating_key)
        assert await p.playlists() == []
        with pytest.raises(ValueError, match="title"):
            await p.create_playlist(" ", [1])


async def test_watched_state_round_trips() -> None:
    async with plex(FakePlex(), pipeline=mn.ResiliencePipeline(cache=mn.MemoryCache())) as p:
        assert (await p.metadata(1004)).view_count is None
        await p.mark_played(1004)
        assert (await p.metadata(1004)).view_count == 1  # the cached item was dropped
        await p.set_progress(1004, 90_000)
        assert (await p.metadata(1004)).view_offset == 90_000
        await p.rate(1004, 8)
        assert (await p.metadata(1004)).user_rating == 8.0
        await p.mark_unplayed(1004)
        assert (await p.metadata(1004)).view_count == 0
        with pytest.raises(ValueError, match="rating must be"):
            await p.rate(1004, 11)
        with pytest.raises(mn.NotFoundError):
            await p.mark_played(999_999)


async def test_find_by_external_id() -> None:
    fake = FakePlex(movies=30)
    cache = mn.MemoryCache()
    async with plex(fake, pipeline=mn.ResiliencePipeline(cache=cache)) as p:
        by_imdb = await p.find_by_external_id("imdb://tt0100012")
        by_tmdb = await p.find_by_external_id(ExternalId("tmdb", "520"), section_id=1)
        by_plex = await p.find_by_external_id(f"plex://movie/{7:024x}")
        asked = len(fake.requests)
        again = await p.find_by_external_id("IMDB://tt0100012")
        assert len(fake.requests) == asked  # every page it read is in the cache
        missing = await p.find_by_external_id("tvdb://1")
        with pytest.raises(ValueError, match="not an external id"):
            await p.find_by_external_id("tt0100012")
    assert by_imdb is not None and by_imdb.rating_key == "1012"
    assert by_imdb.external_id("tmdb") == "512"
    assert by_tmdb is not None and by_tmdb.rating_key == "1020"
    assert by_plex is not None and by_plex.rating_key == "1007"
    assert again == by_imdb
    assert missing is None
    assert len(fake.requests) > asked  # the miss also read the show section
    pages = [q for _, q in fake.requests if q.startswith("/library/sections/") and "/all?" in q]
    assert pages and all("includeGuids=1" in q for q in pages)


async def test_refresh_waits_for_the_scan_to_end() -> None:
    fake = FakePlex(scan_polls=3)
    async with plex(fake) as p:
        await p.refresh_section(1, path="/media/movies/New (2026)", wait=True, interval=0)
        polls = fake.requests.count(("GET", "/activities"))
        assert polls == 4  # three with the scan running, one without
        fake.scan_polls = 0  # a scan too quick to be seen: scannedAt moved
        await p.refresh_section(1, wait=True, interval=0)
        fake.scan_polls = 1000
        with pytest.raises(mn.WaitTimeout) as late:
            await p.refresh_section(1, wait=True, timeout=0, interval=0)
    assert late.value.what == "scan of section 1"
    assert isinstance(late.value, TimeoutError)


async def test_activities_are_typed() -> None:
    fake = FakePlex(scan_polls=2)
    async with plex(fake) as p:
        await p.refresh_section(2)
        [activity] = await p.activities()
    assert activity.type == mn.plex.Activity.SCAN and activity.section_id == "2"


def test_recorded_sources_are_listed() -> None:
    sources = json.loads((RECORDED / "SOURCES.json").read_text())
    names = {entry["file"] for entry in sources}
    assert names == {p.name for p in Path(RECORDED).glob("*.json")} - {"SOURCES.json"}


async def test_a_cache_hit_hands_back_the_parsed_models() -> None:
    fake = FakePlex(movies=120)
    async with plex(fake, pipeline=mn.ResiliencePipeline(cache=mn.MemoryCache())) as p:
        first = await p.section_items(1, size=100)
        second = await p.section_items(1, size=100)
        assert second.items == first.items
        assert all(a is b for a, b in zip(first.items, second.items, strict=True))  # not re-read
        second.items.clear()  # the caller's list is its own
        assert len((await p.section_items(1, size=100)).items) == 100
        await p.refresh_section(1)  # drops the cached pages: the next read parses anew
        third = await p.section_items(1, size=100)
    assert third.items == first.items and third.items[0] is not first.items[0]
    assert fake.requests.count(("GET", "/library/sections/1/all")) == 2


async def test_a_shared_redis_cache_parses_each_answer(redis_url: str) -> None:
    cache = mn.RedisCache(redis_url)
    async with plex(FakePlex(), pipeline=mn.ResiliencePipeline(cache=cache)) as p:
        first = await p.library_sections()
        second = await p.library_sections()
    assert first == second and first[0] is not second[0]


async def test_hostile_history_and_activities_are_decode_errors() -> None:
    class Hostile(FakePlex):
        def handle(self, method, url, headers, body=b""):  # type: ignore[no-untyped-def]
            if "history" in url:
                return 200, {"Content-Type": "application/json"}, b'{"MediaContainer": []}'
            if "activities" in url:
                answer = {"MediaContainer": {"Activity": [{"type": "library.update.section"}]}}
                return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()
            return super().handle(method, url, headers, body)

    async with plex(Hostile()) as p:
        with pytest.raises(mn.DecodeError):
            [e async for e in p.history()]
        with pytest.raises(mn.DecodeError) as bad:
            await p.activities()
    assert bad.value.field is not None
