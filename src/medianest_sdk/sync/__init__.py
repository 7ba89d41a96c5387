"""The blocking API: a twin of every public async class, for scripts, notebooks, WSGI apps.

``from medianest_sdk.sync import PlexAdapter``; then the same arguments, return types and
exceptions as the async class, without ``await``::

    from medianest_sdk.sync import PlexAdapter

    with PlexAdapter("http://127.0.0.1:32400", token=mn.Secret("...")) as plex:
        for section in plex.library_sections():
            print(section.title)
        for item in plex.iter_section_items(1):   # async iterators become generators
            ...

Each twin runs its async original on one event loop in a background thread
(:mod:`medianest_sdk.sync.runtime`), so it works in plain scripts, inside Jupyter's running
loop, from several threads at once and from Flask or Django. Context managers close the client;
leaving a generator early closes the async side; ``KeyboardInterrupt`` during a call cancels it.

Resilience primitives are plain objects: one :class:`~medianest_sdk.ResiliencePipeline` can
serve a blocking and an async adapter at once (the breaker's counts, the cache's entries and the
limiter's windows are the same state). Waits inside them (bulkhead queues, single-flight, the
limiter's first-come-first-served queue) coordinate callers of one event loop; the blocking
API's calls all run on its own loop.

The twins are generated from the async classes by ``tools/gen_sync.py`` (CI fails when they
are stale); ``twin.async_twin`` is the async object behind a twin.
"""

from __future__ import annotations

from ._twins import (
    DownloadJob,
    DownloadQueue,
    HealthMonitor,
    KumaEventStream,
    NotificationStream,
    OverseerrAdapter,
    PlexAdapter,
    PlexPinAuth,
    ProwlarrAdapter,
    QBittorrentAdapter,
    ServiceClient,
    Services,
    UptimeKumaAdapter,
    UptimeKumaAdmin,
    WebhookVerifier,
    YtDlpRunner,
)
from .runtime import Twin

__all__ = [
    "DownloadJob",
    "DownloadQueue",
    "HealthMonitor",
    "KumaEventStream",
    "NotificationStream",
    "OverseerrAdapter",
    "PlexAdapter",
    "PlexPinAuth",
    "ProwlarrAdapter",
    "QBittorrentAdapter",
    "ServiceClient",
    "Services",
    "Twin",
    "UptimeKumaAdapter",
    "UptimeKumaAdmin",
    "WebhookVerifier",
    "YtDlpRunner",
]
