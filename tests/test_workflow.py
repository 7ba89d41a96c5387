"""examples/acquisition_workflow.py end to end: Seerr, Prowlarr and Plex fakes around a real
qBittorrent that downloads a locally seeded film, and every way it can stop, as a typed outcome."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest

import medianest_sdk as mn
from medianest_sdk.plex.fake import make_movie
from medianest_sdk.prowlarr import ReleasePolicy
from medianest_sdk.testing import FakePlex, FakeProwlarr, FakeQBittorrent, FakeSeerr

from .qbt_server import PASSWORD, USERNAME, QBittorrentServer
from .servers import LoopbackServer, Reply
from .torrents import digests, make_torrent
from .waiting import wait_for

EXAMPLE = Path(__file__).parent.parent / "examples" / "acquisition_workflow.py"
TMDB = 603  # The Matrix


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("acquisition_workflow", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


flow = load_example()
SMALL = ReleasePolicy(size_limits={})  # the test film is 320 KB, far under a real film's floor


@pytest.fixture(scope="module")
def seeder(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[QBittorrentServer, Path, str]]:
    root = tmp_path_factory.mktemp("seed")
    data, info_hash = make_torrent(root)
    (root / "film.torrent").write_bytes(data)
    with QBittorrentServer(root / "qbt") as server:

        async def seed() -> None:
            async with mn.QBittorrentAdapter(server.url, username=USERNAME, password=PASSWORD) as q:
                await q.add(data, save_path=str(root / "content"))
                await q.wait_completed(info_hash, timeout=60, interval=0.1)

        anyio.run(seed)
        yield server, root, info_hash


def seerr_with_request() -> FakeSeerr:
    seerr = FakeSeerr()
    seerr.add_request(tmdb_id=TMDB, status=2)  # approved
    return seerr


def prowlarr_with(seeder_port: int | None, info_hash: str) -> FakeProwlarr:
    prowlarr = FakeProwlarr()
    prowlarr.add_release("The.Matrix.1999.CAM.x264-BAD", tmdb_id=TMDB, seeders=900)
    magnet = f"magnet:?xt=urn:btih:{info_hash}&dn=The.Matrix"
    if seeder_port is not None:
        magnet += f"&x.pe=127.0.0.1:{seeder_port}"
    prowlarr.add_release(
        "The.Matrix.1999.1080p.BluRay.x264-MEDIANEST",
        tmdb_id=TMDB,
        size=320_005,
        seeders=1,
        magnet_url=magnet,
        info_hash=info_hash,
    )
    return prowlarr


async def run(
    seerr: FakeSeerr,
    prowlarr: FakeProwlarr,
    plex: FakePlex,
    qbt: tuple[str, dict[str, Any], Any],
    settings: Any,
    *,
    dry_run: bool = False,
    prowlarr_pipeline: mn.ResiliencePipeline | None = None,
) -> list[Any]:
    url, credentials, client = qbt
    async with (
        seerr.http_client() as seerr_client,
        prowlarr.http_client() as prowlarr_client,
        plex.http_client() as plex_client,
        mn.OverseerrAdapter(seerr.base_url, seerr.api_key, http_client=seerr_client) as s,
        mn.ProwlarrAdapter(
            prowlarr.base_url,
            prowlarr.api_key,
            http_client=prowlarr_client,
            pipeline=prowlarr_pipeline,
        ) as p,
        mn.QBittorrentAdapter(url, http_client=client, **credentials) as q,
        mn.PlexAdapter(plex.base_url, plex.token, http_client=plex_client) as x,
    ):
        outcomes: list[Any] = await flow.run_once(
            seerr=s, prowlarr=p, qbt=q, plex=x, settings=settings, dry_run=dry_run
        )
    return outcomes


async def test_a_request_becomes_a_film_in_plex(
    seeder: tuple[QBittorrentServer, Path, str], tmp_path: Path
) -> None:
    server, root, info_hash = seeder
    seerr = seerr_with_request()
    prowlarr = prowlarr_with(None, info_hash)
    good = prowlarr.releases[-1]
    plex = FakePlex(movies=2)
    scanned: list[str | None] = []

    def scan(section: str, path: str | None) -> None:  # Plex finds the new folder
        scanned.append(path)
        if path and Path(path, "S01E01.mkv").exists():
            movie = make_movie(60)
            movie.update(title="The Matrix", Guid=[{"id": f"tmdb://{TMDB}"}])
            plex.items.append(movie)

    plex.on_refresh = scan
    with LoopbackServer() as proxy, QBittorrentServer(tmp_path / "leech") as leech:
        # Prowlarr hands out the .torrent through its own download proxy: a loopback server
        proxy.routes["GET /download/1"] = Reply(
            200, (root / "film.torrent").read_bytes(), {"Content-Type": "application/x-bittorrent"}
        )
        good.update(magnetUrl=None, downloadUrl=f"{proxy.url}/download/1")
        settings = flow.Settings(section_id="1", save_path=str(leech.save_path), policy=SMALL)
        credentials = {"username": USERNAME, "password": mn.Secret(PASSWORD)}
        async with anyio.create_task_group() as tg:
            # the swarm: what a tracker or DHT would tell the leecher (both are off here)
            tg.start_soon(introduce, leech, info_hash, server.torrent_port)
            [outcome] = await run(seerr, prowlarr, plex, (leech.url, credentials, None), settings)
        downloaded = digests(leech.save_path / "Show")
    assert outcome.status == "available", outcome.line()
    assert outcome.release == "The.Matrix.1999.1080p.BluRay.x264-MEDIANEST"
    assert "The Matrix is in Plex" in outcome.detail
    assert downloaded == digests(root / "content" / "Show")
    assert scanned == [str(leech.save_path / "Show")]
    [media] = seerr._media.values()
    assert media["status"] == 5  # available
    assert [s.path for s in proxy.seen] == ["/download/1"]


async def introduce(leech: QBittorrentServer, info_hash: str, port: int) -> None:
    """Once the leecher lists the torrent, give it the seeder's address."""
    async with mn.QBittorrentAdapter(leech.url, username=USERNAME, password=PASSWORD) as q:

        async def listed() -> bool:
            return bool(await q.torrents(hashes=[info_hash]))

        await wait_for(listed)
        await q.add_peers(info_hash, [f"127.0.0.1:{port}"])


def fake_qbt(qbt: FakeQBittorrent | None = None) -> tuple[str, dict[str, Any], Any]:
    qbt = qbt or FakeQBittorrent(password="adminadmin")
    return qbt.base_url, {"username": "admin", "password": "adminadmin"}, qbt.http_client()


async def test_every_stop_is_a_typed_outcome() -> None:
    settings = flow.Settings(section_id="1", policy=SMALL, download_timeout=0.2)
    only_cam = FakeProwlarr()
    only_cam.add_release("The.Matrix.1999.CAM.x264-BAD", tmdb_id=TMDB)
    [none] = await run(seerr_with_request(), only_cam, FakePlex(), fake_qbt(), settings)
    assert none.status == "no release" and "source Cam rejected" in none.detail

    down = prowlarr_with(None, "ab" * 20)
    down.faults.fail(1)
    [failed] = await run(
        seerr_with_request(),
        down,
        FakePlex(),
        fake_qbt(),
        settings,
        prowlarr_pipeline=mn.ResiliencePipeline(),
    )
    assert failed.status == "indexer down" and "503" in failed.detail

    broken = prowlarr_with(None, "ab" * 20)
    breaker = mn.CircuitBreaker("prowlarr", consecutive_failures=1, break_duration=60)
    broken.faults.fail(1)
    pipeline = mn.ResiliencePipeline(breaker=breaker)
    [first] = await run(
        seerr_with_request(), broken, FakePlex(), fake_qbt(), settings, prowlarr_pipeline=pipeline
    )
    [second] = await run(
        seerr_with_request(), broken, FakePlex(), fake_qbt(), settings, prowlarr_pipeline=pipeline
    )
    assert (first.status, second.status) == ("indexer down", "breaker open")
    assert "retry in" in second.detail

    [dry] = await run(
        seerr_with_request(),
        prowlarr_with(None, "ab" * 20),
        FakePlex(),
        fake_qbt(),
        settings,
        dry_run=True,
    )
    assert dry.status == "would download" and dry.release.endswith("MEDIANEST")

    [stalled] = await run(  # the fake qBittorrent never downloads: the wait runs out
        seerr_with_request(), prowlarr_with(None, "ab" * 20), FakePlex(), fake_qbt(), settings
    )
    assert stalled.status == "stalled" and "not complete" in stalled.detail

    qbt = FakeQBittorrent(password="adminadmin")
    done = prowlarr_with(None, "cd" * 20)
    qbt.add_torrent(
        "done",
        info_hash="cd" * 20,
        progress=1.0,
        state="stalledUP",
        content_path="/downloads/The Matrix",
    )
    [missing] = await run(  # downloaded, but Plex does not find the film
        seerr_with_request(),
        done,
        FakePlex(),
        (qbt.base_url, {"username": "admin", "password": "adminadmin"}, qbt.http_client()),
        settings,
    )
    assert missing.status == "not in plex" and "/downloads/The Matrix" in missing.detail


def test_the_example_says_what_is_missing_without_settings() -> None:
    import os
    import subprocess

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OVERSEERR_", "PROWLARR_", "QBITTORRENT_", "PLEX_"))
    }
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1 and "set OVERSEERR_" in out.stderr
