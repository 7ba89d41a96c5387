"""Download a video into a Plex library folder, then scan just that folder.

1. yt-dlp downloads ``URL`` into ``PLEX_LIBRARY_DIR`` (a folder of a Plex section, as this
   machine sees it), showing progress, with a per-user quota of 5 downloads per hour.
2. ``PlexAdapter.refresh_section(section, path=...)`` asks Plex to scan only that folder: a
   partial scan, seconds instead of minutes on a big library.

Run: ``PLEX_URL=... PLEX_TOKEN=... PLEX_SECTION=1 PLEX_LIBRARY_DIR=/media/videos
python examples/download_to_plex.py URL [--user NAME] [--server-path /data/videos]``.
``--server-path`` is the same folder as the Plex server sees it, when it differs (a NAS, a
container). Exits 1 with a one-line reason on failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio

import medianest_sdk as mn
from medianest_sdk.ytdlp import show_progress


async def main(url: str, user: str, folder: Path, server_path: str | None) -> None:
    async with mn.YtDlpRunner(folder, quota=mn.RateLimiter("5/hour")) as runner:
        result = await show_progress(runner.download(url, key=user))
    print(f"downloaded {', '.join(p.name for p in result.files)}")
    async with mn.Services.from_env() as services:  # PLEX_URL, PLEX_TOKEN, PLEX_TIMEOUT, ...
        plex = services.plex
        if plex is None:
            sys.exit("set PLEX_URL and PLEX_TOKEN")
        section = os.environ.get("PLEX_SECTION", "1")
        scan = server_path or str(folder)
        await plex.refresh_section(section, path=scan)
        print(f"asked Plex to scan {scan} in section {section}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--user", default="default", help="whose download quota this counts on")
    parser.add_argument("--server-path", default=None, help="the folder as Plex sees it")
    args = parser.parse_args()
    missing = [v for v in ("PLEX_URL", "PLEX_TOKEN", "PLEX_LIBRARY_DIR") if not os.environ.get(v)]
    if missing:
        sys.exit(f"set {', '.join(missing)}")
    try:
        anyio.run(main, args.url, args.user, Path(os.environ["PLEX_LIBRARY_DIR"]), args.server_path)
    except (mn.MediaNestError, ImportError) as exc:
        sys.exit(f"\nerror: {exc}")
