from __future__ import annotations

import anyio
import pytest

import medianest_sdk as mn


async def test_bounds_concurrency_and_queue() -> None:
    bulkhead = mn.Bulkhead(2, max_waiting=1)
    release = anyio.Event()
    peak = 0

    async def work() -> None:
        nonlocal peak
        peak = max(peak, bulkhead.in_use)
        await release.wait()

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(bulkhead.call, work)
        await anyio.wait_all_tasks_blocked()
        assert (bulkhead.in_use, bulkhead.waiting) == (2, 1)
        with pytest.raises(mn.BulkheadFullError):
            await bulkhead.call(work)
        release.set()
    assert peak == 2
    assert (bulkhead.in_use, bulkhead.waiting) == (0, 0)


async def test_slots_are_released_on_failure_and_cancellation() -> None:
    bulkhead = mn.Bulkhead(1, max_waiting=0)

    async def boom() -> None:
        raise RuntimeError("x")

    with pytest.raises(RuntimeError):
        await bulkhead.call(boom)
    with anyio.move_on_after(0.01):
        await bulkhead.call(anyio.sleep_forever)
    assert bulkhead.in_use == 0
    # a cancelled waiter leaves the queue too
    bulkhead = mn.Bulkhead(1, max_waiting=5)
    async with anyio.create_task_group() as tg:
        tg.start_soon(bulkhead.call, anyio.sleep_forever)
        await anyio.wait_all_tasks_blocked()
        with anyio.move_on_after(0.01):
            await bulkhead.call(anyio.sleep_forever)
        assert bulkhead.waiting == 0
        tg.cancel_scope.cancel()
    assert bulkhead.in_use == 0


def test_validation() -> None:
    with pytest.raises(ValueError, match="max_concurrent"):
        mn.Bulkhead(0)
    with pytest.raises(ValueError, match="max_waiting"):
        mn.Bulkhead(1, max_waiting=-1)
