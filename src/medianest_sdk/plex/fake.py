"""An in-memory Plex Media Server answering JSON as the real one does, for tests.

``FakePlex(movies=50)`` holds a "Movies" section (1) of ``movies`` films and a "TV Shows"
section (2) with one show; it answers the endpoints :class:`~medianest_sdk.PlexAdapter` uses
(identity, sections, items with container paging, metadata, search hubs, recently added, on
deck, sessions, refresh, collections) and remembers partial scans in ``refreshed``.
"""

from __future__ import annotations

import json
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
                "Part": [
                    {
                        "id": 9000 + n,
                        "key": f"/library/parts/{9000 + n}/file.mkv",
                        "file": f"/media/movies/Movie {n:04d}.mkv",
                        "size": 4_000_000_000,
                        "duration": 5_400_000 + n,
                        "container": "mkv",
                    }
                ],
            }
        ],
        "Genre": [{"tag": "Drama"}],
    }


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

    def __init__(self, *, movies: int = 50, token: str = "fake-plex-token") -> None:
        super().__init__()
        self.movies = movies
        self.token = token
        self.items: list[dict[str, Any]] = [make_movie(n) for n in range(movies)]
        self.refreshed: list[tuple[str, dict[str, list[str]]]] = []

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
                "scannedAt": 1_700_000_000,
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
            page = self.items[start : start + size]
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
            answer = {"MediaContainer": {"size": 1, "Metadata": found}}
        elif path == "/hubs/search":
            q = query.get("query", [""])[0].lower()
            hits = [m for m in self.items if q in m["title"].lower()][
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
                        {"title": "Shows", "type": "show", "hubIdentifier": "show", "size": 0},
                    ],
                }
            }
        elif path in ("/library/recentlyAdded", "/library/sections/1/recentlyAdded"):
            answer = {"MediaContainer": {"size": 5, "Metadata": self.items[-5:][::-1]}}
        elif path.endswith("/onDeck"):
            viewed = dict(self.items[0], lastViewedAt=1_700_500_000, viewOffset=60_000)
            answer = {"MediaContainer": {"size": 1, "Metadata": [viewed] if "/1/" in path else []}}
        elif path == "/status/sessions":
            playing = dict(
                self.items[1],
                User={"id": "1", "title": "owner"},
                Player={"title": "Living Room TV", "state": "playing"},
                Session={"id": "abc", "bandwidth": 8000},
            )
            answer = {"MediaContainer": {"size": 1, "Metadata": [playing]}}
        elif path.endswith("/refresh") and method == "POST":
            self.refreshed.append((path, query))
            return 200, {}, b""
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
