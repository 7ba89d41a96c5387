"""In-memory fakes of the services, as httpx transports a host app lends an adapter in tests.

A fake answers requests in memory (no socket), keeps the service's state, and misbehaves on
demand through :class:`Faults`: latency, a storm of 5xx answers, timeouts, 429 with
Retry-After, malformed bodies. The service fakes (``FakePlex`` ...) live beside their adapters
and are gathered in :mod:`medianest_sdk.testing`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Literal

import anyio
import attrs
import httpx

__all__ = ["FakeService", "Faults", "Reply", "fake_http_client"]

Reply = tuple[int, dict[str, str], bytes]
"""One answer of a fake: (status, headers, body)."""

Fault = Literal["status", "rate_limit", "timeout", "malformed", "disconnect"]


@attrs.define
class Faults:
    """What a fake does wrong, and when. Faults queue up and apply to the next requests in
    order, one per request; ``latency`` applies to every request.

    Attributes:
        latency: Seconds every answer waits (on the event loop's clock; ``0``: none).
        seen: How many faults have been served so far.

    Example::

        fake.faults.fail(5)                    # the next 5 requests get 503
        fake.faults.rate_limit(retry_after=2)  # then one 429 with Retry-After: 2
        fake.faults.timeout()                  # then a read timeout
    """

    latency: float = 0.0
    seen: int = 0
    _queue: deque[tuple[Fault, int, float]] = attrs.field(factory=deque, init=False)

    def fail(self, times: int = 1, *, status: int = 503) -> Faults:
        """The next ``times`` requests get ``status`` (a 5xx storm: ``fail(20)``)."""
        return self._add("status", times, status=status)

    def rate_limit(self, times: int = 1, *, retry_after: float = 1.0) -> Faults:
        """The next ``times`` requests get 429 with ``Retry-After: retry_after`` (seconds)."""
        return self._add("rate_limit", times, value=retry_after)

    def timeout(self, times: int = 1) -> Faults:
        """The next ``times`` requests time out reading the answer."""
        return self._add("timeout", times)

    def malformed(self, times: int = 1) -> Faults:
        """The next ``times`` requests get 200 with a truncated JSON body."""
        return self._add("malformed", times)

    def disconnect(self, times: int = 1) -> Faults:
        """The next ``times`` requests find the connection refused."""
        return self._add("disconnect", times)

    def clear(self) -> None:
        """Forget every queued fault (``latency`` stays)."""
        self._queue.clear()

    def _add(self, fault: Fault, times: int, *, status: int = 0, value: float = 0.0) -> Faults:
        if times < 1:
            raise ValueError(f"Faults: times must be >= 1, got {times}")
        for _ in range(times):
            self._queue.append((fault, status, value))
        return self

    def _next(self) -> tuple[Fault, int, float] | None:
        if not self._queue:
            return None
        self.seen += 1
        return self._queue.popleft()


class FakeService:
    """Base of the in-memory service fakes: subclasses answer in :meth:`handle`.

    Attributes:
        faults: :class:`Faults` applied before :meth:`handle` sees a request.
        requests: ``(method, path with query)`` of every request that reached the fake, in
            order (faulted ones included).
    """

    base_url = "http://fake.invalid"
    """Where adapters reach it (a reserved ``.invalid`` host: nothing real answers there)."""

    def __init__(self) -> None:
        self.faults = Faults()
        self.requests: list[tuple[str, str]] = []

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        """Answer one request: ``(status, headers, body)``."""
        raise NotImplementedError

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport answering from this fake (``httpx.AsyncClient(transport=...)``)."""
        return _Transport(lambda host: self)

    def http_client(self) -> httpx.AsyncClient:
        """An ``AsyncClient`` on :meth:`transport`, to lend an adapter (``http_client=``); the
        adapter does not close a lent client, so close it (``async with``) when done."""
        return httpx.AsyncClient(transport=self.transport())


def fake_http_client(*fakes: FakeService) -> httpx.AsyncClient:
    """One ``AsyncClient`` answering from several fakes, each at its ``base_url``'s host (for
    ``Services(http_client=...)``, which lends one client to every adapter); any other host
    is a refused connection.

    Raises:
        ValueError: two fakes share a host.
    """
    routes: dict[str, FakeService] = {}
    for fake in fakes:
        host = httpx.URL(fake.base_url).host
        if host in routes:
            raise ValueError(f"fake_http_client: two fakes at {host}")
        routes[host] = fake
    return httpx.AsyncClient(transport=_Transport(routes.get))


class _Transport(httpx.AsyncBaseTransport):
    def __init__(self, route: Callable[[str], FakeService | None]) -> None:
        self.route = route  # host -> the fake answering there

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fake = self.route(request.url.host)
        if fake is None:
            raise httpx.ConnectError(f"fake: nothing at {request.url.host}", request=request)
        fake.requests.append((request.method, request.url.raw_path.decode("ascii")))
        if fake.faults.latency > 0:
            await anyio.sleep(fake.faults.latency)
        fault = fake.faults._next()
        body = await request.aread()
        if fault is not None:
            kind, status, value = fault
            if kind == "timeout":
                raise httpx.ReadTimeout("fake: the answer did not come", request=request)
            if kind == "disconnect":
                raise httpx.ConnectError("fake: connection refused", request=request)
            if kind == "status":
                return httpx.Response(status, json={"message": "fake fault"}, request=request)
            if kind == "rate_limit":
                headers = {"Retry-After": f"{value:g}"}
                return httpx.Response(429, headers=headers, json={}, request=request)
            return httpx.Response(
                200,
                headers={"Content-Type": "application/json"},
                content=b'{"truncated": [1, 2',
                request=request,
            )
        status, headers, content = fake.handle(
            request.method, str(request.url), dict(request.headers), body
        )
        return httpx.Response(status, headers=headers, content=content, request=request)
