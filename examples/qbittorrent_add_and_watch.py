"""Add a torrent to qBittorrent and follow it to completion with one small request a second.

Run: ``QBITTORRENT_URL=http://127.0.0.1:8080 QBITTORRENT_USERNAME=admin
QBITTORRENT_PASSWORD=... python examples/qbittorrent_add_and_watch.py SOURCE [CATEGORY]``
where SOURCE is a magnet link, an http(s) URL or a ``.torrent`` path. Prints one line per
change of the torrent (progress, speed, state) and a summary of everything else qBittorrent
is doing; exits 1 with a one-line reason when something goes wrong.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

import medianest_sdk as mn
from medianest_sdk.qbittorrent import TorrentRemoved


async def main(source: str, category: str | None) -> None:
    async with mn.Services.from_env() as services:  # QBITTORRENT_URL, _USERNAME, _PASSWORD
        qbt = services.qbittorrent
        if qbt is None:
            sys.exit("set QBITTORRENT_URL (and QBITTORRENT_USERNAME, QBITTORRENT_PASSWORD)")
        if category and category not in await qbt.categories():
            await qbt.create_category(category)
        links = ("magnet:", "http://", "https://")
        result = await qbt.add(
            source if source.startswith(links) else Path(source), category=category
        )
        if result.info_hash is None:
            print("added from a URL: qBittorrent fetches it, its hash is not known yet")
            return
        print(f"{'already there' if result.duplicate else 'added'}: {result.info_hash}")
        async for update in qbt.watch(interval=1.0):
            if TorrentRemoved(result.info_hash) in update.changes:
                sys.exit("the torrent was removed")
            torrent = update.torrents.get(result.info_hash)
            if torrent is None:
                continue
            others = len(update.torrents) - 1
            speed = torrent.dlspeed / 1_048_576
            print(
                f"{torrent.name[:40]:<40} {torrent.progress:6.1%} {speed:7.2f} MiB/s "
                f"{torrent.state.value:<12} ({others} other torrents)"
            )
            if torrent.state.is_errored:
                sys.exit(f"qBittorrent reports {torrent.state.value}")
            if torrent.progress >= 1.0 and not torrent.state.is_checking:
                print(f"complete: {torrent.content_path}")
                return


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    try:
        anyio.run(main, sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")
