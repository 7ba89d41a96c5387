"""An in-memory Overseerr / Jellyseerr / Seerr answering its API as the real one does, for tests.

``FakeSeerr()`` knows two users (1: ``admin``, the key's owner; 2: ``friend``) and keeps
requests and their media: create, list (filters, sort, ``take``/``skip``, ``pageInfo``), read,
count, approve, decline, delete. The shapes follow the responses recorded from Overseerr and
Seerr 3.1 (``tests/data/recorded``), which the project's tests compare it with.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from ..http.fake import FakeService, Reply

__all__ = ["FakeSeerr"]

PENDING, APPROVED, DECLINED, FAILED, COMPLETED = 1, 2, 3, 4, 5
"""Request statuses (Overseerr's ``MediaRequestStatus``)."""
MEDIA_UNKNOWN, MEDIA_PENDING, MEDIA_PROCESSING, MEDIA_PARTIAL, MEDIA_AVAILABLE = 1, 2, 3, 4, 5
"""Media statuses (Overseerr's ``MediaStatus``)."""

_REQUEST = re.compile(r"^/api/v1/request/(\d+)(?:/(approve|decline|retry))?$")
_MEDIA_STATUS = re.compile(r"^/api/v1/media/(\d+)/(available|partial|processing|pending|unknown)$")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _user(user_id: int, name: str, permissions: int) -> dict[str, Any]:
    return {
        "permissions": permissions,
        "id": user_id,
        "email": f"{name}@example.com",
        "plexUsername": None,
        "username": name,
        "recoveryLinkExpirationDate": None,
        "userType": 2,
        "plexId": None,
        "avatar": "/os_logo_square.png",
        "movieQuotaLimit": None,
        "movieQuotaDays": None,
        "tvQuotaLimit": None,
        "tvQuotaDays": None,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "settings": None,
        "requestCount": 0,
        "displayName": name,
    }


class FakeSeerr(FakeService):
    """Overseerr (``version="2.7.3"``), or Seerr (``version="3.1.0"``), in memory.

    Args:
        api_key: The ``X-Api-Key`` it accepts (others get 401; ``/status`` needs none).
        version: What ``GET /status`` reports (3.x makes the adapter treat it as Seerr).

    Attributes:
        users: ``{id: user}`` as ``GET /auth/me`` answers.
        media_requests: ``{id: request}`` as ``GET /request/{id}`` answers (seed with
            :meth:`add_request`).
        faults: :class:`~medianest_sdk.testing.Faults` to inject.

    Example::

        fake = FakeSeerr()
        fake.add_request(tmdb_id=603)            # a pending movie request by user 2
        async with fake.http_client() as client:
            seerr = OverseerrAdapter(fake.base_url, fake.api_key, http_client=client)
            await seerr.approve_request(1)       # stays approved: the fake keeps state
    """

    base_url = "http://seerr.fake.invalid"

    def __init__(self, *, api_key: str = "fake-seerr-key", version: str = "2.7.3") -> None:
        super().__init__()
        self.api_key = api_key
        self.version = version
        self.users: dict[int, dict[str, Any]] = {
            1: _user(1, "admin", 2),
            2: _user(2, "friend", 32),
        }
        self.media_requests: dict[int, dict[str, Any]] = {}
        self._media: dict[tuple[str, int], dict[str, Any]] = {}

    @property
    def flavour(self) -> Literal["overseerr", "seerr"]:
        """``"seerr"`` for version 3 and later, as the adapter decides."""
        return "seerr" if int(self.version.split(".")[0]) >= 3 else "overseerr"

    def add_request(
        self,
        *,
        tmdb_id: int,
        media_type: Literal["movie", "tv"] = "movie",
        status: int = PENDING,
        requested_by: int = 2,
        seasons: list[int] | None = None,
    ) -> dict[str, Any]:
        """Seed one request (and its media); returns it as ``GET /request/{id}`` will."""
        key = (media_type, tmdb_id)
        media = self._media.get(key)
        if media is None:
            media = {
                "downloadStatus": [],
                "downloadStatus4k": [],
                "id": len(self._media) + 1,
                "mediaType": media_type,
                "tmdbId": tmdb_id,
                "tvdbId": None,
                "imdbId": None,
                "status": MEDIA_PROCESSING if status == APPROVED else MEDIA_PENDING,
                "status4k": MEDIA_UNKNOWN,
                "createdAt": _now(),
                "updatedAt": _now(),
                "lastSeasonChange": _now(),
                "mediaAddedAt": None,
                "serviceId": None,
                "serviceId4k": None,
                "externalServiceId": None,
                "externalServiceId4k": None,
                "externalServiceSlug": None,
                "externalServiceSlug4k": None,
                "ratingKey": None,
                "ratingKey4k": None,
            }
            self._media[key] = media
        request_id = max(self.media_requests, default=0) + 1
        user = self.users[requested_by]
        user["requestCount"] += 1
        request = {
            "id": request_id,
            "status": status,
            "createdAt": _now(),
            "updatedAt": _now(),
            "type": media_type,
            "is4k": False,
            "serverId": None,
            "profileId": None,
            "rootFolder": None,
            "languageProfileId": None,
            "tags": None,
            "isAutoRequest": False,
            "media": media,
            "seasons": [
                {"id": n, "seasonNumber": n, "status": status, "createdAt": _now()}
                for n in seasons or []
            ],
            "modifiedBy": None,
            "requestedBy": user,
            "seasonCount": len(seasons or []),
        }
        self.media_requests[request_id] = request
        return request

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        """Answer one request: ``(status, headers, body)``."""
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        lowered = {k.lower(): v for k, v in headers.items()}
        if path == "/api/v1/status":
            return _json(
                {
                    "version": self.version,
                    "commitTag": "fake",
                    "updateAvailable": False,
                    "commitsBehind": 0,
                    "restartRequired": False,
                }
            )
        if lowered.get("x-api-key") != self.api_key:
            return _json({"message": "Unauthorized"}, 401)
        acting = int(lowered.get("x-api-user") or 1)
        if acting not in self.users:
            return _json({"message": "Unauthorized"}, 401)
        if path == "/api/v1/auth/me":
            return _json(self.users[acting])
        if path == "/api/v1/request" and method == "GET":
            return self._list(query)
        if path == "/api/v1/request/count":
            return _json(self._count())
        if path == "/api/v1/request" and method == "POST":
            refused = _json({"message": "request.body is not a valid media request"}, 400)
            try:
                data = json.loads(body or b"{}")
                seasons = data.get("seasons")
                media_type = data["mediaType"]
            except (ValueError, KeyError, TypeError, AttributeError):
                return refused
            if media_type not in ("movie", "tv"):
                return refused
            try:
                created = self.add_request(
                    tmdb_id=int(data["mediaId"]),
                    media_type=media_type,
                    requested_by=int(data.get("userId") or acting),
                    seasons=[1] if seasons == "all" else seasons,
                )
            except (ValueError, KeyError, TypeError):
                return refused
            return _json(_detail(created), 201)
        media_status = _MEDIA_STATUS.match(path)
        if media_status is not None and method == "POST":
            media = next(
                (m for m in self._media.values() if m["id"] == int(media_status.group(1))), None
            )
            if media is None:
                return _json({"message": "Media does not exist."}, 404)
            if media_status.group(2) == "partial" and media["mediaType"] == "movie":
                return _json({"message": "Only series can be partially available"}, 400)
            names = ["unknown", "pending", "processing", "partial", "available"]
            media["status"] = names.index(media_status.group(2)) + 1
            media["updatedAt"] = _now()
            return _json(media)
        match = _REQUEST.match(path)
        if match is None:
            return _json({"message": "API route not found"}, 404)
        request = self.media_requests.get(int(match.group(1)))
        if request is None:
            return _json({"message": "Request not found."}, 404)
        action = match.group(2)
        if method == "DELETE" and action is None:
            del self.media_requests[request["id"]]
            return 204, {}, b""
        if method == "POST" and action in ("approve", "decline", "retry"):
            request["status"] = DECLINED if action == "decline" else APPROVED
            request["modifiedBy"] = self.users[acting]
            request["updatedAt"] = _now()
            if action != "decline":
                request["media"]["status"] = MEDIA_PROCESSING
            return _json(_detail(request))
        if method == "GET" and action is None:
            return _json(_detail(request))
        return _json({"message": "API route not found"}, 404)

    def _list(self, query: dict[str, str]) -> Reply:
        try:
            take, skip = int(query.get("take", "10")), int(query.get("skip", "0"))
        except ValueError:
            return _json({"message": "take and skip must be numbers"}, 400)
        wanted = query.get("filter", "all")
        if wanted in ("deleted", "completed") and self.flavour == "overseerr":
            return _json({"message": f'request.query.filter should be one of ... "{wanted}"'}, 400)
        by_status = {"pending": PENDING, "approved": APPROVED, "declined": DECLINED}
        by_status |= {"failed": FAILED, "completed": COMPLETED}
        by_media = {"available": MEDIA_AVAILABLE, "processing": MEDIA_PROCESSING}
        found = list(self.media_requests.values())
        if wanted in by_status:
            found = [r for r in found if r["status"] == by_status[wanted]]
        elif wanted in by_media:
            found = [r for r in found if r["media"]["status"] == by_media[wanted]]
        elif wanted == "unavailable":
            found = [r for r in found if r["media"]["status"] < MEDIA_AVAILABLE]
        if "requestedBy" in query:
            found = [r for r in found if r["requestedBy"]["id"] == int(query["requestedBy"])]
        order = "updatedAt" if query.get("sort") == "modified" else "id"
        found.sort(key=lambda r: r[order], reverse=True)
        page = found[skip : skip + take]
        pages = max(1, -(-len(found) // take)) if take > 0 else 1
        return _json(
            {
                "pageInfo": {
                    "pages": pages,
                    "pageSize": take,
                    "results": len(found),
                    "page": skip // take + 1 if take > 0 else 1,
                },
                "results": [_listed(r) for r in page],
            }
        )

    def _count(self) -> dict[str, int]:
        found = list(self.media_requests.values())
        return {
            "total": len(found),
            "movie": sum(r["type"] == "movie" for r in found),
            "tv": sum(r["type"] == "tv" for r in found),
            "pending": sum(r["status"] == PENDING for r in found),
            "approved": sum(r["status"] == APPROVED for r in found),
            "declined": sum(r["status"] == DECLINED for r in found),
            "processing": sum(r["media"]["status"] == MEDIA_PROCESSING for r in found),
            "available": sum(r["media"]["status"] == MEDIA_AVAILABLE for r in found),
        }


def _detail(request: dict[str, Any]) -> dict[str, Any]:
    """A request as ``GET /request/{id}`` shows it: its media with their seasons."""
    return {**request, "media": {**request["media"], "seasons": []}}


def _listed(request: dict[str, Any]) -> dict[str, Any]:
    """A request as ``GET /request`` lists it: users without their settings."""
    listed = dict(request)
    for role in ("requestedBy", "modifiedBy"):
        if listed[role] is not None:
            listed[role] = {k: v for k, v in listed[role].items() if k != "settings"}
    return listed


def _json(data: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(data).encode()
