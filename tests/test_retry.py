from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
import stamina
import stamina.instrumentation

import medianest_sdk as mn
from medianest_sdk.testing import capture_events


def server_error(retry_after: float | None = None, status: int = 503) -> mn.ServerError:
    return mn.ServerError(
        "down", service="s", method="GET", url="u", status=status, retry_after=retry_after
    )


class Flaky:
    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


@pytest.fixture
def stamina_hooks() -> Iterator[list[Any]]:
    """Replace stamina's on-retry hooks with a recorder for the test."""
    seen: list[Any] = []
    before = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([seen.append])  # type: ignore[list-item]
    yield seen
    stamina.instrumentation.set_on_retry_hooks(list(before))


async def test_stamina_does_the_backoff_and_each_retry_is_reported_once(
    stamina_hooks: list[Any],
) -> None:
    fn = Flaky(server_error(), server_error())
    policy = mn.RetryPolicy(attempts=3, wait_initial=0.01, wait_jitter=0.0, wait_max=1)
    with capture_events(mn.RetryScheduled) as events:
        assert await policy.call(fn, name="GET /x") == "ok"
    assert fn.calls == 3
    # stamina's formula: wait_initial * wait_exp_base ** (n - 1), reported as stamina slept it
    assert [e.wait_s for e in events] == pytest.approx([0.01, 0.02])
    assert [e.attempt for e in events] == [1, 2]
    assert all(e.operation == "GET /x" and not e.from_retry_after for e in events)
    assert stamina_hooks == []  # stamina's own hooks stay quiet for our retries


async def test_stamina_hooks_still_see_everyone_elses_retries(stamina_hooks: list[Any]) -> None:
    await mn.RetryPolicy(wait_initial=0, wait_jitter=0).call(Flaky(server_error()))
    async for attempt in stamina.retry_context(
        on=ValueError, attempts=2, wait_initial=0, wait_jitter=0
    ):
        with attempt:
            if attempt.num == 1:
                raise ValueError("the host's own retry")
    assert len(stamina_hooks) == 1
    assert isinstance(stamina_hooks[0].caused_by, ValueError)


async def test_gives_up_after_attempts_with_the_last_error() -> None:
    fn = Flaky(*(server_error() for _ in range(5)))
    with stamina.set_testing(True, attempts=3), pytest.raises(mn.ServerError):
        await mn.RetryPolicy(attempts=3).call(fn)
    assert fn.calls == 3


async def test_retry_after_goes_through_stamina_and_is_capped() -> None:
    fn = Flaky(server_error(retry_after=0.03))
    with capture_events(mn.RetryScheduled) as events:
        assert await mn.RetryPolicy(wait_initial=5).call(fn) == "ok"
    assert [(e.wait_s, e.from_retry_after) for e in events] == [(0.03, True)]
    fn = Flaky(server_error(retry_after=600.0))
    with pytest.raises(mn.ServerError):
        await mn.RetryPolicy(max_retry_after=60).call(fn)
    assert fn.calls == 1


@pytest.mark.parametrize(
    "failure",
    [
        mn.NotFoundError("x", service="s", method="GET", url="u", status=404),
        mn.HTTPStatusError("x", service="s", method="GET", url="u", status=400),
        mn.CircuitOpenError("open", breaker="b", retry_after=1.0),
        mn.RateLimitExceeded("no", limit="1/second", key="k", retry_after=1.0),
        mn.BulkheadFullError("full", max_concurrent=1, max_waiting=0),
        mn.StoreUnavailableError("down", store="redis://h", operation="hit"),
        mn.DecodeError("bad", service="s", endpoint="GET /"),
    ],
)
async def test_never_retries_caller_errors_or_refusals(failure: Exception) -> None:
    fn = Flaky(failure)
    with stamina.set_testing(True, attempts=5), pytest.raises(type(failure)):
        await mn.RetryPolicy(attempts=5).call(fn)
    assert fn.calls == 1


async def test_foreign_exceptions_are_retried_only_when_safe() -> None:
    with stamina.set_testing(True, attempts=3):
        fn = Flaky(RuntimeError("driver hiccup"))
        assert await mn.RetryPolicy().call(fn) == "ok"
        assert fn.calls == 2
        fn = Flaky(RuntimeError("driver hiccup"))
        with pytest.raises(RuntimeError):
            await mn.RetryPolicy().call(fn, retry_safe=False)
        assert fn.calls == 1


async def test_unsafe_calls_retry_only_when_nothing_was_sent() -> None:
    lost = mn.TransportError("lost", service="s", method="POST", url="u")
    refused = mn.ConnectError("refused", service="s", method="POST", url="u")
    with stamina.set_testing(True, attempts=3):
        fn = Flaky(lost)
        with pytest.raises(mn.TransportError):
            await mn.RetryPolicy().call(fn, retry_safe=False)
        assert fn.calls == 1
        fn = Flaky(refused, refused)
        assert await mn.RetryPolicy().call(fn, retry_safe=False) == "ok"
        assert fn.calls == 3


async def test_stamina_timeout_stops_new_attempts() -> None:
    fn = Flaky(*(server_error() for _ in range(50)))
    policy = mn.RetryPolicy(attempts=50, timeout=0.05, wait_initial=0.02, wait_jitter=0.0)
    with pytest.raises(mn.ServerError):
        await policy.call(fn)
    assert 2 <= fn.calls < 10


async def test_stamina_testing_mode_skips_waits() -> None:
    fn = Flaky(server_error(), server_error())
    with (
        stamina.set_testing(True, attempts=3),
        anyio.fail_after(5),
        capture_events(mn.RetryScheduled) as events,
    ):
        assert await mn.RetryPolicy(wait_initial=100).call(fn) == "ok"
    assert [e.wait_s for e in events] == [0.0, 0.0]


async def test_cancellation_is_never_retried() -> None:
    calls = 0

    async def slow() -> None:
        nonlocal calls
        calls += 1
        await anyio.sleep(10)

    with anyio.move_on_after(0.05):
        await mn.RetryPolicy(attempts=5).call(slow)
    assert calls == 1


def test_validation() -> None:
    with pytest.raises(ValueError, match="attempts"):
        mn.RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="wait_max"):
        mn.RetryPolicy(wait_max=-1)
