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
    return either(mn.UptimeKumaAdapter, BASE, api_key=KEY, **kw)


async def test_status_page_fixture(respx_mock: respx.MockRouter) -> None:
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
    respx_mock.get(f"{BASE}/api/status-page/old").respond(json=data)
    async with kuma() as k:
        page = await k.status_page("old")
    [incident] = page.incidents
    assert incident.title == "Disk full"
    assert incident.created_date is not None and incident.created_date.tzinfo is not None


async def test_unknown_status_page_is_not_found(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/api/status-page/nope").mock(
        return_value=recorded("uptime-kuma", "status_page_missing")
    )
    async with kuma() as k:
        with pytest.raises(mn.NotFoundError, match="Status Page Not Found"):
            await k.status_page("nope")


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
    assert statuses == dict.fromkeys(("local-http", "local-keyword", "push-1"), mn.MonitorStatus.UP)


@pytest.mark.parametrize("name", ["metrics_noauth", "metrics_badkey", "metrics_userpass"])
async def test_metrics_auth_errors(respx_mock: respx.MockRouter, name: str) -> None:
    respx_mock.get(f"{BASE}/metrics").mock(return_value=recorded("uptime-kuma", name))
    async with kuma() as k:
        with pytest.raises(mn.AuthenticationError) as info:
            await k.metrics()
    assert info.value.status == 401
    assert KEY not in str(info.value)


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
    async with kuma() as k:
        report = await k.health()
    assert report.healthy
    assert report.service == "uptime-kuma"
    assert report.latency_ms is not None


def test_every_recorded_fixture_is_understood() -> None:
    """Each recorded response decodes through the matching public call's decoder."""
    for name in fixture_names("uptime-kuma"):
        body = recorded("uptime-kuma", name)
        if name.startswith("metrics") and body.status_code == 200:
            assert parse_metrics(body.text)
        elif "badge" in name:
            assert body.text.startswith("<svg")
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
