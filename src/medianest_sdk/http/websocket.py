"""WebSockets of a :class:`ServiceClient`, on `httpx-ws <https://pypi.org/project/httpx-ws/>`_
(anyio: asyncio and trio alike), with the client's credentials and typed errors.

The upgrade (RFC 6455 section 4) is an HTTP GET sent by the client's own httpx client, so its
headers (a token), base URL and redaction apply; credentials go in headers, never the URL. Every
failure is one of the package's errors:

======================================================  ====================================
what happened                                           raises
======================================================  ====================================
no connection, timeouts, reset (as for HTTP)            :class:`ConnectError`,
                                                        :class:`RequestTimeout`,
                                                        :class:`TransportError`
the server answered the upgrade with another status     the status's error
                                                        (:class:`AuthenticationError` ...)
the server closed the socket, or it broke               :class:`WebSocketClosed`
                                                        (transient: reconnect)
a message over ``max_message_bytes``, or not text       :class:`WebSocketClosed`
======================================================  ====================================
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextvars import Token
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import WebSocketClosed
from ..secrets import Secret
from .failures import request_failed, status_error
from .logredact import IN_FLIGHT

if TYPE_CHECKING:
    import httpx_ws

    from .client import ServiceClient

__all__ = ["DEFAULT_MAX_MESSAGE_BYTES", "WebSocket", "open_websocket"]

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""Largest message accepted, in bytes (4 MiB); a bigger one closes the socket. httpx-ws puts a
message's frames together before handing it over, so a bigger message has been read once when
it is refused: the limit stops a stream of them, not the first."""
READ_CHUNK_BYTES = 65_536
"""Bytes read from the socket at a time (httpx-ws's ``max_message_size_bytes``, which despite
its name sizes each read)."""


class WebSocket:
    """An open websocket: read text frames with :meth:`receive_text`."""

    def __init__(
        self,
        session: httpx_ws.AsyncWebSocketSession,
        *,
        service: str,
        url: str,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self._session = session
        self.max_message_bytes = max_message_bytes
        self.service = service
        self.url = url
        """The socket's URL, secrets redacted."""

    async def receive_text(self, timeout: float | None = None) -> str:
        """The next text frame.

        Args:
            timeout: Seconds to wait for it; ``None``: no limit (the keep-alive pings notice a
                dead connection).

        Raises:
            WebSocketClosed: the server closed the socket or it broke (or a frame was not
                text, or too big).
            TimeoutError: nothing came within ``timeout`` seconds (the socket stays open).
        """
        import httpx_ws

        try:
            text = await self._session.receive_text(timeout)
        except TimeoutError:
            raise
        except (httpx_ws.WebSocketDisconnect, httpx_ws.WebSocketNetworkError) as exc:
            raise _closed(exc, self.service, self.url) from None
        except httpx_ws.WebSocketInvalidTypeReceived:
            raise WebSocketClosed(
                f"websocket {self.url}: the server sent a frame that is not text",
                service=self.service,
                url=self.url,
            ) from None
        if len(text) > self.max_message_bytes or (
            4 * len(text) > self.max_message_bytes
            and len(text.encode("utf-8", "surrogatepass")) > self.max_message_bytes
        ):
            await self._session.close(1009, "message too big")
            raise WebSocketClosed(
                f"websocket {self.url}: a message over {self.max_message_bytes} bytes; the "
                "socket was closed (code 1009)",
                service=self.service,
                url=self.url,
                code=1009,
            )
        return text


def _closed(exc: BaseException, service: str, url: str) -> WebSocketClosed:
    import httpx_ws

    if isinstance(exc, httpx_ws.WebSocketDisconnect):
        code = exc.code
        reason = (exc.reason or "")[:120]
        return WebSocketClosed(
            f"websocket {url}: closed by the server (code {code}{': ' + reason if reason else ''})",
            service=service,
            url=url,
            code=code,
        )
    return WebSocketClosed(
        f"websocket {url}: the connection broke ({type(exc).__name__})", service=service, url=url
    )


@contextlib.asynccontextmanager
async def open_websocket(
    client: ServiceClient,
    http_client: httpx.AsyncClient,
    headers: Mapping[str, str] | None,
    path: str,
    *,
    secrets: Sequence[Secret],
    params: Mapping[str, Any] | None = None,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    keepalive: float | None = 20.0,
) -> AsyncIterator[WebSocket]:
    """Open a websocket at ``path`` through ``http_client`` (see
    :meth:`ServiceClient.websocket`); ``secrets`` are every secret to redact."""
    import httpx_ws  # on first use: it is not needed to import the package

    url = client.url(path)
    shown = client.redact(url, secrets)
    in_flight: Token[tuple[Secret, ...]] | None = IN_FLIGHT.set(tuple(secrets))
    body_error: BaseException | None = None  # raised by the caller's block: passed on as is
    try:
        async with httpx_ws.aconnect_ws(
            url,
            http_client,
            max_message_size_bytes=READ_CHUNK_BYTES,
            keepalive_ping_interval_seconds=keepalive,
            keepalive_ping_timeout_seconds=keepalive,
            session_class=httpx_ws.AsyncWebSocketSession,
            headers=dict(headers or {}),
            params=params,
            follow_redirects=False,
        ) as session:
            if in_flight is not None:
                IN_FLIGHT.reset(in_flight)
                in_flight = None
            try:
                yield WebSocket(
                    session, service=client.service, url=shown, max_message_bytes=max_message_bytes
                )
            except BaseException as exc:
                body_error = exc
                raise
    except httpx_ws.WebSocketUpgradeError as exc:
        answer = exc.response  # streamed and closed: its status and headers, not its body
        refused = httpx.Response(answer.status_code, headers=answer.headers, request=answer.request)
        raise status_error(refused, service=client.service, url=shown, secrets=secrets) from None
    except httpx.HTTPError as exc:
        if exc is body_error:
            raise
        raise request_failed(
            exc, service=client.service, method="GET", url=shown, secrets=secrets
        ) from None
    except (httpx_ws.WebSocketDisconnect, httpx_ws.WebSocketNetworkError) as exc:
        if exc is body_error:
            raise
        raise _closed(exc, client.service, shown) from None
    except BaseExceptionGroup as group:  # the session's task group wraps what ends it
        if body_error is not None:
            own, others = group.split(lambda e: e is body_error)
            if own is not None and others is None:
                raise body_error from None  # the caller's own error, as it raised it
        closed, rest = group.split((httpx_ws.WebSocketNetworkError, httpx_ws.WebSocketDisconnect))
        if closed is not None and rest is None:
            raise _closed(closed.exceptions[0], client.service, shown) from None
        raise
    finally:
        if in_flight is not None:
            IN_FLIGHT.reset(in_flight)
