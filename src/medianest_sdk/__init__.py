"""medianest-sdk: typed async adapters for home-media services on composable resilience primitives.

Everything public is importable from here; submodules are implementation detail unless their
docs say otherwise. The guide lives in ``docs/``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .enums import MonitorStatus
from .errors import (
    AuthenticationError,
    BulkheadFullError,
    CircuitOpenError,
    ConnectError,
    DecodeError,
    DownloadCancelled,
    DownloadError,
    DownloadNetworkError,
    DownloadStorageError,
    HTTPStatusError,
    MediaNestError,
    MediaUnavailableError,
    NotFoundError,
    PostProcessingError,
    RateLimitedError,
    RateLimitExceeded,
    RequestTimeout,
    ServerError,
    SignInError,
    TokenVaultError,
    TransportError,
    UnsupportedURLError,
    WebhookFailure,
    WebhookVerificationError,
)
from .events import (
    BreakerStateChanged,
    BulkheadRejected,
    CacheLookup,
    Event,
    EventHooks,
    HealthStatusChanged,
    RateLimited,
    RequestCompleted,
    RetryScheduled,
    ServiceDown,
    ServiceUp,
)
from .health import HealthMonitor, ServiceHealth
from .http import HealthReport, ServiceClient
from .overseerr import OverseerrAdapter
from .plex import PlexAdapter, PlexPinAuth
from .resilience import (
    BreakerState,
    Bulkhead,
    CircuitBreaker,
    MemoryCache,
    RateLimiter,
    RedisCache,
    ResiliencePipeline,
    RetryPolicy,
)
from .secrets import Secret, TokenVault
from .uptime_kuma import UptimeKumaAdapter
from .webhooks import VerifiedWebhook, WebhookVerifier
from .ytdlp import YtDlpRunner

try:
    __version__ = _version("medianest-sdk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "AuthenticationError",
    "BreakerState",
    "BreakerStateChanged",
    "Bulkhead",
    "BulkheadFullError",
    "BulkheadRejected",
    "CacheLookup",
    "CircuitBreaker",
    "CircuitOpenError",
    "ConnectError",
    "DecodeError",
    "DownloadCancelled",
    "DownloadError",
    "DownloadNetworkError",
    "DownloadStorageError",
    "Event",
    "EventHooks",
    "HTTPStatusError",
    "HealthMonitor",
    "HealthReport",
    "HealthStatusChanged",
    "MediaNestError",
    "MediaUnavailableError",
    "MemoryCache",
    "MonitorStatus",
    "NotFoundError",
    "OverseerrAdapter",
    "PostProcessingError",
    "PlexAdapter",
    "PlexPinAuth",
    "RateLimitExceeded",
    "RateLimited",
    "RateLimitedError",
    "RateLimiter",
    "RedisCache",
    "RequestCompleted",
    "RequestTimeout",
    "ResiliencePipeline",
    "RetryPolicy",
    "RetryScheduled",
    "Secret",
    "ServerError",
    "ServiceClient",
    "ServiceDown",
    "ServiceHealth",
    "ServiceUp",
    "SignInError",
    "TokenVault",
    "TokenVaultError",
    "TransportError",
    "UnsupportedURLError",
    "UptimeKumaAdapter",
    "VerifiedWebhook",
    "WebhookFailure",
    "WebhookVerificationError",
    "WebhookVerifier",
    "YtDlpRunner",
    "__version__",
]
