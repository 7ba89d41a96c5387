"""The event loop the blocking API runs on: one background thread for the process.

Every blocking twin in :mod:`medianest_sdk.sync` runs its async original on one event loop
(asyncio) in a daemon thread: calls are handed over with :func:`asyncio.run_coroutine_threadsafe`
(the lightest hand-off there is), context managers entered and left in one task through anyio's
:class:`~anyio.from_thread.BlockingPortal`.
So the blocking API works in plain scripts, inside Jupyter's running loop, from several threads
at once and from WSGI apps; the daemon thread never keeps the interpreter alive.

- A call waits for its result; ``KeyboardInterrupt`` (or any exception) in the waiting thread
  cancels the call on the loop and waits for it to wind down, so nothing is left running.
- An async iterator becomes a generator; leaving it early (``break``, ``close()``, garbage
  collection) closes the async side.
- Calling the blocking API from the loop's own thread (an event hook, say) would wait for
  itself: it raises ``RuntimeError`` instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

__all__ = ["Twin", "call", "enter", "iterate", "portal", "run", "unwrap", "unwrap_any"]

T = TypeVar("T")

_lock = threading.Lock()
_portal: BlockingPortal | None = None
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def portal() -> BlockingPortal:
    """The process's portal, started on first use."""
    global _portal, _thread, _loop
    with _lock:
        if _portal is not None:
            return _portal
        ready: queue.Queue[BlockingPortal | BaseException] = queue.Queue()

        async def serve() -> None:
            global _loop
            _loop = asyncio.get_running_loop()
            async with BlockingPortal() as p:
                ready.put(p)
                await p.sleep_until_stopped()

        def run() -> None:
            try:
                anyio.run(serve)
            except BaseException as exc:  # pragma: no cover - start-up failure
                ready.put(exc)

        _thread = threading.Thread(target=run, name="medianest-sdk sync", daemon=True)
        _thread.start()
        started = ready.get()
        if isinstance(started, BaseException):  # pragma: no cover
            raise started
        _portal = started
        return started


def _check_thread() -> None:
    if threading.current_thread() is _thread:
        raise RuntimeError(
            "the blocking API was called from its own event loop (an event hook?): "
            "use the async API there"
        )


class _Submitted:
    """``fn()`` running in a task of its own on the loop: its result, and a way to cancel it."""

    def __init__(self, fn: Callable[[], Awaitable[Any]]) -> None:
        portal()
        loop = _loop
        assert loop is not None
        self.loop = loop
        self.finished = threading.Event()
        self.result: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.tasks: list[asyncio.Task[None]] = []

        async def run() -> None:
            try:
                value = await fn()
            except BaseException as exc:
                if not self.result.cancelled():
                    self.result.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
            else:
                if not self.result.cancelled():
                    self.result.set_result(value)
            finally:
                self.finished.set()

        def start() -> None:
            self.tasks.append(loop.create_task(run()))

        # A fresh, empty context: the caller's context variables (sniffio's "trio" in a thread
        # of a trio program, the secrets of a request in flight) must not leak into the task.
        loop.call_soon_threadsafe(start, context=contextvars.Context())

    def cancel(self) -> None:
        """Cancel the task on the loop (it then unwinds; :attr:`finished` is set after)."""
        self.loop.call_soon_threadsafe(lambda: [task.cancel() for task in self.tasks])


def call(fn: Callable[[], Awaitable[T]]) -> T:
    """Run ``fn()`` on the loop and wait for its result (or exception). If the wait is
    interrupted (``KeyboardInterrupt``...), the call is cancelled on the loop and waited for
    until it has unwound (its ``finally`` blocks ran), then the interruption is re-raised.

    Raises:
        Whatever ``fn`` raises; ``RuntimeError`` when called from the loop's own thread.
    """
    _check_thread()
    job = _Submitted(fn)
    try:
        result: T = job.result.result()
    except BaseException:
        if not job.finished.is_set():  # interrupted while waiting: cancel the call, let it unwind
            job.cancel()
            job.finished.wait(10)
        raise
    return result


async def run(fn: Callable[[], Awaitable[T]]) -> T:
    """Await ``fn()`` on the loop from async code of any event loop (asyncio or trio), for
    libraries that run on asyncio only (arq, python-socketio). The wait takes a worker thread;
    cancelling the caller cancels ``fn()`` on the loop and waits (shielded, at most 10 s) until
    it has unwound. Called on the loop's own thread, it just awaits ``fn()``.

    Raises:
        Whatever ``fn`` raises.
    """
    if threading.current_thread() is _thread:
        return await fn()
    job = _Submitted(fn)
    try:
        result: T = await anyio.to_thread.run_sync(job.result.result, abandon_on_cancel=True)
    except BaseException:
        if not job.finished.is_set():
            job.cancel()
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(job.finished.wait, 10)
        raise
    return result


def enter(manager: AbstractAsyncContextManager[Any]) -> AbstractContextManager[Any]:
    """Enter an async context manager on the loop, in a task of its own that also exits it
    (task groups and cancel scopes must be left by the task that entered them); return the
    blocking context manager whose ``__exit__`` leaves it."""
    _check_thread()
    context = portal().wrap_async_context_manager(manager)
    context.__enter__()
    return context


def iterate(fn: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    """The async iterator ``fn()`` as a generator, one item per step on the loop."""
    _check_thread()
    iterator = call(_aiter_of(fn))
    try:
        while True:
            try:
                item = call(_anext_of(iterator))
            except StopAsyncIteration:
                return
            yield item
    finally:
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            call(closer)


def _aiter_of(fn: Callable[[], AsyncIterator[T]]) -> Callable[[], Awaitable[AsyncIterator[T]]]:
    async def make() -> AsyncIterator[T]:
        return fn().__aiter__()

    return make


def _anext_of(iterator: AsyncIterator[T]) -> Callable[[], Awaitable[T]]:
    async def step() -> T:
        return await iterator.__anext__()

    return step


class Twin:
    """Base of the blocking twins: holds the async original (``async_twin``)."""

    _async: Any
    _context: AbstractContextManager[Any]

    @property
    def async_twin(self) -> Any:
        """The async object this one drives (share it with async code: the same state)."""
        return self._async

    def __repr__(self) -> str:
        return f"sync.{self._async!r}"

    if not TYPE_CHECKING:  # public attributes of the async object (url, http, output_dir...)

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            value = getattr(self._async, name)
            if callable(value) and not isinstance(value, type):
                raise AttributeError(f"{type(self).__name__} has no blocking {name}()")
            return value


def unwrap(value: T) -> T:
    """Blocking twins in arguments become their async originals (also inside mappings, lists
    and tuples), so async code never calls back into the blocking API."""
    result: Any = value
    if isinstance(value, Twin):
        result = value._async
    elif isinstance(value, Mapping):
        result = {k: unwrap(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        result = type(value)(unwrap(v) for v in value)
    return result  # type: ignore[no-any-return]


def unwrap_any(value: Any) -> Any:
    """:func:`unwrap` for arguments whose twin type is wider than the async one."""
    return unwrap(value)
