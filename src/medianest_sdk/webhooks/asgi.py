"""``WebhookEndpoint``: an ASGI app that verifies, parses and hands over one source's webhooks.

Mount it in any ASGI framework (Starlette/FastAPI: ``app.mount("/hooks/github", endpoint)``,
or ``Route("/hooks/github", endpoint)``) or serve it alone with uvicorn. Per request it:

1. refuses methods other than POST (GET too for Uptime Kuma's "GET" webhook method) with 405;
2. reads the body in chunks, and stops with 413 as soon as it passes the verifier's
   ``max_body_size`` (a ``Content-Length`` over it is refused before reading anything);
3. verifies and parses (:meth:`WebhookVerifier.unwrap`); a failed verification answers 401, a
   body the source would never send 400; the answers carry the machine-readable reason
   (``{"error": "bad_signature"}``) and nothing else: no secret, no header value, no body;
4. awaits ``handler(event)``, then answers 204. An exception in the handler propagates to the
   server (which answers 500 and logs it): the sender retries, so no event is lost silently.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from ..errors import DecodeError, WebhookFailure, WebhookVerificationError
from .parse import WebhookEvent
from .verify import WebhookVerifier

__all__ = ["WebhookEndpoint"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _TooLarge(Exception):
    pass


class WebhookEndpoint:
    """An ASGI app for one webhook source.

    Args:
        verifier: Verifies (and, with its ``source``, parses) each delivery.
        handler: ``async (event) -> None``, called with each verified, parsed event.

    Example::

        seerr = WebhookVerifier.shared_secret("Bearer s3cret", source="overseerr")

        async def on_event(event: WebhookEvent) -> None:
            ...

        app.mount("/hooks/overseerr", WebhookEndpoint(seerr, on_event))
    """

    def __init__(
        self, verifier: WebhookVerifier, handler: Callable[[WebhookEvent], Awaitable[None]]
    ) -> None:
        self.verifier = verifier
        self.handler = handler

    def __repr__(self) -> str:
        return f"WebhookEndpoint({self.verifier!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (HTTP only; other scope types are ignored)."""
        if scope["type"] != "http":
            return
        allowed = ("POST", "GET") if self.verifier.source == "uptime-kuma" else ("POST",)
        if scope["method"] not in allowed:
            await _answer(send, 405, {"error": "method_not_allowed"}, allow=", ".join(allowed))
            return
        headers = [(k, v) for k, v in scope.get("headers", [])]
        limit = self.verifier.max_body_size
        declared = next((v for k, v in headers if k.lower() == b"content-length"), None)
        if declared is not None and (
            not declared.isdigit() or len(declared) > 15 or int(declared) > limit
        ):
            await _answer(send, 413, {"error": WebhookFailure.BODY_TOO_LARGE.value})
            return
        try:
            body = await _read_body(receive, limit)
        except _TooLarge:
            await _answer(send, 413, {"error": WebhookFailure.BODY_TOO_LARGE.value})
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            event = await self.verifier.unwrap(headers, body, query=query)
        except WebhookVerificationError as exc:
            status = 413 if exc.reason is WebhookFailure.BODY_TOO_LARGE else 401
            await _answer(send, status, {"error": exc.reason.value})
            return
        except DecodeError:
            await _answer(send, 400, {"error": "body_not_understood"})
            return
        await self.handler(event)
        await _answer(send, 204, None)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _TooLarge  # nothing to answer; the client left
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(
    send: Send, status: int, payload: dict[str, str] | None, *, allow: str | None = None
) -> None:
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json")] if body else []
    if allow is not None:
        headers.append((b"allow", allow.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
