from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

import medianest_sdk as mn
from medianest_sdk import BreakerStateChanged, Event, EventHooks, RequestCompleted


def _request_event() -> RequestCompleted:
    return RequestCompleted(
        service="plex", method="GET", url="http://h/x", status=200, duration_s=0.01
    )


async def test_sync_and_async_callbacks_receive_matching_events() -> None:
    hooks = EventHooks()
    seen_all: list[Event] = []
    seen_breaker: list[Event] = []

    async def breaker_sink(event: Event) -> None:
        seen_breaker.append(event)

    hooks.register(seen_all.append)
    hooks.register(breaker_sink, BreakerStateChanged)
    change = BreakerStateChanged(breaker="b", old="closed", new="open", reason="r")
    await hooks.emit(_request_event())
    await hooks.emit(change)
    assert seen_all == [_request_event(), change]
    assert seen_breaker == [change]


async def test_failing_hook_is_logged_and_does_not_break_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hooks = EventHooks()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("hook bug")

    hooks.register(broken)
    hooks.register(seen.append)
    with caplog.at_level(logging.ERROR, logger="medianest_sdk"):
        await hooks.emit(_request_event())
    assert seen == [_request_event()]
    assert "hook bug" in caplog.text


async def test_unregister() -> None:
    hooks = EventHooks()
    seen: list[Event] = []
    hooks.register(seen.append)
    hooks.unregister(seen.append)
    await hooks.emit(_request_event())
    assert seen == []
    assert len(hooks) == 0


async def test_each_event_is_a_log_record(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="medianest_sdk"):
        await EventHooks().emit(_request_event())
    record = caplog.records[-1]
    assert record.event == _request_event()  # type: ignore[attr-defined]
    assert "plex GET http://h/x -> 200" in record.getMessage()


def test_register_validates() -> None:
    hooks = EventHooks()
    with pytest.raises(TypeError):
        hooks.register(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hooks.register(print, int)  # type: ignore[arg-type]


# -- logging that means something --------------------------------------------------------

SCRIPT = """
import anyio, medianest_sdk as mn

async def main():
    breaker = mn.CircuitBreaker("demo", consecutive_failures=1)
    async def down():
        raise mn.ConnectError("refused", service="demo", method="GET", url="/")
    try:
        await breaker.call(down)
    except mn.ConnectError:
        pass
    async def ok():
        return True
    await mn.HealthMonitor({"kernel": ok}).check_all()
    print("done")

anyio.run(main)
"""


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_nothing_is_printed_unless_asked() -> None:
    quiet = _run({"MEDIANEST_LOG": ""})
    assert quiet.stdout.strip() == "done"
    assert quiet.stderr == ""  # no last-resort "breaker 'demo': closed -> open" line


def test_medianest_log_turns_readable_lines_on() -> None:
    loud = _run({"MEDIANEST_LOG": "info"})
    assert "WARNING medianest_sdk: breaker 'demo': closed -> open" in loud.stderr
    assert "INFO medianest_sdk: kernel: unknown -> healthy" in loud.stderr
    warnings_only = _run({"MEDIANEST_LOG": "warning"})
    assert "closed -> open" in warnings_only.stderr
    assert "unknown -> healthy" not in warnings_only.stderr


def test_levels_mean_something() -> None:
    opened = mn.BreakerStateChanged(breaker="b", old="closed", new="open", reason="r")
    closed = mn.BreakerStateChanged(breaker="b", old="half_open", new="closed", reason="r")
    down = mn.HealthStatusChanged(service="s", old="healthy", new="unhealthy")
    up = mn.HealthStatusChanged(service="s", old="unknown", new="healthy")
    request = mn.RequestCompleted(service="s", method="GET", url="u", status=200, duration_s=0.1)
    assert [e.log_level() for e in (opened, closed, down, up, request)] == [
        logging.WARNING,
        logging.INFO,
        logging.WARNING,
        logging.INFO,
        logging.DEBUG,
    ]
    with pytest.raises(ValueError, match="level"):
        mn.enable_logging("loud")


async def test_capture_events_sees_every_primitive_without_hooks() -> None:
    from medianest_sdk.testing import capture_events

    breaker = mn.CircuitBreaker("cap", consecutive_failures=1)  # no hooks given

    async def down() -> None:
        raise mn.ConnectError("refused", service="s", method="GET", url="/")

    with capture_events(mn.BreakerStateChanged) as events, pytest.raises(mn.ConnectError):
        await breaker.call(down)
    assert [(e.old, e.new) for e in events] == [("closed", "open")]
    assert logging.getLogger("medianest_sdk").level == logging.NOTSET  # put back
