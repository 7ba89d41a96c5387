"""``ServiceClient``: one service's HTTP, with typed failures, scoped credentials and caching."""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import quote

import httpx

from ..decoding import decode, parse_json
from ..errors import (
    ConnectError,
    DecodeError,
    HTTPStatusError,
    InvalidRequestError,
    MediaNestError,
    PipelineTimeout,
    RedirectError,
    RequestTimeout,
    ResponseTooLargeError,
    TransportError,
)
from ..events import EventHooks, RequestCompleted
from ..secrets import Secret, redact_text, redact_url
from .adapter import HealthReport
from .failures import excerpt, request_failed, status_error
from .logredact import IN_FLIGHT, install_httpx_log_redaction
from .route import route_template
from .scope import CacheScope
from .websocket import DEFAULT_MAX_MESSAGE_BYTES, WebSocket, open_websocket

MEMO_ENTRIES = 512
"""Parsed answers :meth:`ServiceClient.get_parsed` keeps per client (least recently used go)."""

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "MEMO_ENTRIES",
    "Pipeline",
    "ServiceClient",
    "path_segment",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""Default timeouts: 5 s to connect, 10 s each to read, write and wait for a pooled connection."""

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""The default cap on a response body, in bytes (32 MiB) after Content-Encoding."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
"""Methods that RFC 9110 section 9.2.2 calls idempotent: safe to retry on any transient failure."""

_HTTPX_FAILURES = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.CookieConflict,
    httpx.StreamError,
    UnicodeError,
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}

install_httpx_log_redaction()


class BreakerView(Protocol):
    """What :class:`ServiceClient` reads of a pipeline's circuit breaker."""

    @property
    def state(self) -> Any:
        """The breaker state (an enum whose ``value`` is ``"closed"``, ``"open"``, ...)."""
        ...


class CacheView(Protocol):
    """What :class:`ServiceClient` uses of a pipeline's cache."""

    async def invalidate(self, prefix: str) -> int:
        """Drop every key that starts with ``prefix``; return how many."""
        ...


class Pipeline(Protocol):
    """What :class:`ServiceClient` needs of a resilience pipeline.

    :class:`~medianest_sdk.ResiliencePipeline` implements it; a host app may pass its own.
    ``breaker`` and ``cache`` may be ``None``.
    """

    @property
    def breaker(self) -> BreakerView | None:
        """The circuit breaker, reported by ``probe()``; or ``None``."""
        ...

    @property
    def cache(self) -> CacheView | None:
        """The cache that ``invalidate()`` drops entries from; or ``None``."""
        ...

    def bind(self, service: str, hooks: EventHooks | None) -> EventHooks:
        """Called once by each :class:`ServiceClient` given the pipeline, with its service
        name and the client's own hooks (``None`` when it was given none). Returns the hooks
        the pipeline reports to, which a client given no hooks shares: hooks passed once, to
        the adapter or to the pipeline, reach the client and every primitive.
        ``ResiliencePipeline`` names itself and an unnamed limiter after the service and takes
        the client's hooks when it was given none of its own."""
        ...

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


class ServiceClient:
    """An async HTTP client for one service, with typed errors and an optional pipeline.

    Args:
        service: Short service name used in errors, events and cache keys, e.g. ``"sonarr"``.
        base_url: The service's root, e.g. ``"http://127.0.0.1:8989/api/v3"``; request paths
            are joined onto it.
        headers: Headers sent with every request. :class:`Secret` values are revealed only on
            the wire and redacted everywhere else. Values must be ASCII without line breaks.
        params: Query parameters sent with every request (for APIs that want the key there;
            prefer a header where the service accepts one: URLs end up in logs).
        auth: ``(user, password)`` for HTTP Basic (RFC 7617), or any ``httpx.Auth``.
        secrets: Further secrets to redact from logs, events, errors, and to fingerprint in
            cache keys (credentials the adapter sends some other way).
        timeout: Seconds (one number for every phase) or a :class:`Timeout`; default
            :data:`DEFAULT_TIMEOUT`. Each call may override it.
        max_connections: Connection-pool bound (connections per service), default 10.
        max_redirects: Same-origin redirects followed per request (default 5). A redirect to
            another origin is never followed: the credentials stay with their origin.
        max_response_bytes: Cap on a response body after Content-Encoding, in bytes (default
            :data:`DEFAULT_MAX_RESPONSE_BYTES`, 32 MiB); past it :class:`ResponseTooLargeError`.
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline` (or any :class:`Pipeline`);
            ``None`` sends every request straight through.
        http_client: An ``httpx.AsyncClient`` the host owns. The client borrows it and never
            closes it; ``timeout`` and ``max_connections`` then come from that client unless a
            call overrides the timeout. Its ``follow_redirects`` is overridden per request: the
            redirect policy above applies to borrowed clients too.
        hooks: Where :class:`~medianest_sdk.RequestCompleted` events go.
        transport: An httpx transport for the owned client (``httpx.MockTransport`` in tests).
        refine_error: Gives a status error the service's own meaning before anything sees it
            (the pipeline's retry and breaker included): ``error -> error``. Adapters use it,
            e.g. Overseerr's 500 naming TMDB becomes :class:`UpstreamUnavailableError`.
        keep_cookies: ``False``: cookies a response sets are not kept in the httpx client's
            cookie jar (a borrowed client's included), for an adapter that holds a session
            cookie itself, per adapter and redacted (qBittorrent's ``SID``); read them from
            the :class:`Response` of :meth:`request`. Default ``True`` (httpx's behaviour).

    Raises:
        ValueError: ``base_url`` is not http(s), or a bound is below 0 (1 for connections).
        InvalidRequestError: a header value is not ASCII or holds a line break.

    Example: a Sonarr adapter in a page::

        @attrs.frozen
        class Series:
            id: int
            title: str

        class Sonarr(ServiceAdapter):
            def __init__(self, url: str, api_key: str) -> None:
                super().__init__(ServiceClient("sonarr", url + "/api/v3",
                                               headers={"X-Api-Key": Secret(api_key)}))

            async def series(self) -> list[Series]:
                return await self.http.get_model("/series", list[Series], cache=True)
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        headers: Mapping[str, str | Secret] | None = None,
        params: Mapping[str, str | Secret] | None = None,
        auth: httpx.Auth | tuple[str | Secret, str | Secret] | None = None,
        secrets: Sequence[Secret] = (),
        timeout: float | httpx.Timeout | None = None,
        max_connections: int = 10,
        max_redirects: int = 5,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        pipeline: Pipeline | None = None,
        http_client: httpx.AsyncClient | None = None,
        hooks: EventHooks | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        refine_error: Callable[[HTTPStatusError], HTTPStatusError] | None = None,
        keep_cookies: bool = True,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"{service}: base_url must start with http:// or https://, got "
                f"{redact_url(base_url)!r}"
            )
        if max_connections < 1:
            raise ValueError(f"{service}: max_connections must be >= 1, got {max_connections}")
        if max_redirects < 0 or max_response_bytes < 0:
            raise ValueError(f"{service}: max_redirects and max_response_bytes must be >= 0")
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.pipeline = pipeline
        if pipeline is not None:
            shared = pipeline.bind(service, hooks)
            if hooks is None:
                hooks = shared
        self.max_redirects = max_redirects
        self.max_response_bytes = max_response_bytes
        self.refine_error = refine_error
        self.keep_cookies = keep_cookies
        self.hooks = hooks if hooks is not None else EventHooks()
        origin = httpx.URL(self.base_url)
        self._origin = (
            f"{origin.scheme}://{origin.host}:{origin.port or _DEFAULT_PORTS.get(origin.scheme)}"
        )
        self._secrets: list[Secret] = list(secrets)
        self._headers = self._reveal(headers or {})
        self._params = self._reveal(params or {})
        for name, value in self._headers.items():
            self._check_header(name, value)
        auth_text = ""
        if isinstance(auth, tuple):
            user, password = (self._reveal({"v": part})["v"] for part in auth)
            auth_text = f"basic {user}:{password}"
            auth = httpx.BasicAuth(user, password)
        elif auth is not None:
            auth_text = f"{type(auth).__module__}.{type(auth).__qualname__}:{id(auth)}"
        self._auth: httpx.Auth | None = auth
        self.scope = CacheScope(
            service, self.base_url, self._headers, self._params, auth_text, self._secrets
        )
        """Builds this client's cache keys (see :class:`~medianest_sdk.http.CacheScope`)."""
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
        self._closed = False
        self._memo: OrderedDict[tuple[str, str], tuple[Any, Any]] = OrderedDict()

    def _reveal(self, values: Mapping[str, str | Secret]) -> dict[str, str]:
        out = {}
        for key, value in values.items():
            if isinstance(value, Secret):
                self._secrets.append(value)
                out[key] = value.reveal()
            else:
                out[key] = value
        return out

    def _check_header(self, name: str, value: str) -> None:
        if not (name.isascii() and value.isascii()) or any(c in value for c in "\r\n\0"):
            raise InvalidRequestError(
                f"header {name!r}: the value must be ASCII without line breaks (value hidden)",
                service=self.service,
                method="-",
                url=redact_url(self.base_url),
            )

    def __repr__(self) -> str:
        return f"ServiceClient(service={self.service!r}, base_url={redact_url(self.base_url)!r})"

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> ServiceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def closed(self) -> bool:
        """:meth:`aclose` was called."""
        return self._closed

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

    def redact(self, text: str, secrets: Sequence[Secret] = ()) -> str:
        """``text`` with this client's secrets (and ``secrets``), in every encoded form, and
        secret query values replaced by ``***``."""
        return redact_text(text, [*self._secrets, *secrets])

    def cache_key(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[Secret] = (),
    ) -> str:
        """The cache key of a GET of ``path`` with ``params`` and per-call ``headers``: the one
        ``get_json(..., cache=True)`` uses (see :class:`~medianest_sdk.http.CacheScope`).

        Raises:
            InvalidRequestError: the path or a parameter does not make a valid URL.
        """
        try:
            url = httpx.URL(self.url(path), params=params)
        except (httpx.InvalidURL, TypeError, UnicodeError):
            raise InvalidRequestError(
                "the path or a query parameter does not make a valid URL",
                service=self.service,
                method="GET",
                url=self._shown(path, secrets),
            ) from None
        return self.scope.key(url, headers=headers, secrets=secrets)

    @property
    def breaker_state(self) -> str | None:
        """The pipeline's circuit breaker state (``"closed"``, ``"open"``...), or ``None``."""
        breaker = None if self.pipeline is None else self.pipeline.breaker
        if breaker is None:
            return None
        state = breaker.state
        return str(getattr(state, "value", state))

    async def invalidate(self, *path_prefixes: str) -> int:
        """Drop the pipeline cache's entries of this client (this base URL, these credentials)
        whose path starts with any of ``path_prefixes`` (``"/library/sections/1/"``); returns
        how many. No cache: 0."""
        cache = None if self.pipeline is None else self.pipeline.cache
        if cache is None:
            return 0
        dropped = 0
        for prefix in path_prefixes:
            # A trailing "?" means "this exact path, any query": keep it in the key prefix.
            exact = "?" if prefix.endswith("?") else ""
            url = httpx.URL(self.url(prefix.rstrip("?")))
            dropped += await cache.invalidate(self.scope.path_prefix(url) + exact)
        return dropped

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
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        retry_safe: bool | None = None,
        secrets: Sequence[Secret] = (),
        accept: Collection[int] = (),
    ) -> httpx.Response:
        """Send one request through the pipeline; return the successful (2xx) response, its
        body read (at most ``max_response_bytes``).

        Args:
            method: HTTP method.
            path: Path under ``base_url`` (or an absolute URL).
            params, json, data, content, headers: As for ``httpx.AsyncClient.request``.
            files: Parts of a ``multipart/form-data`` body (RFC 7578), each
                ``field -> (filename, bytes, content type)``, sent with ``data``'s fields.
            timeout: Seconds or :class:`Timeout` for this call only.
            retry_safe: Whether the pipeline may retry after a transient failure that might
                have reached the service. Default: ``True`` for idempotent methods.
            secrets: Secrets of this call only (a token in the URL path, say), redacted from
                its events, logs and errors like the client's own.
            accept: Error statuses returned as a response instead of raised, for services
                that answer a result with them (Prowlarr's indexer tests answer 400 with the
                failures). A 5xx is never accepted.

        Raises:
            TransportError, HTTPStatusError: and their subclasses, as in the package table.
            InvalidRequestError, ResponseTooLargeError, DecodeError: a bad request, a body over
                the cap, a bad Content-Encoding.
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
                files=files,
                content=content,
                headers=headers,
                timeout=timeout,
                attempt=attempt,
                secrets=secrets,
                accept=accept,
            )

        return await self._through_pipeline(
            once, method, path, secrets, retry_safe=safe, cache_key=None, ttl=None
        )

    async def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        cache: bool = False,
        cache_ttl: float | None = None,
    ) -> Any:
        """GET ``path`` and return the parsed JSON.

        Args:
            cache: Cache the JSON in the pipeline's cache, under :meth:`cache_key` of this
                path, these ``params`` and ``headers`` (no pipeline cache: no caching).
            cache_ttl: Seconds the cached JSON stays fresh; ``None``: the pipeline's default.

        Raises:
            DecodeError: the body is not JSON or is nested too deeply. Otherwise as
                :meth:`request`.
        """
        return await self._get_parsed(
            path, params, headers, timeout, cache, cache_ttl, self.json_of
        )

    async def get_text(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        cache: bool = False,
        cache_ttl: float | None = None,
    ) -> str:
        """GET ``path`` and return the body as text (an SVG, a metrics page); cacheable as
        :meth:`get_json`.

        Raises:
            As :meth:`request`.
        """
        text: str = await self._get_parsed(
            path, params, headers, timeout, cache, cache_ttl, _text_of
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
        cache: bool = False,
        cache_ttl: float | None = None,
    ) -> T:
        """GET ``path`` and structure the JSON into ``model`` (an attrs class, ``list[...]``);
        cacheable as :meth:`get_json` (the JSON is cached, then decoded).

        Raises:
            DecodeError: the JSON does not fit ``model`` (names the field). Otherwise as
                :meth:`get_json`.
        """
        data = await self.get_json(
            path, params=params, headers=headers, timeout=timeout, cache=cache, cache_ttl=cache_ttl
        )
        return self.decode(data, model, f"GET {path}")

    async def get_parsed(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        memo: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        cache: bool = False,
        cache_ttl: float | None = None,
    ) -> T:
        """GET ``path``, parse the JSON with ``parse`` (``json -> models``) and, when the answer
        came from the pipeline's cache unchanged, return the models parsed the last time instead
        of parsing again.

        A :class:`~medianest_sdk.MemoryCache` hands back the very JSON object it holds, so a
        hit costs a dictionary look-up here instead of decoding (a 100-item page: tens of
        microseconds instead of milliseconds). The parsed value is kept beside that JSON object
        (at most :data:`MEMO_ENTRIES` of them, least recently used dropped); when the cache
        entry expires or is invalidated the cache answers a new object and ``parse`` runs
        again. A shared :class:`~medianest_sdk.RedisCache` answers new JSON each time: it is
        parsed each time. Parsed values are shared between callers: they must be immutable
        (frozen models; copy lists before changing them).

        Args:
            parse: Turns the JSON into the value (raises :class:`DecodeError`).
            memo: Names ``parse`` (the same path may be parsed two ways).
            params, headers, timeout, cache, cache_ttl: As for :meth:`get_json`.

        Raises:
            As :meth:`get_json`, and what ``parse`` raises.
        """
        data = await self.get_json(
            path, params=params, headers=headers, timeout=timeout, cache=cache, cache_ttl=cache_ttl
        )
        if not cache or self.pipeline is None or self.pipeline.cache is None:
            return parse(data)
        key = (self.cache_key(path, params, headers=headers), memo)
        kept = self._memo.get(key)
        if kept is not None and kept[0] is data:
            self._memo.move_to_end(key)
            value: T = kept[1]
            return value
        value = parse(data)
        self._memo[key] = (data, value)
        self._memo.move_to_end(key)
        while len(self._memo) > MEMO_ENTRIES:
            self._memo.popitem(last=False)
        return value

    async def _get_parsed(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
        cache: bool,
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

        key = None
        if cache and self.pipeline is not None and self.pipeline.cache is not None:
            key = self.cache_key(path, params, headers=headers)
        return await self._through_pipeline(
            once, "GET", path, (), retry_safe=True, cache_key=key, ttl=cache_ttl
        )

    async def _through_pipeline(
        self,
        once: Callable[[], Awaitable[T]],
        method: str,
        path: str,
        secrets: Sequence[Secret],
        *,
        retry_safe: bool,
        cache_key: str | None,
        ttl: float | None,
        traced: bool = False,
    ) -> T:
        """Run ``once`` through the pipeline (when there is one) inside the request's span
        (when tracing is on: :attr:`EventHooks.tracing`)."""
        tracing = self.hooks.tracing
        if tracing is not None and not traced:
            route = route_template(self._shown(path, secrets))
            with tracing.span(self.service, method, route, self._origin):
                return await self._through_pipeline(
                    once,
                    method,
                    path,
                    secrets,
                    retry_safe=retry_safe,
                    cache_key=cache_key,
                    ttl=ttl,
                    traced=True,
                )
        if self.pipeline is None:
            return await once()
        try:
            return await self.pipeline.execute(
                once,
                cache_key=cache_key,
                ttl=ttl,
                retry_safe=retry_safe,
                name=f"{self.service} {method} {self._shown(path, secrets)}",
            )
        except PipelineTimeout as exc:
            raise self._pipeline_timeout(method, path, secrets, exc.phase) from None
        except MediaNestError:
            raise
        except TimeoutError:  # a host pipeline's own timeout
            raise self._pipeline_timeout(method, path, secrets, "total") from None

    def _pipeline_timeout(
        self, method: str, path: str, secrets: Sequence[Secret], phase: str
    ) -> RequestTimeout:
        shown = self._shown(self.url(path), secrets)
        what = "attempt timeout (one try)" if phase == "attempt" else "total timeout"
        return RequestTimeout(
            f"{method} {shown}: the pipeline's {what} elapsed",
            service=self.service,
            method=method,
            url=shown,
            phase=phase,
        )

    def json_of(self, response: httpx.Response, *, secrets: Sequence[Secret] = ()) -> Any:
        """Parse a response body as JSON (see :func:`medianest_sdk.decoding.parse_json`).

        Args:
            response: A response from :meth:`request`.
            secrets: The call's own secrets (as given to :meth:`request`), redacted from the
                error like the client's.

        Raises:
            DecodeError: the body is not valid JSON or is nested too deeply (``field`` is
                ``None``); the message holds a redacted excerpt of the body.
        """
        try:
            return parse_json(response.content, service=self.service, endpoint="")
        except DecodeError as exc:
            endpoint = f"{response.request.method} {self._shown(response.request.url, secrets)}"
            head = excerpt(_text_of(response), [*self._secrets, *secrets], limit=120)
            raise DecodeError(
                f"{endpoint}: {exc.message.removeprefix(': ')}: {head!r}",
                service=self.service,
                endpoint=endpoint,
            ) from None

    async def probe(
        self,
        path: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        version: Callable[[httpx.Response], str | None] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[Secret] = (),
    ) -> HealthReport:
        """GET ``path`` once, outside the pipeline, and report health with latency.

        Used by every adapter's ``health()``. Never raises for a failed check (cancellation
        still propagates); the failure is in the report.

        Args:
            path: A cheap endpoint (``/identity`` for Plex, ``/api/v1/status`` for Overseerr).
            timeout: Overrides the client's timeout for the probe.
            version: Extracts the service version from a successful :class:`Response`; if it
                raises, the report has no version.
            headers, secrets: Per-call headers (a session cookie) and the secrets among them,
                as for :meth:`request`.

        The report carries the pipeline breaker's state; an open or isolated breaker makes a
        passing probe ``"degraded"``.
        """
        breaker_state = self.breaker_state
        start = time.perf_counter()
        try:
            response = await self._send(
                "GET", path, timeout=timeout, attempt=1, headers=headers, secrets=secrets
            )
        except MediaNestError as exc:
            latency = None if isinstance(exc, TransportError) else _ms_since(start)
            return self.failure_report(exc, latency_ms=latency, secrets=secrets)
        found = None
        if version is not None:
            try:
                found = version(response)
            except Exception:  # a hostile body must not make a health check raise
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

    def failure_report(
        self, exc: MediaNestError, *, latency_ms: float | None, secrets: Sequence[Secret] = ()
    ) -> HealthReport:
        """The :class:`HealthReport` of a failed check: ``"degraded"`` for a transient failure
        other than a refused connection, else ``"unhealthy"``; the error redacted. Used by
        :meth:`probe`, and by adapters whose check fails before the probe (a login)."""
        degraded = exc.transient and not isinstance(exc, ConnectError)
        return HealthReport(
            service=self.service,
            status="degraded" if degraded else "unhealthy",
            latency_ms=latency_ms,
            error=f"{type(exc).__name__}: {self.redact(exc.message, secrets)}",
            breaker_state=self.breaker_state,
        )

    def websocket(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[Secret] = (),
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        keepalive: float | None = 20.0,
    ) -> contextlib.AbstractAsyncContextManager[WebSocket]:
        """Open a websocket at ``path`` (``http(s)`` base URL; the upgrade is a GET with this
        client's headers, so its credentials go in headers). Not through the pipeline: a
        socket stays open, a pipeline's timeouts would cut it; callers apply the breaker and
        retry to (re)connecting themselves.

        Use as ``async with client.websocket("/path") as ws: text = await ws.receive_text()``.

        Args:
            params, headers, secrets: As for :meth:`request`.
            max_message_bytes: Largest message accepted (default 4 MiB); a bigger one closes
                the socket (see :data:`~medianest_sdk.http.DEFAULT_MAX_MESSAGE_BYTES`).
            keepalive: Seconds between pings, and to wait for a pong (``None``: no pings).

        Raises:
            ConnectError, RequestTimeout, TransportError: the connection failed.
            HTTPStatusError: the server refused the upgrade (its status's subclass).
            WebSocketClosed: the server closed the socket, or it broke.
        """
        if self._closed:
            raise RuntimeError(f"{self.service}: the client is closed")
        if self._owns_client:
            all_headers = headers
        else:
            all_headers = {**self._headers, **headers} if headers else self._headers
        return open_websocket(
            self,
            self._client,
            all_headers,
            path,
            params=params,
            secrets=[*self._secrets, *secrets],
            max_message_bytes=max_message_bytes,
            keepalive=keepalive,
        )

    # -- one attempt ---------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        attempt: int,
        secrets: Sequence[Secret] = (),
        accept: Collection[int] = (),
    ) -> httpx.Response:
        """One attempt: send (following same-origin redirects), read the body under the cap,
        emit ``RequestCompleted``, map every failure to a typed error."""
        if self._closed:
            raise RuntimeError(f"{self.service}: the client is closed")
        url = self.url(path)
        if self._owns_client:  # our defaults live on the client: httpx merges them
            all_headers = headers
            all_params = params
        else:
            all_headers = {**self._headers, **headers} if headers else self._headers
            all_params = {**self._params, **params} if params else (self._params or None)
        start = time.perf_counter()
        in_flight = IN_FLIGHT.set((*self._secrets, *secrets) if secrets else tuple(self._secrets))
        try:
            request = self._client.build_request(
                method,
                url,
                params=all_params,
                json=json,
                data=data,
                files=files,
                content=content,
                headers=all_headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else _as_timeout(timeout),
            )
            response = await self._exchange(request, secrets)
        except _HTTPX_FAILURES as exc:
            error = request_failed(
                exc,
                service=self.service,
                method=method,
                url=self._shown(_url_of(exc, url), secrets),
                secrets=[*self._secrets, *secrets],
            )
            await self._emit_failure(method, error, start, attempt)
            raise error from None
        except (RedirectError, ResponseTooLargeError) as error:
            await self._emit_failure(method, error, start, attempt)
            raise
        finally:
            IN_FLIGHT.reset(in_flight)
        status = response.status_code
        if self.hooks.active(RequestCompleted):
            shown = self._shown(response.request.url, secrets)
            await self.hooks.emit(
                RequestCompleted(
                    service=self.service,
                    method=method,
                    url=shown,
                    route=route_template(shown),
                    status=status,
                    duration_s=time.perf_counter() - start,
                    attempt=attempt,
                )
            )
        if status >= 400 and (status >= 500 or status not in accept):
            failure = status_error(
                response,
                service=self.service,
                url=self._shown(response.request.url, secrets),
                secrets=[*self._secrets, *secrets],
            )
            raise failure if self.refine_error is None else self.refine_error(failure)
        return response

    async def _exchange(self, request: httpx.Request, secrets: Sequence[Secret]) -> httpx.Response:
        """Send ``request``; follow same-origin redirects up to ``max_redirects``; read the body."""
        auth = httpx.USE_CLIENT_DEFAULT if self._owns_client or self._auth is None else self._auth
        for _hop in range(self.max_redirects + 1):
            response = await self._client.send(
                request, stream=True, follow_redirects=False, auth=auth
            )
            if not self.keep_cookies and "set-cookie" in response.headers:
                self._forget_cookies(response)
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    request = self._redirected(request, response, secrets)
                    continue
                await self._read_body(response, secrets)
                return response
            finally:
                await response.aclose()
        raise RedirectError(
            f"{request.method} {self._shown(request.url, secrets)}: more than "
            f"{self.max_redirects} redirects",
            service=self.service,
            method=request.method,
            url=self._shown(request.url, secrets),
            status=response.status_code,
            location=None,
        )

    def _redirected(
        self, request: httpx.Request, response: httpx.Response, secrets: Sequence[Secret]
    ) -> httpx.Request:
        """The next request of a same-origin redirect (RFC 9110 section 15.4), or a
        :class:`RedirectError` for a redirect elsewhere: credentials never leave their origin."""
        shown = self._shown(request.url, secrets)
        location = response.headers["location"]
        try:
            target = request.url.join(location)
        except (httpx.InvalidURL, UnicodeError, ValueError):
            target = None
        if target is None or _origin(target) != _origin(request.url):
            where = "an invalid URL" if target is None else self._shown(target, secrets)
            raise RedirectError(
                f"{request.method} {shown} -> {response.status_code}: redirects to {where}, "
                "another origin; not followed, so the credentials stay with their origin "
                "(point base_url at the final address)",
                service=self.service,
                method=request.method,
                url=shown,
                status=response.status_code,
                location=None if target is None else self._shown(target, secrets),
            )
        method = request.method
        status = response.status_code
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method = "GET"
        headers = request.headers.copy()
        body = None
        if method == request.method:  # 307, 308 and a kept method resend the body
            body = request.read()  # a multipart body is a stream until read
        else:
            for name in ("content-length", "content-type", "transfer-encoding"):
                headers.pop(name, None)
        return httpx.Request(
            method, target, headers=headers, content=body, extensions=request.extensions
        )

    def _forget_cookies(self, response: httpx.Response) -> None:
        """Drop from the client's jar the cookies ``response`` just set (``keep_cookies``)."""
        jar = self._client.cookies.jar
        for cookie in response.cookies.jar:
            try:
                jar.clear(cookie.domain, cookie.path, cookie.name)
            except KeyError:  # the jar refused it (another domain, already expired)
                pass

    async def _read_body(self, response: httpx.Response, secrets: Sequence[Secret]) -> None:
        """Read the body (decoded), refusing one over ``max_response_bytes``."""
        limit = self.max_response_bytes
        declared = response.headers.get("content-length", "")
        too_large = (
            response.request.method != "HEAD"
            and declared.isascii()
            and declared.isdigit()
            and (len(declared) > 18 or int(declared) > limit)
        )
        chunks: list[bytes] = []
        size = 0
        if not too_large:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    too_large = True
                    break
                chunks.append(chunk)
        if too_large:
            shown = self._shown(response.request.url, secrets)
            raise ResponseTooLargeError(
                f"{response.request.method} {shown}: the response body is larger than "
                f"max_response_bytes ({limit} bytes); the rest was not read",
                service=self.service,
                method=response.request.method,
                url=shown,
                limit=limit,
            )
        response._content = b"".join(chunks)

    async def _emit_failure(
        self, method: str, error: MediaNestError, start: float, attempt: int
    ) -> None:
        if self.hooks.active(RequestCompleted):
            shown = str(getattr(error, "url", ""))
            await self.hooks.emit(
                RequestCompleted(
                    service=self.service,
                    method=method,
                    url=shown,
                    route=route_template(shown),
                    status=None,
                    duration_s=time.perf_counter() - start,
                    attempt=attempt,
                    error=type(error).__name__,
                )
            )

    def _shown(self, url: httpx.URL | str, secrets: Sequence[Secret] = ()) -> str:
        """``url`` as it may be shown: credentials and secrets redacted in every form."""
        return redact_text(redact_url(str(url)), [*self._secrets, *secrets])


def _text_of(response: httpx.Response) -> str:
    try:
        return response.text
    except (LookupError, ValueError):  # an unknown charset
        return response.content.decode("utf-8", "replace")


def _url_of(exc: Exception, fallback: str) -> str:
    try:
        request = exc.request if isinstance(exc, httpx.RequestError) else None
    except RuntimeError:  # httpx raises when the exception carries no request
        request = None
    return fallback if request is None else str(request.url)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


def path_segment(value: int | str) -> str:
    """``value`` as one URL path segment: everything but unreserved characters percent-encoded
    (RFC 3986 section 2.3), so an id, slug or token can never add a ``/`` or a query.

    Raises:
        ValueError: ``value`` is empty.
    """
    text = str(value)
    if not text:
        raise ValueError("a path segment (id, slug or token) must not be empty")
    return quote(text, safe="", errors="surrogatepass")


def _as_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
