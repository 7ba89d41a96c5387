"""``ServiceClient``: the one place that speaks HTTP (the only module that imports httpx).

It owns (or borrows) an :class:`httpx.AsyncClient`, joins paths onto the service's base URL,
adds default headers and auth, applies timeouts and the connection-pool bound, runs each
request through an optional resilience pipeline, and gives failures their HTTP meaning:

======================================  ==============================  =========  ==========
what happened                           raises                          transient  retry_safe
======================================  ==============================  =========  ==========
connection refused / DNS / TLS          :class:`ConnectError`           yes        yes
connect or pool timeout                 :class:`RequestTimeout`         yes        yes
read or write timeout                   :class:`RequestTimeout`         yes        no
connection lost after sending           :class:`TransportError`         yes        no
401, 403                                :class:`AuthenticationError`    no         no
404                                     :class:`NotFoundError`          no         no
408                                     :class:`HTTPStatusError`        yes        no
429                                     :class:`RateLimitedError`       yes        yes
other 4xx                               :class:`HTTPStatusError`        no         no
5xx                                     :class:`ServerError`            yes        no
======================================  ==============================  =========  ==========

*transient* failures count against a circuit breaker and may be retried; GET, HEAD, PUT,
DELETE and OPTIONS are idempotent (RFC 9110 section 9.2.2) and retried on any transient
failure, POST and PATCH only on a *retry_safe* one (the request never reached the service).
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, Self, TypeVar
from urllib.parse import quote

import attrs
import httpx

from .decoding import decode
from .errors import (
    AuthenticationError,
    ConnectError,
    DecodeError,
    HTTPStatusError,
    MediaNestError,
    NotFoundError,
    RateLimitedError,
    RequestTimeout,
    ServerError,
    TransportError,
)
from .events import EventHooks, RequestCompleted
from .secrets import Secret, redact_text, redact_url

__all__ = [
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "HealthReport",
    "Pipeline",
    "ServiceAdapter",
    "ServiceClient",
    "parse_retry_after",
    "path_segment",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Default timeouts: 5 s to connect, 10 s each to read, write and wait for a pooled connection."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
"""Methods that RFC 9110 section 9.2.2 calls idempotent: safe to retry on any transient failure."""

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-plex-request-id")


_IN_FLIGHT: ContextVar[tuple[Secret, ...]] = ContextVar("medianest_in_flight", default=())
"""The secrets of the request this task is sending, for the httpx log filter."""


class _RedactingFilter(logging.Filter):
    """Redacts secrets in httpx's own log lines ("HTTP Request: GET url ..."): secret query
    values, and the secrets of the request in flight (httpx logs inside our task's context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message, _IN_FLIGHT.get())
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def _install_httpx_log_redaction() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactingFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactingFilter())


_install_httpx_log_redaction()


class Pipeline(Protocol):
    """What :class:`ServiceClient` needs of a resilience pipeline.

    :class:`~medianest_sdk.ResiliencePipeline` implements it; a host app may pass its own.
    """

    async def execute(
        self,
        operation: Callable[[], Awaitable[T]],
        *,
        cache_key: str | None = None,
        ttl: float | None = None,
        retry_safe: bool = True,
        name: str = "",
    ) -> T:
        """Run ``operation`` under the pipeline's policies and return its result."""
        ...


@attrs.frozen(kw_only=True)
class HealthReport:
    """The outcome of one health check.

    Attributes:
        service: Service name, e.g. ``"plex"``.
        status: ``"healthy"``, ``"degraded"`` (timeouts, 5xx, 429, an open breaker) or
            ``"unhealthy"`` (refused connection, 401/403, other 4xx).
        latency_ms: Milliseconds the probe took, or ``None`` if it got no answer.
        error: The failure, redacted (exception class and message), or ``None``.
        version: The service's version when the probe reports one.
        breaker_state: The circuit breaker's state when the client's pipeline has one.
    """

    service: str
    status: Literal["healthy", "degraded", "unhealthy"]
    latency_ms: float | None = None
    error: str | None = None
    version: str | None = None
    breaker_state: str | None = None

    @property
    def healthy(self) -> bool:
        """``True`` when ``status == "healthy"``."""
        return self.status == "healthy"


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a response's headers, or ``None`` when none say.

    Reads ``retry-after-ms`` (milliseconds, as OpenAI and Azure send it) first, then
    ``Retry-After`` as delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). A date in the
    past gives ``0.0``; a malformed, negative or non-finite value gives ``None``.

    Args:
        headers: Response headers (case-insensitive mapping, e.g. ``httpx.Headers``).
        now: The current time for HTTP-dates; defaults to the system clock.
    """
    ms = _header(headers, "retry-after-ms")
    if ms is not None:
        try:
            value = float(ms.strip())
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value / 1000.0
    raw = _header(headers, "retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit():
        return float(int(raw))
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, delta)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    if isinstance(headers, httpx.Headers):
        found: str | None = headers.get(name)
        return found
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _server_message(response: httpx.Response) -> str | None:
    """The ``message``/``error``/``msg`` a JSON error body carries (Overseerr, Uptime Kuma)."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in ("message", "error", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return None


_AUTH_MEANING = {
    401: "not authenticated: the credentials are missing or unknown",
    403: "forbidden: the credentials are valid but lack a permission for this call",
}


class ServiceClient:
    """An async HTTP client for one service, with typed errors and an optional pipeline.

    Args:
        service: Short service name used in errors, events and cache keys, e.g. ``"sonarr"``.
        base_url: The service's root, e.g. ``"http://127.0.0.1:8989/api/v3"``; request paths
            are joined onto it.
        headers: Headers sent with every request. :class:`Secret` values are revealed only on
            the wire and redacted everywhere else.
        params: Query parameters sent with every request (for APIs that want the key there;
            prefer a header where the service accepts one: URLs end up in logs).
        auth: httpx auth, e.g. ``("user", "password")`` for HTTP Basic.
        secrets: Further secrets to redact from logs, events, errors, and to fingerprint in
            cache keys (credentials the adapter sends some other way).
        timeout: Seconds (one number for every phase) or an :class:`httpx.Timeout`; default
            :data:`DEFAULT_TIMEOUT`. Each call may override it.
        max_connections: Connection-pool bound (connections per service), default 10.
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline` (or any :class:`Pipeline`);
            ``None`` sends every request straight through.
        http_client: An :class:`httpx.AsyncClient` the host owns. The client borrows it and
            never closes it; ``timeout`` and ``max_connections`` then come from that client
            unless a call overrides the timeout.
        hooks: Where :class:`~medianest_sdk.events.RequestCompleted` events go.
        transport: An httpx transport for the owned client (``httpx.MockTransport`` in tests).

    Example: a Sonarr adapter in a page::

        @attrs.frozen
        class Series:
            id: int
            title: str

        class Sonarr:
            def __init__(self, url: str, api_key: str) -> None:
                self.http = ServiceClient("sonarr", url + "/api/v3",
                                          headers={"X-Api-Key": Secret(api_key)})

            async def series(self) -> list[Series]:
                return await self.http.get_model("/series", list[Series])
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        headers: Mapping[str, str | Secret] | None = None,
        params: Mapping[str, str | Secret] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        secrets: Sequence[Secret] = (),
        timeout: float | httpx.Timeout | None = None,
        max_connections: int = 10,
        pipeline: Pipeline | None = None,
        http_client: httpx.AsyncClient | None = None,
        hooks: EventHooks | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"{service}: base_url must start with http:// or https://, got "
                f"{redact_url(base_url)!r}"
            )
        if max_connections < 1:
            raise ValueError(f"{service}: max_connections must be >= 1, got {max_connections}")
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.pipeline = pipeline
        self.hooks = hooks if hooks is not None else EventHooks()
        self._secrets: list[Secret] = list(secrets)
        self._headers = self._reveal(headers or {})
        self._params = self._reveal(params or {})
        self._owns_client = http_client is None
        if http_client is None:
            self._client = httpx.AsyncClient(
                headers=self._headers,
                params=self._params,
                timeout=DEFAULT_TIMEOUT if timeout is None else _as_timeout(timeout),
                limits=httpx.Limits(
                    max_connections=max_connections, max_keepalive_connections=max_connections
                ),
                auth=auth,
                transport=transport,
                follow_redirects=False,
            )
        else:
            self._client = http_client
        self._auth = auth
        self._closed = False

    def _reveal(self, values: Mapping[str, str | Secret]) -> dict[str, str]:
        out = {}
        for key, value in values.items():
            if isinstance(value, Secret):
                self._secrets.append(value)
                out[key] = value.reveal()
            else:
                out[key] = value
        return out

    def __repr__(self) -> str:
        return f"ServiceClient(service={self.service!r}, base_url={redact_url(self.base_url)!r})"

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> ServiceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the owned httpx client (a borrowed one is left open). Idempotent."""
        if not self._closed:
            self._closed = True
            if self._owns_client:
                await self._client.aclose()

    # -- helpers for adapters ----------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL for ``path`` (``"/library/sections"`` -> base URL + path)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def redact(self, text: str) -> str:
        """``text`` with this client's secrets and secret query values replaced by ``***``."""
        return redact_text(text, self._secrets)

    @property
    def credential_fingerprint(self) -> str:
        """A short SHA-256 fingerprint (16 hex digits) of the client's secrets.

        Adapters put it in cache keys so that two users never share cached results, without
        the secret itself ever appearing in a key.
        """
        digest = hashlib.sha256()
        for secret in self._secrets:
            digest.update(secret.reveal().encode())
            digest.update(b"\0")
        return digest.hexdigest()[:16]

    def cache_key(self, path: str, params: Mapping[str, object] | None = None) -> str:
        """A namespaced cache key: ``"{service}:{fingerprint}:{path}?{sorted params}"``."""
        query = "&".join(f"{k}={params[k]}" for k in sorted(params)) if params else ""
        return f"{self.service}:{self.credential_fingerprint}:{path}?{query}"

    @property
    def breaker_state(self) -> str | None:
        """The pipeline's circuit breaker state (``"closed"``, ``"open"``...), or ``None``."""
        breaker = getattr(self.pipeline, "breaker", None)
        return None if breaker is None else str(breaker.state.value)

    async def invalidate(self, *path_prefixes: str) -> int:
        """Drop the pipeline cache's entries (of these credentials) whose path starts with any of
        ``path_prefixes`` (``"/library/sections/1/"``); returns how many. No cache: 0."""
        cache = getattr(self.pipeline, "cache", None)
        if cache is None:
            return 0
        base = f"{self.service}:{self.credential_fingerprint}:"
        dropped = 0
        for prefix in path_prefixes:
            dropped += await cache.invalidate(base + prefix)
        return int(dropped)

    def decode(self, data: Any, model: type[T], endpoint: str) -> T:
        """Structure parsed JSON into ``model``; see :func:`medianest_sdk.decoding.decode`.

        Raises:
            DecodeError: the data does not fit ``model``.
        """
        return decode(data, model, service=self.service, endpoint=endpoint)

    # -- requests ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry_safe: bool | None = None,
        secrets: Sequence[Secret] = (),
    ) -> httpx.Response:
        """Send one request through the pipeline; return the successful (< 400) response.

        Args:
            method: HTTP method.
            path: Path under ``base_url`` (or an absolute URL).
            params, json, data, content, headers: As for :meth:`httpx.AsyncClient.request`.
            timeout: Seconds or :class:`httpx.Timeout` for this call only.
            retry_safe: Whether the pipeline may retry after a transient failure that might
                have reached the service. Default: ``True`` for idempotent methods.
            secrets: Secrets of this call only (a token in the URL path, say), redacted from
                its events, logs and errors like the client's own.

        Raises:
            TransportError, HTTPStatusError: and their subclasses, as in the module table.
            CircuitOpenError, RateLimitExceeded, BulkheadFullError: from the pipeline.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if retry_safe is None else retry_safe
        attempt = 0

        async def once() -> httpx.Response:
            nonlocal attempt
            attempt += 1
            return await self._send(
                method,
                path,
                params=params,
                json=json,
                data=data,
                content=content,
                headers=headers,
                timeout=timeout,
                attempt=attempt,
                secrets=secrets,
            )

        if self.pipeline is None:
            return await once()
        name = self._log_url(f"{method} {path}", secrets)
        try:
            return await self.pipeline.execute(once, retry_safe=safe, name=f"{self.service} {name}")
        except TimeoutError:
            raise self._pipeline_timeout(method, path, secrets) from None

    async def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        cache_key: str | None = None,
        cache_ttl: float | None = None,
    ) -> Any:
        """GET ``path`` and return the parsed JSON, cached by the pipeline's cache if any.

        Args:
            cache_key: Key to cache the JSON under (see :meth:`cache_key`); ``None``: no cache.
            cache_ttl: Seconds the cached JSON stays fresh; ``None``: the cache's default.

        Raises:
            DecodeError: the body is not JSON. Otherwise as :meth:`request`.
        """
        return await self._get_parsed(
            path,
            params=params,
            headers=headers,
            timeout=timeout,
            cache_key=cache_key,
            cache_ttl=cache_ttl,
            parse=self.json_of,
        )

    async def get_text(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        cache_key: str | None = None,
        cache_ttl: float | None = None,
    ) -> str:
        """GET ``path`` and return the body as text (an SVG, a metrics page); cacheable.

        Raises:
            As :meth:`request`.
        """
        text: str = await self._get_parsed(
            path,
            params=params,
            headers=headers,
            timeout=timeout,
            cache_key=cache_key,
            cache_ttl=cache_ttl,
            parse=lambda r: r.text,
        )
        return text

    async def get_model(
        self,
        path: str,
        model: type[T],
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        cache_key: str | None = None,
        cache_ttl: float | None = None,
    ) -> T:
        """GET ``path`` and structure the JSON into ``model`` (an attrs class, ``list[...]``).

        Raises:
            DecodeError: the JSON does not fit ``model`` (names the field). Otherwise as
                :meth:`request`.
        """
        data = await self.get_json(
            path,
            params=params,
            headers=headers,
            timeout=timeout,
            cache_key=cache_key,
            cache_ttl=cache_ttl,
        )
        return self.decode(data, model, f"GET {path}")

    async def _get_parsed(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
        cache_key: str | None,
        cache_ttl: float | None,
        parse: Callable[[httpx.Response], Any],
    ) -> Any:
        attempt = 0

        async def once() -> Any:
            nonlocal attempt
            attempt += 1
            response = await self._send(
                "GET", path, params=params, headers=headers, timeout=timeout, attempt=attempt
            )
            return parse(response)

        if self.pipeline is None:
            return await once()
        try:
            return await self.pipeline.execute(
                once, cache_key=cache_key, ttl=cache_ttl, name=f"{self.service} GET {path}"
            )
        except TimeoutError:
            raise self._pipeline_timeout("GET", path) from None

    def _pipeline_timeout(
        self, method: str, path: str, secrets: Sequence[Secret] = ()
    ) -> RequestTimeout:
        shown = self._log_url(self.url(path), secrets)
        return RequestTimeout(
            f"{method} {shown}: the pipeline's timeout elapsed",
            service=self.service,
            method=method,
            url=shown,
            phase="total",
        )

    def json_of(self, response: httpx.Response) -> Any:
        """Parse a response body as JSON.

        Raises:
            DecodeError: the body is not valid JSON (field ``None``).
        """
        try:
            return response.json()
        except ValueError as exc:
            endpoint = f"{response.request.method} {redact_url(str(response.request.url))}"
            raise DecodeError(
                f"{endpoint}: body is not JSON ({exc.__class__.__name__}): "
                f"{self.redact(response.text[:120])!r}",
                service=self.service,
                endpoint=endpoint,
            ) from None

    async def probe(
        self,
        path: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        version: Callable[[httpx.Response], str | None] | None = None,
    ) -> HealthReport:
        """GET ``path`` once, outside the pipeline, and report health with latency.

        Used by every adapter's ``health()``. Never raises for a failed check (cancellation
        still propagates); the failure is in the report.

        Args:
            path: A cheap endpoint (``/identity`` for Plex, ``/api/v1/status`` for Overseerr).
            timeout: Overrides the client's timeout for the probe.
            version: Extracts the service version from a successful response.

        The report carries the pipeline breaker's state; an open or isolated breaker makes a
        passing probe ``"degraded"``.
        """
        breaker_state = self.breaker_state
        start = time.perf_counter()
        try:
            response = await self._send("GET", path, timeout=timeout, attempt=1)
        except MediaNestError as exc:
            latency = None if isinstance(exc, TransportError) else _ms_since(start)
            degraded = exc.transient and not isinstance(exc, ConnectError)
            return HealthReport(
                service=self.service,
                status="degraded" if degraded else "unhealthy",
                latency_ms=latency,
                error=f"{type(exc).__name__}: {self.redact(exc.message)}",
                breaker_state=breaker_state,
            )
        found = None
        if version is not None:
            try:
                found = version(response)
            except (ValueError, KeyError, TypeError, DecodeError):
                found = None
        status: Literal["healthy", "degraded"] = (
            "degraded" if breaker_state in ("open", "isolated") else "healthy"
        )
        return HealthReport(
            service=self.service,
            status=status,
            latency_ms=_ms_since(start),
            version=found,
            breaker_state=breaker_state,
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        attempt: int,
        secrets: Sequence[Secret] = (),
    ) -> httpx.Response:
        """One attempt: send, read the body, emit ``RequestCompleted``, map failures."""
        if self._closed:
            raise RuntimeError(f"{self.service}: the client is closed")
        url = self.url(path)
        if self._owns_client:  # our defaults live on the client: httpx merges them
            all_headers = headers
            all_params = params
        else:
            all_headers = {**self._headers, **headers} if headers else self._headers
            all_params = {**self._params, **params} if params else (self._params or None)
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = _as_timeout(timeout)
        if self._auth is not None and not self._owns_client:
            extra["auth"] = self._auth
        start = time.perf_counter()
        in_flight = _IN_FLIGHT.set((*self._secrets, *secrets))
        try:
            response = await self._client.request(
                method,
                url,
                params=all_params,
                json=json,
                data=data,
                content=content,
                headers=all_headers,
                **extra,
            )
        except httpx.TimeoutException as exc:
            raise await self._transport_failed(exc, method, url, start, attempt, secrets) from None
        except httpx.TransportError as exc:
            raise await self._transport_failed(exc, method, url, start, attempt, secrets) from None
        finally:
            _IN_FLIGHT.reset(in_flight)
        duration = time.perf_counter() - start
        status = response.status_code
        if self.hooks.active(RequestCompleted):
            await self.hooks.emit(
                RequestCompleted(
                    service=self.service,
                    method=method,
                    url=self._log_url(response.request.url, secrets),
                    status=status,
                    duration_s=duration,
                    attempt=attempt,
                )
            )
        if status >= 400:
            raise self._status_error(response, secrets)
        return response

    def _log_url(self, url: httpx.URL | str, extra: Sequence[Secret] = ()) -> str:
        return redact_text(redact_url(str(url)), [*self._secrets, *extra])

    async def _transport_failed(
        self,
        exc: httpx.TransportError,
        method: str,
        url: str,
        start: float,
        attempt: int,
        secrets: Sequence[Secret],
    ) -> TransportError:
        try:
            request_url = str(exc.request.url)
        except RuntimeError:
            request_url = url
        shown = self._log_url(request_url, secrets)
        await self.hooks.emit(
            RequestCompleted(
                service=self.service,
                method=method,
                url=shown,
                status=None,
                duration_s=time.perf_counter() - start,
                attempt=attempt,
                error=type(exc).__name__,
            )
        )
        detail = redact_text(str(exc), [*self._secrets, *secrets]) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            phase = {
                httpx.ConnectTimeout: "connect",
                httpx.ReadTimeout: "read",
                httpx.WriteTimeout: "write",
                httpx.PoolTimeout: "pool",
            }.get(type(exc), "read")
            return RequestTimeout(
                f"{method} {shown}: {phase} timeout",
                service=self.service,
                method=method,
                url=shown,
                phase=phase,
            )
        if isinstance(exc, httpx.ConnectError):
            return ConnectError(
                f"{method} {shown}: cannot connect ({detail})",
                service=self.service,
                method=method,
                url=shown,
            )
        return TransportError(
            f"{method} {shown}: connection failed after the request was sent, so the service "
            f"may or may not have acted on it ({type(exc).__name__}: {detail})",
            service=self.service,
            method=method,
            url=shown,
        )

    def _status_error(
        self, response: httpx.Response, secrets: Sequence[Secret] = ()
    ) -> HTTPStatusError:
        status = response.status_code
        method = response.request.method
        shown = self._log_url(response.request.url, secrets)
        excerpt = redact_text(response.text[:2000], [*self._secrets, *secrets])[:500]
        server_message = _server_message(response)
        request_id = next(
            (response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None
        )
        meaning = _AUTH_MEANING.get(status) or response.reason_phrase or "error"
        message = f"{method} {shown} -> {status}: {meaning}"
        if server_message:
            message += f": {redact_text(server_message, [*self._secrets, *secrets])[:300]}"
        cls: type[HTTPStatusError]
        if status in (401, 403):
            cls = AuthenticationError
        elif status == 404:
            cls = NotFoundError
        elif status == 429:
            cls = RateLimitedError
        elif status >= 500:
            cls = ServerError
        else:
            cls = HTTPStatusError
        return cls(
            message,
            service=self.service,
            method=method,
            url=shown,
            status=status,
            request_id=request_id,
            body_excerpt=excerpt,
            retry_after=parse_retry_after(response.headers),
        )


def path_segment(value: int | str) -> str:
    """``value`` as one URL path segment: everything but unreserved characters percent-encoded,
    so an id, slug or token can never add a ``/`` or a query.

    Raises:
        ValueError: ``value`` is empty.
    """
    text = str(value)
    if not text:
        raise ValueError("a path segment (id, slug or token) must not be empty")
    return quote(text, safe="")


def _as_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


class ServiceAdapter:
    """Base of the service adapters: holds ``http`` (a :class:`ServiceClient`) and is an async
    context manager that closes it (a borrowed httpx client stays open).

    Host apps can build their own adapters on it::

        class Sonarr(ServiceAdapter):
            def __init__(self, url: str, api_key: str) -> None:
                self.http = ServiceClient("sonarr", url, headers={"X-Api-Key": Secret(api_key)})
    """

    http: ServiceClient

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_url(self.http.base_url)!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the owned HTTP client (a borrowed one stays open). Idempotent."""
        await self.http.aclose()
