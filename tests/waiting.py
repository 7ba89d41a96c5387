"""Waiting for a condition that another thread or process makes true, bounded in time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio


async def wait_until(condition: Callable[[], bool], *, timeout: float = 30.0) -> None:
    """Poll ``condition`` every 10 ms until it holds.

    The time bound only turns a hang into a failure (``TimeoutError``); it never decides a
    result: the test's assertions follow once the condition holds.
    """
    with anyio.fail_after(timeout):
        while not condition():  # noqa: ASYNC110 - the condition changes in another thread
            await anyio.sleep(0.01)


async def wait_for(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 30.0, every: float = 0.05
) -> None:
    """Ask ``check`` (a call to a server) every ``every`` seconds until it says yes.

    As :func:`wait_until`, the bound turns a hang into a ``TimeoutError`` and decides nothing.
    """
    with anyio.fail_after(timeout):
        while not await check():  # noqa: ASYNC110 - the state changes in another process
            await anyio.sleep(every)
