"""Run adapter tests twice: against the async class, and against its blocking twin.

A test module opts in with ``api = twins.fixture()`` and builds its adapters through
:func:`either`: in the ``"sync"`` run it gets the blocking twin (from :mod:`medianest_sdk.sync`)
behind :class:`AsyncView`, which presents the async API by calling the blocking one in a worker
thread, so the same test body (``await p.library_sections()``, ``async for ...``,
``async with ...``) exercises both.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import anyio
import pytest

import medianest_sdk.sync as sync_api

MODE: ContextVar[str] = ContextVar("medianest_test_api", default="async")
T = TypeVar("T")


def fixture() -> Any:
    """An autouse fixture running each test of the module in both modes."""

    @pytest.fixture(autouse=True, params=["async", "sync"])
    def api(request: pytest.FixtureRequest) -> Iterator[str]:
        token = MODE.set(request.param)
        yield request.param
        MODE.reset(token)

    return api


def either(cls: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``cls(*args, **kwargs)`` in the async run; in the sync run its blocking twin built with
    the same arguments (so the async object is made on the twin's own loop), seen through
    :class:`AsyncView` (typed as ``cls``'s instances so tests read the same)."""
    if MODE.get() == "async":
        return cls(*args, **kwargs)
    owner = getattr(cls, "__self__", None)
    if isinstance(owner, type):  # a classmethod constructor: the twin's own
        twin = getattr(getattr(sync_api, owner.__name__), getattr(cls, "__name__", ""))(
            *args, **kwargs
        )
    else:
        twin = getattr(sync_api, getattr(cls, "__name__", ""))(*args, **kwargs)
    return AsyncView(twin)  # type: ignore[return-value]


class AsyncView:
    """The async face of a blocking twin: every call runs the blocking method in a thread."""

    def __init__(self, twin: Any) -> None:
        self._twin = twin

    def __repr__(self) -> str:
        return repr(self._twin)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._twin, name)
        original = getattr(type(self._twin.async_twin), name, None)
        if not callable(value):  # an attribute holding a twin (Services.plex) is seen async too
            return AsyncView(value) if isinstance(value, sync_api.Twin) else value
        if inspect.isasyncgenfunction(original):
            return lambda *a, **kw: _async_iter(functools.partial(value, *a, **kw))
        if inspect.iscoroutinefunction(original):

            async def method(*a: Any, **kw: Any) -> Any:
                return await anyio.to_thread.run_sync(functools.partial(value, *a, **kw))

            return method

        def plain(*a: Any, **kw: Any) -> Any:
            result = value(*a, **kw)
            return AsyncView(result) if isinstance(result, sync_api.Twin) else result

        return plain

    async def __aenter__(self) -> AsyncView:
        await anyio.to_thread.run_sync(self._twin.__enter__)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await anyio.to_thread.run_sync(self._twin.__exit__, None, None, None)

    def __aiter__(self) -> AsyncIterator[Any]:
        return _async_iter(lambda: iter(self._twin))


async def _async_iter(make: Any) -> AsyncIterator[Any]:
    generator = await anyio.to_thread.run_sync(make)
    done = object()
    try:
        while True:
            item = await anyio.to_thread.run_sync(next, generator, done)
            if item is done:
                return
            yield item
    finally:
        close = getattr(generator, "close", None)
        if close is not None:
            await anyio.to_thread.run_sync(close)
