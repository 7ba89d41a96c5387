"""The acquisition path a Radarr-like host runs, from a request to a film in Plex:

    approved Seerr request -> Prowlarr search by TMDB id -> select_release -> qBittorrent
    -> follow the download -> Plex scans the folder -> find the film by its TMDB id
    -> Seerr marks the media available

Each step's failure is an :class:`Outcome` with a status and what to do, never a crash: no
release (with why each was rejected), Prowlarr or its indexers down, a circuit breaker open, a
download that failed or stalled, a film Plex did not find.

Run (every service from the environment: OVERSEERR_URL/_API_KEY, PROWLARR_URL/_API_KEY,
QBITTORRENT_URL/_USERNAME/_PASSWORD, PLEX_URL/_TOKEN)::

    ACQUIRE_SECTION=1 python examples/acquisition_workflow.py [--dry-run]

``ACQUIRE_SECTION`` is Plex's movie section; ``ACQUIRE_SAVE_PATH`` where qBittorrent saves (one
of that section's folders); ``ACQUIRE_PLEX_PREFIX=/qbt/path=/plex/path`` maps qBittorrent's
paths to Plex's when they see the disk differently (containers). ``--dry-run`` stops before
downloading and says what it would take.
"""

from __future__ import annotations

import os
import sys
from typing import Literal

import anyio
import attrs

import medianest_sdk as mn
from medianest_sdk.overseerr.models import MediaRequest, MediaStatus
from medianest_sdk.prowlarr import ReleasePolicy, select_release

Status = Literal[
    "available",
    "would download",
    "no release",
    "indexer down",
    "breaker open",
    "download failed",
    "stalled",
    "not in plex",
    "skipped",
]


@attrs.frozen
class Outcome:
    """What happened to one request: ``status``, and ``detail`` saying why or what next."""

    request_id: int
    status: Status
    detail: str
    release: str | None = None

    def line(self) -> str:
        chosen = f" [{self.release}]" if self.release else ""
        return f"request {self.request_id}: {self.status}{chosen}: {self.detail}"


@attrs.frozen
class Settings:
    """Where things go: Plex's movie section, qBittorrent's save path and category, how long a
    download may take (seconds), and a path prefix map ``(qbittorrent's, plex's)``."""

    section_id: str
    save_path: str | None = None
    category: str = "movies"
    download_timeout: float = 6 * 3600.0
    path_map: tuple[str, str] | None = None
    policy: ReleasePolicy = attrs.field(factory=ReleasePolicy)


async def acquire(
    request: MediaRequest,
    *,
    seerr: mn.OverseerrAdapter,
    prowlarr: mn.ProwlarrAdapter,
    qbt: mn.QBittorrentAdapter,
    plex: mn.PlexAdapter,
    settings: Settings,
    dry_run: bool = False,
) -> Outcome:
    """Take one approved request through every step; the outcome of the first that stops."""
    media = request.media
    if request.type != "movie" or media is None or media.tmdb_id is None:
        return Outcome(request.id, "skipped", "only films with a TMDB id are handled here")
    try:
        releases = await prowlarr.search(
            f"{{TmdbId:{media.tmdb_id}}}", type="movie", categories=[2000]
        )
    except mn.CircuitOpenError as exc:
        wait = f"{exc.retry_after:.0f} s" if exc.retry_after is not None else "a while"
        return Outcome(request.id, "breaker open", f"Prowlarr failed repeatedly; retry in {wait}")
    except (mn.TransportError, mn.ServerError, mn.RateLimitExceeded) as exc:
        return Outcome(request.id, "indexer down", f"Prowlarr search failed: {exc}")
    selection = select_release(releases, settings.policy)
    release = selection.chosen
    if release is None:
        why = "; ".join(
            f"{v.release.title}: {', '.join(v.reasons)}" for v in selection.rejected[:3]
        )
        return Outcome(request.id, "no release", why or "the indexers found nothing")
    if dry_run:
        return Outcome(request.id, "would download", selection.ranked[0].reasons[0], release.title)
    source = release.magnet_url or release.download_url
    if source is None:
        return Outcome(request.id, "download failed", "the release has no link", release.title)
    try:
        added = await qbt.add(
            source,
            category=settings.category,
            save_path=settings.save_path,
            info_hash=release.info_hash,  # a download link's torrent is listed once fetched
        )
        info_hash = added.info_hash
        if info_hash is None:
            return Outcome(request.id, "download failed", "no info hash to follow", release.title)
        torrent = await qbt.wait_completed(info_hash, timeout=settings.download_timeout)
    except mn.WaitTimeout as exc:
        return Outcome(
            request.id, "stalled", f"not complete after {exc.waited:.0f} s", release.title
        )
    except mn.MediaNestError as exc:
        return Outcome(request.id, "download failed", str(exc), release.title)
    folder = torrent.content_path or torrent.save_path
    if settings.path_map is not None and folder.startswith(settings.path_map[0]):
        folder = settings.path_map[1] + folder[len(settings.path_map[0]) :]
    try:
        await plex.refresh_section(settings.section_id, path=folder, wait=True, timeout=900)
        item = await plex.find_by_external_id(
            f"tmdb://{media.tmdb_id}", section_id=settings.section_id
        )
    except mn.MediaNestError as exc:
        return Outcome(request.id, "not in plex", f"the scan failed: {exc}", release.title)
    if item is None:
        return Outcome(request.id, "not in plex", f"scanned {folder}, no such film", release.title)
    await seerr.set_media_status(media.id, "available")
    detail = f"{item.title} is in Plex (rating key {item.rating_key}); request marked available"
    return Outcome(request.id, "available", detail, release.title)


async def run_once(
    *,
    seerr: mn.OverseerrAdapter,
    prowlarr: mn.ProwlarrAdapter,
    qbt: mn.QBittorrentAdapter,
    plex: mn.PlexAdapter,
    settings: Settings,
    dry_run: bool = False,
) -> list[Outcome]:
    """Every approved request whose media is not available yet, one after the other."""
    outcomes = []
    async for request in seerr.iter_requests(filter="approved"):
        if request.media is not None and request.media.status is MediaStatus.AVAILABLE:
            continue
        outcome = await acquire(
            request,
            seerr=seerr,
            prowlarr=prowlarr,
            qbt=qbt,
            plex=plex,
            settings=settings,
            dry_run=dry_run,
        )
        print(outcome.line(), flush=True)
        outcomes.append(outcome)
    return outcomes


async def main(dry_run: bool) -> None:
    async with mn.Services.from_env() as services:
        seerr, prowlarr = services.overseerr, services.prowlarr
        qbt, plex = services.qbittorrent, services.plex
        if seerr is None or prowlarr is None or qbt is None or plex is None:
            sys.exit("set OVERSEERR_*, PROWLARR_*, QBITTORRENT_* and PLEX_* (see the docstring)")
        mapping = os.environ.get("ACQUIRE_PLEX_PREFIX")
        settings = Settings(
            section_id=os.environ.get("ACQUIRE_SECTION", "1"),
            save_path=os.environ.get("ACQUIRE_SAVE_PATH"),
            path_map=tuple(mapping.split("=", 1)) if mapping and "=" in mapping else None,  # type: ignore[arg-type]
        )
        outcomes = await run_once(
            seerr=seerr, prowlarr=prowlarr, qbt=qbt, plex=plex, settings=settings, dry_run=dry_run
        )
        if not outcomes:
            print("no approved request is waiting")


if __name__ == "__main__":
    try:
        anyio.run(main, "--dry-run" in sys.argv[1:])
    except mn.MediaNestError as exc:
        sys.exit(f"error: {exc}")
