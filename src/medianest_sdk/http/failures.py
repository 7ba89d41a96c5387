"""Every way a request can fail, mapped to one typed :class:`~medianest_sdk.MediaNestError`.

Builders here never raise: whatever the server sent (an undecodable charset, a body of
100,000 ``[``, a reason phrase holding the token), the result is an error whose message says
what happened, with every secret redacted.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from ..decoding import parse_json
from ..errors import (
    BODY_EXCERPT_LIMIT,
    AuthenticationError,
    ConnectError,
    DecodeError,
    HTTPStatusError,
    InvalidRequestError,
    MediaNestError,
    NotFoundError,
    RateLimitedError,
    RedirectError,
    RequestTimeout,
    ServerError,
    TransportError,
)
from ..secrets import Secret, encoded_forms, redact_text
from .retry_after import parse_retry_after

__all__ = [
    "REQUEST_ID_HEADERS",
    "STATUS_MEANING",
    "excerpt",
    "request_failed",
    "status_error",
]

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-plex-request-id")
"""Response headers read into :attr:`HTTPStatusError.request_id`, first found wins."""

STATUS_MEANING = {
    401: "401 Unauthorized: the credentials were not accepted (absent or invalid)",
    403: "403 Forbidden: the service refused the call with these credentials",
}
"""What 401 and 403 mean, in the terms of RFC 9110 (sections 15.5.2 and 15.5.4). Services use
them differently (Overseerr and Seerr answer 403 to a wrong API key), so the message states the
status and the service's own message, not a guess at the cause."""

_PHASES: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}


def request_failed(
    exc: Exception, *, service: str, method: str, url: str, secrets: Sequence[Secret]
) -> MediaNestError:
    """The typed error for an exception raised while sending or reading a request.

    ``url`` is already redacted. Covers every :class:`httpx.HTTPError`, :class:`httpx.InvalidURL`,
    :class:`httpx.CookieConflict`, :class:`httpx.StreamError` and the ``UnicodeEncodeError``
    httpx raises for a header value that is not ASCII. Anything else is a bug and is not
    passed here.
    """
    where = f"{method} {url}"
    if isinstance(exc, httpx.TimeoutException):
        phase = _PHASES.get(type(exc), "read")
        return RequestTimeout(
            f"{where}: {phase} timeout", service=service, method=method, url=url, phase=phase
        )
    if isinstance(exc, (httpx.ConnectError, httpx.ProxyError)):
        detail = _detail(exc, secrets)
        return ConnectError(
            f"{where}: cannot connect ({detail})", service=service, method=method, url=url
        )
    if isinstance(exc, httpx.DecodingError):
        return DecodeError(
            f"{where}: the body does not decode as its Content-Encoding says",
            service=service,
            endpoint=where,
        )
    if isinstance(
        exc,
        (
            httpx.LocalProtocolError,
            httpx.UnsupportedProtocol,
            httpx.InvalidURL,
            httpx.CookieConflict,
            httpx.StreamError,
            UnicodeError,
        ),
    ):
        # The messages of these may quote the offending header value: never include them.
        reason = {
            httpx.UnsupportedProtocol: "the URL's scheme is not http or https",
            httpx.InvalidURL: "the URL is not valid",
            httpx.CookieConflict: "several cookies of that name",
            UnicodeEncodeError: "a header value is not ASCII",
        }.get(type(exc), "a header or the request line cannot be sent as given")
        if isinstance(exc, httpx.StreamError):
            reason = "the request body stream was already read"
        return InvalidRequestError(
            f"{where}: the request cannot be sent: {reason}",
            service=service,
            method=method,
            url=url,
        )
    if isinstance(exc, httpx.TooManyRedirects):
        return RedirectError(
            f"{where}: too many redirects",
            service=service,
            method=method,
            url=url,
            status=0,
            location=None,
        )
    return TransportError(
        f"{where}: the connection failed after the request was sent, so the service may or may "
        f"not have acted on it ({type(exc).__name__}: {_detail(exc, secrets)})",
        service=service,
        method=method,
        url=url,
    )


def status_error(
    response: httpx.Response, *, service: str, url: str, secrets: Sequence[Secret]
) -> HTTPStatusError:
    """The typed error for a response with status >= 400 (``url`` already redacted)."""
    status = response.status_code
    method = response.request.method
    try:
        text = response.text
    except (LookupError, ValueError):  # an unknown or broken charset
        text = response.content.decode("utf-8", "replace")
    body_excerpt = excerpt(text, secrets)
    server_message = _server_message(response, text)
    request_id = next(
        (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None
    )
    if request_id is not None:
        request_id = redact_text(request_id[:200], secrets)
    reason = redact_text(response.reason_phrase[:200], secrets)
    meaning = STATUS_MEANING.get(status) or reason or "error"
    message = f"{method} {url} -> {meaning if status in STATUS_MEANING else f'{status}: {meaning}'}"
    if server_message:
        message += f": {redact_text(server_message, secrets)[:300]}"
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
        service=service,
        method=method,
        url=url,
        status=status,
        request_id=request_id,
        body_excerpt=body_excerpt,
        retry_after=parse_retry_after(response.headers),
    )


def _server_message(response: httpx.Response, text: str) -> str | None:
    """The ``message``/``error``/``msg`` a JSON error body carries (Overseerr, Uptime Kuma)."""
    if "json" not in response.headers.get("content-type", "") or len(text) > 64 * 1024:
        return None
    try:
        body = parse_json(text, service=None, endpoint="")
    except DecodeError:
        return None
    if isinstance(body, dict):
        for key in ("message", "error", "msg"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def excerpt(text: str, secrets: Sequence[Secret], *, limit: int = BODY_EXCERPT_LIMIT) -> str:
    """The first ``limit`` characters of ``text`` after redaction. Enough text is redacted
    first that no secret can be cut in half at the edge, even when the body repeats a secret
    many times (each mask shortens the text)."""
    longest = max((len(form) for s in secrets for form in encoded_forms(s.reveal())), default=0)
    window = limit + 100 + (limit // 3 + 2) * max(longest, 1)
    return redact_text(text[:window], secrets)[:limit]


def _detail(exc: Exception, secrets: Sequence[Secret]) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    return redact_text(text[:300], secrets) or type(exc).__name__
