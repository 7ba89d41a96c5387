from __future__ import annotations

import pytest
import stamina

import medianest_sdk as mn
from medianest_sdk.testing import ManualClock


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


async def test_retries_transient_failures_with_backoff() -> None:
    clock = ManualClock()
    hooks = mn.EventHooks()
    events: list[mn.Event] = []
    hooks.register(events.append, mn.RetryScheduled)
    fn = Flaky(server_error(), server_error())
    policy = mn.RetryPolicy(attempts=3, wait_initial=1.0, wait_jitter=0.0, wait_max=10)
    assert await policy.call(fn, clock=clock, hooks=hooks) == "ok"
    assert fn.calls == 3
    assert clock.slept == [1.0, 2.0]  # wait_initial * 2 ** (n - 1)
    assert [e.attempt for e in events] == [1, 2]  # type: ignore[attr-defined]


async def test_gives_up_after_attempts_with_the_last_error() -> None:
    fn = Flaky(*(server_error() for _ in range(5)))
    with pytest.raises(mn.ServerError):
        await mn.RetryPolicy(attempts=3).call(fn, clock=ManualClock())
    assert fn.calls == 3


async def test_honors_retry_after_and_its_cap() -> None:
    clock = ManualClock()
    fn = Flaky(server_error(retry_after=7.0))
    assert await mn.RetryPolicy().call(fn, clock=clock) == "ok"
    assert clock.slept == [7.0]
    fn = Flaky(server_error(retry_after=600.0))
    with pytest.raises(mn.ServerError):
        await mn.RetryPolicy(max_retry_after=60).call(fn, clock=clock)
    assert fn.calls == 1


@pytest.mark.parametrize(
    "failure",
    [
        mn.NotFoundError("x", service="s", method="GET", url="u", status=404),
        mn.HTTPStatusError("x", service="s", method="GET", url="u", status=400),
        mn.CircuitOpenError("open", breaker="b", retry_after=1.0),
        mn.RateLimitExceeded("no", limit="1/second", key="k", retry_after=1.0),
        mn.BulkheadFullError("full", max_concurrent=1, max_waiting=0),
        mn.DecodeError("bad", service="s", endpoint="GET /"),
        ValueError("a bug"),
    ],
)
async def test_never_retries_caller_errors_or_refusals(failure: Exception) -> None:
    fn = Flaky(failure)
    with pytest.raises(type(failure)):
        await mn.RetryPolicy(attempts=5).call(fn, clock=ManualClock())
    assert fn.calls == 1


async def test_unsafe_calls_retry_only_when_nothing_was_sent() -> None:
    lost = mn.TransportError("lost", service="s", method="POST", url="u")
    fn = Flaky(lost)
    with pytest.raises(mn.TransportError):
        await mn.RetryPolicy().call(fn, retry_safe=False, clock=ManualClock())
    assert fn.calls == 1
    refused = mn.ConnectError("refused", service="s", method="POST", url="u")
    fn = Flaky(refused, refused)
    assert await mn.RetryPolicy().call(fn, retry_safe=False, clock=ManualClock()) == "ok"
    assert fn.calls == 3


async def test_total_timeout_stops_new_attempts() -> None:
    clock = ManualClock()
    fn = Flaky(*(server_error() for _ in range(10)))
    policy = mn.RetryPolicy(attempts=10, timeout=5.0, wait_initial=2.0, wait_jitter=0.0)
    with pytest.raises(mn.ServerError):
        await policy.call(fn, clock=clock)
    assert sum(clock.slept) <= 5.0
    assert fn.calls == 2  # waits 2 then 4: the second wait would pass 5 s


async def test_stamina_testing_mode_skips_waits() -> None:
    fn = Flaky(server_error(), server_error())
    clock = ManualClock()
    with stamina.set_testing(True, attempts=3):
        assert await mn.RetryPolicy(wait_initial=100).call(fn, clock=clock) == "ok"
    assert clock.slept == []


def test_validation() -> None:
    with pytest.raises(ValueError, match="attempts"):
        mn.RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="wait_max"):
        mn.RetryPolicy(wait_max=-1)
