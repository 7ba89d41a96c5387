"""A webhook receiver for GitHub, Standard Webhooks senders, Overseerr, Plex and Uptime Kuma.

A plain ASGI app (no web framework): a per-IP rate limit (100 requests per 15 minutes, the
``RateLimiter`` moving window) in front of one ``WebhookEndpoint`` per source, which reads the
body up to 1 MiB, verifies it with the source's scheme (HMAC signature, shared secret or URL
token), refuses replays (a shared ``MemoryCache``), parses it into a typed event and hands it to
``on_event``.

Answers: 204 accepted; 401 failed verification (``{"error": "<reason>"}``); 400 body not
understood; 413 too large; 405 wrong method; 429 rate limited (with Retry-After); 404 unknown
path.

Run: ``python examples/webhook_receiver.py`` (needs ``pip install uvicorn``), then point the
senders at ``http://127.0.0.1:8787/<source>``. Secrets come from the environment:
``GITHUB_WEBHOOK_SECRET``, ``STANDARD_WEBHOOK_SECRET`` (``whsec_...``),
``OVERSEERR_WEBHOOK_AUTH`` (the "Authorization Header" value), ``UPTIME_KUMA_WEBHOOK_AUTH``
(an "Additional Header" ``X-Webhook-Secret``) and ``PLEX_WEBHOOK_TOKEN`` (Plex's URL is
``.../plex?token=<token>``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import medianest_sdk as mn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _default_secrets() -> dict[str, str]:
    return {
        "github": os.environ.get("GITHUB_WEBHOOK_SECRET", "demo-github-secret"),
        "standard": os.environ.get(
            "STANDARD_WEBHOOK_SECRET", "whsec_ZGVtby1zdGFuZGFyZC13ZWJob29rcy1rZXk="
        ),
        "overseerr": os.environ.get("OVERSEERR_WEBHOOK_AUTH", "Bearer demo-overseerr"),
        "uptime-kuma": os.environ.get("UPTIME_KUMA_WEBHOOK_AUTH", "demo-kuma"),
        "plex": os.environ.get("PLEX_WEBHOOK_TOKEN", "demo-plex-token"),
    }


def create_app(
    on_event: Callable[[str, object], Awaitable[None]] | None = None,
    *,
    secrets: dict[str, str] | None = None,
    limit: str = "100/15 minutes",
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Build the ASGI app; ``on_event(source, event)`` receives every parsed event."""
    s = secrets or _default_secrets()
    replay = mn.MemoryCache(max_entries=100_000)
    verifiers = {
        "github": mn.WebhookVerifier.github(s["github"], cache=replay),
        "standard": mn.WebhookVerifier.standard(s["standard"], cache=replay),
        "overseerr": mn.WebhookVerifier.shared_secret(s["overseerr"], source="overseerr"),
        "uptime-kuma": mn.WebhookVerifier.shared_secret(
            s["uptime-kuma"], header="X-Webhook-Secret", source="uptime-kuma"
        ),
        "plex": mn.WebhookVerifier.url_token(s["plex"], source="plex"),
    }
    per_ip = mn.RateLimiter(limit)

    async def default_handler(source: str, event: object) -> None:
        print(f"{source}: {event!r}")

    handle = on_event or default_handler

    def endpoint(source: str, verifier: mn.WebhookVerifier) -> mn.WebhookEndpoint:
        async def deliver(event: object) -> None:
            await handle(source, event)

        return mn.WebhookEndpoint(verifier, deliver)

    endpoints = {source: endpoint(source, v) for source, v in verifiers.items()}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        target = endpoints.get(scope["path"].strip("/"))
        if target is None:
            await _answer(send, 404, {"error": "unknown webhook path"})
            return
        client_ip = (scope.get("client") or ("unknown", 0))[0]
        if not await per_ip.try_acquire(client_ip):
            wait = await per_ip.retry_after(client_ip)
            await _answer(send, 429, {"error": "rate limited"}, retry_after=wait)
            return
        await target(scope, receive, send)

    return app


async def _answer(
    send: Send, status: int, payload: object, *, retry_after: float | None = None
) -> None:
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json")] if body else []
    if retry_after is not None:
        headers.append((b"retry-after", str(max(1, math.ceil(retry_after))).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = create_app()

if __name__ == "__main__":
    import uvicorn

    port = int(os.environ.get("WEBHOOK_PORT", "8787"))
    print(f"listening on http://127.0.0.1:{port}/{{github,standard,overseerr,uptime-kuma,plex}}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
