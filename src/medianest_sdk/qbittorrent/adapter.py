"""``QBittorrentAdapter``: qBittorrent's WebUI API v2 (qBittorrent 4.1 to 5.x), async and typed.

Endpoints (qBittorrent wiki, "WebUI API (qBittorrent 4.1)"; ``src/webui/api/*controller.cpp``),
all under ``/api/v2``:

=================================================  ==========================================
``version()``, ``api_version()``, ``build_info()``  ``GET app/version``, ``app/webapiVersion``,
                                                   ``app/buildInfo``
``preferences()``, ``set_preferences()``           ``GET app/preferences``,
                                                   ``POST app/setPreferences``
``default_save_path()``                            ``GET app/defaultSavePath``
``add()``                                          ``POST torrents/add`` (form or multipart)
``torrents()``, ``torrent()``                      ``GET torrents/info``
``properties()``, ``files()``, ``trackers()``      ``GET torrents/properties``, ``files``,
                                                   ``trackers``
``peers()``, ``add_peers()``                       ``GET sync/torrentPeers``,
                                                   ``POST torrents/addPeers``
``stop()``, ``start()``                            ``POST torrents/stop``, ``start`` (API 2.11+,
                                                   qBittorrent 5) or ``pause``, ``resume``
``delete()``, ``recheck()``, ``reannounce()``      ``POST torrents/delete``, ``recheck``,
                                                   ``reannounce``
``set_category()``, ``add_tags()``,                ``POST torrents/setCategory``, ``addTags``,
``remove_tags()``, ``set_location()``              ``removeTags``, ``setLocation``
``set_download_limit()``, ``set_upload_limit()``,  ``POST torrents/setDownloadLimit``,
``set_share_limits()``                             ``setUploadLimit``, ``setShareLimits``
``set_file_priority()``, ``rename_file()``         ``POST torrents/filePrio``, ``renameFile``
``add_trackers()``, ``edit_tracker()``,            ``POST torrents/addTrackers``,
``remove_trackers()``                              ``editTracker``, ``removeTrackers``
``categories()``, ``create_category()``,           ``GET torrents/categories``, ``POST
``edit_category()``, ``remove_categories()``       createCategory``, ``editCategory``,
                                                   ``removeCategories``
``tags()``, ``create_tags()``, ``delete_tags()``   ``GET torrents/tags``, ``POST createTags``,
                                                   ``deleteTags``
``transfer_info()``, ``speed_limits()``,           ``GET transfer/info``, ``downloadLimit``,
``set_speed_limits()``                             ``uploadLimit``, ``POST setDownloadLimit``,
                                                   ``setUploadLimit``
``alternative_speed_limits()``,                    ``GET transfer/speedLimitsMode``,
``set_alternative_speed_limits()``                 ``POST transfer/toggleSpeedLimitsMode``
``watch()``, ``wait_completed()``                  ``GET sync/maindata?rid=``
``health()``                                       ``GET app/version``
=================================================  ==========================================

Sign-in: ``POST auth/login`` with the username and password gives a session cookie (``SID``,
``QBT_SID_<port>`` since 5.2); the adapter keeps it per adapter (never in a shared cookie
jar), redacted everywhere, logs in on first use and once more, transparently, when a call
answers 401/403 because the session expired (qBittorrent's default session timeout is one
hour, and a restart ends every session). ``auth/logout`` on close. qBittorrent 5.2+ also takes
an API key (``Authorization: Bearer``), and any version can let localhost in without a login
("Bypass authentication for clients on localhost"): pass neither credential then.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Literal

import anyio
import attrs

from ..errors import (
    AuthenticationError,
    DecodeError,
    HTTPStatusError,
    InvalidRequestError,
    InvalidTorrentError,
    IPBannedError,
    MediaNestError,
    NotFoundError,
    TorrentDownloadError,
    TorrentNotFoundError,
    TransportError,
    WaitTimeout,
)
from ..events import EventHooks
from ..http import (
    AsyncHTTPClient,
    HealthReport,
    Pipeline,
    Response,
    ServiceAdapter,
    ServiceClient,
    Timeout,
)
from ..secrets import Secret
from .hashes import InfoHash, info_hash_of_magnet, info_hash_of_torrent, normalize_hash
from .maindata import MainData, MainDataUpdate
from .models import (
    BuildInfo,
    Category,
    Peer,
    Preferences,
    Torrent,
    TorrentFile,
    TorrentProperties,
    Tracker,
    TransferInfo,
)

__all__ = ["AddResult", "QBittorrentAdapter", "TorrentFilter"]

SERVICE = "qbittorrent"
API = "/api/v2"
STOP_START_API = (2, 11, 0)
"""WebUI API version (qBittorrent 5.0) that renamed ``pause``/``resume`` to ``stop``/``start``."""
ADD_WAIT = 10.0
"""Seconds ``add()`` waits, by default, for an added torrent to be listed."""
LOGOUT_TIMEOUT = 2.0
"""Seconds ``aclose()`` gives ``auth/logout`` before closing anyway."""

TorrentFilter = Literal[
    "all",
    "downloading",
    "seeding",
    "completed",
    "paused",
    "stopped",
    "active",
    "inactive",
    "running",
    "resumed",
    "stalled",
    "stalled_uploading",
    "stalled_downloading",
    "checking",
    "moving",
    "errored",
]
"""``filter`` of ``torrents/info``. ``paused``/``resumed`` (4.x) and ``stopped``/``running``
(5.x) are translated to what the server understands."""


@attrs.frozen(kw_only=True)
class AddResult:
    """What :meth:`QBittorrentAdapter.add` did.

    Attributes:
        info_hash: The torrent ID added (or already there), 40 hex digits; ``None`` for an
            ``http(s)`` URL added without ``info_hash=``, whose hash is known only once
            qBittorrent has fetched it.
        added: qBittorrent took the torrent.
        duplicate: qBittorrent already had a torrent with this hash: nothing changed.
    """

    info_hash: str | None
    added: bool
    duplicate: bool = False


TorrentSource = str | bytes | os.PathLike[str]
"""What :meth:`QBittorrentAdapter.add` takes: a magnet link or ``http(s)`` URL (``str``),
the bytes of a ``.torrent`` file, or the path of one."""


class QBittorrentAdapter(ServiceAdapter):
    """An async client for one qBittorrent instance (WebUI API v2, qBittorrent 4.1-5.x).

    Args:
        base_url: The WebUI's root, e.g. ``"http://127.0.0.1:8080"``.
        username, password: WebUI credentials; the password is a :class:`Secret` (a ``str`` is
            wrapped). Omit both for API-key or localhost-bypass access.
        api_key: A qBittorrent 5.2+ API key, sent as ``Authorization: Bearer``.
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline` for every call. ``add()``
            is never retried once it may have reached the server.
        http_client: An ``httpx.AsyncClient`` you own (never closed; the session cookie is
            kept out of its cookie jar).
        timeout: Seconds, or a ``Timeout`` (default: 5 s connect, 10 s otherwise).
        hooks: Receives the request events (URLs redacted; the cookie never appears).

    Raises:
        ValueError: only one of ``username``/``password`` given, or both a password and an
            ``api_key``.

    Example::

        async with QBittorrentAdapter("http://127.0.0.1:8080", username="admin",
                                      password=mn.Secret("...")) as qbt:
            result = await qbt.add(magnet, category="movies")
            torrent = await qbt.wait_completed(result.info_hash, timeout=3600)
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | Secret | None = None,
        api_key: str | Secret | None = None,
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        timeout: float | Timeout | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("qbittorrent: give both username and password, or neither")
        if password is not None and api_key is not None:
            raise ValueError("qbittorrent: give a username and password or an api_key, not both")
        self.username = username
        self._has_api_key = api_key is not None
        self._password = None if password is None else Secret.coerce(password)
        key = None if api_key is None else Secret.coerce(api_key)
        headers: dict[str, str | Secret] = {"Referer": base_url.rstrip("/") + "/"}
        if key is not None:
            headers["Authorization"] = Secret(f"Bearer {key.reveal()}")
        super().__init__(
            ServiceClient(
                SERVICE,
                base_url,
                headers=headers,
                secrets=[s for s in (self._password, key) if s is not None],
                pipeline=pipeline,
                http_client=http_client,
                timeout=timeout,
                hooks=hooks,
                keep_cookies=False,
            )
        )
        self._cookie: str | None = None
        self._cookie_secrets: list[Secret] = []
        self._logged_in = False
        self._generation = 0
        self._login_lock = anyio.Lock()
        self._api_version: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"QBittorrentAdapter({self.http.base_url!r}, username={self.username!r})"

    # -- session -----------------------------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        """A session cookie is held (``False`` before the first call and after ``logout``)."""
        return self._logged_in

    async def login(self) -> None:
        """Log in now (calls log in by themselves when needed). ``POST /api/v2/auth/login``.

        Raises:
            AuthenticationError: wrong username or password (``"Fails."`` before 5.2, 401
                since).
            IPBannedError: qBittorrent banned this IP after too many failed logins.
            ValueError: the adapter has no username and password.
        """
        if self._password is None:
            raise ValueError("qbittorrent: login() needs username and password")
        await self._login(self._generation)

    async def _login(self, seen: int) -> None:
        async with self._login_lock:
            if self._generation != seen and self._logged_in:
                return  # another task logged in while this one waited
            assert self._password is not None and self.username is not None
            path = f"{API}/auth/login"
            try:
                response = await self.http.request(
                    "POST",
                    path,
                    data={"username": self.username, "password": self._password.reveal()},
                    retry_safe=True,
                )
            except AuthenticationError as exc:
                raise self._login_refused(exc) from None
            if response.text.strip() == "Fails.":
                raise AuthenticationError(
                    f"POST {self.http.base_url}{path}: qBittorrent refused the username or "
                    "password (check WebUI credentials; repeated failures get this IP banned)",
                    service=SERVICE,
                    method="POST",
                    url=self.http.base_url + path,
                    status=response.status_code,
                )
            pairs = [(c.name, c.value) for c in response.cookies.jar if c.value]
            if pairs:
                self._cookie = "; ".join(f"{name}={value}" for name, value in pairs)
                self._cookie_secrets = [Secret(value) for _, value in pairs]
            self._logged_in = True
            self._generation += 1

    def _login_refused(self, exc: AuthenticationError) -> AuthenticationError:
        fields: dict[str, Any] = {
            "service": SERVICE,
            "method": exc.method,
            "url": exc.url,
            "status": exc.status,
            "body_excerpt": exc.body_excerpt,
        }
        if exc.status == 403:
            return IPBannedError(
                f"POST {exc.url}: qBittorrent has banned this IP address after too many failed "
                "logins; wait for the ban to end (WebUI ban duration, 1 hour by default) or "
                "restart qBittorrent, and fix the password first",
                **fields,
            )
        return AuthenticationError(
            f"POST {exc.url}: qBittorrent refused the username or password (401); repeated "
            "failures get this IP banned",
            **fields,
        )

    async def logout(self) -> None:
        """End the session on the server. ``POST /api/v2/auth/logout``. No session: nothing.

        Raises:
            TransportError, HTTPStatusError: the server did not answer 2xx.
        """
        if self._cookie is None:
            self._logged_in = False
            return
        cookie, secrets = self._cookie, self._cookie_secrets
        self._cookie, self._cookie_secrets = None, []
        self._logged_in = False
        await self.http.request(
            "POST",
            f"{API}/auth/logout",
            headers={"Cookie": cookie},
            secrets=secrets,
            timeout=LOGOUT_TIMEOUT,
        )

    async def aclose(self) -> None:
        """Log out (best effort: within :data:`LOGOUT_TIMEOUT` seconds; a failure is not
        raised, the server ends the session after its timeout), then close the client."""
        try:
            if self._cookie is not None and not self.http.closed:
                with anyio.move_on_after(LOGOUT_TIMEOUT):
                    await self.logout()
        except MediaNestError:
            pass  # the server is gone or refused: its session times out by itself
        finally:
            await self.http.aclose()

    # -- one call ----------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        retry_safe: bool | None = None,
        info_hash: str | None = None,
    ) -> Response:
        """One API call with the session: log in first if needed, and once more on 401/403."""
        path = f"{API}/{endpoint}"
        for attempt in (1, 2):
            if self._password is not None and not self._logged_in:
                await self._login(self._generation)
            seen = self._generation
            headers = None if self._cookie is None else {"Cookie": self._cookie}
            secrets = self._cookie_secrets
            try:
                return await self.http.request(
                    method,
                    path,
                    params=params,
                    data=data,
                    files=files,
                    headers=headers,
                    secrets=secrets,
                    retry_safe=retry_safe,
                )
            except AuthenticationError as exc:
                if self._password is None:
                    raise self._unauthenticated(exc) from None
                if attempt == 2:
                    raise
                async with self._login_lock:  # the session expired: drop it, log in again
                    if self._generation == seen:
                        self._logged_in = False
                        self._cookie, self._cookie_secrets = None, []
            except NotFoundError as exc:
                if info_hash is None:
                    raise
                raise TorrentNotFoundError(
                    f"{exc.method} {exc.url}: qBittorrent has no torrent {info_hash}",
                    info_hash=info_hash,
                    service=SERVICE,
                    method=exc.method,
                    url=exc.url,
                    status=exc.status,
                    body_excerpt=exc.body_excerpt,
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _unauthenticated(self, exc: AuthenticationError) -> AuthenticationError:
        how = (
            "the API key was refused"
            if self._has_api_key
            else "this client is not logged in: pass username= and password=, or enable "
            "'Bypass authentication for clients on localhost' (or a subnet whitelist)"
        )
        return AuthenticationError(
            f"{exc.message} ({how})",
            service=SERVICE,
            method=exc.method,
            url=exc.url,
            status=exc.status,
            body_excerpt=exc.body_excerpt,
        )

    async def _json(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        *,
        info_hash: str | None = None,
    ) -> Any:
        response = await self._call("GET", endpoint, params=params, info_hash=info_hash)
        return self.http.json_of(response, secrets=self._secrets())

    async def _text(self, endpoint: str) -> str:
        response = await self._call("GET", endpoint)
        return response.text.strip()

    async def _post(
        self,
        endpoint: str,
        data: Mapping[str, Any] | None = None,
        *,
        info_hash: str | None = None,
        retry_safe: bool = True,
    ) -> Response:
        return await self._call(
            "POST", endpoint, data=data or {}, info_hash=info_hash, retry_safe=retry_safe
        )

    def _secrets(self) -> list[Secret]:
        return self._cookie_secrets

    def _decode(self, data: Any, model: Any, endpoint: str) -> Any:
        return self.http.decode(data, model, f"GET {API}/{endpoint}")

    # -- app ---------------------------------------------------------------------------------

    async def health(self) -> HealthReport:
        """Whether qBittorrent answers ``GET /api/v2/app/version`` (logging in first when the
        adapter has credentials), with latency and version. Never raises for a failed check."""
        if self._password is not None and not self._logged_in:
            start = time.perf_counter()
            try:
                await self._login(self._generation)
            except MediaNestError as exc:
                latency = (time.perf_counter() - start) * 1000.0
                shown = None if isinstance(exc, TransportError) else latency
                return self.http.failure_report(exc, latency_ms=shown)
        headers = None if self._cookie is None else {"Cookie": self._cookie}
        return await self.http.probe(
            f"{API}/app/version",
            headers=headers,
            secrets=self._secrets(),
            version=lambda r: r.text.strip().removeprefix("v") or None,
        )

    async def version(self) -> str:
        """qBittorrent's version, e.g. ``"v5.1.2"``. ``GET /api/v2/app/version``."""
        return await self._text("app/version")

    async def api_version(self) -> tuple[int, ...]:
        """The WebUI API version, e.g. ``(2, 11, 4)``; asked once, then remembered.
        ``GET /api/v2/app/webapiVersion``.

        Raises:
            DecodeError: the answer is not a dotted version.
        """
        if self._api_version is None:
            text = await self._text("app/webapiVersion")
            parts = text.split(".")
            if not 1 <= len(parts) <= 4 or not all(p.isascii() and p.isdigit() for p in parts):
                raise DecodeError(
                    f"GET {API}/app/webapiVersion: not a version: {text[:40]!r}",
                    service=SERVICE,
                    endpoint=f"GET {API}/app/webapiVersion",
                )
            self._api_version = tuple(int(p[:6]) for p in parts)
        return self._api_version

    async def build_info(self) -> BuildInfo:
        """Library versions (Qt, libtorrent, Boost, OpenSSL, zlib). ``GET app/buildInfo``."""
        result: BuildInfo = self._decode(await self._json("app/buildInfo"), BuildInfo, "app")
        return result

    async def preferences(self) -> Preferences:
        """The common preferences, typed. ``GET /api/v2/app/preferences``."""
        data = await self._json("app/preferences")
        result: Preferences = self._decode(data, Preferences, "app/preferences")
        return result

    async def raw_preferences(self) -> dict[str, Any]:
        """Every preference, as qBittorrent names them. ``GET /api/v2/app/preferences``.

        Raises:
            DecodeError: the answer is not a JSON object.
        """
        data = await self._json("app/preferences")
        if not isinstance(data, dict):
            raise DecodeError(
                f"GET {API}/app/preferences: not an object",
                service=SERVICE,
                endpoint=f"GET {API}/app/preferences",
            )
        return data

    async def set_preferences(self, changes: Mapping[str, Any]) -> None:
        """Change preferences, keyed as :meth:`raw_preferences` names them (``{"dl_limit":
        1_048_576, "save_path": "/data"}``); keys not given stay. ``POST app/setPreferences``.

        Raises:
            InvalidRequestError: a value is not JSON-serialisable.
        """
        try:
            body = json.dumps(dict(changes), allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidRequestError(
                "set_preferences: the changes are not JSON-serialisable",
                service=SERVICE,
                method="POST",
                url=f"{self.http.base_url}{API}/app/setPreferences",
            ) from None
        await self._post("app/setPreferences", {"json": body})

    async def default_save_path(self) -> str:
        """Where torrents are saved by default. ``GET /api/v2/app/defaultSavePath``."""
        return await self._text("app/defaultSavePath")

    # -- adding ------------------------------------------------------------------------------

    async def add(
        self,
        source: TorrentSource,
        *,
        category: str | None = None,
        tags: Iterable[str] = (),
        save_path: str | None = None,
        stopped: bool = False,
        skip_checking: bool = False,
        sequential: bool = False,
        first_last_piece: bool = False,
        rename: str | None = None,
        dl_limit: int | None = None,
        up_limit: int | None = None,
        ratio_limit: float | None = None,
        seeding_time_limit: int | None = None,
        auto_tmm: bool | None = None,
        wait: float = ADD_WAIT,
        info_hash: str | None = None,
    ) -> AddResult:
        """Add one torrent. ``POST /api/v2/torrents/add``.

        The info hash is computed here first (magnet links and ``.torrent`` files, see
        ``medianest_sdk.qbittorrent.hashes``), so the result names the torrent; a torrent
        qBittorrent already has is reported (``duplicate=True``), not raised. The call is never
        retried once it may have reached the server; calling ``add`` again after a failure is
        safe, since a duplicate is harmless.

        Args:
            source: A magnet link, an ``http(s)`` URL of a ``.torrent``, the bytes of one, or
                its path (read in a worker thread).
            category: An existing category's name.
            tags: Tags to set (created when missing).
            save_path: Where to save (default: qBittorrent's, or the category's).
            stopped: Add stopped (paused on 4.x).
            skip_checking: Do not hash-check files already on disk.
            sequential: Download pieces in order.
            first_last_piece: Download the first and last pieces first.
            rename: The torrent's display name.
            dl_limit, up_limit: Limits in bytes/s.
            ratio_limit: Share ratio after which seeding stops (``-1``: none).
            seeding_time_limit: Minutes of seeding after which it stops (qBittorrent's unit).
            auto_tmm: Automatic torrent management (save path from the category).
            wait: Seconds to wait for the torrent to appear in qBittorrent's list (it adds
                asynchronously: the answer comes before the torrent is listed), so the next
                call on its hash finds it; ``0``: return at once. Default :data:`ADD_WAIT`.
            info_hash: For an ``http(s)`` URL, the hash the caller already knows (an indexer
                gives it with the release): the result carries it and ``wait`` applies (the
                server fetches the file first). Ignored for magnets and files, whose hash is
                computed.

        Raises:
            InvalidTorrentError: ``source`` is not a magnet link, URL or torrent file, or
                qBittorrent refused it as invalid (415), or refused it without having it.
            TransportError, HTTPStatusError: the call failed.
        """
        info: InfoHash | None
        files = None
        data: dict[str, Any] = {}
        if isinstance(source, os.PathLike):
            source = await anyio.Path(os.fspath(source)).read_bytes()
        if isinstance(source, bytes):
            info = info_hash_of_torrent(source)
            files = {"torrents": ("medianest.torrent", source, "application/x-bittorrent")}
        elif source.startswith("magnet:"):
            info = info_hash_of_magnet(source)
            data["urls"] = source
        elif source.startswith(("http://", "https://")) and "\n" not in source:
            info = None if info_hash is None else InfoHash(normalize_hash(info_hash))
            data["urls"] = source
        else:
            raise InvalidTorrentError(
                "add() takes a magnet link, an http(s) URL, .torrent bytes or a path",
                source="magnet",
            )
        data.update(
            _form(
                category=category,
                tags=",".join(tags) or None,
                savepath=save_path,
                paused=stopped,
                stopped=stopped,
                skip_checking=skip_checking,
                sequentialDownload=sequential,
                firstLastPiecePrio=first_last_piece,
                rename=rename,
                dlLimit=dl_limit,
                upLimit=up_limit,
                ratioLimit=ratio_limit,
                seedingTimeLimit=seeding_time_limit,
                autoTMM=auto_tmm,
            )
        )
        torrent_id = None if info is None else info.torrent_id
        refused = False
        try:
            response = await self._call(
                "POST", "torrents/add", data=data, files=files, retry_safe=False
            )
            refused = response.text.strip() == "Fails."
        except HTTPStatusError as exc:
            if exc.status == 415:
                raise InvalidTorrentError(
                    f"qBittorrent refused the torrent as invalid: {exc.body_excerpt[:200]}",
                    source="torrent file",
                ) from None
            if exc.status != 409:  # 5.2+: 409 when nothing was added
                raise
            refused = True
        if not refused:
            if torrent_id is not None and wait > 0:
                await self._appeared(torrent_id, wait)
            return AddResult(info_hash=torrent_id, added=True)
        if torrent_id is not None and await self._appeared(torrent_id, min(wait, 2.0)):
            return AddResult(info_hash=torrent_id, added=False, duplicate=True)
        raise InvalidTorrentError(
            "qBittorrent did not add the torrent and has none with its hash (a torrent it "
            "cannot read, or a save path it cannot use)",
            source="torrent file" if files else "magnet",
        )

    async def _appeared(self, torrent_id: str, within: float) -> bool:
        """Whether the torrent is listed, asking again (50 ms, doubling to 500 ms) for up to
        ``within`` seconds: a torrent being added is refused as a duplicate before it is
        listed."""
        delay = 0.05
        with anyio.move_on_after(within):
            while True:
                if await self.torrents(hashes=[torrent_id]):
                    return True
                await anyio.sleep(delay)
                delay = min(delay * 2, 0.5)
        return bool(await self.torrents(hashes=[torrent_id]))

    # -- reading torrents --------------------------------------------------------------------

    async def torrents(
        self,
        *,
        filter: TorrentFilter | None = None,
        category: str | None = None,
        tag: str | None = None,
        hashes: Iterable[str] | None = None,
        sort: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[Torrent]:
        """Torrents, filtered and sorted by the server. ``GET /api/v2/torrents/info``.

        Args:
            filter: A state filter (see :data:`TorrentFilter`).
            category: Only this category (``""``: uncategorised).
            tag: Only this tag (``""``: untagged).
            hashes: Only these torrent IDs.
            sort: A :class:`Torrent` field to sort by (``"added_on"``, ``"name"``...).
            reverse: Descending order.
            limit, offset: A page of the result.

        Raises:
            InvalidTorrentError: a hash is not 40 hex digits (or base32).
            DecodeError: the answer does not fit.
        """
        state_filter = None if filter is None else await self._filter_name(filter)
        params = _form(
            filter=state_filter,
            category=category,
            tag=tag,
            hashes=None if hashes is None else _hashes(hashes),
            sort=sort,
            reverse=reverse or None,
            limit=limit,
            offset=offset,
        )
        data = await self._json("torrents/info", params)
        result: list[Torrent] = self._decode(data, list[Torrent], "torrents/info")
        return result

    async def torrent(self, info_hash: str) -> Torrent:
        """One torrent by its ID. ``GET /api/v2/torrents/info?hashes=``.

        Raises:
            TorrentNotFoundError: no such torrent.
            InvalidTorrentError: ``info_hash`` is not a hash.
        """
        key = normalize_hash(info_hash)
        found = await self.torrents(hashes=[key])
        if not found:
            raise TorrentNotFoundError(
                f"GET {API}/torrents/info: qBittorrent has no torrent {key}",
                info_hash=key,
                service=SERVICE,
                method="GET",
                url=f"{self.http.base_url}{API}/torrents/info",
                status=404,
            )
        return found[0]

    async def properties(self, info_hash: str) -> TorrentProperties:
        """A torrent's general properties. ``GET /api/v2/torrents/properties?hash=``.

        Raises:
            TorrentNotFoundError: no such torrent.
        """
        key = normalize_hash(info_hash)
        data = await self._json("torrents/properties", {"hash": key}, info_hash=key)
        result: TorrentProperties = self._decode(data, TorrentProperties, "torrents/properties")
        return result

    async def files(self, info_hash: str) -> list[TorrentFile]:
        """A torrent's files, in index order. ``GET /api/v2/torrents/files?hash=``.

        Raises:
            TorrentNotFoundError: no such torrent.
        """
        key = normalize_hash(info_hash)
        data = await self._json("torrents/files", {"hash": key}, info_hash=key)
        if isinstance(data, list):  # before 4.2.1 files carry no index: it is the position
            data = [
                {"index": i, **item} if isinstance(item, dict) else item
                for i, item in enumerate(data)
            ]
        result: list[TorrentFile] = self._decode(data, list[TorrentFile], "torrents/files")
        return result

    async def trackers(self, info_hash: str) -> list[Tracker]:
        """A torrent's trackers (DHT, PeX and LSD pseudo-rows first).
        ``GET /api/v2/torrents/trackers?hash=``.

        Raises:
            TorrentNotFoundError: no such torrent.
        """
        key = normalize_hash(info_hash)
        data = await self._json("torrents/trackers", {"hash": key}, info_hash=key)
        result: list[Tracker] = self._decode(data, list[Tracker], "torrents/trackers")
        return result

    async def peers(self, info_hash: str) -> dict[str, Peer]:
        """A torrent's connected peers, keyed ``"ip:port"``.
        ``GET /api/v2/sync/torrentPeers?hash=&rid=0``.

        Raises:
            TorrentNotFoundError: no such torrent.
        """
        key = normalize_hash(info_hash)
        data = await self._json("sync/torrentPeers", {"hash": key, "rid": 0}, info_hash=key)
        peers = data.get("peers") if isinstance(data, dict) else None
        result: dict[str, Peer] = self._decode(peers or {}, dict[str, Peer], "sync/torrentPeers")
        return result

    # -- acting on torrents ------------------------------------------------------------------

    async def add_peers(self, hashes: Iterable[str] | str, peers: Iterable[str]) -> None:
        """Connect torrents to peers given as ``"host:port"``. ``POST torrents/addPeers``.

        Raises:
            InvalidTorrentError: a hash is not a hash.
        """
        await self._post("torrents/addPeers", {"hashes": _hashes(hashes), "peers": "|".join(peers)})

    async def stop(self, hashes: Iterable[str] | str) -> None:
        """Stop torrents (``"all"`` for every one). ``POST torrents/stop`` on qBittorrent 5
        (WebUI API 2.11+), ``torrents/pause`` before: chosen by :meth:`api_version`."""
        verb = "stop" if await self.api_version() >= STOP_START_API else "pause"
        await self._post(f"torrents/{verb}", {"hashes": _hashes(hashes)})

    async def start(self, hashes: Iterable[str] | str) -> None:
        """Start torrents (``"all"`` for every one). ``POST torrents/start`` on qBittorrent 5,
        ``torrents/resume`` before."""
        verb = "start" if await self.api_version() >= STOP_START_API else "resume"
        await self._post(f"torrents/{verb}", {"hashes": _hashes(hashes)})

    async def delete(self, hashes: Iterable[str] | str, *, delete_files: bool = False) -> None:
        """Remove torrents; with ``delete_files`` also their downloaded data.
        ``POST /api/v2/torrents/delete``. Unknown hashes are ignored by the server."""
        await self._post(
            "torrents/delete",
            {"hashes": _hashes(hashes), "deleteFiles": _bool(delete_files)},
        )

    async def recheck(self, hashes: Iterable[str] | str) -> None:
        """Hash-check torrents' files again. ``POST /api/v2/torrents/recheck``."""
        await self._post("torrents/recheck", {"hashes": _hashes(hashes)})

    async def reannounce(self, hashes: Iterable[str] | str) -> None:
        """Announce to trackers now. ``POST /api/v2/torrents/reannounce``."""
        await self._post("torrents/reannounce", {"hashes": _hashes(hashes)})

    async def set_category(self, hashes: Iterable[str] | str, category: str) -> None:
        """Set torrents' category (``""`` removes it). ``POST torrents/setCategory``.

        Raises:
            HTTPStatusError: 409, the category does not exist.
        """
        await self._post("torrents/setCategory", {"hashes": _hashes(hashes), "category": category})

    async def add_tags(self, hashes: Iterable[str] | str, tags: Iterable[str]) -> None:
        """Add tags to torrents (creating them). ``POST /api/v2/torrents/addTags``."""
        await self._post("torrents/addTags", {"hashes": _hashes(hashes), "tags": ",".join(tags)})

    async def remove_tags(self, hashes: Iterable[str] | str, tags: Iterable[str] = ()) -> None:
        """Remove tags from torrents (no tags: all of them). ``POST torrents/removeTags``."""
        await self._post("torrents/removeTags", {"hashes": _hashes(hashes), "tags": ",".join(tags)})

    async def set_location(self, hashes: Iterable[str] | str, location: str) -> None:
        """Move torrents' data to ``location``. ``POST /api/v2/torrents/setLocation``.

        Raises:
            HTTPStatusError: 400 empty path, 403 not writable, 409 cannot create it.
        """
        await self._post("torrents/setLocation", {"hashes": _hashes(hashes), "location": location})

    async def set_download_limit(self, hashes: Iterable[str] | str, limit: int) -> None:
        """Per-torrent download limit in bytes/s (0: none). ``POST torrents/setDownloadLimit``."""
        await self._post("torrents/setDownloadLimit", {"hashes": _hashes(hashes), "limit": limit})

    async def set_upload_limit(self, hashes: Iterable[str] | str, limit: int) -> None:
        """Per-torrent upload limit in bytes/s (0: none). ``POST torrents/setUploadLimit``."""
        await self._post("torrents/setUploadLimit", {"hashes": _hashes(hashes), "limit": limit})

    async def set_share_limits(
        self,
        hashes: Iterable[str] | str,
        *,
        ratio_limit: float = -2,
        seeding_time_limit: int = -2,
        inactive_seeding_time_limit: int = -2,
    ) -> None:
        """Share limits: ``-2`` the global limit, ``-1`` none, else the ratio or minutes.
        ``POST /api/v2/torrents/setShareLimits``."""
        await self._post(
            "torrents/setShareLimits",
            {
                "hashes": _hashes(hashes),
                "ratioLimit": ratio_limit,
                "seedingTimeLimit": seeding_time_limit,
                "inactiveSeedingTimeLimit": inactive_seeding_time_limit,
            },
        )

    async def set_file_priority(
        self, info_hash: str, file_ids: Iterable[int], priority: Literal[0, 1, 6, 7]
    ) -> None:
        """Set files' priority: 0 skip, 1 normal, 6 high, 7 maximal (``TorrentFile.index``).
        ``POST /api/v2/torrents/filePrio``.

        Raises:
            TorrentNotFoundError: no such torrent.
            HTTPStatusError: 400 bad priority or file id, 409 metadata not downloaded yet.
        """
        key = normalize_hash(info_hash)
        ids = "|".join(str(int(i)) for i in file_ids)
        await self._post(
            "torrents/filePrio", {"hash": key, "id": ids, "priority": priority}, info_hash=key
        )

    async def rename_file(self, info_hash: str, old_path: str, new_path: str) -> None:
        """Rename a file of a torrent (paths relative to the torrent's root).
        ``POST /api/v2/torrents/renameFile``.

        Raises:
            TorrentNotFoundError: no such torrent.
            HTTPStatusError: 409, a bad or taken path.
        """
        key = normalize_hash(info_hash)
        await self._post(
            "torrents/renameFile",
            {"hash": key, "oldPath": old_path, "newPath": new_path},
            info_hash=key,
        )

    async def add_trackers(self, info_hash: str, urls: Iterable[str]) -> None:
        """Add tracker URLs to a torrent. ``POST /api/v2/torrents/addTrackers``."""
        key = normalize_hash(info_hash)
        await self._post(
            "torrents/addTrackers", {"hash": key, "urls": "\n".join(urls)}, info_hash=key
        )

    async def edit_tracker(self, info_hash: str, orig_url: str, new_url: str) -> None:
        """Replace one tracker URL. ``POST /api/v2/torrents/editTracker``.

        Raises:
            TorrentNotFoundError: no such torrent (qBittorrent also answers 404 when
                ``orig_url`` is not one of its trackers).
            HTTPStatusError: 400 ``new_url`` invalid, 409 ``new_url`` already there.
        """
        key = normalize_hash(info_hash)
        await self._post(
            "torrents/editTracker",
            {"hash": key, "origUrl": orig_url, "newUrl": new_url},
            info_hash=key,
        )

    async def remove_trackers(self, info_hash: str, urls: Iterable[str]) -> None:
        """Remove trackers from a torrent. ``POST /api/v2/torrents/removeTrackers``."""
        key = normalize_hash(info_hash)
        await self._post(
            "torrents/removeTrackers", {"hash": key, "urls": "|".join(urls)}, info_hash=key
        )

    # -- categories and tags -----------------------------------------------------------------

    async def categories(self) -> dict[str, Category]:
        """Categories by name. ``GET /api/v2/torrents/categories``."""
        data = await self._json("torrents/categories")
        if isinstance(data, dict):
            data = {
                name: {**value, "name": name} if isinstance(value, dict) else value
                for name, value in data.items()
            }
        result: dict[str, Category] = self._decode(data, dict[str, Category], "torrents/categories")
        return result

    async def create_category(self, name: str, save_path: str = "") -> None:
        """Create a category. ``POST /api/v2/torrents/createCategory``.

        Raises:
            HTTPStatusError: 400 empty name, 409 invalid name or already there.
        """
        await self._post("torrents/createCategory", {"category": name, "savePath": save_path})

    async def edit_category(self, name: str, save_path: str) -> None:
        """Change a category's save path. ``POST /api/v2/torrents/editCategory``.

        Raises:
            HTTPStatusError: 409, no such category.
        """
        await self._post("torrents/editCategory", {"category": name, "savePath": save_path})

    async def remove_categories(self, names: Iterable[str]) -> None:
        """Delete categories (their torrents stay). ``POST torrents/removeCategories``."""
        await self._post("torrents/removeCategories", {"categories": "\n".join(names)})

    async def tags(self) -> list[str]:
        """Every tag. ``GET /api/v2/torrents/tags``."""
        result: list[str] = self._decode(await self._json("torrents/tags"), list[str], "tags")
        return result

    async def create_tags(self, tags: Iterable[str]) -> None:
        """Create tags. ``POST /api/v2/torrents/createTags``."""
        await self._post("torrents/createTags", {"tags": ",".join(tags)})

    async def delete_tags(self, tags: Iterable[str]) -> None:
        """Delete tags (removing them from torrents). ``POST /api/v2/torrents/deleteTags``."""
        await self._post("torrents/deleteTags", {"tags": ",".join(tags)})

    # -- transfer ----------------------------------------------------------------------------

    async def transfer_info(self) -> TransferInfo:
        """Global speeds, session totals and limits. ``GET /api/v2/transfer/info``."""
        data = await self._json("transfer/info")
        result: TransferInfo = self._decode(data, TransferInfo, "transfer/info")
        return result

    async def speed_limits(self) -> tuple[int, int]:
        """The global ``(download, upload)`` limits in bytes/s (0: none) now in force.
        ``GET /api/v2/transfer/downloadLimit`` and ``uploadLimit``.

        Raises:
            DecodeError: an answer is not a whole number.
        """
        down = _integer(await self._text("transfer/downloadLimit"), "transfer/downloadLimit")
        up = _integer(await self._text("transfer/uploadLimit"), "transfer/uploadLimit")
        return down, up

    async def set_speed_limits(
        self, *, download: int | None = None, upload: int | None = None
    ) -> None:
        """Set global limits in bytes/s (0: none); ``None`` leaves one as it is.
        ``POST /api/v2/transfer/setDownloadLimit`` and ``setUploadLimit``."""
        if download is not None:
            await self._post("transfer/setDownloadLimit", {"limit": download})
        if upload is not None:
            await self._post("transfer/setUploadLimit", {"limit": upload})

    async def alternative_speed_limits(self) -> bool:
        """Whether the alternative speed limits are on. ``GET transfer/speedLimitsMode``."""
        return await self._text("transfer/speedLimitsMode") == "1"

    async def set_alternative_speed_limits(self, enabled: bool) -> None:
        """Turn the alternative speed limits on or off (toggled only when they differ).
        ``POST /api/v2/transfer/toggleSpeedLimitsMode``."""
        if await self.alternative_speed_limits() != enabled:
            await self._post("transfer/toggleSpeedLimitsMode", retry_safe=False)

    # -- watching ----------------------------------------------------------------------------

    async def watch(self, *, interval: float = 1.0) -> AsyncIterator[MainDataUpdate]:
        """Follow every torrent with one small request per ``interval`` seconds.
        ``GET /api/v2/sync/maindata?rid=``.

        Each answer carries only what changed since the previous one (the ``rid`` protocol),
        however many torrents there are; each is yielded as a :class:`MainDataUpdate` with the
        typed changes (added, updated with the changed fields, removed) and the whole state.
        The first update is a full one; after a server restart the server sends a full update
        again and the changes say what differs.

        Args:
            interval: Seconds between requests (after the previous answer), >= 0.

        Raises:
            ValueError: ``interval`` is negative or not finite.
            DecodeError: an answer does not fit (the iteration ends).
            TransportError, HTTPStatusError: a request failed (use a pipeline with retry to
                ride over short outages).
        """
        if not (math.isfinite(interval) and interval >= 0):
            raise ValueError(f"qbittorrent: interval must be finite and >= 0, got {interval}")
        state = MainData()
        while True:
            data = await self._json("sync/maindata", {"rid": state.rid})
            yield state.apply(data)
            await anyio.sleep(interval)

    async def wait_completed(
        self, info_hash: str, *, timeout: float, interval: float = 1.0
    ) -> Torrent:
        """Wait until a torrent has every wanted piece (progress 1.0, not checking), following
        :meth:`watch`; return it as it is then.

        Args:
            info_hash: The torrent ID.
            timeout: Seconds to wait at most.
            interval: Seconds between polls.

        Raises:
            WaitTimeout: not complete after ``timeout`` seconds (the download goes on).
            TorrentNotFoundError: the torrent is not (or no longer) there.
            TorrentDownloadError: it entered the ``error`` or ``missingFiles`` state.
        """
        key = normalize_hash(info_hash)
        start = time.monotonic()
        with anyio.move_on_after(timeout):
            async for update in self.watch(interval=interval):
                torrent = update.torrents.get(key)
                if torrent is None:
                    raise TorrentNotFoundError(
                        f"GET {API}/sync/maindata: qBittorrent has no torrent {key}",
                        info_hash=key,
                        service=SERVICE,
                        method="GET",
                        url=f"{self.http.base_url}{API}/sync/maindata",
                        status=404,
                    )
                if torrent.state.is_errored:
                    raise TorrentDownloadError(
                        f"torrent {key} is in state {torrent.state.value!r}: qBittorrent will "
                        "not finish it without a hand (disk full, files removed?)",
                        info_hash=key,
                        state=str(torrent.state.value),
                    )
                if torrent.progress >= 1.0 and not torrent.state.is_checking:
                    return torrent
        waited = time.monotonic() - start
        raise WaitTimeout(
            f"torrent {key} did not complete within {timeout} s (it goes on downloading)",
            service=SERVICE,
            waited=waited,
            what=f"torrent {key} completed",
        )

    async def _filter_name(self, name: str) -> str:
        renamed = {"paused": "stopped", "resumed": "running"}
        if name in renamed or name in renamed.values():
            new = await self.api_version() >= STOP_START_API
            if new:
                return renamed.get(name, name)
            return {v: k for k, v in renamed.items()}.get(name, name)
        return name


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _form(**fields: Any) -> dict[str, Any]:
    """Form fields without the ``None`` ones; booleans as qBittorrent spells them."""
    return {k: _bool(v) if isinstance(v, bool) else v for k, v in fields.items() if v is not None}


def _hashes(hashes: Iterable[str] | str) -> str:
    """``"all"`` or ``|``-joined normalised hashes (a junk hash never reaches the server)."""
    if isinstance(hashes, str):
        return "all" if hashes == "all" else normalize_hash(hashes)
    keys = [normalize_hash(h) for h in hashes]
    if not keys:
        raise InvalidTorrentError("no hashes given (use 'all' for every torrent)", source="hash")
    return "|".join(keys)


def _integer(text: str, endpoint: str) -> int:
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 20):
        raise DecodeError(
            f"GET {API}/{endpoint}: not a whole number: {text[:40]!r}",
            service=SERVICE,
            endpoint=f"GET {API}/{endpoint}",
        )
    return int(text)
