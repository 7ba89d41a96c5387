"""medianest-sdk: typed async adapters for home-media services on composable resilience primitives.

Everything public is importable from here; submodules are implementation detail unless their
docs say otherwise. The guide lives in ``docs/``.

Names are loaded on first use (PEP 562), so ``import medianest_sdk`` stays cheap: httpx,
cryptography, ``limits`` and the adapters are imported only when a name that needs them is
touched, and yt-dlp, Redis and prometheus_client only inside the features that use them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .enums import (
        MonitorStatus,
    )
    from .errors import (
        AuthenticationError,
        BulkheadFullError,
        CircuitOpenError,
        ConfigError,
        ConnectError,
        DecodeError,
        DownloadCancelled,
        DownloadError,
        DownloadNetworkError,
        DownloadStorageError,
        HTTPStatusError,
        InvalidRequestError,
        InvalidTorrentError,
        IPBannedError,
        IsolatedCircuitError,
        MediaNestError,
        MediaUnavailableError,
        NotFoundError,
        PipelineTimeout,
        PostProcessingError,
        RateLimitedError,
        RateLimitExceeded,
        RedirectError,
        RequestTimeout,
        ResponseTooLargeError,
        ServerError,
        SignInError,
        StoreUnavailableError,
        TokenVaultError,
        TorrentDownloadError,
        TorrentNotFoundError,
        TransportError,
        UnsupportedByServerError,
        UnsupportedURLError,
        UpstreamUnavailableError,
        WaitTimeout,
        WebhookFailure,
        WebhookVerificationError,
        WebSocketClosed,
    )
    from .events import (
        BreakerStateChanged,
        BulkheadRejected,
        CacheLookup,
        Event,
        EventHooks,
        FallbackUsed,
        HealthStatusChanged,
        HedgeStarted,
        RateLimited,
        RequestCompleted,
        RetryScheduled,
        ServiceDown,
        ServiceUp,
        StoreUnavailable,
        enable_logging,
    )
    from .health import (
        HealthMonitor,
        ServiceHealth,
    )
    from .http import (
        HealthReport,
        ServiceAdapter,
        ServiceClient,
    )
    from .overseerr import (
        OverseerrAdapter,
    )
    from .plex import (
        PlexAdapter,
        PlexPinAuth,
    )
    from .prowlarr import (
        ProwlarrAdapter,
        Release,
        ReleasePolicy,
        select_release,
    )
    from .qbittorrent import (
        AddResult,
        MainDataUpdate,
        QBittorrentAdapter,
        Torrent,
        TorrentState,
    )
    from .resilience import (
        BreakerState,
        Bulkhead,
        CircuitBreaker,
        Fallback,
        Hedging,
        MemoryCache,
        RateLimiter,
        RedisCache,
        ResiliencePipeline,
        RetryPolicy,
    )
    from .secrets import (
        Secret,
        TokenVault,
    )
    from .services import (
        OverseerrSettings,
        PlexSettings,
        ProwlarrSettings,
        QBittorrentSettings,
        Services,
        ServiceSettings,
        UptimeKumaSettings,
    )
    from .uptime_kuma import (
        UptimeKumaAdapter,
    )
    from .webhooks import (
        VerifiedWebhook,
        WebhookEndpoint,
        WebhookVerifier,
    )
    from .ytdlp import (
        YtDlpRunner,
    )

_EXPORTS: dict[str, str] = {
    "AddResult": "qbittorrent",
    "AuthenticationError": "errors",
    "BreakerState": "resilience",
    "BreakerStateChanged": "events",
    "Bulkhead": "resilience",
    "BulkheadFullError": "errors",
    "BulkheadRejected": "events",
    "CacheLookup": "events",
    "CircuitBreaker": "resilience",
    "CircuitOpenError": "errors",
    "ConfigError": "errors",
    "ConnectError": "errors",
    "DecodeError": "errors",
    "DownloadCancelled": "errors",
    "DownloadError": "errors",
    "DownloadNetworkError": "errors",
    "DownloadStorageError": "errors",
    "Event": "events",
    "EventHooks": "events",
    "Fallback": "resilience",
    "FallbackUsed": "events",
    "HTTPStatusError": "errors",
    "HealthMonitor": "health",
    "HealthReport": "http",
    "HealthStatusChanged": "events",
    "HedgeStarted": "events",
    "Hedging": "resilience",
    "IPBannedError": "errors",
    "InvalidRequestError": "errors",
    "InvalidTorrentError": "errors",
    "IsolatedCircuitError": "errors",
    "MainDataUpdate": "qbittorrent",
    "MediaNestError": "errors",
    "MediaUnavailableError": "errors",
    "MemoryCache": "resilience",
    "MonitorStatus": "enums",
    "NotFoundError": "errors",
    "OverseerrAdapter": "overseerr",
    "OverseerrSettings": "services",
    "PipelineTimeout": "errors",
    "PlexAdapter": "plex",
    "PlexPinAuth": "plex",
    "PlexSettings": "services",
    "PostProcessingError": "errors",
    "ProwlarrAdapter": "prowlarr",
    "ProwlarrSettings": "services",
    "QBittorrentAdapter": "qbittorrent",
    "QBittorrentSettings": "services",
    "RateLimitExceeded": "errors",
    "RateLimited": "events",
    "RateLimitedError": "errors",
    "RateLimiter": "resilience",
    "RedirectError": "errors",
    "RedisCache": "resilience",
    "Release": "prowlarr",
    "ReleasePolicy": "prowlarr",
    "RequestCompleted": "events",
    "RequestTimeout": "errors",
    "ResiliencePipeline": "resilience",
    "ResponseTooLargeError": "errors",
    "RetryPolicy": "resilience",
    "RetryScheduled": "events",
    "Secret": "secrets",
    "ServerError": "errors",
    "ServiceAdapter": "http",
    "ServiceClient": "http",
    "ServiceDown": "events",
    "ServiceHealth": "health",
    "ServiceSettings": "services",
    "ServiceUp": "events",
    "Services": "services",
    "SignInError": "errors",
    "StoreUnavailable": "events",
    "StoreUnavailableError": "errors",
    "TokenVault": "secrets",
    "TokenVaultError": "errors",
    "Torrent": "qbittorrent",
    "TorrentDownloadError": "errors",
    "TorrentNotFoundError": "errors",
    "TorrentState": "qbittorrent",
    "TransportError": "errors",
    "UnsupportedByServerError": "errors",
    "UnsupportedURLError": "errors",
    "UpstreamUnavailableError": "errors",
    "UptimeKumaAdapter": "uptime_kuma",
    "UptimeKumaSettings": "services",
    "VerifiedWebhook": "webhooks",
    "WaitTimeout": "errors",
    "WebSocketClosed": "errors",
    "WebhookEndpoint": "webhooks",
    "WebhookFailure": "errors",
    "WebhookVerificationError": "errors",
    "WebhookVerifier": "webhooks",
    "YtDlpRunner": "ytdlp",
    "enable_logging": "events",
    "select_release": "prowlarr",
}

_SUBMODULES = frozenset(
    {
        "decoding",
        "enums",
        "errors",
        "events",
        "health",
        "http",
        "overseerr",
        "plex",
        "prowlarr",
        "qbittorrent",
        "resilience",
        "secrets",
        "services",
        "testing",
        "uptime_kuma",
        "version",
        "webhooks",
        "ytdlp",
    }
)

__all__ = [
    "__version__",
    "AddResult",
    "AuthenticationError",
    "BreakerState",
    "BreakerStateChanged",
    "Bulkhead",
    "BulkheadFullError",
    "BulkheadRejected",
    "CacheLookup",
    "CircuitBreaker",
    "CircuitOpenError",
    "ConfigError",
    "ConnectError",
    "DecodeError",
    "DownloadCancelled",
    "DownloadError",
    "DownloadNetworkError",
    "DownloadStorageError",
    "enable_logging",
    "Event",
    "EventHooks",
    "Fallback",
    "FallbackUsed",
    "HealthMonitor",
    "HealthReport",
    "HealthStatusChanged",
    "HedgeStarted",
    "Hedging",
    "HTTPStatusError",
    "InvalidRequestError",
    "InvalidTorrentError",
    "IPBannedError",
    "IsolatedCircuitError",
    "MainDataUpdate",
    "MediaNestError",
    "MediaUnavailableError",
    "MemoryCache",
    "MonitorStatus",
    "NotFoundError",
    "OverseerrAdapter",
    "OverseerrSettings",
    "PipelineTimeout",
    "PlexAdapter",
    "PlexPinAuth",
    "PlexSettings",
    "PostProcessingError",
    "ProwlarrAdapter",
    "ProwlarrSettings",
    "QBittorrentAdapter",
    "QBittorrentSettings",
    "RateLimited",
    "RateLimitedError",
    "RateLimiter",
    "RateLimitExceeded",
    "RedirectError",
    "RedisCache",
    "Release",
    "ReleasePolicy",
    "RequestCompleted",
    "RequestTimeout",
    "ResiliencePipeline",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RetryScheduled",
    "Secret",
    "select_release",
    "ServerError",
    "ServiceAdapter",
    "ServiceClient",
    "ServiceDown",
    "ServiceHealth",
    "Services",
    "ServiceSettings",
    "ServiceUp",
    "SignInError",
    "StoreUnavailable",
    "StoreUnavailableError",
    "TokenVault",
    "TokenVaultError",
    "Torrent",
    "TorrentDownloadError",
    "TorrentNotFoundError",
    "TorrentState",
    "TransportError",
    "UnsupportedByServerError",
    "UnsupportedURLError",
    "UpstreamUnavailableError",
    "UptimeKumaAdapter",
    "UptimeKumaSettings",
    "VerifiedWebhook",
    "WaitTimeout",
    "WebhookEndpoint",
    "WebhookFailure",
    "WebhookVerificationError",
    "WebhookVerifier",
    "WebSocketClosed",
    "YtDlpRunner",
]


def __getattr__(name: str) -> Any:
    """Load a public name (or a submodule) on first use and keep it."""
    if name == "__version__":
        from .version import sdk_version

        value: Any = sdk_version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'medianest_sdk' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
