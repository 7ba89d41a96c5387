"""The exception tree of medianest-sdk.

Every exception the library raises on purpose derives from :class:`MediaNestError`
and carries the name of the service it concerns (``"plex"``, ``"overseerr"``, ...)
or ``None`` when no service is involved::

    MediaNestError
    ├── ConfigError                    a setting is missing or malformed (key; also a ValueError)
    ├── InvalidTorrentError            not a magnet link, torrent file or info hash (a ValueError)
    ├── InvalidRequestError            the request cannot be built as given (also a ValueError)
    ├── TransportError                 the request did not get a whole HTTP answer
    │   ├── ConnectError               no connection (refused, DNS, TLS); never sent
    │   ├── RequestTimeout             connect/read/write/pool, attempt or total timeout
    │   └── WebSocketClosed            the server closed a websocket, or it broke (``code``)
    ├── HTTPStatusError                the service answered with a status we do not accept
    │   ├── RedirectError              3xx to another origin, or too many redirects
    │   ├── AuthenticationError        401, 403
    │   │   └── IPBannedError          qBittorrent banned this IP after failed logins
    │   ├── NotFoundError              404
    │   │   └── TorrentNotFoundError   no torrent with this hash (``info_hash``)
    │   ├── RateLimitedError           429 (``retry_after``)
    │   └── ServerError                5xx (``retry_after`` from 503)
    │       └── UpstreamUnavailableError  the service answered 5xx because *its* upstream is down
    ├── UnsupportedByServerError       this server (flavour, version) has no such feature
    ├── ResponseTooLargeError          a response body over ``max_response_bytes``
    ├── PipelineTimeout                a pipeline's attempt or total timeout (also a TimeoutError)
    ├── WaitTimeout                    a wait for a state (a torrent completing) ran past its
    │                                  deadline (also a TimeoutError)
    ├── CircuitOpenError               the circuit breaker rejected the call (``retry_after``)
    │   └── IsolatedCircuitError       ... because it was isolated by hand (until ``reset()``)
    ├── StoreUnavailableError          a shared store (Redis) failed and the policy is fail-closed
    ├── RateLimitExceeded              our own rate limiter refused the call (``retry_after``)
    ├── BulkheadFullError              too many calls waiting for a concurrency slot
    ├── DecodeError                    a response is not JSON, too deep, or does not fit the model
    ├── WebhookVerificationError       an incoming webhook failed verification (``reason``)
    ├── TokenVaultError                a vault token was tampered with, wrongly keyed or expired
    ├── SignInError                    a plex.tv PIN sign-in expired or ran past its deadline
    └── DownloadError                  a yt-dlp download failed
        ├── UnsupportedURLError        no extractor handles the URL (or not http/https)
        ├── MediaUnavailableError      the media is gone, private, or answers 4xx
        ├── DownloadNetworkError       the host is unreachable or the transfer broke
        ├── PostProcessingError        merging or converting the file failed
        ├── DownloadStorageError       the disk is full or not writable
        ├── DownloadCancelled          the download was cancelled by the caller
        └── TorrentDownloadError       a torrent stopped in qBittorrent's error state

Two class attributes drive the resilience primitives, which know nothing of HTTP:

- ``transient``: the failure says something about the *service's* health. Transport errors,
  timeouts, 408, 429 and 5xx are transient: they count as breaker failures and may be
  retried. Every other 4xx is the caller's error: never retried, never opens a breaker.
- ``retry_safe``: the request certainly did not reach the service, so even a non-idempotent
  call (POST) may be retried (a refused connection, a pool timeout, a 429).

Every error pickles (``pickle.dumps(exc)`` round-trips its class, message and attributes), so
it can cross a process or task-queue boundary; its ``__cause__`` and traceback do not travel.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = [
    "WebSocketClosed",
    "TorrentDownloadError",
    "WaitTimeout",
    "InvalidTorrentError",
    "TorrentNotFoundError",
    "IPBannedError",
    "AuthenticationError",
    "BulkheadFullError",
    "CallRejectedError",
    "CircuitOpenError",
    "ConfigError",
    "ConnectError",
    "DecodeError",
    "DownloadCancelled",
    "DownloadError",
    "DownloadNetworkError",
    "DownloadStorageError",
    "HTTPStatusError",
    "InvalidRequestError",
    "IsolatedCircuitError",
    "MediaNestError",
    "MediaUnavailableError",
    "NotFoundError",
    "PipelineTimeout",
    "PostProcessingError",
    "RateLimitExceeded",
    "RateLimitedError",
    "RedirectError",
    "RequestTimeout",
    "ResponseTooLargeError",
    "ServerError",
    "SignInError",
    "StoreUnavailableError",
    "StreamOverflowError",
    "TokenVaultError",
    "TransportError",
    "UnsupportedByServerError",
    "UnsupportedURLError",
    "UpstreamUnavailableError",
    "WebhookFailure",
    "WebhookVerificationError",
]

BODY_EXCERPT_LIMIT = 500
"""The longest response-body excerpt (in characters) an :class:`HTTPStatusError` keeps."""


class MediaNestError(Exception):
    """Base of every error medianest-sdk raises on purpose.

    Attributes:
        message: The human-readable message (also ``str(exc)``); never holds a secret.
        service: The service name (``"plex"``, ``"overseerr"``, ...) or ``None``.
    """

    transient: bool = False
    retry_safe: bool = False

    def __init__(self, message: str, *, service: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.service = service

    def __str__(self) -> str:
        return f"{self.service}: {self.message}" if self.service else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments defeat BaseException's default pickling:
        # rebuild from the class, the args and the attributes instead.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls: type[MediaNestError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class ConfigError(MediaNestError, ValueError):
    """A setting is missing or malformed. The message names the key (``PLEX_TOKEN``,
    ``plex.timeout``), never its value.

    Attributes:
        key: The key as the source spells it (an environment variable or ``section.key``).
    """

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message, service="config")
        self.key = key


class InvalidTorrentError(MediaNestError, ValueError):
    """What was given as a torrent is not one: a magnet link without a ``urn:btih``/``urn:btmh``
    topic, bytes that are not a bencoded ``.torrent`` file, a string that is not an info hash.
    Raised before anything is sent.

    Attributes:
        source: What was read: ``"magnet"``, ``"torrent file"`` or ``"hash"``.
    """

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(message, service="qbittorrent")
        self.source = source


class InvalidRequestError(MediaNestError, ValueError):
    """The request cannot be built or sent as given, so it never left this process: an invalid
    URL, a header value with a line break or a non-ASCII character, a cookie conflict, a
    scheme other than http(s). The message names the part, never its value.

    Attributes:
        method: The HTTP method, upper case.
        url: The request URL with secrets redacted.
    """

    retry_safe = True

    def __init__(self, message: str, *, service: str | None, method: str, url: str) -> None:
        super().__init__(message, service=service)
        self.method = method
        self.url = url


class TransportError(MediaNestError):
    """The request got no whole HTTP answer (connection, protocol or timeout failure, or a
    connection lost while the body was read).

    Attributes:
        method: The HTTP method, upper case.
        url: The request URL with secrets redacted.
    """

    transient = True

    def __init__(self, message: str, *, service: str | None, method: str, url: str) -> None:
        super().__init__(message, service=service)
        self.method = method
        self.url = url


class ConnectError(TransportError):
    """The connection could not be opened (refused, DNS failure, TLS failure).

    The request never left this process, so retrying is safe even for POST.
    """

    retry_safe = True


class RequestTimeout(TransportError):
    """A timeout elapsed.

    Attributes:
        phase: httpx's phases ``"connect"``, ``"read"``, ``"write"``, ``"pool"``; or the
            pipeline's ``"attempt"`` (its ``attempt_timeout``, one try) and ``"total"`` (its
            ``timeout``, every try and wait together).
    """

    def __init__(
        self, message: str, *, service: str | None, method: str, url: str, phase: str
    ) -> None:
        super().__init__(message, service=service, method=method, url=url)
        self.phase = phase
        # A connect or pool timeout means nothing was sent.
        self.retry_safe = phase in {"connect", "pool"}


class WebSocketClosed(TransportError):
    """The server closed a websocket, or the connection under it broke. Transient: reconnecting
    may help.

    Attributes:
        code: The close code (RFC 6455 section 7.4: 1001 going away, 1009 message too big...),
            or ``None`` when the connection just broke.
    """

    transient = True

    def __init__(
        self, message: str, *, service: str | None, url: str, code: int | None = None
    ) -> None:
        super().__init__(message, service=service, method="GET", url=url)
        self.code = code


class HTTPStatusError(MediaNestError):
    """The service answered with an error status (4xx or 5xx).

    Attributes:
        method: The HTTP method, upper case.
        url: The request URL with secrets redacted.
        status: The HTTP status code.
        request_id: The ``X-Request-Id`` (or similar) response header, or ``None``.
        body_excerpt: At most 500 characters of the response body, secrets redacted.
        retry_after: Seconds to wait from ``Retry-After`` / ``retry-after-ms`` (RFC 9110
            section 10.2.3), or ``None`` when the response carried neither.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str | None,
        method: str,
        url: str,
        status: int,
        request_id: str | None = None,
        body_excerpt: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, service=service)
        self.retry_after = retry_after
        self.method = method
        self.url = url
        self.status = status
        self.request_id = request_id
        self.body_excerpt = body_excerpt[:BODY_EXCERPT_LIMIT]
        # 408 Request Timeout and 429 are the server's trouble, not the caller's.
        self.transient = status in (408, 429) or status >= 500


class RedirectError(HTTPStatusError):
    """A 3xx answer that was not followed: its target is on another origin (scheme, host and
    port), where the service's credentials must not go, or the chain of same-origin redirects
    is longer than the client allows. Point ``base_url`` at the final address.

    Attributes:
        location: The redirect target, redacted (``None`` when there is no ``Location``).
    """

    def __init__(
        self,
        message: str,
        *,
        service: str | None,
        method: str,
        url: str,
        status: int,
        location: str | None,
    ) -> None:
        super().__init__(message, service=service, method=method, url=url, status=status)
        self.location = location
        self.transient = False


class ResponseTooLargeError(MediaNestError):
    """A response body (after Content-Encoding) is larger than the client's
    ``max_response_bytes``; the rest was not read.

    Attributes:
        method: The HTTP method, upper case.
        url: The request URL with secrets redacted.
        limit: The cap in bytes.
    """

    def __init__(
        self, message: str, *, service: str | None, method: str, url: str, limit: int
    ) -> None:
        super().__init__(message, service=service)
        self.method = method
        self.url = url
        self.limit = limit


class PipelineTimeout(MediaNestError, TimeoutError):
    """A :class:`~medianest_sdk.ResiliencePipeline` timeout elapsed (also a
    :class:`TimeoutError`). ``ServiceClient`` turns it into :class:`RequestTimeout` with the same
    ``phase``.

    Attributes:
        phase: ``"attempt"`` (``attempt_timeout``: one try) or ``"total"`` (``timeout``: the
            whole call, retries and waits included).
        seconds: The timeout that elapsed, in seconds.
    """

    transient = True

    def __init__(self, phase: str, seconds: float, *, service: str | None = None) -> None:
        what = "attempt timeout" if phase == "attempt" else "total timeout"
        super().__init__(f"the pipeline's {what} of {seconds:g} s elapsed", service=service)
        self.phase = phase
        self.seconds = seconds


class AuthenticationError(HTTPStatusError):
    """401 (no, unknown or wrong credentials) or 403 (refused). What each means depends on
    the service (Overseerr and Seerr answer 403 to a wrong API key): the message says which
    status came, not a guess at why."""


class NotFoundError(HTTPStatusError):
    """404: the resource (or the push token, request id, rating key ...) does not exist."""


class IPBannedError(AuthenticationError):
    """qBittorrent refuses to log in from this IP address after too many failed logins
    (``WebUI\\MaxAuthenticationFailCount``, default 5) until its ban ends
    (``WebUI\\BanDuration``, default 1 hour) or qBittorrent restarts."""


class TorrentNotFoundError(NotFoundError):
    """404 from a qBittorrent call that names a torrent: no torrent has this hash.

    Attributes:
        info_hash: The torrent ID asked for (40 hex digits).
    """

    def __init__(self, message: str, *, info_hash: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.info_hash = info_hash


class RateLimitedError(HTTPStatusError):
    """429: the service asks us to slow down; ``retry_after`` says for how long.

    The service refused the request without acting on it, so a retry is safe even for POST.
    """

    retry_safe = True


class ServerError(HTTPStatusError):
    """5xx: the service failed (a 503 may carry ``retry_after``)."""


class UpstreamUnavailableError(ServerError):
    """The service answered 5xx because a service *it* depends on is unreachable (Overseerr
    and Seerr answer 500 ``[TMDB] Failed to fetch movie details`` without internet). The
    service itself is up: this is not transient for our breaker and retries, which cannot
    fix it; the message is the service's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transient = False


class UnsupportedByServerError(MediaNestError):
    """The server does not have this feature: its flavour or version lacks the endpoint
    (Seerr's blocklist on Overseerr), or it ignores the option (``filter=deleted``).

    Attributes:
        feature: What was asked for, e.g. ``"blocklist"``.
    """

    def __init__(self, message: str, *, feature: str, service: str | None = None) -> None:
        super().__init__(message, service=service)
        self.feature = feature


class CallRejectedError(MediaNestError):
    """A socket.io call was answered with ``ok: false`` (Uptime Kuma's admin API): wrong
    credentials, a 2FA code needed, a monitor that does not exist, a value the server refused.

    Attributes:
        call: The socket.io event, e.g. ``"login"``, ``"add"``.
        reason: The server's message or i18n key (``"authIncorrectCreds"``,
            ``"tokenRequired"``...), secrets redacted.
    """

    def __init__(self, message: str, *, call: str, reason: str, service: str | None) -> None:
        super().__init__(message, service=service)
        self.call = call
        self.reason = reason


class StreamOverflowError(MediaNestError):
    """An event stream's buffer filled because it was read too slowly: events after the
    buffered ones were dropped. Read faster, or give a larger ``max_buffer``.

    Attributes:
        dropped: How many events were dropped.
    """

    def __init__(self, message: str, *, dropped: int, service: str | None) -> None:
        super().__init__(message, service=service)
        self.dropped = dropped


class CircuitOpenError(MediaNestError):
    """The circuit breaker is open (or isolated) and rejected the call without running it.

    Attributes:
        breaker: The breaker's name.
        retry_after: Seconds until the breaker lets a trial call through, or ``None`` when
            it is isolated by hand (it stays open until ``reset()``).
    """

    def __init__(
        self, message: str, *, breaker: str, retry_after: float | None, service: str | None = None
    ) -> None:
        # Built on every refused call of an outage: set the fields directly (same result as
        # the base initialiser, without its call chain).
        self.args = (message,)
        self.message = message
        self.service = service
        self.breaker = breaker
        self.retry_after = retry_after


class IsolatedCircuitError(CircuitOpenError):
    """The circuit breaker was isolated by hand (``isolate()``) and stays open until
    ``reset()``; ``retry_after`` is ``None``."""


class StoreUnavailableError(MediaNestError):
    """A shared store (Redis) behind a breaker, limiter or cache failed, and the primitive's
    ``on_store_error`` policy is ``"fail_closed"``: the call was refused, not run. It says
    nothing about the service, so it never counts as a service failure and is never retried.

    Attributes:
        store: The store's URL, credentials redacted.
        operation: What was attempted, e.g. ``"breaker admission"``, ``"limiter hit"``.
    """

    retry_safe = True

    def __init__(self, message: str, *, store: str, operation: str) -> None:
        super().__init__(message, service=None)
        self.store = store
        self.operation = operation


class RateLimitExceeded(MediaNestError):
    """Our own :class:`~medianest_sdk.RateLimiter` refused the call.

    Attributes:
        limit: The limit in ``limits`` notation, e.g. ``"100 per 15 minutes"``.
        key: The rate-limit key (user id, IP), as the caller gave it.
        retry_after: Seconds until the limit allows the call again, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        key: str,
        retry_after: float | None,
        service: str | None = None,
    ) -> None:
        super().__init__(message, service=service)
        self.limit = limit
        self.key = key
        self.retry_after = retry_after


class BulkheadFullError(MediaNestError):
    """The bulkhead's queue is full: ``max_concurrent`` calls run and ``max_waiting`` wait.

    Attributes:
        max_concurrent: Calls allowed to run at once.
        max_waiting: Calls allowed to wait for a slot.
    """

    def __init__(
        self, message: str, *, max_concurrent: int, max_waiting: int, service: str | None = None
    ) -> None:
        super().__init__(message, service=service)
        self.max_concurrent = max_concurrent
        self.max_waiting = max_waiting


class WaitTimeout(MediaNestError, TimeoutError):
    """A wait for a state (a torrent completing, a scan finishing) ran past its deadline.
    Nothing was cancelled on the server: the transfer or scan goes on.

    Attributes:
        waited: Seconds waited.
        what: What was awaited, e.g. ``"torrent 0123... completed"``.
    """

    def __init__(self, message: str, *, service: str | None, waited: float, what: str) -> None:
        super().__init__(message, service=service)
        self.waited = waited
        self.what = what


class DecodeError(MediaNestError):
    """A response (or a webhook payload) did not fit the typed model.

    Attributes:
        endpoint: What was decoded, e.g. ``"GET /library/sections"``.
        field: The path of the first offending field, e.g. ``"$.MediaContainer.size"``, or
            ``None`` when the body was not parseable at all.
    """

    def __init__(
        self, message: str, *, service: str | None, endpoint: str, field: str | None = None
    ) -> None:
        super().__init__(message, service=service)
        self.endpoint = endpoint
        self.field = field


class WebhookFailure(StrEnum):
    """Machine-readable reasons for :class:`WebhookVerificationError`."""

    MISSING_HEADER = "missing_header"
    MALFORMED_HEADER = "malformed_header"
    BAD_SIGNATURE = "bad_signature"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    REPLAYED = "replayed"
    BODY_TOO_LARGE = "body_too_large"


class WebhookVerificationError(MediaNestError):
    """An incoming webhook failed verification; nothing secret is in the message.

    Attributes:
        reason: A :class:`WebhookFailure` value, e.g. ``WebhookFailure.BAD_SIGNATURE``.
    """

    def __init__(self, message: str, *, reason: WebhookFailure, service: str | None = None) -> None:
        super().__init__(message, service=service)
        self.reason = reason


class TokenVaultError(MediaNestError):
    """A :class:`~medianest_sdk.TokenVault` token could not be decrypted.

    Attributes:
        reason: ``"invalid"`` (tampered, truncated, or encrypted under a key the vault does
            not hold) or ``"expired"`` (older than the ``ttl`` given to ``decrypt``).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, service="vault")
        self.reason = reason


class SignInError(MediaNestError):
    """A plex.tv PIN sign-in did not complete.

    Attributes:
        reason: ``"expired"`` (the PIN expired before the user confirmed it; create a new one)
            or ``"deadline"`` (the caller's ``timeout`` passed first).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, service="plex.tv")
        self.reason = reason


class DownloadError(MediaNestError):
    """A yt-dlp download or extraction failed.

    Attributes:
        url: The media URL with its query string redacted.
    """

    def __init__(self, message: str, *, url: str, service: str | None = "yt-dlp") -> None:
        super().__init__(message, service=service)
        self.url = url


class UnsupportedURLError(DownloadError):
    """No yt-dlp extractor handles the URL (an HTML page without media), or it is not http(s)."""


class MediaUnavailableError(DownloadError):
    """The media does not exist (404), is private or removed, or the host refused it (4xx)."""


class DownloadNetworkError(DownloadError):
    """The host could not be reached, or the transfer broke off."""

    transient = True


class PostProcessingError(DownloadError):
    """A post-processor (merging formats, converting, embedding) failed."""


class DownloadStorageError(DownloadError):
    """The output folder is full or not writable."""


class DownloadCancelled(DownloadError):
    """The download was cancelled by ``job.cancel()`` or an enclosing cancel scope."""


class TorrentDownloadError(DownloadError):
    """A torrent being awaited entered qBittorrent's ``error`` or ``missingFiles`` state (a
    full disk, files removed under it): it will not finish without a hand.

    Attributes:
        info_hash: The torrent ID.
        state: The state qBittorrent reported.
    """

    def __init__(self, message: str, *, info_hash: str, state: str, url: str = "") -> None:
        super().__init__(message, url=url, service="qbittorrent")
        self.info_hash = info_hash
        self.state = state
