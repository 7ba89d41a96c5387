"""An in-memory Plex Media Server answering JSON like the real one, for tests and benchmarks."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

MACHINE = "0123456789abcdef0123456789abcdef"


def make_movie(n: int, section: int = 1) -> dict[str, Any]:
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


@attrs.define
class FakePlex:
    """A library of ``movies`` movies in section 1 and a show with seasons in section 2."""

    movies: int = 50
    token: str = "fake-plex-token"
    refreshed: list[tuple[str, dict[str, list[str]]]] = attrs.Factory(list)
    items: list[dict[str, Any]] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        self.items = [make_movie(n) for n in range(self.movies)]

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

    def handle(
        self, method: str, url: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, headers, body)."""
        parts = urlsplit(url)
        path = parts.path
        query = parse_qs(parts.query)
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("x-plex-token") != self.token and path != "/identity":
            return 401, {"Content-Type": "text/html"}, b"<html>Unauthorized</html>"
        body: Any
        extra: dict[str, str] = {}
        if path == "/identity":
            body = {
                "MediaContainer": {
                    "size": 0,
                    "claimed": True,
                    "machineIdentifier": MACHINE,
                    "version": "1.41.0.8992",
                }
            }
        elif path == "/":
            body = {
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
            body = {"MediaContainer": {"size": 2, "Directory": self.sections()}}
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
            body = {
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
            body = {"MediaContainer": {"size": 1, "offset": 0, "totalSize": 1, "Metadata": [show]}}
        elif path.startswith("/library/metadata/") and path.endswith("/children"):
            body = {
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
            body = {"MediaContainer": {"size": 1, "Metadata": found}}
        elif path == "/hubs/search":
            q = query.get("query", [""])[0].lower()
            hits = [m for m in self.items if q in m["title"].lower()][
                : int(query.get("limit", ["10"])[0])
            ]
            body = {
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
            body = {"MediaContainer": {"size": 5, "Metadata": self.items[-5:][::-1]}}
        elif path.endswith("/onDeck"):
            viewed = dict(self.items[0], lastViewedAt=1_700_500_000, viewOffset=60_000)
            body = {"MediaContainer": {"size": 1, "Metadata": [viewed] if "/1/" in path else []}}
        elif path == "/status/sessions":
            playing = dict(
                self.items[1],
                User={"id": "1", "title": "owner"},
                Player={"title": "Living Room TV", "state": "playing"},
                Session={"id": "abc", "bandwidth": 8000},
            )
            body = {"MediaContainer": {"size": 1, "Metadata": [playing]}}
        elif path.endswith("/refresh") and method == "POST":
            self.refreshed.append((path, query))
            return 200, {}, b""
        elif path == "/library/sections/1/collections":
            body = {
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
            body = {
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
        return 200, {"Content-Type": "application/json", **extra}, json.dumps(body).encode()
