"""``PlexPinAuth``: sign in to plex.tv with a PIN, the way Plex's own apps do.

1. :meth:`PlexPinAuth.create_pin` asks plex.tv for a PIN (``POST /api/v2/pins``).
2. The user opens :meth:`PlexPinAuth.auth_url` and confirms it.
3. :meth:`PlexPinAuth.wait_for_token` polls ``GET /api/v2/pins/{pinId}`` until the PIN holds
   the user's token, the PIN expires, or the deadline passes.

:meth:`PlexPinAuth.user` validates a token (``GET /api/v2/user``) and
:meth:`PlexPinAuth.resources` lists the account's servers with their connection URLs
(``GET /api/v2/resources``); :meth:`PlexPinAuth.connect` picks the best way to reach one of
them and returns a ready :class:`~medianest_sdk.PlexAdapter`. plex.tv limits PIN creation and
sign-in, so calls go through a client-side :class:`~medianest_sdk.RateLimiter` (30 per minute
unless you pass your own).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import anyio

from ..decoding import parse_datetime
from ..errors import ConnectError, DecodeError, MediaNestError, NotFoundError, SignInError
from ..events import EventHooks
from ..http import AsyncHTTPClient, Pipeline, ServiceAdapter, ServiceClient, Timeout
from ..resilience.limiter import RateLimiter
from ..resilience.pipeline import ResiliencePipeline
from ..secrets import Secret
from .adapter import PlexAdapter, plex_headers
from .models import PlexConnection, PlexPin, PlexResource, PlexUser

__all__ = ["PlexPinAuth"]

SERVICE = "plex.tv"
DEFAULT_LIMIT = "30/minute"
CONNECT_STAGGER = 0.25
"""Seconds between starting the probes of successive connection groups (local, remote,
relay): a local connection that answers at once wins before a relay is even tried."""


class PlexPinAuth(ServiceAdapter):
    """plex.tv PIN sign-in, token validation and server discovery.

    Args:
        client_identifier: This app's ``X-Plex-Client-Identifier`` (persist it: plex.tv ties
            the PIN, and the device list, to it).
        product: ``X-Plex-Product`` shown to the user ("medianest-sdk" by default).
        base_url: plex.tv's root (tests point it at a loopback server).
        app_url: Where users confirm PINs (``https://app.plex.tv``).
        pipeline: A :class:`~medianest_sdk.ResiliencePipeline`; by default one with a
            ``RateLimiter("30/minute")`` that waits for a slot (plex.tv limits sign-in calls).
        http_client: An ``httpx.AsyncClient`` you own.
        timeout: Seconds or ``Timeout`` per request.
        hooks: Receives the request events.
    """

    def __init__(
        self,
        client_identifier: str,
        *,
        product: str = "medianest-sdk",
        base_url: str = "https://plex.tv",
        app_url: str = "https://app.plex.tv",
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        timeout: float | Timeout | None = None,
        hooks: EventHooks | None = None,
    ) -> None:
        if not client_identifier:
            raise ValueError("client_identifier must not be empty")
        self.client_identifier = client_identifier
        self.product = product
        self.app_url = app_url.rstrip("/")
        if pipeline is None:
            pipeline = ResiliencePipeline(limiter=RateLimiter(DEFAULT_LIMIT), timeout=60.0)
        super().__init__(
            ServiceClient(
                SERVICE,
                base_url.rstrip("/") + "/api/v2",
                headers=plex_headers(client_identifier, product),
                pipeline=pipeline,
                http_client=http_client,
                timeout=timeout,
                hooks=hooks,
            )
        )

    def _pin(self, data: Any, endpoint: str) -> PlexPin:
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise DecodeError(
                f"{endpoint}: not a PIN", service=SERVICE, endpoint=endpoint, field="$.id"
            )
        token = data.get("authToken")
        expires = data.get("expiresAt")
        return PlexPin(
            id=data["id"],
            code=str(data.get("code", "")),
            client_identifier=data.get("clientIdentifier"),
            expires_at=parse_datetime(expires) if isinstance(expires, str) else None,
            auth_token=Secret(token) if isinstance(token, str) and token else None,
        )

    async def create_pin(self, *, strong: bool = True) -> PlexPin:
        """Ask plex.tv for a PIN. ``POST /api/v2/pins``.

        Args:
            strong: A long PIN for the ``auth_url`` flow (``True``), or a 4-character code the
                user types at plex.tv/link (``False``).
        """
        response = await self.http.request(
            "POST", "/pins", params={"strong": "true" if strong else "false"}
        )
        return self._pin(self.http.json_of(response), "POST /pins")

    def auth_url(self, pin: PlexPin, forward_url: str | None = None) -> str:
        """The app.plex.tv link where the user confirms ``pin`` (and is sent to
        ``forward_url`` afterwards, if given). Values are percent-encoded as Plex's own
        sign-in and Overseerr do: a space is ``%20``, never ``+`` (RFC 3986)."""
        params = {
            "clientID": self.client_identifier,
            "code": pin.code,
            "context[device][product]": self.product,
        }
        if forward_url:
            params["forwardUrl"] = forward_url
        return f"{self.app_url}/auth#?{urlencode(params, quote_via=quote)}"

    async def check_pin(self, pin: PlexPin | int) -> PlexPin:
        """The PIN's current state; ``auth_token`` is set once the user confirmed it.
        ``GET /api/v2/pins/{pinId}``.

        Raises:
            NotFoundError: plex.tv no longer knows the PIN (it expired).
        """
        pin_id = pin.id if isinstance(pin, PlexPin) else int(pin)
        data = await self.http.get_json(f"/pins/{pin_id}")
        return self._pin(data, "GET /pins/{pinId}")

    async def wait_for_token(
        self, pin: PlexPin, *, timeout: float, interval: float = 1.0
    ) -> Secret:
        """Poll the PIN until the user confirms it; return their token.

        Cancellable (an enclosing cancel scope stops it at once).

        Args:
            timeout: Seconds to wait at most.
            interval: Seconds between polls (at least 0.05).

        Raises:
            SignInError: ``reason="expired"`` when the PIN expired first (create a new one);
                ``reason="deadline"`` when ``timeout`` passed first.
            ValueError: ``timeout`` or ``interval`` not positive.
        """
        if not (timeout > 0 and math.isfinite(timeout)) or interval <= 0:
            raise ValueError("timeout and interval must be positive numbers of seconds")
        interval = max(interval, 0.05)
        deadline = anyio.current_time() + timeout
        while True:
            try:
                current = await self.check_pin(pin)
            except NotFoundError:
                raise SignInError(
                    "the PIN expired before it was confirmed; create a new one", reason="expired"
                ) from None
            if current.auth_token is not None:
                return current.auth_token
            now = anyio.current_time()
            expires = current.expires_at or pin.expires_at
            if expires is not None and _expired(expires):
                raise SignInError(
                    "the PIN expired before it was confirmed; create a new one", reason="expired"
                )
            if now + interval > deadline:
                raise SignInError(
                    f"the PIN was not confirmed within {timeout:g} s", reason="deadline"
                )
            await anyio.sleep(interval)

    async def user(self, token: str | Secret) -> PlexUser:
        """The account a token belongs to; validates the token. ``GET /api/v2/user``.

        Raises:
            AuthenticationError: the token is not valid (401).
        """
        secret = Secret.coerce(token)
        response = await self.http.request(
            "GET", "/user", headers={"X-Plex-Token": secret.reveal()}, secrets=[secret]
        )
        data = self.http.json_of(response, secrets=[secret])
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise DecodeError(
                "GET /user: not a user", service=SERVICE, endpoint="GET /user", field="$.id"
            )
        subscription = data.get("subscription")
        return PlexUser(
            id=data["id"],
            uuid=data.get("uuid"),
            username=data.get("username"),
            email=data.get("email"),
            title=data.get("title"),
            subscription_active=bool(isinstance(subscription, dict) and subscription.get("active")),
        )

    async def resources(self, token: str | Secret) -> list[PlexResource]:
        """The account's servers and players with their connection URLs.
        ``GET /api/v2/resources?includeHttps=1&includeRelay=1``.

        Raises:
            AuthenticationError: the token is not valid (401).
        """
        secret = Secret.coerce(token)
        response = await self.http.request(
            "GET",
            "/resources",
            params={"includeHttps": 1, "includeRelay": 1},
            headers={"X-Plex-Token": secret.reveal()},
            secrets=[secret],
        )
        data = self.http.json_of(response, secrets=[secret])
        if not isinstance(data, list):
            raise DecodeError(
                "GET /resources: not a list", service=SERVICE, endpoint="GET /resources", field="$"
            )
        resources = []
        for raw in data:
            if not isinstance(raw, dict) or "clientIdentifier" not in raw:
                continue
            token_text = raw.get("accessToken")
            connections = [
                PlexConnection(
                    uri=str(c.get("uri", "")),
                    address=c.get("address"),
                    port=c.get("port") if isinstance(c.get("port"), int) else None,
                    protocol=c.get("protocol"),
                    local=bool(c.get("local")),
                    relay=bool(c.get("relay")),
                )
                for c in raw.get("connections") or []
                if isinstance(c, dict) and c.get("uri")
            ]
            resources.append(
                PlexResource(
                    name=str(raw.get("name", "")),
                    client_identifier=str(raw["clientIdentifier"]),
                    product=raw.get("product"),
                    provides=str(raw.get("provides", "")),
                    owned=bool(raw.get("owned")),
                    access_token=Secret(token_text)
                    if isinstance(token_text, str) and token_text
                    else None,
                    connections=connections,
                )
            )
        return resources

    async def connect(
        self,
        resource: PlexResource,
        *,
        timeout: float = 10.0,
        pipeline: Pipeline | None = None,
        http_client: AsyncHTTPClient | None = None,
        hooks: EventHooks | None = None,
    ) -> PlexAdapter:
        """A :class:`~medianest_sdk.PlexAdapter` for ``resource`` (a server from
        :meth:`resources`), on the best of its connections.

        Every connection is probed with ``GET /identity``: local ones first, then remote, then
        relays, each group started :data:`CONNECT_STAGGER` seconds after the one before, all
        running at once from then on. The first to answer with the resource's own machine
        identifier wins and the others are cancelled (a local address that now belongs to
        another server does not). The adapter uses the resource's access token (for a server
        shared with you, not your account token) and this sign-in's client identifier.

        Args:
            resource: A server (``resource.is_server``) with an access token.
            timeout: Seconds for the whole choice.
            pipeline, http_client, hooks: For the returned adapter (and ``http_client`` for
                the probes).

        Raises:
            ValueError: not a server, or no access token or connections.
            ConnectError: no connection answered within ``timeout`` seconds; the message says
                what each one did (addresses shown, tokens never).
        """
        if not resource.is_server or resource.access_token is None or not resource.connections:
            raise ValueError(
                f"{resource.name!r} is not a server with an access token and connections"
            )
        token = resource.access_token
        groups = [
            [c for c in resource.connections if c.local and not c.relay],
            [c for c in resource.connections if not c.local and not c.relay],
            [c for c in resource.connections if c.relay],
        ]
        order = [c for group in groups for c in group]
        outcome: dict[str, str] = {}
        winner: list[str] = []

        async def probe(connection: PlexConnection, delay: float, scope: anyio.CancelScope) -> None:
            await anyio.sleep(delay)
            client = ServiceClient(
                "plex",
                connection.uri,
                headers={
                    **plex_headers(self.client_identifier, self.product),
                    "X-Plex-Token": token,
                },
                http_client=http_client,
                timeout=timeout,
            )
            try:
                data = await client.get_json("/identity")
            except MediaNestError as exc:
                outcome[connection.uri] = type(exc).__name__
                return
            finally:
                with anyio.CancelScope(shield=True):  # close it even when another one won
                    await client.aclose()
            machine = (
                (data.get("MediaContainer") or {}).get("machineIdentifier")
                if isinstance(data, dict)
                else None
            )
            if machine != resource.client_identifier:
                outcome[connection.uri] = "another server"
                return
            if not winner:
                winner.append(connection.uri)
                scope.cancel()

        with anyio.move_on_after(timeout) as deadline:
            async with anyio.create_task_group() as tg:
                delay = 0.0
                for group in groups:
                    for connection in group:
                        tg.start_soon(probe, connection, delay, tg.cancel_scope)
                    if group:
                        delay += CONNECT_STAGGER
        if winner:
            return PlexAdapter(
                winner[0],
                token,
                client_identifier=self.client_identifier,
                product=self.product,
                pipeline=pipeline,
                http_client=http_client,
                hooks=hooks,
            )
        tried = "; ".join(f"{c.uri}: {outcome.get(c.uri, 'no answer')}" for c in order)
        when = f"within {timeout} s" if deadline.cancelled_caught else "at all"
        raise ConnectError(
            f"{resource.name!r}: no connection answered as this server {when} ({tried})",
            service="plex",
            method="GET",
            url=order[0].uri,
        )


def _expired(when: datetime) -> bool:
    return when <= datetime.now(UTC)
