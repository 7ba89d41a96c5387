"""PlexAdapter.notifications() against a loopback websocket server replaying notification
frames (tests/data/plex-notifications): typed events, the token in a header only, reconnects
through the breaker and the retry policy, and every failure typed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk.plex import (
    ActivityNotification,
    PlaySessionStateNotification,
    PlexNotification,
    StatusNotification,
    TimelineEntry,
    TimelineState,
    TranscodeSession,
    UnknownNotification,
    parse_notification,
)

from .qbt_server import free_port
from .recorded import DATA
from .twins import either
from .twins import fixture as twins_fixture
from .ws_server import Connection, NotificationServer

api = twins_fixture()

TOKEN = "fake-plex-token"
FRAMES: list[str] = json.loads((DATA / "plex-notifications" / "frames.json").read_text())
FAST = mn.RetryPolicy(attempts=3, wait_initial=0, wait_max=0, wait_jitter=0)


def plex(url: str, **kw: Any) -> mn.PlexAdapter:
    return either(mn.PlexAdapter, url, TOKEN, client_identifier="test", **kw)


async def take(stream: Any, n: int) -> list[PlexNotification]:
    events: list[PlexNotification] = []
    async for event in stream:
        events.append(event)
        if len(events) == n:
            break
    return events


async def test_frames_arrive_as_typed_events() -> None:
    with NotificationServer([Connection(FRAMES)]) as server:
        async with plex(server.url) as p, p.notifications() as stream:
            events = await take(stream, 10)
    created, started, ended, done, deleted, playing, status, transcode, other, bad = events
    assert isinstance(created, TimelineEntry) and created.state is TimelineState.CREATED
    assert (created.item_id, created.section_id, created.type) == ("1050", "1", 1)
    assert isinstance(started, ActivityNotification) and started.event == "started"
    assert started.activity.type == mn.plex.Activity.SCAN and started.activity.section_id == "1"
    assert isinstance(ended, ActivityNotification) and ended.activity.progress == 100
    assert isinstance(done, TimelineEntry) and done.state is TimelineState.DONE
    assert isinstance(deleted, TimelineEntry) and deleted.state is TimelineState.DELETED
    assert isinstance(playing, PlaySessionStateNotification)
    assert (playing.rating_key, playing.state, playing.view_offset) == ("1001", "playing", 30000)
    assert isinstance(status, StatusNotification) and status.notification_name == "LIBRARY_UPDATE"
    assert isinstance(transcode, TranscodeSession) and transcode.progress == 42.5
    assert isinstance(other, UnknownNotification) and other.type == "reachability"
    assert other.error is None and other.data["ReachabilityNotification"]
    assert isinstance(bad, UnknownNotification) and bad.error is not None
    [seen] = server.seen
    assert seen.headers["x-plex-token"] == TOKEN
    assert TOKEN not in seen.query and seen.path == "/:/websockets/notifications"


async def test_a_drop_reconnects_and_the_stream_goes_on() -> None:
    script = [Connection(FRAMES[:2], close_code=1001), Connection(FRAMES[2:3])]
    pipeline = mn.ResiliencePipeline(retry=FAST)
    with NotificationServer(script) as server:
        async with plex(server.url, pipeline=pipeline) as p, p.notifications() as stream:
            events = await take(stream, 3)
    assert [type(e).__name__ for e in events] == [
        "TimelineEntry",
        "ActivityNotification",
        "ActivityNotification",
    ]
    assert sum(s.accepted for s in server.seen) == 2


async def test_without_reconnect_the_drop_ends_the_iteration() -> None:
    with NotificationServer([Connection(FRAMES[:1], close_code=1001)]) as server:
        async with plex(server.url) as p, p.notifications(reconnect=False) as stream:
            events: list[PlexNotification] = []

            async def read_all() -> None:
                async for event in stream:
                    events.append(event)

            with pytest.raises(mn.WebSocketClosed) as closed:
                await read_all()
    assert len(events) == 1
    assert closed.value.code == 1001 and closed.value.transient
    assert TOKEN not in str(closed.value)


async def test_a_refused_token_fails_on_entering() -> None:
    with NotificationServer([Connection(FRAMES)], token="another-token") as server:
        async with plex(server.url) as p:
            with pytest.raises(mn.AuthenticationError) as refused:
                async with p.notifications():
                    pass
    assert refused.value.status == 403
    assert TOKEN not in str(refused.value) and TOKEN not in repr(refused.value.__dict__)


async def test_nobody_listening_is_a_connect_error_after_the_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with plex(url, pipeline=mn.ResiliencePipeline(retry=FAST)) as p:
        with pytest.raises(mn.ConnectError):
            async with p.notifications():
                pass


async def test_quick_drops_open_the_breaker() -> None:
    breaker = mn.CircuitBreaker("plex-ws", consecutive_failures=3, break_duration=60)
    pipeline = mn.ResiliencePipeline(retry=FAST, breaker=breaker)
    with NotificationServer([Connection([], close_code=1011)]) as server:
        async with plex(server.url, pipeline=pipeline) as p, p.notifications() as stream:

            async def drain() -> None:
                async for _ in stream:
                    pass

            with pytest.raises(mn.CircuitOpenError):
                await drain()
    assert breaker.state is mn.BreakerState.OPEN
    # each quick drop counted as a failure, each connect as a success: the failure ratio
    # (0.5 over the minimum throughput of 10 calls) opened it, so it stopped reconnecting
    assert 2 <= sum(s.accepted for s in server.seen) <= 10


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_frame_gives_notifications_never_an_error(frame: str | bytes) -> None:
    events = parse_notification(frame)
    assert events and all(not isinstance(e, BaseException) for e in events)


@given(
    st.dictionaries(
        st.sampled_from(
            ["type", "size", "TimelineEntry", "ActivityNotification", "StatusNotification"]
        ),
        st.one_of(
            st.text(max_size=10),
            st.integers(),
            st.lists(st.dictionaries(st.text(max_size=8), st.integers(), max_size=3), max_size=3),
        ),
    )
)
def test_odd_containers_are_kept_raw(container: dict[str, Any]) -> None:
    frame = json.dumps({"NotificationContainer": container})
    for event in parse_notification(frame):
        if isinstance(event, UnknownNotification):
            assert event.type == (
                container.get("type") if isinstance(container.get("type"), str) else ""
            )


def test_the_example_prints_one_line_per_notification() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parent.parent / "examples" / "plex_notifications.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEX_")}
    with NotificationServer([Connection(FRAMES)]) as server:
        env.update(PLEX_URL=server.url, PLEX_TOKEN=TOKEN)
        out = subprocess.run(
            [sys.executable, str(script), "6"], env=env, capture_output=True, text=True, timeout=60
        )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "listening"
    assert lines[1] == "added: Night of the Living Dead (item 1050, section 1)"
    assert lines[2] == "Scanning Movies: started (0 %)"
    assert "removed: item 990" in lines
    assert TOKEN not in out.stdout + out.stderr


async def test_an_oversized_frame_closes_the_socket_with_a_typed_error() -> None:
    huge = '{"NotificationContainer": {"type": "status", "x": "' + "a" * 5_000_000 + '"}}'
    with NotificationServer([Connection([huge, FRAMES[0]])]) as server:
        async with plex(server.url) as p, p.notifications(reconnect=False) as stream:

            async def first() -> object:
                async for event in stream:
                    return event
                return None

            with pytest.raises(mn.WebSocketClosed) as closed:
                await first()
    assert closed.value.transient and TOKEN not in str(closed.value)
