"""Info hashes of magnet links and ``.torrent`` files, so ``add()`` knows what it added.

BitTorrent v1 identifies a torrent by the SHA-1 of its bencoded ``info`` dictionary (BEP 3),
written in a magnet link as ``xt=urn:btih:`` plus 40 hex digits or 32 base32 characters
(BEP 9); v2 by its SHA-256, as ``xt=urn:btmh:1220`` plus 64 hex digits (a multihash: ``0x12``
SHA-256, ``0x20`` 32 bytes; BEP 52). qBittorrent's torrent ID (``hash`` in its API) is the v1
hash, or the first 40 hex digits of the v2 hash for a v2-only torrent.

Parsing and hashing go through `torf <https://pypi.org/project/torf/>`_ (magnet links with a
``btih`` topic, ``.torrent`` files); ``btmh`` topics, which torf does not read, are checked
here against their multihash prefix.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, urlsplit

import attrs

from ..errors import InvalidTorrentError

__all__ = ["InfoHash", "info_hash_of_magnet", "info_hash_of_torrent", "normalize_hash"]

_HEX40 = re.compile(r"[0-9a-f]{40}")
_BTMH = re.compile(r"1220([0-9a-f]{64})")
MAX_MAGNET_CHARS = 64 * 1024
"""Longest magnet link accepted, in characters (a magnet is metadata, not content)."""


@attrs.frozen
class InfoHash:
    """The info hashes of one torrent, lower-case hex.

    Attributes:
        v1: SHA-1 of the ``info`` dictionary (40 hex digits), or ``None`` (v2-only).
        v2: SHA-256 (64 hex digits), or ``None`` (v1-only, or not known from the source).
    """

    v1: str | None
    v2: str | None = None

    @property
    def torrent_id(self) -> str:
        """qBittorrent's ID for the torrent, ``v1``, else the first 40 digits of ``v2``."""
        if self.v1 is not None:
            return self.v1
        assert self.v2 is not None
        return self.v2[:40]


def normalize_hash(value: str) -> str:
    """A torrent ID as qBittorrent spells it: 40 lower-case hex digits.

    Accepts hex in either case and 32-character base32 (BEP 9).

    Raises:
        InvalidTorrentError: ``value`` is neither.
    """
    text = value.strip().lower()
    if _HEX40.fullmatch(text):
        return text
    if len(text) == 32:
        try:
            return base64.b32decode(text.upper()).hex()
        except (binascii.Error, ValueError):
            pass
    raise InvalidTorrentError(
        "not an info hash: expected 40 hex digits or 32 base32 characters",
        source="hash",
    )


def info_hash_of_magnet(uri: str) -> InfoHash:
    """The info hashes a magnet link names (its ``xt`` topics).

    Raises:
        InvalidTorrentError: not a magnet link, over :data:`MAX_MAGNET_CHARS`, or no
            ``urn:btih``/``urn:btmh`` topic that reads as a hash.
    """
    if len(uri) > MAX_MAGNET_CHARS or not uri.startswith("magnet:?"):
        raise InvalidTorrentError(
            f"not a magnet link (must start with 'magnet:?' and be under "
            f"{MAX_MAGNET_CHARS} characters)",
            source="magnet",
        )
    import torf  # on first use: 56 ms, not paid by importing the package

    v1 = v2 = None
    for key, value in parse_qsl(urlsplit(uri).query):
        if key != "xt" and not key.startswith("xt."):
            continue
        topic = value.strip()
        lowered = topic.lower()
        if lowered.startswith("urn:btih:") and v1 is None:
            try:
                v1 = normalize_hash(torf.Magnet(xt=topic).infohash)
            except (torf.TorfError, ValueError):
                raise InvalidTorrentError(
                    "the magnet link's urn:btih topic is not an info hash", source="magnet"
                ) from None
        elif lowered.startswith("urn:btmh:") and v2 is None:
            match = _BTMH.fullmatch(lowered.removeprefix("urn:btmh:"))
            if match is None:
                raise InvalidTorrentError(
                    "a urn:btmh topic is not a SHA-256 multihash (1220 + 64 hex digits)",
                    source="magnet",
                )
            v2 = match.group(1)
    if v1 is None and v2 is None:
        raise InvalidTorrentError(
            "the magnet link has no urn:btih or urn:btmh topic (xt=)", source="magnet"
        )
    return InfoHash(v1, v2)


def info_hash_of_torrent(data: bytes) -> InfoHash:
    """The v1 info hash of a ``.torrent`` file's bytes (v1 and hybrid torrents).

    Raises:
        InvalidTorrentError: the bytes are not a bencoded torrent with a valid ``info``
            dictionary, or the torrent is v2-only (torf reads v1 metadata only).
    """
    import torf

    try:
        torrent = torf.Torrent.read_stream(data, validate=False)
        v1 = torrent.infohash
    except (torf.TorfError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise InvalidTorrentError(
            f"not a v1 or hybrid .torrent file: {type(exc).__name__}", source="torrent file"
        ) from None
    return InfoHash(normalize_hash(v1))
