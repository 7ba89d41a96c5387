"""QBittorrentAdapter against FakeQBittorrent: the session, 4.x and 5.x differences, errors,
secrets, and the maindata watcher. The same calls run against a real qbittorrent-nox in
``test_qbittorrent_real.py``."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

import medianest_sdk as mn
from medianest_sdk.qbittorrent import (
    MainDataUpdate,
    TorrentAdded,
    TorrentRemoved,
    TorrentUpdated,
)
from medianest_sdk.testing import FakeQBittorrent, capture_events

from .torrents import make_torrent
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

PASSWORD = "s3cret-Passw0rd"
MAGNET_HASH = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
MAGNET = f"magnet:?xt=urn:btih:{MAGNET_HASH}&dn=Big+Buck+Bunny"
OLD = "2.8.19"  # qBittorrent 4.5
NEW = "2.15.1"  # qBittorrent 5.2


def fake(api_version: str = OLD, **kw: object) -> FakeQBittorrent:
    return FakeQBittorrent(password=PASSWORD, api_version=api_version, **kw)  # type: ignore[arg-type]


def adapter(server: FakeQBittorrent, client: object, **kw: object) -> mn.QBittorrentAdapter:
    options: dict[str, object] = {"username": "admin", "password": mn.Secret(PASSWORD)}
    options.update(kw)
    return either(mn.QBittorrentAdapter, server.base_url, http_client=client, **options)


@pytest.mark.parametrize("version", [OLD, NEW])
async def test_logs_in_once_and_keeps_the_cookie_per_adapter(version: str) -> None:
    server = fake(version)
    server.add_torrent("Night of the Living Dead")
    async with server.http_client() as client:
        async with adapter(server, client) as qbt:
            assert [t.name for t in await qbt.torrents()] == ["Night of the Living Dead"]
            assert await qbt.version() in ("v4.5.2", "v5.2.0")
        assert server.logins == 1
        # the cookie never reached the lent client's jar, and logout ended the session
        assert len(client.cookies.jar) == 0
        assert ("POST", "/api/v2/auth/logout") in server.requests


@pytest.mark.parametrize("version", [OLD, NEW])
async def test_an_expired_session_logs_in_again_once(version: str) -> None:
    server = fake(version)
    async with server.http_client() as client, adapter(server, client) as qbt:
        await qbt.torrents()
        server.expire_sessions()
        assert await qbt.torrents() == []
        assert server.logins == 2
        assert server.requests.count(("GET", "/api/v2/torrents/info")) == 3


async def test_concurrent_calls_after_expiry_share_one_login() -> None:
    server = fake()
    async with server.http_client() as client:
        qbt = mn.QBittorrentAdapter(
            server.base_url, username="admin", password=PASSWORD, http_client=client
        )
        async with qbt:
            await qbt.torrents()
            server.expire_sessions()
            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    tg.start_soon(qbt.torrents)
        assert server.logins == 2


@pytest.mark.parametrize("version", [OLD, NEW])
async def test_a_wrong_password_is_an_authentication_error(version: str) -> None:
    server = fake(version)
    async with (
        server.http_client() as client,
        adapter(server, client, password=mn.Secret("wrong-" + PASSWORD)) as qbt,
    ):
        with pytest.raises(mn.AuthenticationError, match="refused the username or password"):
            await qbt.torrents()
    assert server.failed_logins == 1


async def test_the_ip_ban_is_reported_as_such() -> None:
    server = fake(max_auth_fails=2)
    async with (
        server.http_client() as client,
        adapter(server, client, password=mn.Secret("wrong")) as qbt,
    ):
        for _ in range(2):
            with pytest.raises(mn.AuthenticationError) as refused:
                await qbt.login()
            assert not isinstance(refused.value, mn.IPBannedError)
        with pytest.raises(mn.IPBannedError, match="banned this IP address") as banned:
            await qbt.login()
    assert banned.value.status == 403
    assert pickle.loads(pickle.dumps(banned.value)).status == 403


async def test_without_credentials_a_403_says_how_to_get_in() -> None:
    server = fake()
    async with (
        server.http_client() as client,
        either(mn.QBittorrentAdapter, server.base_url, http_client=client) as qbt,
    ):
        with pytest.raises(mn.AuthenticationError, match="Bypass authentication"):
            await qbt.torrents()


async def test_localhost_bypass_needs_no_login() -> None:
    server = FakeQBittorrent(password=None)
    async with (
        server.http_client() as client,
        either(mn.QBittorrentAdapter, server.base_url, http_client=client) as qbt,
    ):
        assert await qbt.tags() == []
    assert server.logins == 0


async def test_api_key_goes_in_a_bearer_header_and_stays_secret() -> None:
    seen: list[str] = []

    class KeyServer(FakeQBittorrent):
        def handle(self, method, url, headers, body=b""):  # type: ignore[no-untyped-def]
            seen.append(headers.get("authorization", ""))
            return super().handle(method, url, headers, body)

    server = KeyServer(password=None)
    async with server.http_client() as client:
        qbt = either(
            mn.QBittorrentAdapter, server.base_url, api_key="k3y-0f-5.2", http_client=client
        )
        async with qbt:
            await qbt.tags()
        assert "k3y-0f-5.2" not in repr(qbt)
    assert seen == ["Bearer k3y-0f-5.2"]


def test_credentials_must_come_in_pairs() -> None:
    with pytest.raises(ValueError, match="both username and password"):
        mn.QBittorrentAdapter("http://h", username="admin")
    with pytest.raises(ValueError, match="not both"):
        mn.QBittorrentAdapter("http://h", username="a", password="p", api_key="k")


@pytest.mark.parametrize(
    ("version", "verbs"), [(OLD, ("pause", "resume")), (NEW, ("stop", "start"))]
)
async def test_stop_and_start_use_the_servers_names(version: str, verbs: tuple[str, str]) -> None:
    server = fake(version)
    info_hash = server.add_torrent("a")
    async with server.http_client() as client, adapter(server, client) as qbt:
        await qbt.stop(info_hash)
        assert (await qbt.torrent(info_hash)).state.is_stopped
        assert [t.hash for t in await qbt.torrents(filter="paused")] == [info_hash]
        assert [t.hash for t in await qbt.torrents(filter="stopped")] == [info_hash]
        await qbt.start([info_hash.upper()])
        assert not (await qbt.torrent(info_hash)).state.is_stopped
    assert ("POST", f"/api/v2/torrents/{verbs[0]}") in server.requests
    assert ("POST", f"/api/v2/torrents/{verbs[1]}") in server.requests
    assert server.requests.count(("GET", "/api/v2/app/webapiVersion")) == 1


@pytest.mark.parametrize("version", [OLD, NEW])
async def test_add_returns_the_hash_and_reports_duplicates(version: str) -> None:
    server = fake(version)
    async with server.http_client() as client, adapter(server, client) as qbt:
        first = await qbt.add(MAGNET, category=None, tags=["kids", "4k"], stopped=True)
        assert first == mn.AddResult(info_hash=MAGNET_HASH, added=True)
        again = await qbt.add(MAGNET)
        assert again == mn.AddResult(info_hash=MAGNET_HASH, added=False, duplicate=True)
        torrent = await qbt.torrent(MAGNET_HASH)
        assert torrent.tags == ("kids", "4k")
        assert torrent.state.is_stopped
    assert server.requests.count(("POST", "/api/v2/torrents/add")) == 2


async def test_add_of_a_base32_magnet_gives_the_hex_id() -> None:
    import base64

    b32 = base64.b32encode(bytes.fromhex(MAGNET_HASH)).decode()
    server = fake()
    async with server.http_client() as client, adapter(server, client) as qbt:
        result = await qbt.add(f"magnet:?xt=urn:btih:{b32}")
    assert result.info_hash == MAGNET_HASH
    assert MAGNET_HASH in server.torrents


async def test_add_of_torrent_bytes_uploads_them(tmp_path: Path) -> None:
    data, info_hash = make_torrent(tmp_path)
    path = tmp_path / "show.torrent"
    path.write_bytes(data)
    server = fake(NEW)
    async with server.http_client() as client, adapter(server, client) as qbt:
        assert (await qbt.add(path)).info_hash == info_hash
        assert (await qbt.add(data)).duplicate
    assert info_hash in server.torrents


@pytest.mark.parametrize(
    "source",
    [
        "magnet:?dn=no-topic",
        "magnet:?xt=urn:btih:nothex",
        "magnet:?xt=urn:btmh:1220" + "ab" * 31,
        "ftp://example.invalid/a.torrent",
        "http://a\nhttp://b",
        b"d4:infoi1ee",
        b"not bencode",
        b"l" * 100_000,
    ],
)
async def test_add_refuses_what_is_not_a_torrent_before_sending(source: str | bytes) -> None:
    server = fake()
    async with server.http_client() as client, adapter(server, client) as qbt:
        with pytest.raises(mn.InvalidTorrentError):
            await qbt.add(source)
    assert ("POST", "/api/v2/torrents/add") not in server.requests


async def test_add_is_never_retried_once_it_may_have_arrived() -> None:
    server = fake()
    pipeline = mn.ResiliencePipeline(retry=mn.RetryPolicy(attempts=5, wait_initial=0, wait_max=0))
    async with server.http_client() as client, adapter(server, client, pipeline=pipeline) as qbt:
        await qbt.login()
        server.faults.fail(3)
        with pytest.raises(mn.ServerError):
            await qbt.add(MAGNET)
    assert server.requests.count(("POST", "/api/v2/torrents/add")) == 1


@pytest.mark.parametrize("version", [OLD, NEW])
async def test_unknown_hash_is_a_typed_error_naming_it(version: str) -> None:
    server = fake(version)
    missing = "0" * 40
    async with server.http_client() as client, adapter(server, client) as qbt:
        for call in (qbt.torrent, qbt.properties, qbt.files, qbt.trackers, qbt.peers):
            with pytest.raises(mn.TorrentNotFoundError) as err:
                await call(missing)
            assert err.value.info_hash == missing
            assert missing in str(err.value)
            assert isinstance(err.value, mn.NotFoundError)


@pytest.mark.parametrize("junk", ["all|0000", "a" * 39, "../../etc", "z" * 40, "\udcff" * 40])
async def test_a_junk_hash_never_reaches_the_server(junk: str) -> None:
    server = fake()
    async with server.http_client() as client, adapter(server, client) as qbt:
        await qbt.login()
        before = len(server.requests)
        with pytest.raises(mn.InvalidTorrentError):
            await qbt.delete([junk])
        with pytest.raises(mn.InvalidTorrentError):
            await qbt.properties(junk)
        assert len(server.requests) == before


async def test_categories_tags_and_limits() -> None:
    server = fake()
    info_hash = server.add_torrent("a")
    async with server.http_client() as client, adapter(server, client) as qbt:
        await qbt.create_category("movies", "/data/movies")
        with pytest.raises(mn.HTTPStatusError) as taken:
            await qbt.create_category("movies")
        assert taken.value.status == 409
        categories = await qbt.categories()
        assert categories["movies"].save_path == "/data/movies"
        await qbt.set_category(info_hash, "movies")
        assert (await qbt.torrent(info_hash)).category == "movies"
        await qbt.create_tags(["4k", "kids"])
        await qbt.delete_tags(["kids"])
        assert await qbt.tags() == ["4k"]
        await qbt.set_speed_limits(download=1_048_576)
        assert await qbt.speed_limits() == (1_048_576, 0)
        assert not await qbt.alternative_speed_limits()
        await qbt.set_alternative_speed_limits(True)
        await qbt.set_alternative_speed_limits(True)  # already on: no toggle
        assert await qbt.alternative_speed_limits()
        assert (await qbt.transfer_info()).dl_rate_limit == 1_048_576
        await qbt.set_preferences({"dl_limit": 2048})
        assert (await qbt.preferences()).dl_limit == 2048
        with pytest.raises(mn.InvalidRequestError):
            await qbt.set_preferences({"ratio": float("nan")})
        await qbt.delete(info_hash, delete_files=True)
        assert await qbt.torrents() == []
    assert server.requests.count(("POST", "/api/v2/transfer/toggleSpeedLimitsMode")) == 1


async def watched(
    qbt: mn.QBittorrentAdapter, between: list[Callable[[], object]]
) -> list[MainDataUpdate]:
    """The first ``len(between) + 1`` updates of ``qbt.watch()``, calling ``between[i]``
    after update ``i`` (to change the server)."""
    updates: list[MainDataUpdate] = []
    async for update in qbt.watch(interval=0):
        updates.append(update)
        if len(updates) > len(between):
            break
        between[len(updates) - 1]()
    return updates


async def test_watch_yields_deltas_with_typed_changes() -> None:
    server = fake()
    a = server.add_torrent("a")
    b = server.add_torrent("b")
    c = hashlib.sha1(b"c").hexdigest()

    def change() -> None:
        server.torrents[a].update(progress=0.5, dlspeed=1000)
        del server.torrents[b]
        server.add_torrent("c")

    async with server.http_client() as client, adapter(server, client) as qbt:
        first, second, third = await watched(qbt, [change, lambda: None])
        assert first.full_update
        assert {c.hash for c in first.changes if isinstance(c, TorrentAdded)} == {a, b}
        assert not second.full_update
        kinds = {(type(x).__name__, x.hash) for x in second.changes}
        assert kinds == {("TorrentUpdated", a), ("TorrentRemoved", b), ("TorrentAdded", c)}
        [updated] = [x for x in second.changes if isinstance(x, TorrentUpdated)]
        assert updated.changed == {"progress", "dlspeed"}
        assert second.torrents[a].progress == 0.5
        assert set(second.torrents) == {a, c}
        assert third.changes == ()
    assert ("GET", f"/api/v2/sync/maindata?rid={second.rid}") in server.requests


async def test_watch_after_a_restart_reports_the_differences() -> None:
    server = fake()
    a = server.add_torrent("a")
    b = server.add_torrent("b")

    def restart() -> None:
        server._snapshots.clear()  # the server forgot every rid: it restarted
        del server.torrents[b]

    async with server.http_client() as client, adapter(server, client) as qbt:
        _, again = await watched(qbt, [restart])
    assert again.full_update
    assert again.changes == (TorrentRemoved(b),)
    assert set(again.torrents) == {a}


async def test_wait_completed_returns_the_finished_torrent() -> None:
    server = fake()
    info_hash = server.add_torrent("a")
    polls = 0
    original = server._sync_maindata

    def progressing(args, form):  # type: ignore[no-untyped-def]
        nonlocal polls
        polls += 1
        if polls == 3:
            server.torrents[info_hash].update(progress=1.0, state="stalledUP", amount_left=0)
        return original(args, form)

    server._sync_maindata = progressing  # type: ignore[method-assign]
    async with server.http_client() as client, adapter(server, client) as qbt:
        torrent = await qbt.wait_completed(info_hash, timeout=30, interval=0)
    assert torrent.progress == 1.0 and torrent.state.is_complete
    assert polls == 3


async def test_wait_completed_ends_on_error_state_and_on_timeout() -> None:
    server = fake()
    broken = server.add_torrent("broken", state="missingFiles")
    slow = server.add_torrent("slow")
    async with server.http_client() as client, adapter(server, client) as qbt:
        with pytest.raises(mn.TorrentDownloadError) as failed:
            await qbt.wait_completed(broken, timeout=30, interval=0)
        assert failed.value.state == "missingFiles"
        with pytest.raises(mn.TorrentNotFoundError):
            await qbt.wait_completed("f" * 40, timeout=30, interval=0)
        server.faults.latency = 0.05
        with pytest.raises(mn.WaitTimeout) as late:
            await qbt.wait_completed(slow, timeout=0.01, interval=0)
    assert isinstance(late.value, TimeoutError)
    assert late.value.what == f"torrent {slow} completed"


async def test_hostile_answers_end_in_decode_errors() -> None:
    class Hostile(FakeQBittorrent):
        def handle(self, method, url, headers, body=b""):  # type: ignore[no-untyped-def]
            if "maindata" in url:
                return 200, {"content-type": "application/json"}, b"[" * 100_000
            if "webapiVersion" in url:
                return 200, {}, b"2.x.\xff"
            if "downloadLimit" in url:
                return 200, {}, b"9" * 400
            return super().handle(method, url, headers, body)

    server = Hostile(password=PASSWORD)
    async with server.http_client() as client, adapter(server, client) as qbt:
        with pytest.raises(mn.DecodeError):
            await watched(qbt, [])
        with pytest.raises(mn.DecodeError):
            await qbt.api_version()
        with pytest.raises(mn.DecodeError):
            await qbt.speed_limits()


async def test_the_session_cookie_and_password_never_show() -> None:
    server = fake()
    async with server.http_client() as client:
        qbt = adapter(server, client)
        with capture_events() as events:
            async with qbt:
                await qbt.torrents()
                sid = next(iter(server.sessions))
                with pytest.raises(mn.TorrentNotFoundError) as err:
                    await qbt.properties("1" * 40)
        shown = " ".join([repr(qbt), str(err.value), repr(err.value.__dict__), *map(repr, events)])
    assert events
    assert PASSWORD not in shown and sid not in shown


async def test_health_logs_in_and_reports_the_version() -> None:
    server = fake(NEW)
    async with server.http_client() as client:
        async with adapter(server, client) as qbt:
            report = await qbt.health()
        assert report.healthy and report.version == "5.2.0"
        async with adapter(server, client, password=mn.Secret("nope")) as qbt:
            report = await qbt.health()
        assert report.status == "unhealthy"
        assert "refused the username or password" in str(report.error)
        assert "nope" not in str(report.error)


def test_info_hash_of_v2_magnet_uses_the_truncated_sha256() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    info = mn.qbittorrent.info_hash_of_magnet(f"magnet:?xt=urn:btmh:1220{digest}")
    assert info.v1 is None and info.v2 == digest and info.torrent_id == digest[:40]


async def test_services_builds_a_qbittorrent_adapter() -> None:
    server = fake()
    server.add_torrent("a")
    async with server.http_client() as client:
        services = mn.Services.from_env(
            {
                "QBITTORRENT_URL": server.base_url,
                "QBITTORRENT_USERNAME": "admin",
                "QBITTORRENT_PASSWORD": PASSWORD,
            },
            http_client=client,
        )
        async with services:
            assert services.qbittorrent is not None
            assert len(await services.qbittorrent.torrents()) == 1
            assert PASSWORD not in repr(services.settings)
            pipeline = services.settings["qbittorrent"].pipeline()
            assert pipeline.breaker is not None
