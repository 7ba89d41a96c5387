from __future__ import annotations

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

import medianest_sdk as mn
from medianest_sdk.testing import ManualClock, capture_events

from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

BASE = "http://svc.test"


class Probe:
    """An adapter-like object: health() probes a path of a respx-mocked service."""

    def __init__(self, path: str, pipeline: mn.ResiliencePipeline | None = None) -> None:
        self.http = mn.ServiceClient("svc", BASE, pipeline=pipeline)
        self.path = path

    async def health(self) -> mn.HealthReport:
        return await self.http.probe(self.path)


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (httpx.Response(200, json={}), "healthy"),
        (httpx.Response(503), "degraded"),
        (httpx.Response(429), "degraded"),
        (httpx.Response(401), "unhealthy"),
        (httpx.Response(403), "unhealthy"),
        (httpx.ConnectError("refused"), "unhealthy"),
        (httpx.ReadTimeout("slow"), "degraded"),
    ],
)
async def test_classification(
    respx_mock: respx.MockRouter, reply: httpx.Response | Exception, status: str
) -> None:
    respx_mock.get(f"{BASE}/health").mock(side_effect=[reply])
    monitor = either(mn.HealthMonitor, {"svc": Probe("/health")})
    snapshot = await monitor.check_all()
    assert snapshot["svc"].status == status


async def test_host_callables_and_monitor_timeout() -> None:
    async def fine() -> None:
        return None

    async def broken() -> bool:
        return False

    async def raises() -> None:
        raise RuntimeError("db gone")

    async def hangs() -> None:
        await anyio.sleep(10)

    monitor = either(
        mn.HealthMonitor,
        {"fine": fine, "broken": broken, "raises": raises, "hangs": hangs},
        timeout=0.05,
    )
    snap = await monitor.check_all()
    assert {n: h.status for n, h in snap.items()} == {
        "fine": "healthy",
        "broken": "unhealthy",
        "raises": "unhealthy",
        "hangs": "degraded",
    }
    assert snap["raises"].last_error is not None
    assert "db gone" in snap["raises"].last_error


async def test_open_breaker_is_reported(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/health").respond(200, json={})
    breaker = mn.CircuitBreaker("svc")
    await breaker.isolate()
    monitor = either(
        mn.HealthMonitor, {"svc": Probe("/health", mn.ResiliencePipeline(breaker=breaker))}
    )
    health = (await monitor.check_all())["svc"]
    assert health.breaker_state == "isolated"
    assert health.status == "degraded"

    async def rejected() -> None:
        raise mn.CircuitOpenError("open", breaker="svc", retry_after=3.0)

    health = (await either(mn.HealthMonitor, {"x": rejected}).check_all())["x"]
    assert (health.status, health.breaker_state) == ("degraded", "open")


async def test_window_statistics_and_events() -> None:
    outcomes = [True, True, False, True]

    async def flaky() -> bool:
        return outcomes.pop(0)

    monitor = either(mn.HealthMonitor, {"svc": flaky}, window=3)
    with capture_events() as events:
        for _ in range(4):
            await monitor.check_all()
    health = monitor.snapshot()["svc"]
    assert health.checks == 3
    assert health.uptime_ratio == pytest.approx(2 / 3)
    assert health.consecutive_failures == 0
    assert health.latency_p50_ms is not None
    assert health.latency_p95_ms is not None
    assert health.latency_p95_ms >= health.latency_p50_ms
    kinds = [(type(e).__name__, getattr(e, "new", None)) for e in events]
    assert kinds == [
        ("HealthStatusChanged", "healthy"),
        ("ServiceUp", None),
        ("HealthStatusChanged", "unhealthy"),
        ("ServiceDown", None),
        ("HealthStatusChanged", "healthy"),
        ("ServiceUp", None),
    ]


async def test_runs_periodically_and_stops_cleanly() -> None:
    clock = ManualClock()
    calls = 0

    async def check() -> None:
        nonlocal calls
        calls += 1

    async with mn.HealthMonitor({"svc": check}, interval=30, clock=clock) as monitor:
        with anyio.fail_after(10):
            while calls < 3:
                await anyio.lowlevel.checkpoint()
        assert monitor.snapshot()["svc"].status == "healthy"
    seen = calls
    assert clock.slept[:2] == [30, 30]  # rounds are `interval` apart on the monitor's clock
    for _ in range(100):
        await anyio.lowlevel.checkpoint()
    assert calls == seen  # nothing runs after exit


def test_validation() -> None:
    with pytest.raises(ValueError, match="at least one"):
        mn.HealthMonitor({})
    with pytest.raises(ValueError, match="not callable"):
        mn.HealthMonitor({"x": 42})  # type: ignore[dict-item]


async def test_to_prometheus() -> None:
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    async def ok() -> None:
        return None

    monitor = either(mn.HealthMonitor, {"plex": ok})
    registry = monitor.to_prometheus()
    before = generate_latest(registry).decode()
    assert 'medianest_service_status{service="plex",status="unknown"} 1.0' in before
    await monitor.check_all()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
    }
    assert samples[("medianest_service_up", (("service", "plex"),))] == 1.0
    assert samples[("medianest_service_uptime_ratio", (("service", "plex"),))] == 1.0
