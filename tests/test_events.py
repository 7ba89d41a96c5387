from __future__ import annotations

import logging

import pytest

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
