"""UptimeKumaAdmin against a hostile socket.io server (python-socketio's own server, on loopback,
on its own asyncio thread): answers of the wrong shape, JSON nested 100,000 deep, secrets echoed
back, pushed events that do not fit, a reader too slow for the stream, a call cancelled by its
caller. Each ends in a typed error or a skipped event; nothing hangs."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk.uptime_kuma import HeartbeatEvent, UptimeEvent


class _ServerJson:
    @staticmethod
    def dumps(value: Any, **kw: Any) -> str:
        text = json.dumps(value, **kw)
        return text.replace('"__deep__"', "[" * 100_000 + "]" * 100_000)

    @staticmethod
    def loads(text: str | bytes, **kw: Any) -> Any:
        return json.loads(text, **kw)


class FakeKuma:
    """A socket.io server speaking enough of Uptime Kuma's protocol: ``info`` on connect,
    ``login`` -> token and version; other handlers set per test in ``handlers``."""

    def __init__(self) -> None:
        import socketio
        from aiohttp import web

        self.handlers: dict[str, Callable[..., Any]] = {}
        from socketio.packet import Packet

        deep_packet = type("DeepPacket", (Packet,), {"json": _ServerJson})
        self.sio = socketio.AsyncServer(async_mode="aiohttp", serializer=deep_packet)
        self.app = web.Application()
        self.sio.attach(self.app)
        self.loop = asyncio.new_event_loop()
        self.sids: list[str] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

        @self.sio.on("connect")  # type: ignore[untyped-decorator]
        async def connect(sid: str, environ: Any, auth: Any = None) -> None:
            self.sids.append(sid)
            await self.sio.emit("info", {"serverTimezone": "UTC"}, to=sid)

        @self.sio.on("*")  # type: ignore[untyped-decorator]
        async def any_event(event: str, sid: str, *args: Any) -> Any:
            if event == "login" or event == "loginByToken":
                await self.sio.emit("info", {"version": "2.5.3"}, to=sid)
                return {"ok": True, "token": "header.payload.signature-SECRET"}
            handler = self.handlers.get(event)
            if handler is None:
                return None  # no ack: like Kuma for an event it does not know
            return await handler(sid, *args)

    def emit(self, event: str, *args: Any) -> None:
        """Push an event to every client (from the test's thread)."""

        async def send() -> None:
            await self.sio.emit(event, args[0] if len(args) == 1 else args)

        asyncio.run_coroutine_threadsafe(send(), self.loop).result(10)

    def __enter__(self) -> FakeKuma:
        from aiohttp import web

        ready = threading.Event()

        async def serve() -> None:
            runner = web.AppRunner(self.app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            self.runner = runner
            ready.set()

        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(serve(), self.loop)
        assert ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            await self.runner.cleanup()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def fake() -> Iterator[FakeKuma]:
    with FakeKuma() as server:
        yield server


def connected(fake: FakeKuma, **kw: Any) -> mn.UptimeKumaAdmin:
    kw.setdefault("timeout", 3)
    return mn.UptimeKumaAdmin(fake.url, **kw)


async def test_answers_of_the_wrong_shape_are_decode_errors(fake: FakeKuma) -> None:
    async def text(sid: str, *args: Any) -> Any:
        return "not an object"

    async def bad_monitors(sid: str, *args: Any) -> Any:
        await fake.sio.emit("monitorList", {"1": {"id": "one", "name": 5}}, to=sid)
        return {"ok": True}

    async def no_id(sid: str, *args: Any) -> Any:
        return {"ok": True, "monitorID": "12"}

    fake.handlers.update(getTags=text, getMonitorList=bad_monitors, add=no_id)
    async with connected(fake) as kuma:
        await kuma.login("admin", "pw")
        with pytest.raises(mn.DecodeError, match="getTags"):
            await kuma.tags()
        with pytest.raises(mn.DecodeError, match="monitorList"):
            await kuma.monitors()
        with pytest.raises(mn.DecodeError, match="monitorID"):
            await kuma.add_monitor(mn.uptime_kuma.PushMonitor(name="x"))


async def test_a_refusal_never_echoes_a_secret(fake: FakeKuma) -> None:
    password = "hunter2-Very-Secret"

    async def echo(sid: str, *args: Any) -> Any:
        return {"ok": False, "msg": f"bad password {password} for token header.payload"}

    fake.handlers["setup"] = echo
    async with connected(fake) as kuma:
        with pytest.raises(mn.CallRejectedError) as info:
            await kuma.setup("admin", password)
    assert password not in str(info.value) and password not in info.value.reason
    assert "***" in info.value.reason


async def test_json_nested_100000_deep_ends_in_a_typed_error(fake: FakeKuma) -> None:
    async def deep(sid: str, *args: Any) -> Any:
        return {"ok": True, "tags": "__deep__"}

    fake.handlers["getTags"] = deep
    async with connected(fake) as kuma:
        await kuma.login("admin", "pw")
        with anyio.fail_after(10), pytest.raises(mn.RequestTimeout) as info:
            await kuma.tags()
        assert info.value.phase == "ack"  # the packet could not be read: dropped
        fake.handlers.pop("getTags")

        async def fine(sid: str, *args: Any) -> Any:
            return {"ok": True, "tags": [{"id": 1, "name": "a", "color": "#fff"}]}

        fake.handlers["getTags"] = fine
        with anyio.fail_after(15):  # the client recovers (reconnecting if it had to)
            while True:
                try:
                    assert [t.name for t in await kuma.tags()] == ["a"]
                    break
                except (mn.ConnectError, mn.RequestTimeout):
                    await anyio.sleep(0.2)


async def test_pushed_events_that_do_not_fit_are_skipped_and_logged(
    fake: FakeKuma, caplog: pytest.LogCaptureFixture
) -> None:
    good = {"monitorID": 4, "status": 1, "time": "2026-11-22 05:00:00.000", "msg": "", "ping": 3}
    async with connected(fake) as kuma:
        await kuma.login("admin", "pw")
        with caplog.at_level(logging.WARNING, logger="medianest_sdk.uptime_kuma"):
            async with kuma.events() as events:
                fake.emit("heartbeat", {"monitorID": "4", "status": 1})
                fake.emit("heartbeat", [1, 2, 3])
                fake.emit("uptime", (4, 24, "all"))
                fake.emit("uptime", (True, 24, 1.0))
                fake.emit("heartbeat", good)
                fake.emit("uptime", (4, "1y", 0.5))
                with anyio.fail_after(5):
                    first = await events.__anext__()
                    second = await events.__anext__()
    assert isinstance(first, HeartbeatEvent) and first.monitor_id == 4
    assert second == UptimeEvent(monitor_id=4, hours=8760, ratio=0.5)
    skipped = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 4


async def test_a_slow_reader_gets_the_buffer_then_overflow(fake: FakeKuma) -> None:
    async with connected(fake, max_buffer=3) as kuma:
        await kuma.login("admin", "pw")
        async with kuma.events() as events:
            for n in range(10):
                fake.emit("uptime", (n, 24, 1.0))
            await anyio.sleep(0.5)  # let them all arrive before reading
            got = []

            async def read_all() -> None:
                async for event in events:
                    got.append(event.monitor_id)

            with anyio.fail_after(5), pytest.raises(mn.StreamOverflowError) as info:
                await read_all()
    assert got == [0, 1, 2]
    assert info.value.dropped == 7


async def test_closing_ends_the_stream(fake: FakeKuma) -> None:
    kuma = connected(fake)
    await kuma.connect()
    async with kuma.events() as events:
        fake.emit("uptime", (1, 24, 1.0))
        with anyio.fail_after(5):
            assert (await events.__anext__()).monitor_id == 1
        await kuma.aclose()
        with anyio.fail_after(5):
            assert [e async for e in events] == []


async def test_a_cancelled_call_leaves_the_client_usable(fake: FakeKuma) -> None:
    release = asyncio.Event()

    async def slow(sid: str, *args: Any) -> Any:
        await release.wait()
        return {"ok": True, "tags": []}

    fake.handlers["getTags"] = slow
    async with connected(fake, timeout=30) as kuma:
        await kuma.login("admin", "pw")
        with anyio.move_on_after(0.3) as scope:
            await kuma.tags()
        assert scope.cancelled_caught
        fake.loop.call_soon_threadsafe(release.set)

        async def quick(sid: str, *args: Any) -> Any:
            return {"ok": True, "tags": []}

        fake.handlers["getTags"] = quick
        with anyio.fail_after(5):
            assert await kuma.tags() == []


async def test_calls_before_connect_and_bad_arguments() -> None:
    kuma = mn.UptimeKumaAdmin("http://127.0.0.1:9")
    with pytest.raises(RuntimeError, match="connect first"):
        await kuma.call("getTags")
    with pytest.raises(RuntimeError, match="log in first"):
        _ = kuma.major
    with pytest.raises(ValueError, match="http"):
        mn.UptimeKumaAdmin("ftp://user:secret@host")
    with pytest.raises(ValueError, match="timeout"):
        mn.UptimeKumaAdmin("http://127.0.0.1:9", timeout=float("nan"))


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    )
)
def test_any_heartbeat_payload_is_an_event_or_skipped(payload: Any) -> None:
    """The push handlers never raise, whatever the server sends."""
    kuma = mn.UptimeKumaAdmin("http://127.0.0.1:9")

    async def feed() -> None:
        await kuma._on_heartbeat(payload)
        await kuma._on_uptime(payload, payload, payload)
        if isinstance(payload, list) and len(payload) == 3:
            await kuma._on_uptime(*payload)

    asyncio.run(feed())
