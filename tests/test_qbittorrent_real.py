"""QBittorrentAdapter against real qbittorrent-nox instances on loopback (tests/qbt_server.py),
on asyncio and trio: every call, a real transfer between two instances watched through
``sync/maindata``, the session paths (restart, wrong password, ban, localhost bypass).

Skips without qbittorrent-nox, except in CI, where .ci/run installs it and a missing binary
fails the run. Nothing leaves the machine: see the config asserted below.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import medianest_sdk as mn
from medianest_sdk.qbittorrent import TorrentAdded, TorrentChange

from .qbt_server import PASSWORD, USERNAME, QBittorrentServer, config_text
from .torrents import FILES, digests, make_torrent
from .waiting import wait_for

EXAMPLES = Path(__file__).parent.parent / "examples"
MAGNET_HASH = "08ada5a7a6183aae1e09d831df6748d566095a10"
MAGNET = f"magnet:?xt=urn:btih:{MAGNET_HASH}&dn=Sintel"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QBittorrentServer]:
    with QBittorrentServer(tmp_path_factory.mktemp("qbt")) as instance:
        yield instance


@pytest.fixture(scope="module")
def torrent_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, str]:
    root = tmp_path_factory.mktemp("content")
    data, info_hash = make_torrent(root)
    return root, data, info_hash


def qbt(server: QBittorrentServer, **kw: object) -> mn.QBittorrentAdapter:
    options: dict[str, object] = {"username": USERNAME, "password": mn.Secret(PASSWORD)}
    options.update(kw)
    return mn.QBittorrentAdapter(server.url, **options)  # type: ignore[arg-type]


def test_the_test_instances_send_nothing_off_the_machine(tmp_path: Path) -> None:
    text = config_text(webui_port=1, torrent_port=2, save_path=tmp_path)
    for line in [
        "Session\\DHTEnabled=false",
        "Session\\PeXEnabled=false",
        "Session\\LSDEnabled=false",
        "Session\\AddTrackersEnabled=false",
        "Session\\Interface=lo",
        "Session\\InterfaceAddress=127.0.0.1",
        "PortForwardingEnabled=false",
        "WebUI\\Address=127.0.0.1",
        "WebUI\\UseUPnP=false",
        "Connection\\ResolvePeerCountries=false",
    ]:
        assert line in text.splitlines()


async def test_the_running_instance_has_every_outside_channel_off(
    server: QBittorrentServer,
) -> None:
    async with qbt(server) as client:
        prefs = await client.preferences()
        raw = await client.raw_preferences()
    assert not (prefs.dht or prefs.pex or prefs.lsd or prefs.upnp)
    assert raw["current_network_interface"] == "lo"
    assert raw["current_interface_address"] == "127.0.0.1"
    assert raw["web_ui_address"] == "127.0.0.1"
    assert raw["resolve_peer_countries"] is False


async def test_app_calls(server: QBittorrentServer) -> None:
    async with qbt(server) as client:
        assert (await client.version()).startswith("v")
        version = await client.api_version()
        assert version >= (2, 0)
        build = await client.build_info()
        assert build.libtorrent
        assert await client.default_save_path() == str(server.save_path)
        before = (await client.preferences()).max_active_downloads
        await client.set_preferences({"max_active_downloads": before + 1})
        assert (await client.preferences()).max_active_downloads == before + 1
        await client.set_preferences({"max_active_downloads": before})
        report = await client.health()
    assert report.healthy and report.version and report.latency_ms is not None


async def test_add_a_magnet_then_act_on_it(server: QBittorrentServer) -> None:
    async with qbt(server) as client:
        await client.create_category("films", str(server.save_path / "films"))
        try:
            result = await client.add(MAGNET, category="films", tags=["a", "b"], stopped=True)
            assert result == mn.AddResult(info_hash=MAGNET_HASH, added=True)
            assert (await client.add(MAGNET)).duplicate
            torrent = await client.torrent(MAGNET_HASH)
            assert torrent.category == "films" and set(torrent.tags) == {"a", "b"}
            assert torrent.state.is_stopped
            assert [t.hash for t in await client.torrents(filter="paused")] == [MAGNET_HASH]
            assert [t.hash for t in await client.torrents(category="films")] == [MAGNET_HASH]
            assert [t.hash for t in await client.torrents(tag="a")] == [MAGNET_HASH]
            assert await client.torrents(category="nothing-here") == []
            await client.start(MAGNET_HASH)
            await client.stop([MAGNET_HASH])
            await client.remove_tags(MAGNET_HASH, ["b"])
            await client.add_tags(MAGNET_HASH, ["c"])
            assert set((await client.torrent(MAGNET_HASH)).tags) == {"a", "c"}
            await client.set_download_limit(MAGNET_HASH, 100_000)
            await client.set_upload_limit(MAGNET_HASH, 50_000)
            await client.set_share_limits(MAGNET_HASH, ratio_limit=2.0, seeding_time_limit=60)
            torrent = await client.torrent(MAGNET_HASH)
            assert (torrent.dl_limit, torrent.up_limit) == (100_000, 50_000)
            assert torrent.max_ratio == 2.0
            await client.reannounce(MAGNET_HASH)
            await client.recheck(MAGNET_HASH)
            await client.add_trackers(MAGNET_HASH, ["http://127.0.0.1:9/announce"])
            await client.edit_tracker(
                MAGNET_HASH, "http://127.0.0.1:9/announce", "http://127.0.0.1:10/announce"
            )
            urls = [t.url for t in await client.trackers(MAGNET_HASH)]
            assert "http://127.0.0.1:10/announce" in urls
            await client.remove_trackers(MAGNET_HASH, ["http://127.0.0.1:10/announce"])
            urls = [t.url for t in await client.trackers(MAGNET_HASH)]
            assert "http://127.0.0.1:10/announce" not in urls
            assert (await client.properties(MAGNET_HASH)).save_path
            assert await client.files(MAGNET_HASH) == []  # no metadata without peers
            assert await client.peers(MAGNET_HASH) == {}
            target = server.save_path / "moved"
            await client.set_location(MAGNET_HASH, str(target))
            await client.set_category(MAGNET_HASH, "")
            assert (await client.torrent(MAGNET_HASH)).category == ""
        finally:
            await client.delete("all", delete_files=True)
            await client.remove_categories(["films"])
        assert await client.torrents() == []
        assert "films" not in await client.categories()


async def test_unknown_hashes_and_conflicts_are_typed(server: QBittorrentServer) -> None:
    missing = "e" * 40
    async with qbt(server) as client:
        for call in (client.torrent, client.properties, client.files, client.trackers):
            with pytest.raises(mn.TorrentNotFoundError) as err:
                await call(missing)
            assert err.value.info_hash == missing
        with pytest.raises(mn.TorrentNotFoundError):
            await client.rename_file(missing, "a", "b")
        await client.create_category("dup")
        try:
            with pytest.raises(mn.HTTPStatusError) as conflict:
                await client.create_category("dup")
            assert conflict.value.status == 409
        finally:
            await client.remove_categories(["dup"])
        with pytest.raises(mn.InvalidTorrentError):
            await client.add(b"d8:announce3:abce")


async def test_categories_tags_and_transfer(server: QBittorrentServer) -> None:
    async with qbt(server) as client:
        await client.create_category("tv", "/tmp/tv")
        await client.edit_category("tv", str(server.save_path / "tv"))
        assert (await client.categories())["tv"].save_path == str(server.save_path / "tv")
        await client.remove_categories(["tv"])
        await client.create_tags(["x1", "x2"])
        assert {"x1", "x2"} <= set(await client.tags())
        await client.delete_tags(["x1", "x2"])
        assert not {"x1", "x2"} & set(await client.tags())
        info = await client.transfer_info()
        assert info.connection_status in ("connected", "firewalled", "disconnected")
        await client.set_speed_limits(download=2_097_152, upload=1_048_576)
        assert await client.speed_limits() == (2_097_152, 1_048_576)
        await client.set_speed_limits(download=0, upload=0)
        await client.set_alternative_speed_limits(True)
        assert await client.alternative_speed_limits()
        await client.set_alternative_speed_limits(False)
        assert not await client.alternative_speed_limits()


async def test_a_real_transfer_watched_to_completion(
    tmp_path: Path, torrent_file: tuple[Path, bytes, str]
) -> None:
    root, data, info_hash = torrent_file
    with (
        QBittorrentServer(tmp_path / "seeder") as seeder,
        QBittorrentServer(tmp_path / "leecher") as leecher,
    ):
        async with qbt(seeder) as seed, qbt(leecher) as leech:
            seeded = await seed.add(data, save_path=str(root / "content"))
            assert seeded.info_hash == info_hash

            async def seeding() -> bool:
                return (await seed.torrent(info_hash)).state.is_complete

            await wait_for(seeding)
            added = await leech.add(data, sequential=True)
            assert added.added
            files = await leech.files(info_hash)
            assert sorted(f.name for f in files) == sorted(FILES)
            await leech.add_peers(info_hash, [f"127.0.0.1:{seeder.torrent_port}"])
            seen: list[TorrentChange] = []
            async for update in leech.watch(interval=0.1):
                seen.extend(update.changes)
                torrent = update.torrents[info_hash]
                if torrent.progress >= 1.0 and not torrent.state.is_checking:
                    break
                if len(seen) > 1000:
                    pytest.fail("no completion after 1000 changes")
            assert isinstance(seen[0], TorrentAdded)
            done = await leech.wait_completed(info_hash, timeout=30, interval=0.1)
            assert done.amount_left == 0 and done.state.is_complete
            peers = await seed.peers(info_hash)
            assert all(p.ip == "127.0.0.1" for p in peers.values())
            await leech.rename_file(info_hash, "Show/extras/poster.jpg", "Show/extras/cover.jpg")

            async def renamed() -> bool:
                return any(f.name.endswith("cover.jpg") for f in await leech.files(info_hash))

            await wait_for(renamed)
            await leech.set_file_priority(info_hash, [0], 7)
            assert (await leech.files(info_hash))[0].priority == 7
            await leech.stop(info_hash)
        expected = digests(root / "content" / "Show")
        expected["extras/cover.jpg"] = expected.pop("extras/poster.jpg")
        assert digests(leecher.save_path / "Show") == expected


async def test_a_restart_ends_the_session_and_the_adapter_logs_in_again(tmp_path: Path) -> None:
    with QBittorrentServer(tmp_path) as instance:
        async with qbt(instance) as client:
            assert await client.tags() == []
            instance.restart()
            assert await client.tags() == []  # 403, one new login, the call again
            assert client.logged_in


async def test_wrong_password_then_the_ban(tmp_path: Path) -> None:
    with QBittorrentServer(tmp_path, max_auth_fails=2) as instance:
        async with qbt(instance, password=mn.Secret("not-the-password")) as client:
            with pytest.raises(mn.AuthenticationError, match="username or password") as first:
                await client.version()
            assert not isinstance(first.value, mn.IPBannedError)
            with pytest.raises(mn.AuthenticationError):
                await client.login()
            with pytest.raises(mn.IPBannedError, match="banned"):
                await client.login()
            report = await client.health()
        assert report.status == "unhealthy" and "banned" in str(report.error)
        assert "not-the-password" not in str(first.value) + repr(first.value.__dict__)


async def test_localhost_bypass_without_credentials(tmp_path: Path) -> None:
    with QBittorrentServer(tmp_path, auth=False) as instance:
        async with mn.QBittorrentAdapter(instance.url) as client:
            assert (await client.version()).startswith("v")
            assert (await client.health()).healthy
    with QBittorrentServer(tmp_path / "auth") as instance:
        async with mn.QBittorrentAdapter(instance.url) as client:
            with pytest.raises(mn.AuthenticationError, match="not logged in"):
                await client.version()


def test_the_example_adds_and_follows_a_torrent(
    tmp_path: Path, torrent_file: tuple[Path, bytes, str]
) -> None:
    root, data, info_hash = torrent_file
    with QBittorrentServer(tmp_path / "qbt") as instance:
        shutil.copytree(root / "content" / "Show", instance.save_path / "Show")
        path = tmp_path / "show.torrent"
        path.write_bytes(data)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("QBITTORRENT_")},
            "QBITTORRENT_URL": instance.url,
            "QBITTORRENT_USERNAME": USERNAME,
            "QBITTORRENT_PASSWORD": PASSWORD,
        }
        runs = [
            subprocess.run(
                [sys.executable, str(EXAMPLES / "qbittorrent_add_and_watch.py"), str(path), "tv"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            for _ in range(2)
        ]
    first, second = runs
    assert first.returncode == 0, first.stderr
    assert f"added: {info_hash}" in first.stdout
    assert "complete: " in first.stdout and "100.0%" in first.stdout
    assert f"already there: {info_hash}" in second.stdout
    assert PASSWORD not in first.stdout + first.stderr
