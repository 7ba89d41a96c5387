"""medianest-sdk: typed async adapters for home-media services on composable resilience primitives.

Everything public is importable from here; submodules are implementation detail unless their
docs say otherwise. The guide lives in ``docs/``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .errors import (
    AuthenticationError,
    BulkheadFullError,
    CircuitOpenError,
    ConnectError,
    DecodeError,
    DownloadCancelled,
    DownloadError,
    HTTPStatusError,
    MediaNestError,
    NotFoundError,
    RateLimitedError,
    RateLimitExceeded,
    RequestTimeout,
    ServerError,
    TokenVaultError,
    TransportError,
    WebhookFailure,
    WebhookVerificationError,
)
from .events import (
    BreakerStateChanged,
    BulkheadRejected,
    CacheLookup,
    Event,
    EventHooks,
    RateLimited,
    RequestCompleted,
    RetryScheduled,
)
from .http import HealthReport, ServiceClient
from .secrets import Secret, TokenVault

try:
    __version__ = _version("medianest-sdk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "AuthenticationError",
    "BreakerStateChanged",
    "BulkheadFullError",
    "BulkheadRejected",
    "CacheLookup",
    "CircuitOpenError",
    "ConnectError",
    "DecodeError",
    "DownloadCancelled",
    "DownloadError",
    "Event",
    "EventHooks",
    "HTTPStatusError",
    "HealthReport",
    "MediaNestError",
    "NotFoundError",
    "RateLimitExceeded",
    "RateLimited",
    "RateLimitedError",
    "RequestCompleted",
    "RequestTimeout",
    "RetryScheduled",
    "Secret",
    "ServerError",
    "ServiceClient",
    "TokenVault",
    "TokenVaultError",
    "TransportError",
    "WebhookFailure",
    "WebhookVerificationError",
    "__version__",
]
