"""Small real torrents for the tests, made with torf from files written here."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import torf

FILES = {"Show/S01E01.mkv": 300_000, "Show/S01E01.en.srt": 20_000, "Show/extras/poster.jpg": 5}
"""The content: relative path -> size in bytes (three files, one of 5 bytes)."""


def make_torrent(root: Path, *, seed: int = 1) -> tuple[bytes, str]:
    """Write :data:`FILES` (seeded random bytes) under ``root/content``; return the bytes of a
    v1 ``.torrent`` for the ``Show`` folder (no trackers, 16 KiB pieces) and its info hash."""
    rng = random.Random(seed)
    for name, size in FILES.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
    torrent = torf.Torrent(
        path=root / "content" / "Show", private=False, piece_size=16384, created_by="tests"
    )
    torrent.generate()
    return torrent.dump(), torrent.infohash


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by path relative to it."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
