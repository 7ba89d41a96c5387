"""An in-memory qBittorrent answering the WebUI API v2 as 4.x or 5.x does, for tests.

``FakeQBittorrent()`` behaves like qBittorrent 4.5 (WebUI API 2.8.19: ``SID`` cookie, a wrong
password answered ``200 Fails.``, ``pause``/``resume``); ``FakeQBittorrent(api_version="2.15.1")``
like 5.2 (``QBT_SID_<port>`` cookie, 401 for a wrong password, ``stop``/``start``, ``add``
answering JSON or 409). It keeps sessions (``expire_sessions()`` ends them, as a restart
does), bans after ``max_auth_fails`` failed logins with 403, and answers ``sync/maindata``
with real ``rid`` deltas: only the fields that changed since the answer the client names.
Torrents are dictionaries of qBittorrent's own keys; :meth:`add_torrent` makes one and tests
change them in place (``fake.torrents[h]["progress"] = 0.5``).
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import hashlib
import json
import secrets
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..http.fake import FakeService, Reply
from .hashes import info_hash_of_magnet, info_hash_of_torrent

__all__ = ["FakeQBittorrent"]

_STOP_START = (2, 11, 0)
_COOKIE_BY_NAME = (2, 15, 0)
_SNAPSHOTS = 8


class FakeQBittorrent(FakeService):
    """qBittorrent's WebUI API in memory.

    Args:
        username, password: The WebUI credentials; ``password=None`` lets every client in
            (the "bypass authentication for localhost" mode).
        api_version: The WebUI API version to act as (``"2.8.19"``: 4.5; ``"2.11.4"``: 5.1;
            ``"2.15.1"``: 5.2).
        max_auth_fails: Failed logins before the client is banned (403).

    Attributes:
        torrents: ``{hash: {qBittorrent's torrent keys}}``.
        categories: ``{name: {"name", "savePath"}}``.
        tags: The tags.
        peers_added: ``(hash, "host:port")`` of every ``addPeers``.
        logins: Successful logins so far.
    """

    base_url = "http://qbittorrent.fake.invalid"

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str | None = "adminadmin",
        api_version: str = "2.8.19",
        max_auth_fails: int = 5,
    ) -> None:
        super().__init__()
        self.username = username
        self.password = password
        self.api_version = api_version
        self.api = tuple(int(p) for p in api_version.split("."))
        self.max_auth_fails = max_auth_fails
        self.failed_logins = 0
        self.logins = 0
        self.sessions: set[str] = set()
        self.torrents: dict[str, dict[str, Any]] = {}
        self.categories: dict[str, dict[str, str]] = {}
        self.tags: set[str] = set()
        self.peers_added: list[tuple[str, str]] = []
        self.alt_speed = False
        self.limits = {"download": 0, "upload": 0}
        self.preferences: dict[str, Any] = {
            "save_path": "/downloads",
            "dht": False,
            "pex": False,
            "lsd": False,
            "upnp": False,
            "dl_limit": 0,
            "up_limit": 0,
            "web_ui_session_timeout": 3600,
        }
        self._rid = 0
        self._snapshots: OrderedDict[int, dict[str, Any]] = OrderedDict()

    @property
    def cookie_name(self) -> str:
        """``SID``, or ``QBT_SID_<port>`` as 5.2+ names it (port 8080 here)."""
        return "QBT_SID_8080" if self.api >= _COOKIE_BY_NAME else "SID"

    def expire_sessions(self) -> None:
        """End every session, as a restart or the session timeout does."""
        self.sessions.clear()

    def add_torrent(
        self, name: str, *, size: int = 1_000_000, info_hash: str | None = None, **fields: Any
    ) -> str:
        """Add a torrent (downloading, at 0 %) with qBittorrent's keys; returns its hash
        (``info_hash``, or the SHA-1 of ``name``)."""
        info_hash = info_hash or hashlib.sha1(name.encode()).hexdigest()
        stopped = "stoppedDL" if self.api >= _STOP_START else "pausedDL"
        torrent: dict[str, Any] = {
            "hash": info_hash,
            "infohash_v1": info_hash,
            "infohash_v2": "",
            "name": name,
            "size": size,
            "total_size": size,
            "progress": 0.0,
            "state": stopped if fields.pop("stopped", False) else "downloading",
            "dlspeed": 0,
            "upspeed": 0,
            "downloaded": 0,
            "amount_left": size,
            "eta": 8640000,
            "category": "",
            "tags": "",
            "save_path": self.preferences["save_path"],
            "added_on": 1_763_000_000,
            "completion_on": -1,
            "num_seeds": 0,
            "num_leechs": 0,
            "ratio": 0,
        }
        torrent.update(fields)
        self.torrents[info_hash] = torrent
        return info_hash

    # -- requests -------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        """Answer one request: ``(status, headers, body)``."""
        parts = urlsplit(url)
        path = parts.path.removeprefix("/api/v2/")
        form = _form(headers, body)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        args = {**query, **{k: v for k, v in form.items() if isinstance(v, str)}}
        if path == "auth/login":
            return self._login(args)
        if not self._authorised(headers):
            return _text("Forbidden", 403)
        route = getattr(self, "_" + path.replace("/", "_"), None)
        if route is None or not parts.path.startswith("/api/v2/"):
            return _text("Not Found", 404)
        result: Reply = route(args, form)
        return result

    def _login(self, args: dict[str, str]) -> Reply:
        if self.failed_logins >= self.max_auth_fails:
            return _text(
                "Your IP address has been banned after too many failed authentication attempts.",
                403,
            )
        if args.get("username") != self.username or args.get("password") != self.password:
            self.failed_logins += 1
            return _text("Unauthorized", 401) if self.api >= _COOKIE_BY_NAME else _text("Fails.")
        self.failed_logins = 0
        self.logins += 1
        sid = secrets.token_urlsafe(24)
        self.sessions.add(sid)
        status, headers, body = _text("Ok.")
        headers["Set-Cookie"] = f"{self.cookie_name}={sid}; HttpOnly; path=/; SameSite=Strict"
        return status, headers, body

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.password is None:
            return True
        cookies = dict(
            part.strip().split("=", 1)
            for part in headers.get("cookie", "").split(";")
            if "=" in part
        )
        return cookies.get(self.cookie_name) in self.sessions

    def _auth_logout(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _text("")

    def _app_version(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        releases = {"2.8.19": "v4.5.2", "2.11.4": "v5.1.0", "2.15.1": "v5.2.0"}
        return _text(releases.get(self.api_version, f"v-api-{self.api_version}"))

    def _app_webapiVersion(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _text(self.api_version)

    def _app_buildInfo(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _json({"qt": "6.7.3", "libtorrent": "2.0.11.0", "bitness": 64})

    def _app_preferences(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _json(self.preferences)

    def _app_setPreferences(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        try:
            changes = json.loads(args.get("json", ""))
        except ValueError:
            return _text("Bad Request", 400)
        self.preferences.update(changes)
        return _text("")

    def _app_defaultSavePath(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _text(self.preferences["save_path"])

    def _torrents_add(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        added: list[str] = []
        duplicates = 0
        sources: list[tuple[str, bytes | str]] = [
            ("url", u) for u in args.get("urls", "").split("\n") if u.strip()
        ]
        sources += [("file", v) for v in form.values() if isinstance(v, bytes)]
        for kind, value in sources:
            try:
                if kind == "file":
                    assert isinstance(value, bytes)
                    info_hash = info_hash_of_torrent(value).torrent_id
                elif isinstance(value, str) and value.startswith("magnet:"):
                    info_hash = info_hash_of_magnet(value).torrent_id
                else:
                    info_hash = hashlib.sha1(str(value).encode()).hexdigest()
            except ValueError:
                if kind == "file":
                    return _text("Error: 'torrents' is not a valid torrent file.", 415)
                continue
            if info_hash in self.torrents:
                duplicates += 1
                continue
            tags = [t for t in args.get("tags", "").split(",") if t]
            self.add_torrent(
                args.get("rename") or f"torrent {info_hash[:8]}",
                info_hash=info_hash,
                stopped=args.get("stopped", args.get("paused")) == "true",
                category=args.get("category", ""),
                tags=", ".join(tags),
                save_path=args.get("savepath") or self.preferences["save_path"],
            )
            self.tags.update(tags)
            added.append(info_hash)
        if self.api < _COOKIE_BY_NAME:
            return _text("Ok." if added else "Fails.")
        if not added:
            return _text("Conflict", 409)
        return _json(
            {
                "success_count": len(added),
                "failure_count": duplicates,
                "pending_count": 0,
                "added_torrent_ids": added,
            }
        )

    def _torrents_info(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        wanted = set(args["hashes"].split("|")) if args.get("hashes") else None
        rows = [
            t
            for h, t in self.torrents.items()
            if (wanted is None or h in wanted)
            and ("category" not in args or t.get("category") == args["category"])
            and _state_matches(args.get("filter", "all"), t["state"])
        ]
        return _json(rows)

    def _one(self, args: dict[str, str]) -> dict[str, Any] | None:
        return self.torrents.get(args.get("hash", ""))

    def _torrents_properties(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        torrent = self._one(args)
        if torrent is None:
            return _text("Not Found", 404)
        return _json(
            {"save_path": torrent["save_path"], "total_size": torrent["size"], "eta": 8640000}
        )

    def _torrents_files(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        torrent = self._one(args)
        if torrent is None:
            return _text("Not Found", 404)
        return _json([{"index": 0, "name": torrent["name"], "size": torrent["size"]}])

    def _torrents_trackers(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        if self._one(args) is None:
            return _text("Not Found", 404)
        return _json([{"url": "** [DHT] **", "status": 0}])

    def _sync_torrentPeers(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        if self._one(args) is None:
            return _text("Not Found", 404)
        return _json({"full_update": True, "rid": 1, "peers": {}})

    def _torrents_addPeers(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        for h in args["hashes"].split("|"):
            self.peers_added.extend((h, p) for p in args["peers"].split("|"))
        return _text("")

    def _set_state(self, args: dict[str, str], stopped: bool) -> Reply:
        new = "stoppedDL" if self.api >= _STOP_START else "pausedDL"
        for h in self._hashes(args):
            self.torrents[h]["state"] = new if stopped else "downloading"
        return _text("")

    def _hashes(self, args: dict[str, str]) -> list[str]:
        if args.get("hashes") == "all":
            return list(self.torrents)
        return [h for h in args.get("hashes", "").split("|") if h in self.torrents]

    def _torrents_stop(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return self._set_state(args, True) if self.api >= _STOP_START else _text("Not Found", 404)

    def _torrents_start(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return self._set_state(args, False) if self.api >= _STOP_START else _text("Not Found", 404)

    def _torrents_pause(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return self._set_state(args, True) if self.api < _STOP_START else _text("Not Found", 404)

    def _torrents_resume(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return self._set_state(args, False) if self.api < _STOP_START else _text("Not Found", 404)

    def _torrents_delete(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        for h in self._hashes(args):
            del self.torrents[h]
        return _text("")

    def _torrents_setCategory(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        if args["category"] and args["category"] not in self.categories:
            return _text("Incorrect category name", 409)
        for h in self._hashes(args):
            self.torrents[h]["category"] = args["category"]
        return _text("")

    def _torrents_categories(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _json(self.categories)

    def _torrents_createCategory(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        name = args.get("category", "")
        if not name:
            return _text("Category cannot be empty", 400)
        if name in self.categories:
            return _text("Unable to create category", 409)
        self.categories[name] = {"name": name, "savePath": args.get("savePath", "")}
        return _text("")

    def _torrents_removeCategories(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        for name in args.get("categories", "").split("\n"):
            self.categories.pop(name, None)
        return _text("")

    def _torrents_tags(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _json(sorted(self.tags))

    def _torrents_createTags(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        self.tags.update(t for t in args.get("tags", "").split(",") if t)
        return _text("")

    def _torrents_deleteTags(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        self.tags.difference_update(args.get("tags", "").split(","))
        return _text("")

    def _transfer_info(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _json(
            {
                "dl_info_speed": sum(t["dlspeed"] for t in self.torrents.values()),
                "up_info_speed": sum(t["upspeed"] for t in self.torrents.values()),
                "dl_rate_limit": self.limits["download"],
                "up_rate_limit": self.limits["upload"],
                "connection_status": "connected",
            }
        )

    def _transfer_downloadLimit(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _text(str(self.limits["download"]))

    def _transfer_uploadLimit(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _text(str(self.limits["upload"]))

    def _transfer_setDownloadLimit(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        self.limits["download"] = int(args["limit"])
        return _text("")

    def _transfer_setUploadLimit(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        self.limits["upload"] = int(args["limit"])
        return _text("")

    def _transfer_speedLimitsMode(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        return _text("1" if self.alt_speed else "0")

    def _transfer_toggleSpeedLimitsMode(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        self.alt_speed = not self.alt_speed
        return _text("")

    def _sync_maindata(self, args: dict[str, str], form: dict[str, Any]) -> Reply:
        """The rid protocol: a full update for rid 0 or an unknown rid, else the changed
        fields of changed torrents, removed hashes, and the changed server state."""
        try:
            since = int(args.get("rid", "0"))
        except ValueError:
            since = 0
        state: dict[str, Any] = {
            "torrents": copy.deepcopy(self.torrents),
            "categories": copy.deepcopy(self.categories),
            "tags": sorted(self.tags),
            "server_state": {
                "dl_info_speed": sum(t["dlspeed"] for t in self.torrents.values()),
                "up_info_speed": sum(t["upspeed"] for t in self.torrents.values()),
                "use_alt_speed_limits": self.alt_speed,
                "connection_status": "connected",
            },
        }
        self._rid += 1
        previous = self._snapshots.get(since)
        self._snapshots[self._rid] = state
        while len(self._snapshots) > _SNAPSHOTS:
            self._snapshots.popitem(last=False)
        if previous is None:
            return _json({"rid": self._rid, "full_update": True, **state})
        answer: dict[str, Any] = {"rid": self._rid}
        torrents = {}
        for key, fields in state["torrents"].items():
            before = previous["torrents"].get(key)
            changed = (
                fields
                if before is None
                else {k: v for k, v in fields.items() if before.get(k) != v}
            )
            if changed:
                torrents[key] = changed
        if torrents:
            answer["torrents"] = torrents
        removed = [k for k in previous["torrents"] if k not in state["torrents"]]
        if removed:
            answer["torrents_removed"] = removed
        server = {
            k: v for k, v in state["server_state"].items() if previous["server_state"].get(k) != v
        }
        if server:
            answer["server_state"] = server
        new_tags = [t for t in state["tags"] if t not in previous["tags"]]
        if new_tags:
            answer["tags"] = new_tags
        gone_tags = [t for t in previous["tags"] if t not in state["tags"]]
        if gone_tags:
            answer["tags_removed"] = gone_tags
        return _json(answer)


def _state_matches(name: str, state: str) -> bool:
    if name in ("paused", "stopped"):
        return state in ("pausedDL", "pausedUP", "stoppedDL", "stoppedUP")
    if name == "downloading":
        return state in ("downloading", "stalledDL", "metaDL", "forcedDL", "queuedDL")
    return True


def _form(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """A form body's fields: ``str`` values, and ``bytes`` for multipart file parts."""
    kind = headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        text = body.decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    if kind.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + body
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            if part.get_filename() is not None:
                fields[name] = payload
            else:
                fields[name] = payload.decode("utf-8", "replace")
        return fields
    return {}


def _text(text: str, status: int = 200) -> Reply:
    return status, {"content-type": "text/plain; charset=UTF-8"}, text.encode()


def _json(data: Any) -> Reply:
    return 200, {"content-type": "application/json"}, json.dumps(data).encode()
