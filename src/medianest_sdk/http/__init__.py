"""Everything HTTP: ``ServiceClient`` and what adapters need. The only package that imports httpx.

Adapters import from here, never from httpx: :data:`Timeout`, :data:`Response` (what
``probe(version=)`` callbacks read), :data:`AsyncHTTPClient` and :data:`AsyncTransport` are
re-exported for their signatures.

Every failure becomes one typed error (:mod:`medianest_sdk.errors`):

=============================================  ==============================  =========  ==========
what happened                                  raises                          transient  retry_safe
=============================================  ==============================  =========  ==========
connection refused, DNS, TLS, proxy            :class:`ConnectError`           yes        yes
``ConnectTimeout``, ``PoolTimeout``            :class:`RequestTimeout`         yes        yes
``ReadTimeout``, ``WriteTimeout``              :class:`RequestTimeout`         yes        no
pipeline ``attempt_timeout`` / ``timeout``     :class:`RequestTimeout`         yes        no
  (``phase`` ``"attempt"`` / ``"total"``)
reset, truncated body, garbage status line,    :class:`TransportError`         yes        no
  header over 16 KiB (``RemoteProtocolError``,
  ``ReadError``, ``WriteError``, other
  ``TransportError``)
bad gzip/deflate/brotli (``DecodingError``)    :class:`DecodeError`            no         no
body not JSON, or nested too deeply            :class:`DecodeError`            no         no
body over ``max_response_bytes`` (32 MiB)      :class:`ResponseTooLargeError`  no         no
header value with a line break or non-ASCII,   :class:`InvalidRequestError`    no         yes
  ``InvalidURL``, ``CookieConflict``,
  ``UnsupportedProtocol``, ``StreamError``
3xx to another origin; more than               :class:`RedirectError`          no         no
  ``max_redirects`` (5) same-origin hops
401, 403                                       :class:`AuthenticationError`    no         no
404                                            :class:`NotFoundError`          no         no
408                                            :class:`HTTPStatusError`        yes        no
429                                            :class:`RateLimitedError`       yes        yes
other 4xx                                      :class:`HTTPStatusError`        no         no
5xx                                            :class:`ServerError`            yes        no
=============================================  ==============================  =========  ==========

*transient* failures count against a circuit breaker and may be retried; GET, HEAD, PUT,
DELETE and OPTIONS are idempotent (RFC 9110 section 9.2.2) and retried on any transient
failure, POST and PATCH only on a *retry_safe* one (the request never reached the service).

Redirects: same-origin redirects (scheme, host and port unchanged) are followed with the
credentials, up to ``max_redirects``; 303 (and 301/302 after a POST) become a GET without the
body (RFC 9110 section 15.4). A redirect to another origin is never followed: it raises
:class:`RedirectError` naming the (redacted) target. This holds for a host-owned
``httpx.AsyncClient`` too, whatever its ``follow_redirects``.
"""

from __future__ import annotations

import httpx

from .adapter import HealthReport, ServiceAdapter
from .client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    IDEMPOTENT_METHODS,
    BreakerView,
    CacheView,
    Pipeline,
    ServiceClient,
    path_segment,
)
from .retry_after import MAX_RETRY_AFTER, parse_retry_after
from .route import route_template
from .scope import CacheScope
from .websocket import DEFAULT_MAX_MESSAGE_BYTES, WebSocket

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "MAX_RETRY_AFTER",
    "AsyncHTTPClient",
    "AsyncTransport",
    "Auth",
    "BreakerView",
    "CacheScope",
    "CacheView",
    "HealthReport",
    "Pipeline",
    "Response",
    "ServiceAdapter",
    "ServiceClient",
    "Timeout",
    "WebSocket",
    "parse_retry_after",
    "path_segment",
    "route_template",
]

Timeout = httpx.Timeout
"""Per-phase timeouts in seconds (``Timeout(10.0, connect=5.0)``): httpx's class."""

Response = httpx.Response
"""A response as ``ServiceClient`` returns it (body already read): httpx's class."""

AsyncHTTPClient = httpx.AsyncClient
"""The HTTP client a host may lend an adapter (``http_client=``): httpx's ``AsyncClient``."""

AsyncTransport = httpx.AsyncBaseTransport
"""An httpx transport (``transport=``), e.g. ``httpx.MockTransport`` in tests."""

Auth = httpx.Auth
"""HTTP authentication for ``ServiceClient(auth=)``: httpx's ``Auth`` (``httpx.BasicAuth``...)."""
