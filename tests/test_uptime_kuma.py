from __future__ import annotations

import base64
import logging
import math
from datetime import datetime

import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk.uptime_kuma import parse_metrics

from .recorded import fixture_names, recorded, recorded_json
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

BASE = "http://kuma.test:3001"
KEY = "uk1_Sup3rSecretApiKey"
PUSH = "PushTok3nAbc"


def kuma(**kw: object) -> mn.UptimeKumaAdapter:
    kw.setdefault("api_key", KEY)
    return either(mn.UptimeKumaAdapter, BASE, **kw)


def server_2x(respx_mock: respx.MockRouter, slug: str = "demo") -> respx.Route:
    """Answer the version probe as Uptime Kuma 2.5.3 did (JSON incident history)."""
    return respx_mock.get(f"{BASE}/api/status-page/{slug}/incident-history").mock(
        return_value=recorded("uptime-kuma", "incident_history")
    )


def server_1_23(respx_mock: respx.MockRouter, slug: str) -> respx.Route:
    """Answer the version probe as Uptime Kuma 1.23.17 did (its HTML app: no such route)."""
    return respx_mock.get(f"{BASE}/api/status-page/{slug}/incident-history").mock(
        return_value=recorded("uptime-kuma", "v1_23_incident_history")
    )


async def test_status_page_fixture(respx_mock: respx.MockRouter) -> None:
    server_2x(respx_mock)
    respx_mock.get(f"{BASE}/api/status-page/demo").mock(
        return_value=recorded("uptime-kuma", "status_page")
    )
    async with kuma() as k:
        page = await k.status_page("demo")
    assert page.config.slug == "demo"
    assert page.config.auto_refresh_interval == 300
    assert page.incidents == []
    [group] = page.groups
    assert [(m.id, m.name, m.type) for m in group.monitors] == [
        (1, "local-http", "http"),
        (2, "push-1", "push"),
        (3, "local-keyword", "keyword"),
    ]


async def test_status_page_1_23_single_incident(respx_mock: respx.MockRouter) -> None:
    data = recorded_json("uptime-kuma", "status_page")
    del data["incidents"]
    data["incident"] = {
        "id": 4,
        "title": "Disk full",
        "content": "Cleaning up",
        "style": "danger",
        "createdDate": "2024-05-01 10:00:00",
        "lastUpdatedDate": None,
        "pin": True,
    }
    server_2x(respx_mock, "old")
    respx_mock.get(f"{BASE}/api/status-page/old").respond(json=data)
    async with kuma() as k:
        page = await k.status_page("old")
    [incident] = page.incidents
    assert incident.title == "Disk full"
    assert incident.created_date is not None and incident.created_date.tzinfo is not None


async def test_unknown_status_page_is_not_found(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/api/status-page/nope/incident-history").mock(
        return_value=recorded("uptime-kuma", "incident_history_missing")
    )
    page = respx_mock.get(f"{BASE}/api/status-page/nope").mock(
        return_value=recorded("uptime-kuma", "status_page_missing")
    )
    async with kuma() as k:
        with pytest.raises(mn.NotFoundError, match="no status page 'nope'"):
            await k.status_page("nope")
        # known to be 2.x now: the next unknown slug is the server's own 404
        with pytest.raises(mn.NotFoundError, match="Status Page Not Found"):
            await k.status_page("nope")
    assert page.call_count == 1


async def test_1_23_unknown_slug_fails_fast_and_does_not_trip_the_breaker(
    respx_mock: respx.MockRouter,
) -> None:
    """Uptime Kuma 1.23 never answers /api/status-page/{unknown}: its manifest.json does."""
    server_1_23(respx_mock, "nope")
    respx_mock.get(f"{BASE}/api/status-page/nope/manifest.json").mock(
        return_value=recorded("uptime-kuma", "v1_23_manifest_missing")
    )
    hanging = respx_mock.get(f"{BASE}/api/status-page/nope").mock(
        side_effect=AssertionError("1.23 never answers this: it must not be asked")
    )
    breaker = mn.CircuitBreaker("kuma", consecutive_failures=1)
    pipeline = mn.ResiliencePipeline(breaker=breaker, retry=mn.RetryPolicy(attempts=3))
    async with kuma(pipeline=pipeline) as k:
        for _ in range(3):
            with pytest.raises(mn.NotFoundError, match="no status page 'nope'"):
                await k.status_page("nope")
    assert not hanging.called
    assert breaker.state is mn.BreakerState.CLOSED


async def test_1_23_known_slug(respx_mock: respx.MockRouter) -> None:
    probe = server_1_23(respx_mock, "demo")
    manifest = respx_mock.get(f"{BASE}/api/status-page/demo/manifest.json").mock(
        return_value=recorded("uptime-kuma", "v1_23_manifest")
    )
    respx_mock.get(f"{BASE}/api/status-page/demo").mock(
        return_value=recorded("uptime-kuma", "v1_23_status_page")
    )
    async with kuma() as k:
        page = await k.status_page("demo", fresh=True)
        await k.status_page("demo", fresh=True)
        await k.status_page("demo")  # a known page: no second look at its manifest
        with pytest.raises(mn.UnsupportedByServerError):
            await k.incident_history("demo")
    assert manifest.call_count == 2  # once per fresh call
    [incident] = page.incidents  # 1.23 sends one ``incident``
    assert incident.title == "Disk full"
    assert probe.call_count == 1  # the version is learned once


async def test_status_page_monitor_fields(respx_mock: respx.MockRouter) -> None:
    server_2x(respx_mock)
    respx_mock.get(f"{BASE}/api/status-page/demo").mock(
        return_value=recorded("uptime-kuma", "status_page_tags")
    )
    async with kuma() as k:
        page = await k.status_page("demo")
    backup, web = page.groups[0].monitors
    assert [(t.name, t.value, t.color) for t in backup.tags] == [("prod", "eu-west", "#ff0000")]
    assert backup.url is None and not backup.send_url
    assert web.send_url and web.url == "http://127.0.0.1:9/"
    assert web.cert_expiry_days_remaining is None and web.valid_cert is False


async def test_incident_history(respx_mock: respx.MockRouter) -> None:
    server_2x(respx_mock)
    async with kuma() as k:
        history = await k.incident_history("demo")
    assert history.total == 1 and not history.has_more and history.next_cursor is None
    assert [(i.title, i.style) for i in history.incidents] == [("Disk full", "warning")]


async def test_status_page_badge(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/api/status-page/demo/badge").mock(
        return_value=recorded("uptime-kuma", "status_page_badge")
    )
    async with kuma() as k:
        svg = await k.status_page_badge("demo", label="Home")
    assert svg.startswith("<svg")
    request = route.calls.last.request
    assert request.headers["x-apicache-bypass"] == "1"
    assert request.url.params["label"] == "Home"


@pytest.mark.parametrize(
    "name",
    ["status_page_heartbeat", "status_page_heartbeat_after_push", "status_page_heartbeat_bypass"],
)
async def test_heartbeat_fixtures(respx_mock: respx.MockRouter, name: str) -> None:
    respx_mock.get(f"{BASE}/api/status-page/heartbeat/demo").mock(
        return_value=recorded("uptime-kuma", name)
    )
    async with kuma() as k:
        monitors = await k.heartbeats("demo")
    assert sorted(monitors) == [1, 2, 3]
    for m in monitors.values():
        assert m.heartbeats
        assert all(hb.time.utcoffset() is not None for hb in m.heartbeats)
        assert m.uptime_24h is not None and 0 <= m.uptime_24h <= 1
    if name == "status_page_heartbeat_bypass":
        push = monitors[2]
        assert [hb.status for hb in push.heartbeats] == [
            mn.MonitorStatus.UP,
            mn.MonitorStatus.PENDING,
            mn.MonitorStatus.UP,
        ]
        assert push.heartbeats[1].ping_ms is None
        assert push.uptime[24] == pytest.approx(2 / 3)


async def test_unknown_slug_heartbeats_are_empty(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/api/status-page/heartbeat/nope").mock(
        return_value=recorded("uptime-kuma", "status_page_heartbeat_missing")
    )
    async with kuma() as k:
        assert await k.heartbeats("nope") == {}


async def test_fresh_sends_bypass_and_skips_our_cache(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/api/status-page/heartbeat/demo").mock(
        return_value=recorded("uptime-kuma", "status_page_heartbeat")
    )
    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    async with kuma(pipeline=pipeline) as k:
        await k.heartbeats("demo")
        await k.heartbeats("demo")  # cached
        assert route.call_count == 1
        assert "x-apicache-bypass" not in route.calls.last.request.headers
        await k.heartbeats("demo", fresh=True)
    assert route.call_count == 2
    assert route.calls.last.request.headers["x-apicache-bypass"] == "1"


async def test_push_up_and_down(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/api/push/{PUSH}").mock(
        return_value=recorded("uptime-kuma", "push_up")
    )
    async with kuma() as k:
        await k.push(PUSH)
        await k.push(PUSH, status="down", msg="disk full", ping=12.5)
    params = route.calls.last.request.url.params
    assert (params["status"], params["msg"], params["ping"]) == ("down", "disk full", "12.5")
    with pytest.raises(ValueError, match="up"):
        await kuma().push(PUSH, status="sideways")  # type: ignore[arg-type]


async def test_push_bad_token_never_leaks_it(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(f"{BASE}/api/push/{PUSH}").mock(
        return_value=recorded("uptime-kuma", "push_badtoken")
    )
    hooks = mn.EventHooks()
    seen: list[mn.Event] = []
    hooks.register(seen.append)
    with caplog.at_level(logging.DEBUG):
        async with kuma(hooks=hooks) as k:
            with pytest.raises(mn.NotFoundError) as info:
                await k.push(PUSH)
    assert "Monitor not found or not active." in str(info.value)
    for text in (str(info.value), info.value.url, caplog.text, repr(seen)):
        assert PUSH not in text
    assert "/api/push/***" in info.value.url


async def test_metrics_fixture(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/metrics").mock(return_value=recorded("uptime-kuma", "metrics"))
    async with kuma() as k:
        monitors = await k.metrics()
        statuses = await k.monitor_statuses()
    sent = route.calls.last.request.headers["Authorization"]
    assert base64.b64decode(sent.removeprefix("Basic ")).decode() == f":{KEY}"
    by_id = {m.id: m for m in monitors}
    assert set(by_id) == {1, 2, 3}
    http = by_id[1]
    assert (http.name, http.type, http.url, http.hostname, http.port) == (
        "local-http",
        "http",
        "http://127.0.0.1:8099/",
        None,
        None,
    )
    assert http.status is mn.MonitorStatus.UP
    assert http.response_time_ms == 5
    assert http.uptime == {"1d": 1.0, "30d": 1.0, "365d": 1.0}
    assert http.avg_response_time_ms["1d"] == pytest.approx(5.0)
    assert {m.name: m.status for m in statuses.values()} == dict.fromkeys(
        ("local-http", "local-keyword", "push-1"), mn.MonitorStatus.UP
    )
    assert sorted(statuses) == sorted(m.id for m in monitors if m.id is not None)


@pytest.mark.parametrize("name", ["metrics_noauth", "metrics_badkey", "metrics_userpass"])
async def test_metrics_auth_errors(respx_mock: respx.MockRouter, name: str) -> None:
    respx_mock.get(f"{BASE}/metrics").mock(return_value=recorded("uptime-kuma", name))
    async with kuma() as k:
        with pytest.raises(mn.AuthenticationError) as info:
            await k.metrics()
    assert info.value.status == 401
    assert KEY not in str(info.value)


async def test_push_sends_ping_exactly_and_refuses_bad_ones(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/api/push/{PUSH}").mock(
        return_value=recorded("uptime-kuma", "push_up")
    )
    async with kuma() as k:
        await k.push(PUSH, ping=1234567.0)
        assert route.calls.last.request.url.params["ping"] == "1234567.0"
        await k.push(PUSH, ping=0.000123)
        assert float(route.calls.last.request.url.params["ping"]) == 0.000123
        await k.push(PUSH, ping=12)
        assert route.calls.last.request.url.params["ping"] == "12"
        for bad in (-1.0, math.nan, math.inf):
            with pytest.raises(ValueError, match="ping"):
                await k.push(PUSH, ping=bad)
    assert route.call_count == 3


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, allow_infinity=False, allow_nan=False))
def test_push_ping_round_trips(ping: float) -> None:
    """Whatever float is given, the server's parseFloat reads back the same number."""
    seen: list[str] = []

    def handler(request: object) -> object:
        import httpx

        assert isinstance(request, httpx.Request)
        seen.append(request.url.params["ping"])
        return httpx.Response(200, json={"ok": True})

    import anyio
    import httpx

    async def run() -> None:
        transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport) as client:
            adapter = mn.UptimeKumaAdapter(BASE, http_client=client)
            await adapter.push(PUSH, ping=ping)

    anyio.run(run)
    assert float(seen[0]) == ping


async def test_badge_fresh_bypasses_the_server_cache(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/api/badge/1/status").mock(
        return_value=recorded("uptime-kuma", "badge_status_1")
    )
    async with kuma() as k:
        await k.badge(1)
        assert "x-apicache-bypass" not in route.calls.last.request.headers
        await k.badge(1, fresh=True)
        assert route.calls.last.request.headers["x-apicache-bypass"] == "1"


async def test_monitor_statuses_on_1_23_say_why_not(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/metrics").mock(return_value=recorded("uptime-kuma", "v1_23_metrics"))
    async with kuma() as k:
        by_name = await k.metrics()
        with pytest.raises(mn.UnsupportedByServerError, match="by name only"):
            await k.monitor_statuses()
    assert by_name and all(m.id is None for m in by_name)


async def test_metrics_with_username_and_password(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/metrics").mock(
        return_value=recorded("uptime-kuma", "metrics_admin_password")
    )
    async with kuma(api_key=None, username="admin", password="Str0ng-Passw0rd!") as k:
        assert await k.metrics()
    sent = route.calls.last.request.headers["Authorization"]
    assert base64.b64decode(sent.removeprefix("Basic ")).decode() == "admin:Str0ng-Passw0rd!"


def test_monitor_status_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match=r"MonitorStatus\.UP"):
        bool(mn.MonitorStatus.DOWN)
    with pytest.raises(TypeError):
        assert not mn.MonitorStatus.MAINTENANCE
    assert int(mn.MonitorStatus.UP) == 1 and mn.MonitorStatus(7).name == "UNKNOWN_7"


async def test_badges(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/api/badge/1/status").mock(
        return_value=recorded("uptime-kuma", "badge_status_1")
    )
    uptime = respx_mock.get(f"{BASE}/api/badge/1/uptime/24").mock(
        return_value=recorded("uptime-kuma", "badge_uptime_1")
    )
    respx_mock.get(f"{BASE}/api/badge/99/status").mock(
        return_value=recorded("uptime-kuma", "badge_status_missing")
    )
    async with kuma() as k:
        assert 'aria-label="Status: Up"' in await k.badge(1)
        assert "100.0%" in await k.badge(1, "uptime", 24)
        assert 'aria-label="N/A"' in await k.badge(99)
    assert uptime.called


async def test_health(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/api/entry-page").mock(
        return_value=recorded("uptime-kuma", "entry_page")
    )
    respx_mock.get(f"{BASE}/metrics").mock(return_value=recorded("uptime-kuma", "metrics"))
    async with kuma() as k:
        report = await k.health()
    assert report.healthy
    assert report.service == "uptime-kuma"
    assert report.latency_ms is not None
    assert report.version == "2.5.3"


async def test_health_without_credentials_has_no_version(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/api/entry-page").mock(
        return_value=recorded("uptime-kuma", "entry_page")
    )
    metrics = respx_mock.get(f"{BASE}/metrics")
    async with kuma(api_key=None) as k:
        report = await k.health()
    assert report.healthy and report.version is None
    assert not metrics.called


@pytest.mark.parametrize(
    "reply",
    [
        {"status_code": 200, "html": "<html>nginx default page</html>"},
        {"status_code": 200, "json": {"status": "ok"}},
        {"status_code": 200, "content": b"[[[["},
    ],
)
async def test_health_of_another_server_is_unhealthy(
    respx_mock: respx.MockRouter, reply: dict[str, object]
) -> None:
    respx_mock.get(f"{BASE}/api/entry-page").respond(**reply)  # type: ignore[arg-type]
    async with kuma() as k:
        report = await k.health()
    assert report.status == "unhealthy"
    assert report.error is not None and "not Uptime Kuma" in report.error


def test_every_recorded_fixture_is_understood() -> None:
    """Each recorded response decodes through the matching public call's decoder."""
    for name in fixture_names("uptime-kuma"):
        body = recorded("uptime-kuma", name)
        if "metrics" in name and body.status_code == 200:
            assert parse_metrics(body.text)
        elif "badge" in name:
            assert body.text.startswith("<svg")
        elif name == "v1_23_incident_history":  # 1.23 has no such route: its HTML app
            assert body.headers["content-type"].startswith("text/html")
        elif body.status_code == 200:
            assert isinstance(body.json(), dict)


# -- properties ---------------------------------------------------------------------------------

label_value = st.text(
    alphabet=st.characters(blacklist_characters='"\\\n', codec="utf-8"), max_size=20
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.one_of(st.none(), st.integers(1, 999)),
                "name": label_value.filter(bool),
                "extra": st.dictionaries(
                    st.from_regex(r"[a-z][a-z_]{0,9}", fullmatch=True).filter(
                        lambda k: not k.startswith("monitor_") and k != "window"
                    ),
                    label_value,
                    max_size=3,
                ),
                "status": st.one_of(st.integers(0, 9), st.just(math.nan)),
                "ping": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(-1.0)),
            }
        ),
        max_size=5,
    )
)
def test_metrics_parser_any_labels_and_odd_values(monitors: list[dict[str, object]]) -> None:
    lines = ["# TYPE monitor_status gauge", "# TYPE monitor_response_time gauge"]
    for n, m in enumerate(monitors):
        labels = {**m["extra"], "monitor_name": f"{m['name']}-{n}"}  # type: ignore[dict-item]
        if m["id"] is not None:
            labels["monitor_id"] = str(n + 1)
        text = ",".join(f'{k}="{v}"' for k, v in labels.items())
        lines.append(f"monitor_status{{{text}}} {m['status']}")
        lines.append(f"monitor_response_time{{{text}}} {m['ping']}")
    parsed = parse_metrics("\n".join(lines) + "\n")
    assert len(parsed) == len(monitors)
    for record in parsed:
        assert record.response_time_ms is None or (
            math.isfinite(record.response_time_ms) and record.response_time_ms >= 0
        )


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.none()
    )
)
def test_heartbeat_times_are_utc(moment: object) -> None:
    from medianest_sdk.uptime_kuma.models import heartbeat_from

    stamp = moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]  # type: ignore[attr-defined]
    beat = heartbeat_from({"status": 1, "time": stamp, "msg": "", "ping": 3})
    assert beat is not None
    assert beat.time.utcoffset() is not None
    assert beat.time.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] == stamp


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_metrics_parser_junk_raises_only_decode_error(text: str) -> None:
    try:
        parse_metrics(text)
    except mn.DecodeError:
        pass


async def test_over_real_loopback_with_pipeline(loopback: object) -> None:
    from .servers import LoopbackServer, Reply

    assert isinstance(loopback, LoopbackServer)
    body = (recorded("uptime-kuma", "status_page_heartbeat")).content
    loopback.routes["GET /api/status-page/heartbeat/demo"] = Reply(
        200, body, {"Content-Type": "application/json"}
    )
    pipeline = mn.ResiliencePipeline(retry=mn.RetryPolicy(attempts=2), cache=mn.MemoryCache())
    async with mn.UptimeKumaAdapter(loopback.url, pipeline=pipeline) as k:
        first = await k.heartbeats("demo")
        second = await k.heartbeats("demo")
    assert first == second
    assert len(loopback.seen) == 1
