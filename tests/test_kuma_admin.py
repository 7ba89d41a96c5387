"""UptimeKumaAdmin and the HTTP adapter against real Uptime Kuma 2.5.3 and 1.23.17 servers
(on loopback, built by ``../shared/servers/uptime-kuma/kuma.sh``), on asyncio and trio."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest

import medianest_sdk as mn
from medianest_sdk.uptime_kuma import (
    DnsMonitor,
    DockerMonitor,
    GroupMonitor,
    HeartbeatEvent,
    HttpMonitor,
    JsonQueryMonitor,
    KeywordMonitor,
    MaintenanceSpec,
    MonitorSpec,
    PingMonitor,
    PortMonitor,
    PushMonitor,
    StatusPageGroup,
    UptimeEvent,
)

from .kuma_server import USERNAME, VERSIONS, KumaServer, kuma_servers

__all__ = ["kuma_servers"]

# the first test also waits for the session fixture: the build (when not cached) and two starts
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(params=VERSIONS)
def server(request: pytest.FixtureRequest, kuma_servers: dict[str, KumaServer]) -> KumaServer:
    return kuma_servers[request.param]


@asynccontextmanager
async def admin(server: KumaServer, **kw: Any) -> AsyncIterator[mn.UptimeKumaAdmin]:
    assert server.token is not None
    async with mn.UptimeKumaAdmin(server.url, **kw) as kuma:
        await kuma.login_by_token(server.token)
        yield kuma


def name(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}"


async def test_login_errors_and_tokens(server: KumaServer) -> None:
    async with mn.UptimeKumaAdmin(server.url) as kuma:
        assert kuma.version is None  # the server tells it after login only
        with pytest.raises(mn.CallRejectedError) as info:
            await kuma.login(USERNAME, "wrong-Passw0rd!")
        assert info.value.reason == "authIncorrectCreds" and info.value.call == "login"
        with pytest.raises(mn.CallRejectedError) as bad_token:
            await kuma.login_by_token("not.a.jwt")
        assert bad_token.value.reason == "authInvalidToken"
        with pytest.raises(mn.CallRejectedError):  # not logged in: the server says so
            await kuma.monitors()
        with pytest.raises(mn.CallRejectedError, match="initialized"):
            await kuma.setup("second", "An0ther-Strong-Pass!")
        token = await kuma.login(USERNAME, server.password)
        assert kuma.version == server.version and kuma.major == server.major
    for text in (repr(token), str(token), repr(kuma), str(info.value)):
        assert token.reveal() not in text and server.password not in text
    async with mn.UptimeKumaAdmin(server.url) as again:
        await again.login_by_token(token)
        assert isinstance(await again.monitors(), dict)


def totp(secret_b32: str, at: float) -> str:
    """RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as Uptime Kuma's notp checks it."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{code % 1_000_000:06d}"


async def test_two_factor_login(server: KumaServer) -> None:
    async with admin(server) as kuma:
        prepared = await kuma.call("prepare2FA", server.password)
        secret = parse_qs(urlsplit(prepared["uri"]).query)["secret"][0]
        assert (await kuma.call("save2FA", server.password))["ok"]
    try:
        async with mn.UptimeKumaAdmin(server.url) as kuma:
            with pytest.raises(mn.CallRejectedError) as info:
                await kuma.login(USERNAME, server.password)
            assert info.value.reason == "tokenRequired" and "totp=" in str(info.value)
            with pytest.raises(mn.CallRejectedError) as wrong:
                await kuma.login(USERNAME, server.password, totp="000000")
            assert wrong.value.reason == "authInvalidToken"
            token = await kuma.login(USERNAME, server.password, totp=totp(secret, time.time()))
            assert token.reveal()
    finally:
        async with admin(server) as kuma:
            assert (await kuma.call("disable2FA", server.password))["ok"]


async def test_push_monitor_lifecycle(server: KumaServer) -> None:
    """The docs' example: create a push monitor, push to it, read its heartbeats from the
    stream and the history, pause it, delete it."""
    async with admin(server) as kuma, mn.UptimeKumaAdapter(server.url) as http:
        spec = PushMonitor(name=name("backup"), interval=60, retry_interval=60)
        monitor_id = await kuma.add_monitor(spec)
        monitor = (await kuma.monitors())[monitor_id]
        assert (monitor.name, monitor.type, monitor.active) == (spec.name, "push", True)
        assert monitor.push_token == spec.push_token
        assert spec.push_token.reveal() not in repr(monitor)
        async with kuma.events() as events:
            await http.push(spec.push_token, msg="backup done", ping=1234567.0)
            seen: list[mn.uptime_kuma.KumaEvent] = []
            with anyio.fail_after(10):
                async for event in events:
                    if event.monitor_id == monitor_id:
                        seen.append(event)
                    if isinstance(event, UptimeEvent) and event.monitor_id == monitor_id:
                        break
        beat = next(e for e in seen if isinstance(e, HeartbeatEvent))
        assert beat.status is mn.MonitorStatus.UP and beat.heartbeat.msg == "backup done"
        assert beat.heartbeat.ping_ms == 1234567.0  # sent exactly, not as 1.23457e+06
        uptime = next(e for e in seen if isinstance(e, UptimeEvent))
        assert uptime.hours == 24 and uptime.ratio == 1.0
        [stored] = await kuma.monitor_beats(monitor_id, hours=1)
        assert stored.ping_ms == 1234567.0 and stored.time <= datetime.now(UTC)
        with pytest.raises(ValueError, match="ping"):
            await http.push(spec.push_token, ping=-1)

        await kuma.pause_monitor(monitor_id)
        assert not (await kuma.monitor(monitor_id)).active
        with pytest.raises(mn.NotFoundError):  # a paused push monitor takes no pushes
            await http.push(spec.push_token)
        await kuma.resume_monitor(monitor_id)
        assert (await kuma.monitor(monitor_id)).active
        await kuma.delete_monitor(monitor_id)
        assert monitor_id not in await kuma.monitors()
        with pytest.raises(mn.CallRejectedError) as gone:
            await kuma.monitor(monitor_id)
        assert gone.value.reason == "notFound"


async def test_every_monitor_type_and_edit(server: KumaServer) -> None:
    async with admin(server) as kuma:
        group = await kuma.add_monitor(GroupMonitor(name=name("group")))
        host = await kuma.add_docker_host(name("docker"), "/var/run/docker.sock")
        specs: list[MonitorSpec] = [
            HttpMonitor(name=name("http"), url="http://127.0.0.1:9/", active=False, parent=group),
            KeywordMonitor(name=name("kw"), url="http://127.0.0.1:9/", keyword="ok", active=False),
            JsonQueryMonitor(
                name=name("jq"),
                url="http://127.0.0.1:9/",
                json_path="$.status",
                expected_value="up",
                active=False,
            ),
            PingMonitor(name=name("ping"), hostname="127.0.0.1", active=False),
            PortMonitor(name=name("port"), hostname="127.0.0.1", port=9, active=False),
            DnsMonitor(name=name("dns"), hostname="localhost", resolver="127.0.0.1", active=False),
            DockerMonitor(name=name("docker"), container="web", docker_host=host, active=False),
        ]
        ids = [await kuma.add_monitor(spec) for spec in specs]
        monitors = await kuma.monitors()
        http, kw, jq, ping, port, dns, docker = (monitors[i] for i in ids)
        assert (http.type, http.url, http.parent, http.active) == (
            "http",
            "http://127.0.0.1:9/",
            group,
            False,
        )
        assert (kw.type, kw.keyword) == ("keyword", "ok")
        assert (jq.type, jq.json_path, jq.expected_value) == ("json-query", "$.status", "up")
        assert (ping.type, ping.hostname) == ("ping", "127.0.0.1")
        assert (port.type, port.hostname, port.port) == ("port", "127.0.0.1", 9)
        assert (dns.type, dns.dns_resolve_server, dns.dns_resolve_type) == ("dns", "127.0.0.1", "A")
        assert (docker.type, docker.docker_container, docker.docker_host) == ("docker", "web", host)

        await kuma.edit_monitor(http.id, name="renamed", interval=120, url="http://127.0.0.1:8/")
        edited = await kuma.monitor(http.id)
        assert (edited.name, edited.interval, edited.url, edited.parent) == (
            "renamed",
            120,
            "http://127.0.0.1:8/",
            group,  # what was not given is kept
        )
        with pytest.raises(TypeError, match="colour"):
            await kuma.edit_monitor(http.id, colour="red")
        if server.major < 2:  # 1.23 refuses intervals under 20 s (2.x takes them)
            with pytest.raises(mn.CallRejectedError, match="20"):
                await kuma.add_monitor(PushMonitor(name=name("fast"), interval=1))
        with pytest.raises(mn.CallRejectedError):
            await kuma.edit_monitor(999_999, name="nobody")

        await kuma.delete_monitor(group, delete_children=True)
        left = await kuma.monitors()
        assert group not in left
        # 2.x deletes the group's monitors with it; 1.23 moves them out of the group
        assert (http.id in left) is (server.major < 2)
        for monitor_id in ids:
            if monitor_id in left:
                await kuma.delete_monitor(monitor_id)


async def test_tags_and_notifications(server: KumaServer) -> None:
    async with admin(server) as kuma:
        monitor_id = await kuma.add_monitor(PushMonitor(name=name("tagged"), interval=60))
        tag = await kuma.add_tag(name("env"), "#ff0000")
        assert tag in await kuma.tags()
        await kuma.add_monitor_tag(monitor_id, tag.id, "eu-west")
        [on] = (await kuma.monitor(monitor_id)).tags
        assert (on.tag_id, on.name, on.value, on.color) == (tag.id, tag.name, "eu-west", "#ff0000")
        await kuma.remove_monitor_tag(monitor_id, tag.id, "eu-west")
        assert (await kuma.monitor(monitor_id)).tags == []

        hook = "http://127.0.0.1:9/secret-hook-path"
        notification = await kuma.add_notification(
            name("hook"), "webhook", {"webhookURL": hook, "webhookContentType": "json"}
        )
        listed = {n.id: n for n in await kuma.notifications()}
        assert listed[notification].type == "webhook" and listed[notification].active
        assert hook not in repr(listed)
        await kuma.edit_monitor(monitor_id, notification_ids=[notification])
        assert (await kuma.monitor(monitor_id)).notification_ids == [notification]
        await kuma.delete_notification(notification)
        assert notification not in {n.id for n in await kuma.notifications()}
        await kuma.delete_tag(tag.id)
        assert tag not in await kuma.tags()
        await kuma.delete_monitor(monitor_id)


async def test_maintenance_windows(server: KumaServer) -> None:
    async with admin(server) as kuma:
        monitor_id = await kuma.add_monitor(PushMonitor(name=name("maint"), interval=60))
        manual = await kuma.add_maintenance(
            MaintenanceSpec(title=name("manual")), monitor_ids=[monitor_id]
        )
        now = datetime.now(UTC)
        single = await kuma.add_maintenance(
            MaintenanceSpec(
                title=name("single"),
                strategy="single",
                start=now + timedelta(days=1),
                end=now + timedelta(days=1, hours=2),
            )
        )
        weekly = await kuma.add_maintenance(
            MaintenanceSpec(
                title=name("weekly"),
                strategy="recurring-weekday",
                weekdays=[1, 3],
                start_time=clock(2, 0),
                end_time=clock(3, 30),
            )
        )
        windows = {w.id: w for w in await kuma.maintenances()}
        assert windows[manual].status == "under-maintenance" and windows[manual].active
        assert windows[single].status == "scheduled" and windows[single].strategy == "single"
        assert windows[weekly].weekdays == [1, 3] and windows[weekly].duration == 5400
        assert (await kuma.monitor(monitor_id)).maintenance
        await kuma.pause_maintenance(manual)
        paused = {w.id: w for w in await kuma.maintenances()}[manual]
        assert not paused.active and paused.status == "inactive"
        assert not (await kuma.monitor(monitor_id)).maintenance
        await kuma.resume_maintenance(manual)
        assert {w.id: w for w in await kuma.maintenances()}[manual].active
        with pytest.raises(ValueError, match="weekdays"):
            await kuma.add_maintenance(
                MaintenanceSpec(
                    title="x",
                    strategy="recurring-weekday",
                    start_time=clock(1),
                    end_time=clock(2),
                )
            )
        for window in (manual, single, weekly):
            await kuma.delete_maintenance(window)
        assert not {manual, single, weekly} & {w.id for w in await kuma.maintenances()}
        await kuma.delete_monitor(monitor_id)


async def test_status_pages_and_incidents(server: KumaServer) -> None:
    slug = f"page-{time.monotonic_ns()}"
    async with admin(server) as kuma, mn.UptimeKumaAdapter(server.url, timeout=30) as http:
        a = await kuma.add_monitor(PushMonitor(name=name("a"), interval=60))
        b = await kuma.add_monitor(PushMonitor(name=name("b"), interval=60))
        await kuma.add_status_page("Home", slug)
        await kuma.save_status_page(
            slug,
            description="All our services",
            footer_text="run by us",
            groups=[StatusPageGroup(name="Services", monitor_ids=[a, b])],
        )
        tag = await kuma.add_tag(name("tier"), "#00ff00")
        await kuma.add_monitor_tag(a, tag.id, "gold")
        await kuma.save_status_page(slug, title="Home lab", show_tags=True)  # groups kept
        page = await http.status_page(slug, fresh=True)
        shown = page.groups[0].monitors[0]
        assert [(t.name, t.value) for t in shown.tags] == [(tag.name, "gold")]
        assert page.config.show_tags
        assert (page.config.title, page.config.description, page.config.footer_text) == (
            "Home lab",
            "All our services",
            "run by us",
        )
        assert [(g.name, [m.id for m in g.monitors]) for g in page.groups] == [("Services", [a, b])]
        incident = await kuma.post_incident(slug, "Disk full", "Cleaning up", style="warning")
        assert (incident.title, incident.style, incident.pin) == ("Disk full", "warning", True)
        page = await http.status_page(slug, fresh=True)
        assert [i.title for i in page.incidents] == ["Disk full"]
        if server.major >= 2:
            history = await http.incident_history(slug)
            assert [i.title for i in history.incidents] == ["Disk full"]
        else:
            with pytest.raises(mn.UnsupportedByServerError):
                await http.incident_history(slug)
        assert (await http.status_page_badge(slug)).startswith("<svg")
        await kuma.unpin_incident(slug)
        assert (await http.status_page(slug, fresh=True)).incidents == []
        await kuma.delete_status_page(slug)
        started = time.monotonic()
        with pytest.raises(mn.NotFoundError):  # 1.23 never answers this itself
            await http.status_page(slug, fresh=True)
        assert time.monotonic() - started < 5
        await kuma.delete_monitor(a)
        await kuma.delete_monitor(b)
        await kuma.delete_tag(tag.id)


async def test_unknown_slug_is_fast_and_not_an_outage(server: KumaServer) -> None:
    breaker = mn.CircuitBreaker("kuma", consecutive_failures=1)
    pipeline = mn.ResiliencePipeline(breaker=breaker, retry=mn.RetryPolicy(attempts=3))
    async with mn.UptimeKumaAdapter(server.url, pipeline=pipeline, timeout=30) as http:
        started = time.monotonic()
        for _ in range(3):
            with pytest.raises(mn.NotFoundError):
                await http.status_page("no-such-page")
        assert time.monotonic() - started < 5
    assert breaker.state is mn.BreakerState.CLOSED


async def test_metrics_badges_and_health(server: KumaServer) -> None:
    """``/metrics`` with the admin's password (before an API key exists), then with a key;
    monitor ids keep two monitors of one name apart (2.x); ``badge(fresh=True)``."""
    async with admin(server) as kuma:
        one = await kuma.add_monitor(PushMonitor(name="twin", interval=60))
        two = await kuma.add_monitor(PushMonitor(name="twin", interval=60))
        slug = f"badges-{time.monotonic_ns()}"
        await kuma.add_status_page("Badges", slug)
        await kuma.save_status_page(slug, groups=[StatusPageGroup(name="g", monitor_ids=[one])])
        token = (await kuma.monitor(one)).push_token
        token_two = (await kuma.monitor(two)).push_token
        assert token is not None and token_two is not None
        if server.api_key is None:
            async with mn.UptimeKumaAdapter(
                server.url, username=USERNAME, password=server.password
            ) as http:
                assert await http.metrics_text()
            created = await kuma.call("addAPIKey", {"name": "tests", "expires": None, "active": 1})
            server.api_key = created["key"]
    assert server.api_key is not None
    async with mn.UptimeKumaAdapter(server.url, api_key=server.api_key) as http:
        await http.push(token, status="up")
        await http.push(token_two, status="up")
        with anyio.fail_after(10):
            while True:  # /metrics lists a monitor once it has been checked
                names = [m for m in await http.metrics() if m.name == "twin"]
                if len(names) >= (2 if server.major >= 2 else 1):
                    break
                await anyio.sleep(0.2)
        if server.major >= 2:
            statuses = await http.monitor_statuses()
            assert {one, two} <= set(statuses) and statuses[one].name == statuses[two].name
        else:
            with pytest.raises(mn.UnsupportedByServerError):
                await http.monitor_statuses()
        assert "Up" in await http.badge(one, fresh=True)
        await http.push(token, status="down", msg="disk")
        assert "Down" in await http.badge(one, fresh=True)
        report = await http.health()
        assert report.healthy and report.version == server.version
    async with mn.UptimeKumaAdapter(
        server.url, username=USERNAME, password=server.password
    ) as http:
        with pytest.raises(mn.AuthenticationError):  # an API key exists now
            await http.metrics()
    async with admin(server) as kuma:
        await kuma.delete_status_page(slug)
        await kuma.delete_monitor(one)
        await kuma.delete_monitor(two)


async def test_no_ack_times_out_and_nothing_listening_fails_fast(server: KumaServer) -> None:
    async with admin(server) as kuma:
        started = time.monotonic()
        with pytest.raises(mn.RequestTimeout) as info:
            await kuma.call("noSuchHandler", timeout=0.5)
        assert info.value.phase == "ack" and time.monotonic() - started < 3
        assert isinstance(await kuma.monitors(), dict)  # the connection is still fine
    from .kuma_server import _free_port

    with pytest.raises(mn.ConnectError):
        async with mn.UptimeKumaAdmin(f"http://127.0.0.1:{_free_port()}", timeout=2):
            pass


async def test_reconnects_after_a_server_restart(server: KumaServer) -> None:
    """Stop the server: a call waits its timeout, then raises ConnectError (nothing sent).
    Start it again: the client reconnects, logs in again with its token, and the event
    stream goes on."""
    async with admin(server, reconnect_delay=0.2, reconnect_delay_max=1.0) as kuma:
        monitor_id = await kuma.add_monitor(PushMonitor(name=name("restart"), interval=60))
        token = (await kuma.monitor(monitor_id)).push_token
        assert token is not None
        async with kuma.events() as events:
            await anyio.to_thread.run_sync(server.stop)
            started = time.monotonic()
            with pytest.raises(mn.ConnectError, match="not connected"):
                await kuma.call("getMonitorList", timeout=1)
            assert 0.9 < time.monotonic() - started < 3
            await anyio.to_thread.run_sync(server.start)
            with anyio.fail_after(30):
                assert monitor_id in await kuma.monitors()  # waits for the reconnect + login
            async with mn.UptimeKumaAdapter(server.url) as http:
                await http.push(token, msg="after restart")
            with anyio.fail_after(10):
                async for event in events:
                    if isinstance(event, HeartbeatEvent) and event.monitor_id == monitor_id:
                        assert event.heartbeat.msg == "after restart"
                        break
        await kuma.delete_monitor(monitor_id)


def test_the_admin_example(server: KumaServer) -> None:
    """examples/kuma_admin.py (shown in docs/uptime-kuma.md) runs as written."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).parent.parent / "examples" / "kuma_admin.py"
    env = {
        **os.environ,
        "UPTIME_KUMA_URL": server.url,
        "UPTIME_KUMA_USERNAME": USERNAME,
        "UPTIME_KUMA_PASSWORD": server.password,
    }
    out = subprocess.run(
        [sys.executable, str(example)], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0] == f"connected to Uptime Kuma {server.version}"
    assert lines[2] == "heartbeat: UP 'backup finished' 42.5 ms"
    assert lines[3:] == ["heartbeats in the last hour: 1", "paused: active=False", "deleted"]


def test_blocking_twin(server: KumaServer) -> None:
    """``medianest_sdk.sync.UptimeKumaAdmin`` (for scripts and WSGI apps, like uptime-kuma-api):
    the same calls without ``await``; the event stream is a generator."""
    from medianest_sdk import sync

    assert server.token is not None
    with sync.UptimeKumaAdmin(server.url) as kuma, sync.UptimeKumaAdapter(server.url) as http:
        kuma.login_by_token(server.token)
        assert kuma.version == server.version
        spec = PushMonitor(name=name("blocking"), interval=60)
        monitor_id = kuma.add_monitor(spec)
        with kuma.events() as events:
            http.push(spec.push_token, msg="from a script")
            for event in events:
                if isinstance(event, HeartbeatEvent) and event.monitor_id == monitor_id:
                    assert event.heartbeat.msg == "from a script"
                    break
        kuma.delete_monitor(monitor_id)
        assert monitor_id not in kuma.monitors()
