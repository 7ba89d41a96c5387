"""An in-memory Plex Media Server answering JSON as the real one does, for tests.

``FakePlex(movies=50)`` holds a "Movies" section (1) of ``movies`` films and a "TV Shows"
section (2) with one show; it answers the endpoints :class:`~medianest_sdk.PlexAdapter` uses
(identity, sections, items with container paging and ``includeGuids``, metadata, search hubs,
recently added, on deck, sessions, watch history, activities, refresh, collections, playlists,
played/unplayed, rating and progress) and remembers partial scans in ``refreshed``. Film ``n``
has ids ``imdb://tt{n+100000:07d}`` and ``tmdb://{n+500}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..http.fake import FakeService, Reply

__all__ = ["MACHINE", "FakePlex", "make_movie"]

MACHINE = "0123456789abcdef0123456789abcdef"
"""The fake server's ``machineIdentifier``."""


def make_movie(n: int, section: int = 1) -> dict[str, Any]:
    """Movie number ``n`` as ``/library/sections/{section}/all`` lists it (rating key 1000+n)."""
    return {
        "ratingKey": str(1000 + n),
        "key": f"/library/metadata/{1000 + n}",
        "guid": f"plex://movie/{n:024x}",
        "type": "movie",
        "title": f"Movie {n:04d}",
        "year": 1950 + n % 70,
        "duration": 5_400_000 + n,
        "addedAt": 1_700_000_000 + n,
        "updatedAt": 1_700_100_000 + n,
        "librarySectionID": section,
        "summary": "A film.",
        "originallyAvailableAt": f"{1950 + n % 70}-03-{1 + n % 28:02d}",
        "contentRating": "PG-13",
        "rating": 7.5,
        "audienceRating": 8.1,
        "studio": "Fake Studio",
        "Guid": [{"id": f"imdb://tt{n + 100000:07d}"}, {"id": f"tmdb://{n + 500}"}],
        "Director": [{"id": 70, "tag": "A. Director", "filter": "director=70"}],
        "Role": [{"id": 80, "tag": "An Actor", "role": "Lead", "filter": "actor=80"}],
        "Media": [
            {
                "id": 5000 + n,
                "duration": 5_400_000 + n,
                "bitrate": 8000,
                "width": 1920,
                "height": 1080,
                "container": "mkv",
                "videoCodec": "h264",
                "audioCodec": "aac",
                "videoResolution": "1080",
                "videoFrameRate": "24p",
                "audioChannels": 6,
                "Part": [
                    {
                        "id": 9000 + n,
                        "key": f"/library/parts/{9000 + n}/file.mkv",
                        "file": f"/media/movies/Movie {n:04d}.mkv",
                        "size": 4_000_000_000,
                        "duration": 5_400_000 + n,
                        "container": "mkv",
                        "Stream": [
                            {
                                "id": 1,
                                "streamType": 1,
                                "codec": "h264",
                                "index": 0,
                                "width": 1920,
                                "height": 1080,
                                "frameRate": 23.976,
                                "displayTitle": "1080p (H.264)",
                            },
                            {
                                "id": 2,
                                "streamType": 2,
                                "codec": "aac",
                                "index": 1,
                                "channels": 6,
                                "language": "English",
                                "languageCode": "eng",
                                "selected": True,
                                "displayTitle": "English (AAC 5.1)",
                            },
                            {
                                "id": 3,
                                "streamType": 3,
                                "codec": "srt",
                                "index": 2,
                                "language": "Deutsch",
                                "languageCode": "ger",
                                "displayTitle": "Deutsch (SRT)",
                            },
                        ],
                    }
                ],
            }
        ],
        "Genre": [{"tag": "Drama"}],
    }


def _listed(movie: dict[str, Any], *, guids: bool = False) -> dict[str, Any]:
    """A movie as Plex lists it (sections, search, recently added): without the media's
    ``Stream`` tracks, which only ``/library/metadata/{id}`` carries, and without ``Guid``
    unless ``includeGuids=1`` asked for it."""
    listed = {k: v for k, v in movie.items() if guids or k != "Guid"}
    listed["Media"] = [
        {
            **media,
            "Part": [{k: v for k, v in part.items() if k != "Stream"} for part in media["Part"]],
        }
        for media in movie.get("Media") or []
    ]
    return listed


class FakePlex(FakeService):
    """A Plex Media Server in memory.

    Args:
        movies: How many films section 1 holds (``Movie 0000`` ...).
        token: The ``X-Plex-Token`` it accepts (others get 401; ``/identity`` needs none).

    Attributes:
        items: The films of section 1 as Plex lists them (edit to seed your own).
        refreshed: ``(path, query)`` of every ``.../refresh`` it was asked for.
        faults: :class:`~medianest_sdk.testing.Faults` to inject.

    Example::

        fake = FakePlex(movies=3)
        async with fake.http_client() as client:
            plex = PlexAdapter(fake.base_url, fake.token, http_client=client)
            fake.faults.fail(5)   # the next 5 requests answer 503
    """

    base_url = "http://plex.fake.invalid"

    def __init__(
        self,
        *,
        movies: int = 50,
        token: str = "fake-plex-token",
        history: int = 0,
        scan_polls: int = 0,
    ) -> None:
        super().__init__()
        self.movies = movies
        self.token = token
        self.items: list[dict[str, Any]] = [make_movie(n) for n in range(movies)]
        self.refreshed: list[tuple[str, dict[str, list[str]]]] = []
        self.history: list[dict[str, Any]] = [
            {
                "historyKey": f"/status/sessions/history/{i + 1}",
                "ratingKey": str(1000 + i % max(movies, 1)),
                "key": f"/library/metadata/{1000 + i % max(movies, 1)}",
                "title": f"Movie {i % max(movies, 1):04d}",
                "type": "movie",
                "viewedAt": 1_700_000_000 + 3600 * (history - i),
                "accountID": 1 + i % 2,
                "deviceID": 5,
                "librarySectionID": "1",
            }
            for i in range(history)
        ]
        self.scan_polls = scan_polls
        self.activities: list[tuple[dict[str, Any], int]] = []
        self.scanned_at = 1_700_000_000
        self.playlists: dict[str, dict[str, Any]] = {}
        self.watched: dict[str, dict[str, Any]] = {}
        self.on_refresh: Callable[[str, str | None], None] | None = None
        """Called with ``(section id, path or None)`` on every refresh: a test's scanner."""

    def sections(self) -> list[dict[str, Any]]:
        return [
            {
                "key": "1",
                "title": "Movies",
                "type": "movie",
                "agent": "tv.plex.agents.movie",
                "scanner": "Plex Movie",
                "language": "en-US",
                "uuid": "s-1",
                "refreshing": False,
                "createdAt": 1_600_000_000,
                "updatedAt": 1_700_000_000,
                "scannedAt": self.scanned_at,
                "Location": [{"id": 1, "path": "/media/movies"}],
            },
            {
                "key": "2",
                "title": "TV Shows",
                "type": "show",
                "agent": "tv.plex.agents.series",
                "Location": [{"id": 2, "path": "/media/tv"}],
            },
        ]

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        """Answer one request: ``(status, headers, body)``, as Plex Media Server 1.41 does."""
        parts = urlsplit(url)
        path = parts.path
        query = parse_qs(parts.query)
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("x-plex-token") != self.token and path != "/identity":
            return 401, {"Content-Type": "text/html"}, b"<html>Unauthorized</html>"
        answer: Any
        extra: dict[str, str] = {}
        if path == "/identity":
            answer = {
                "MediaContainer": {
                    "size": 0,
                    "claimed": True,
                    "machineIdentifier": MACHINE,
                    "version": "1.41.0.8992",
                }
            }
        elif path == "/":
            answer = {
                "MediaContainer": {
                    "size": 0,
                    "friendlyName": "Fake",
                    "machineIdentifier": MACHINE,
                    "version": "1.41.0.8992",
                    "platform": "Linux",
                    "myPlexUsername": "owner",
                    "updatedAt": 1_700_000_000,
                }
            }
        elif path == "/library/sections/all":
            answer = {"MediaContainer": {"size": 2, "Directory": self.sections()}}
        elif path == "/library/sections/1/all":
            start = int(
                lowered.get("x-plex-container-start")
                or query.get("X-Plex-Container-Start", ["0"])[0]
            )
            size = int(
                lowered.get("x-plex-container-size")
                or query.get("X-Plex-Container-Size", ["50"])[0]
            )
            page_of = self.items[start : start + size]
            page = [_listed(m, guids=query.get("includeGuids") == ["1"]) for m in page_of]
            answer = {
                "MediaContainer": {
                    "size": len(page),
                    "offset": start,
                    "totalSize": len(self.items),
                    "Metadata": page,
                }
            }
            extra = {
                "X-Plex-Container-Start": str(start),
                "X-Plex-Container-Total-Size": str(len(self.items)),
            }
        elif path == "/library/sections/2/all":
            show = {
                "ratingKey": "200",
                "key": "/library/metadata/200/children",
                "type": "show",
                "title": "A Show",
                "year": 2020,
                "childCount": 1,
                "leafCount": 10,
                "librarySectionID": 2,
            }
            answer = {
                "MediaContainer": {"size": 1, "offset": 0, "totalSize": 1, "Metadata": [show]}
            }
        elif path.startswith("/library/metadata/") and path.endswith("/children"):
            answer = {
                "MediaContainer": {
                    "size": 1,
                    "Metadata": [
                        {
                            "ratingKey": "201",
                            "key": "/library/metadata/201/children",
                            "type": "season",
                            "title": "Season 1",
                            "index": 1,
                            "parentRatingKey": "200",
                            "leafCount": 10,
                        }
                    ],
                }
            }
        elif path.startswith("/library/metadata/"):
            key = path.rsplit("/", 1)[1]
            found = [m for m in self.items if m["ratingKey"] == key]
            if key == "300":
                found = [
                    {
                        "ratingKey": "300",
                        "key": "/library/collections/300/children",
                        "type": "collection",
                        "title": "Favourites",
                        "librarySectionID": 1,
                        "subtype": "movie",
                        "childCount": 2,
                    }
                ]
            if not found:
                return 404, {"Content-Type": "text/html"}, b"<html>Not Found</html>"
            if method == "DELETE":
                return 200, {}, b""
            found = [{**m, **self.watched.get(m["ratingKey"], {})} for m in found]
            answer = {"MediaContainer": {"size": 1, "Metadata": found}}
        elif path == "/hubs/search":
            q = query.get("query", [""])[0].lower()
            hits = [_listed(m) for m in self.items if q in m["title"].lower()][
                : int(query.get("limit", ["10"])[0])
            ]
            answer = {
                "MediaContainer": {
                    "size": 1,
                    "Hub": [
                        {
                            "title": "Movies",
                            "type": "movie",
                            "hubIdentifier": "movie",
                            "size": len(hits),
                            "Metadata": hits,
                        },
                        {
                            "title": "Shows",
                            "type": "show",
                            "hubIdentifier": "show",
                            "size": 1 if q in "a show" else 0,
                            "Directory": [
                                {
                                    "ratingKey": "200",
                                    "key": "/library/metadata/200/children",
                                    "type": "show",
                                    "title": "A Show",
                                    "librarySectionID": 2,
                                }
                            ]
                            if q in "a show"
                            else [],
                        },
                    ],
                }
            }
        elif path in ("/library/recentlyAdded", "/library/sections/1/recentlyAdded"):
            recent = [_listed(m) for m in self.items[-5:][::-1]]
            answer = {"MediaContainer": {"size": 5, "Metadata": recent}}
        elif path.endswith("/onDeck"):
            viewed = dict(self.items[0], lastViewedAt=1_700_500_000, viewOffset=60_000)
            listed = [viewed] if path in ("/library/onDeck", "/library/sections/1/onDeck") else []
            answer = {"MediaContainer": {"size": len(listed), "Metadata": listed}}
        elif path == "/status/sessions":
            playing = dict(
                self.items[1],
                User={"id": "1", "title": "owner"},
                Player={
                    "title": "Living Room TV",
                    "state": "playing",
                    "address": "192.168.1.20",
                    "local": True,
                    "product": "Plex for Android (TV)",
                    "platform": "Android",
                    "machineIdentifier": "player-1",
                },
                Session={"id": "abc", "bandwidth": 8000, "location": "lan"},
                TranscodeSession={
                    "key": "/transcode/sessions/t1",
                    "progress": 12.5,
                    "speed": 3.2,
                    "throttled": False,
                    "videoDecision": "transcode",
                    "audioDecision": "copy",
                    "sourceVideoCodec": "hevc",
                    "videoCodec": "h264",
                    "transcodeHwRequested": True,
                },
            )
            answer = {"MediaContainer": {"size": 1, "Metadata": [playing]}}
        elif path.endswith("/refresh") and method == "POST":
            self.refreshed.append((path, query))
            if self.on_refresh is not None:
                self.on_refresh(path.split("/")[3], query.get("path", [None])[0])
            if self.scan_polls:
                section = path.split("/")[3]
                activity = {
                    "uuid": f"scan-{len(self.refreshed)}",
                    "type": "library.update.section",
                    "title": "Scanning",
                    "progress": 0,
                    "cancellable": True,
                    "Context": {"librarySectionID": section},
                }
                self.activities.append((activity, self.scan_polls))
            else:
                self.scanned_at += 1
            return 200, {}, b""
        elif path == "/activities":
            listed = [a for a, _ in self.activities]
            still = [(a, n - 1) for a, n in self.activities if n > 1]
            if len(still) < len(self.activities):
                self.scanned_at += 1
            self.activities = still
            answer = {"MediaContainer": {"size": len(listed), "Activity": listed}}
        elif path == "/status/sessions/history/all":
            for name in ("X-Plex-Container-Start", "X-Plex-Container-Size"):
                if name.lower() in lowered and name not in query:
                    query[name] = [lowered[name.lower()]]
            answer = self._history(query)
        elif path in ("/:/scrobble", "/:/unscrobble", "/:/rate", "/:/progress"):
            key = query.get("key", [""])[0]
            if not any(m["ratingKey"] == key for m in self.items):
                return 404, {"Content-Type": "text/html"}, b"<html>Not Found</html>"
            state = self.watched.setdefault(key, {})
            if path == "/:/scrobble":
                state.update(viewCount=state.get("viewCount", 0) + 1, viewOffset=0)
            elif path == "/:/unscrobble":
                state.update(viewCount=0, viewOffset=0)
            elif path == "/:/rate":
                state["userRating"] = float(query["rating"][0])
            else:
                state["viewOffset"] = int(query["time"][0])
            return 200, {}, b""
        elif path == "/playlists" or path.startswith("/playlists/"):
            return self._playlist(method, path, query)
        elif path == "/library/sections/1/collections":
            answer = {
                "MediaContainer": {
                    "size": 1,
                    "Metadata": [
                        {
                            "ratingKey": "300",
                            "key": "/library/collections/300/children",
                            "type": "collection",
                            "title": "Favourites",
                            "subtype": "movie",
                            "childCount": 2,
                        }
                    ],
                }
            }
        elif path == "/library/collections" and method == "POST":
            answer = {
                "MediaContainer": {
                    "size": 1,
                    "Metadata": [
                        {
                            "ratingKey": "301",
                            "key": "/library/collections/301/children",
                            "type": "collection",
                            "title": query.get("title", [""])[0],
                            "librarySectionID": 1,
                            "subtype": "movie",
                            "childCount": len(query["uri"][0].rsplit("/", 1)[1].split(",")),
                        }
                    ],
                }
            }
        elif path.startswith("/library/collections/") and method in ("PUT", "DELETE"):
            return 200, {}, b""
        else:
            return 404, {"Content-Type": "text/html"}, b"<html>Not Found</html>"
        return 200, {"Content-Type": "application/json", **extra}, json.dumps(answer).encode()

    def _history(self, query: dict[str, list[str]]) -> dict[str, Any]:
        rows = self.history
        for name, field in (
            ("accountID", "accountID"),
            ("librarySectionID", "librarySectionID"),
            ("metadataItemID", "ratingKey"),
        ):
            if name in query:
                rows = [r for r in rows if str(r[field]) == query[name][0]]
        if "viewedAt>" in query:
            rows = [r for r in rows if r["viewedAt"] >= int(query["viewedAt>"][0])]
        if "viewedAt<" in query:
            rows = [r for r in rows if r["viewedAt"] < int(query["viewedAt<"][0])]
        rows = sorted(rows, key=lambda r: r["viewedAt"], reverse=query.get("sort") != ["viewedAt"])
        start = int(query.get("X-Plex-Container-Start", ["0"])[0])
        size = int(query.get("X-Plex-Container-Size", ["100"])[0])
        page = rows[start : start + size]
        return {
            "MediaContainer": {
                "size": len(page),
                "offset": start,
                "totalSize": len(rows),
                "Metadata": page,
            }
        }

    def _playlist(self, method: str, path: str, query: dict[str, list[str]]) -> Reply:
        parts = path.strip("/").split("/")
        not_found: Reply = (404, {"Content-Type": "text/html"}, b"<html>Not Found</html>")

        def listed(key: str) -> dict[str, Any]:
            entry = self.playlists[key]
            return {**entry["meta"], "leafCount": len(entry["items"])}

        def keys_of(uri: str) -> list[str]:
            return uri.rsplit("/", 1)[1].split(",")

        answer: Any
        if parts == ["playlists"] and method == "GET":
            rows = [listed(k) for k in self.playlists]
            answer = {"MediaContainer": {"size": len(rows), "Metadata": rows}}
        elif parts == ["playlists"] and method == "POST":
            key = str(400 + len(self.playlists))
            self.playlists[key] = {
                "meta": {
                    "ratingKey": key,
                    "key": f"/playlists/{key}/items",
                    "type": "playlist",
                    "title": query["title"][0],
                    "playlistType": query["type"][0],
                    "smart": False,
                },
                "items": [],
                "next": 1,
            }
            self._append(key, keys_of(query["uri"][0]))
            answer = {"MediaContainer": {"size": 1, "Metadata": [listed(key)]}}
        elif len(parts) >= 2 and parts[1] in self.playlists:
            key = parts[1]
            entry = self.playlists[key]
            if len(parts) == 2 and method == "DELETE":
                del self.playlists[key]
                return 200, {}, b""
            if parts[2:] == ["items"] and method == "GET":
                rows = []
                for item_id, rating_key in entry["items"]:
                    movie = next(m for m in self.items if m["ratingKey"] == rating_key)
                    rows.append({**movie, "playlistItemID": item_id})
                answer = {"MediaContainer": {"size": len(rows), "Metadata": rows}}
            elif parts[2:] == ["items"] and method == "PUT":
                self._append(key, keys_of(query["uri"][0]))
                answer = {"MediaContainer": {"size": 1, "Metadata": [listed(key)]}}
            elif len(parts) == 4 and parts[2] == "items" and method == "DELETE":
                before = len(entry["items"])
                entry["items"] = [i for i in entry["items"] if str(i[0]) != parts[3]]
                if len(entry["items"]) == before:
                    return not_found
                return 200, {}, b""
            else:
                return not_found
        else:
            return not_found
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def _append(self, key: str, rating_keys: list[str]) -> None:
        entry = self.playlists[key]
        for rating_key in rating_keys:
            entry["items"].append((entry["next"], rating_key))
            entry["next"] += 1
