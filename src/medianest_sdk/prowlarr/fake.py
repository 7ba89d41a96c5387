"""An in-memory Prowlarr answering its ``/api/v1`` with the shapes of its OpenAPI spec, for tests.

``FakeProwlarr()`` has three indexers (1 a public torrent indexer, 2 a usenet indexer, 3 a
disabled one whose test fails) and no releases: add them with :meth:`add_release`. It answers
searches (free text, ``{ImdbId:tt...}``/``{TmdbId:...}`` tokens, indexer and category filters,
limit and offset), grabs (remembered in ``grabbed``), indexer tests (400 with Prowlarr's
validation failures for a failing one), status, stats, system status, health checks, the
history (paged) and the application and download-client lists. A wrong ``X-Api-Key`` gets 401.
``fake.faults`` makes it slow (a slow indexer keeps a search waiting), failing or rate-limited.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..http.fake import FakeService, Reply

__all__ = ["FakeProwlarr"]

_TOKEN = re.compile(r"\{(ImdbId|TmdbId|TvdbId):([^}]*)\}", re.IGNORECASE)


class FakeProwlarr(FakeService):
    """Prowlarr in memory.

    Args:
        api_key: The key it accepts.

    Attributes:
        releases: Every release it knows, as Prowlarr's JSON.
        indexers: ``{id: indexer JSON}``; ``failing`` in one makes its test fail.
        grabbed: The ``(guid, indexerId)`` of every grab.
        history_records: The history, newest first.
    """

    base_url = "http://prowlarr.fake.invalid"

    def __init__(self, *, api_key: str = "prowlarr-fake-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.releases: list[dict[str, Any]] = []
        self.grabbed: list[tuple[str, int]] = []
        self.history_records: list[dict[str, Any]] = []
        self.indexers: dict[int, dict[str, Any]] = {
            1: _indexer(1, "Local Torznab", "torrent", "public", enable=True),
            2: _indexer(2, "Usenet Index", "usenet", "private", enable=True),
            3: _indexer(3, "Broken Tracker", "torrent", "private", enable=False, failing=True),
        }

    def add_release(
        self,
        title: str,
        *,
        size: int = 4_000_000_000,
        seeders: int | None = 50,
        leechers: int | None = 5,
        indexer_id: int = 1,
        flags: list[str] | None = None,
        magnet_url: str | None = None,
        info_hash: str | None = None,
        imdb_id: int | None = None,
        tmdb_id: int | None = None,
        categories: list[int] | None = None,
        protocol: str | None = None,
    ) -> dict[str, Any]:
        """Add a release to search results; returns its JSON (edit it to taste)."""
        n = len(self.releases) + 1
        indexer = self.indexers[indexer_id]
        release = {
            "id": n,
            "guid": f"https://indexer{indexer_id}.invalid/details/{n}",
            "age": 3,
            "ageHours": 72.0,
            "ageMinutes": 4320.0,
            "size": size,
            "files": 1,
            "grabs": 10 + n,
            "indexerId": indexer_id,
            "indexer": indexer["name"],
            "title": title,
            "sortTitle": title.lower(),
            "imdbId": imdb_id or 0,
            "tmdbId": tmdb_id or 0,
            "tvdbId": 0,
            "tvMazeId": 0,
            "publishDate": "2026-11-19T08:00:00Z",
            "downloadUrl": f"{self.base_url}/{indexer_id}/download?link={n}",
            "infoUrl": f"https://indexer{indexer_id}.invalid/details/{n}",
            "indexerFlags": flags or [],
            "categories": [{"id": c, "name": "Movies"} for c in (categories or [2000])],
            "magnetUrl": magnet_url,
            "infoHash": info_hash,
            "seeders": seeders,
            "leechers": leechers,
            "protocol": protocol or indexer["protocol"],
            "fileName": f"{title}.torrent",
        }
        self.releases.append(release)
        return release

    # -- requests -------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        """Answer one request: ``(status, headers, body)``."""
        parts = urlsplit(url)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        if {k.lower(): v for k, v in headers.items()}.get("x-api-key") != self.api_key:
            return _json({"message": "Unauthorized"}, 401)
        payload: Any = None
        if body:
            try:
                payload = json.loads(body)
            except ValueError:
                return _json([{"errorMessage": "the body is not JSON"}], 400)
        if path == "/api/v1/search" and method == "GET":
            return _json(self._search(query))
        if path == "/api/v1/search" and method == "POST":
            return self._grab(payload)
        if path == "/api/v1/indexer" and method == "GET":
            return _json([self._public(i) for i in self.indexers.values()])
        if path.startswith("/api/v1/indexer/") and path.rsplit("/", 1)[1].isdigit():
            indexer = self.indexers.get(int(path.rsplit("/", 1)[1]))
            if indexer is None:
                return _json({"message": "NotFound"}, 404)
            return _json(self._public(indexer))
        if path == "/api/v1/indexer/test" and method == "POST":
            wanted = payload.get("id") if isinstance(payload, dict) else None
            indexer = self.indexers.get(wanted) if isinstance(wanted, int) else None
            if indexer is None:
                return _json([{"errorMessage": "unknown indexer"}], 400)
            if indexer.get("failing"):
                return _json([_failure(indexer)], 400)
            return 200, {}, b""
        if path == "/api/v1/indexer/testall" and method == "POST":
            results = [
                {
                    "id": i["id"],
                    "isValid": not i.get("failing"),
                    "validationFailures": [_failure(i)] if i.get("failing") else [],
                }
                for i in self.indexers.values()
            ]
            return _json(results, 400 if any(not r["isValid"] for r in results) else 200)
        if path == "/api/v1/indexerstatus":
            return _json(
                [
                    {
                        "id": n,
                        "indexerId": i["id"],
                        "disabledTill": "2026-11-22T12:00:00Z",
                        "mostRecentFailure": "2026-11-22T11:00:00Z",
                        "initialFailure": "2026-11-21T11:00:00Z",
                    }
                    for n, i in enumerate(self.indexers.values(), 1)
                    if i.get("failing")
                ]
            )
        if path == "/api/v1/indexerstats":
            return _json({"id": 1, "indexers": self._stats(), "userAgents": [], "hosts": []})
        if path == "/api/v1/system/status":
            return _json(
                {
                    "appName": "Prowlarr",
                    "instanceName": "Prowlarr",
                    "version": "2.0.5.5160",
                    "branch": "master",
                    "osName": "debian",
                    "isDocker": False,
                    "authentication": "forms",
                    "urlBase": "",
                    "startTime": "2026-11-22T00:00:00Z",
                }
            )
        if path == "/api/v1/health":
            return _json(
                [
                    {
                        "source": "IndexerStatusCheck",
                        "type": "warning",
                        "message": "Indexers unavailable due to failures: Broken Tracker",
                        "wikiUrl": "https://wiki.servarr.com/prowlarr/system#indexers-are-unavailable-due-to-failures",
                    }
                ]
                if any(i.get("failing") for i in self.indexers.values())
                else []
            )
        if path == "/api/v1/history":
            return _json(self._history(query))
        if path == "/api/v1/applications":
            return _json(
                [
                    {
                        "id": 1,
                        "name": "Radarr",
                        "implementation": "Radarr",
                        "implementationName": "Radarr",
                        "syncLevel": "fullSync",
                        "tags": [],
                        "fields": [],
                    }
                ]
            )
        if path == "/api/v1/downloadclient":
            return _json(
                [
                    {
                        "id": 1,
                        "name": "qBittorrent",
                        "implementation": "QBittorrent",
                        "implementationName": "qBittorrent",
                        "enable": True,
                        "protocol": "torrent",
                        "priority": 1,
                        "fields": [],
                        "categories": [],
                    }
                ]
            )
        return _json({"message": "NotFound"}, 404)

    def _public(self, indexer: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in indexer.items() if k != "failing"}

    def _search(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        text = query.get("query", [""])[0]
        tokens = {k.lower(): v.strip() for k, v in _TOKEN.findall(text)}
        words = _TOKEN.sub(" ", text).lower().split()
        ids = {int(i) for i in query.get("indexerIds", []) if i.lstrip("-").isdigit()}
        cats = {int(c) for c in query.get("categories", []) if c.isdigit()}
        found = []
        for release in self.releases:
            indexer = self.indexers[release["indexerId"]]
            if not indexer["enable"] or (ids and release["indexerId"] not in ids):
                continue
            if cats and not cats & {c["id"] for c in release["categories"]}:
                continue
            if "imdbid" in tokens and f"tt{release['imdbId']:07d}" != tokens["imdbid"]:
                continue
            if "tmdbid" in tokens and str(release["tmdbId"]) != tokens["tmdbid"]:
                continue
            title = release["title"].lower().replace(".", " ")
            if all(w in title for w in words):
                found.append(release)
        offset = int(query.get("offset", ["0"])[0] or 0)
        limit = int(query.get("limit", ["100"])[0] or 100)
        return found[offset : offset + limit]

    def _grab(self, payload: Any) -> Reply:
        if not isinstance(payload, dict):
            return _json([{"errorMessage": "Release is required"}], 400)
        guid, indexer_id = payload.get("guid"), payload.get("indexerId")
        if not isinstance(guid, str) or not isinstance(indexer_id, int):
            return _json([{"errorMessage": "guid and indexerId are required"}], 400)
        release = next(
            (r for r in self.releases if r["guid"] == guid and r["indexerId"] == indexer_id), None
        )
        if release is None:
            return _json({"message": "Couldn't find requested release in cache"}, 404)
        self.grabbed.append((guid, indexer_id))
        self.history_records.insert(
            0,
            {
                "id": len(self.history_records) + 1,
                "indexerId": indexer_id,
                "date": "2026-11-22T10:00:00Z",
                "downloadId": f"dl-{len(self.grabbed)}",
                "successful": True,
                "eventType": "releaseGrabbed",
                "data": {"title": release["title"], "grabMethod": "Proxy"},
            },
        )
        return _json(release)

    def _stats(self) -> list[dict[str, Any]]:
        grabs: dict[int, int] = {}
        for _, indexer_id in self.grabbed:
            grabs[indexer_id] = grabs.get(indexer_id, 0) + 1
        return [
            {
                "indexerId": i["id"],
                "indexerName": i["name"],
                "averageResponseTime": 120 * i["id"],
                "averageGrabResponseTime": 80,
                "numberOfQueries": 40,
                "numberOfGrabs": grabs.get(i["id"], 0),
                "numberOfRssQueries": 10,
                "numberOfAuthQueries": 1,
                "numberOfFailedQueries": 40 if i.get("failing") else 0,
                "numberOfFailedGrabs": 0,
            }
            for i in self.indexers.values()
        ]

    def _history(self, query: dict[str, list[str]]) -> dict[str, Any]:
        rows = self.history_records
        if "eventType" in query:  # the numbers of Prowlarr's HistoryEventType
            names = ["unknown", "releaseGrabbed", "indexerQuery", "indexerRss", "indexerAuth"]
            wanted = {names[int(n)] for n in query["eventType"] if n.isdigit() and int(n) < 5}
            rows = [r for r in rows if r["eventType"] in wanted]
        if "successful" in query:
            success = query["successful"][0] == "true"
            rows = [r for r in rows if r["successful"] is success]
        if "indexerIds" in query:
            ids = {int(i) for i in query["indexerIds"]}
            rows = [r for r in rows if r["indexerId"] in ids]
        if query.get("sortDirection") == ["ascending"]:
            rows = rows[::-1]
        page = max(1, int(query.get("page", ["1"])[0]))
        size = max(1, int(query.get("pageSize", ["10"])[0]))
        return {
            "page": page,
            "pageSize": size,
            "sortKey": query.get("sortKey", ["date"])[0],
            "sortDirection": query.get("sortDirection", ["descending"])[0],
            "totalRecords": len(rows),
            "records": rows[(page - 1) * size : page * size],
        }


def _indexer(
    n: int, name: str, protocol: str, privacy: str, *, enable: bool, failing: bool = False
) -> dict[str, Any]:
    return {
        "id": n,
        "name": name,
        "fields": [{"name": "baseUrl", "value": f"https://indexer{n}.invalid/"}],
        "implementationName": "Torznab" if protocol == "torrent" else "Newznab",
        "implementation": "Torznab" if protocol == "torrent" else "Newznab",
        "configContract": "TorznabSettings" if protocol == "torrent" else "NewznabSettings",
        "definitionName": name.lower().replace(" ", ""),
        "enable": enable,
        "redirect": False,
        "supportsRss": True,
        "supportsSearch": True,
        "supportsRedirect": False,
        "supportsPagination": False,
        "appProfileId": 1,
        "protocol": protocol,
        "privacy": privacy,
        "priority": 25,
        "added": "2026-01-01T00:00:00Z",
        "tags": [],
        "failing": failing,
    }


def _failure(indexer: dict[str, Any]) -> dict[str, Any]:
    return {
        "propertyName": "",
        "errorMessage": f"Unable to connect to indexer, check the log above the ValidationFailure"
        f" for more details. {indexer['name']} answered 503",
        "severity": "error",
    }


def _json(data: Any, status: int = 200) -> Reply:
    return status, {"content-type": "application/json"}, json.dumps(data).encode()
