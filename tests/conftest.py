"""Shared fixtures: every async test runs on asyncio and on trio."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from .servers import LoopbackServer


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark every ``async def test_*`` for anyio, so it runs on both backends."""
    if inspect.iscoroutinefunction(obj) and name.startswith("test"):
        pytest.mark.anyio(obj)


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A real HTTP/1.1 server on 127.0.0.1 with programmable routes."""
    with LoopbackServer() as server:
        yield server
