"""instrument(): OpenTelemetry spans and metrics, Prometheus metrics, hooks wiring, routes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import attrs
import prometheus_client
import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import medianest_sdk as mn
from medianest_sdk.secrets import MASK, encoded_forms
from medianest_sdk.testing import FakePlex, FakeUptimeKuma, ManualClock, fake_http_client

PLEX_TOKEN = "plex-T0ken/with?reserved&chars"
PUSH_TOKEN = "push-Secret+Token=42"


@attrs.define
class OTel:
    hooks: mn.EventHooks
    spans: InMemorySpanExporter
    reader: InMemoryMetricReader
    instrumentation: mn.Instrumentation

    def finished(self) -> list[Any]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, data point) of every point of metric ``name``."""
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found += [(dict(p.attributes or {}), p) for p in metric.data.data_points]
        return found

    def everything(self) -> str:
        """Every span name, attribute and event, and every metric attribute, as one text."""
        texts = []
        for span in self.finished():
            texts.append(span.name)
            texts.append(json.dumps(dict(span.attributes), default=str))
            for event in span.events:
                texts.append(event.name + json.dumps(dict(event.attributes), default=str))
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        texts.append(json.dumps(dict(point.attributes or {}), default=str))
        return "\n".join(texts)


@pytest.fixture
def otel() -> Iterator[OTel]:
    hooks = mn.EventHooks()
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    handle = mn.instrument(
        hooks, tracer_provider=tracer_provider, meter_provider=MeterProvider([reader])
    )
    yield OTel(hooks, spans, reader, handle)
    handle.detach()


def _pipeline(clock: ManualClock, **kwargs: Any) -> mn.ResiliencePipeline:
    return mn.ResiliencePipeline(
        retry=mn.RetryPolicy(attempts=3, wait_initial=1.0, wait_jitter=0.0),
        clock=clock,
        **kwargs,
    )


def _retrying_plex(
    fake: FakePlex, client: Any, clock: ManualClock, hooks: mn.EventHooks
) -> mn.PlexAdapter:
    return mn.PlexAdapter(
        fake.base_url, fake.token, http_client=client, pipeline=_pipeline(clock), hooks=hooks
    )


async def test_one_span_per_request_with_its_attempts_and_retries(otel: OTel) -> None:
    fake = FakePlex(movies=3)
    fake.faults.fail(1, status=503)
    clock = ManualClock()
    async with fake.http_client() as client:
        plex = _retrying_plex(fake, client, clock, otel.hooks)
        with clock.patch_wall_time():
            sections = await plex.library_sections()
    assert len(sections) == 2
    [span] = otel.finished()
    assert span.name == "GET /library/sections/all"
    assert span.kind.name == "CLIENT"
    attributes = dict(span.attributes)
    assert attributes["http.request.method"] == "GET"
    assert attributes["url.template"] == "/library/sections/all"
    assert attributes["http.response.status_code"] == 200
    assert attributes["medianest.service"] == "plex"
    assert attributes["medianest.attempts"] == 2
    assert attributes["server.address"] == "plex.fake.invalid"
    assert [e.name for e in span.events] == ["attempt", "retry", "attempt"]
    first, retry, second = span.events
    assert first.attributes["http.response.status_code"] == 503
    assert retry.attributes["error.type"] == "ServerError"
    assert retry.attributes["wait_s"] == 1.0
    assert second.attributes["http.response.status_code"] == 200
    assert span.status.status_code is not StatusCode.ERROR


async def test_a_failed_request_ends_its_span_in_error_with_the_class_only(otel: OTel) -> None:
    fake = FakePlex(movies=1)
    fake.faults.fail(1, status=500)
    async with fake.http_client() as client:
        plex = mn.PlexAdapter(fake.base_url, fake.token, http_client=client, hooks=otel.hooks)
        with pytest.raises(mn.ServerError):
            await plex.library_sections()
    [span] = otel.finished()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "ServerError"
    assert span.attributes["error.type"] == "ServerError"
    assert not any(e.name == "exception" for e in span.events)  # no message, no traceback


async def test_metrics_by_service_route_and_outcome_in_seconds(otel: OTel) -> None:
    fake = FakePlex(movies=3)
    fake.faults.fail(1, status=503)
    clock = ManualClock()
    async with fake.http_client() as client:
        plex = _retrying_plex(fake, client, clock, otel.hooks)
        with clock.patch_wall_time():
            await plex.library_sections()
            await plex.section_items("1")
            await plex.metadata(1000)
    counts = {
        (a["route"], a["outcome"]): p.value
        for a, p in otel.points("medianest.http.client.requests")
    }
    assert counts == {
        ("/library/sections/all", "server_error"): 1,
        ("/library/sections/all", "success"): 1,
        ("/library/sections/{id}/all", "success"): 1,
        ("/library/metadata/{id}", "success"): 1,
    }
    durations = otel.points("medianest.http.client.request.duration")
    assert sum(p.count for _, p in durations) == 4
    assert all(0 <= p.sum < 5 for _, p in durations)  # seconds, not milliseconds
    assert {a["status"] for a, _ in durations} == {"200", "503"}
    [(retry_labels, retries)] = otel.points("medianest.retries")
    assert retry_labels == {"reason": "backoff"} and retries.value == 1


async def test_no_secret_in_any_span_or_metric(otel: OTel) -> None:
    plex_fake, kuma_fake = FakePlex(movies=1, token=PLEX_TOKEN), FakeUptimeKuma()
    kuma_fake.add_monitor("secret-push", kind="push", push_token=PUSH_TOKEN)
    registry = prometheus_client.CollectorRegistry()
    prom = mn.instrument(otel.hooks, prometheus_registry=registry)
    try:
        async with fake_http_client(plex_fake, kuma_fake) as client:
            plex = mn.PlexAdapter(
                plex_fake.base_url, PLEX_TOKEN, http_client=client, hooks=otel.hooks
            )
            kuma = mn.UptimeKumaAdapter(kuma_fake.base_url, http_client=client, hooks=otel.hooks)
            await plex.library_sections()
            await kuma.push(PUSH_TOKEN, status="up")
            with pytest.raises(mn.NotFoundError):
                await kuma.push(PUSH_TOKEN + "x", status="up")
        text = otel.everything() + prometheus_client.generate_latest(registry).decode()
    finally:
        prom.detach()
    assert "/api/push/{secret}" in text
    for secret in (PLEX_TOKEN, PUSH_TOKEN):
        for form in encoded_forms(secret):
            assert form not in text, form


async def test_cache_breaker_and_limiter_decisions_are_measured(otel: OTel) -> None:
    clock = ManualClock()
    registry = prometheus_client.CollectorRegistry()
    prom = mn.instrument(otel.hooks, prometheus_registry=registry)
    pipeline = mn.ResiliencePipeline(
        cache=mn.MemoryCache(clock=clock),
        breaker=mn.CircuitBreaker("plex", consecutive_failures=2, break_duration=30, clock=clock),
        limiter=mn.RateLimiter("3/minute", clock=clock),
        limiter_max_wait=0,
        clock=clock,
    )
    fake = FakePlex(movies=1)
    try:
        async with fake.http_client() as client:
            plex = mn.PlexAdapter(
                fake.base_url, fake.token, http_client=client, pipeline=pipeline, hooks=otel.hooks
            )
            with clock.patch_wall_time():
                await plex.library_sections()  # miss, then the limiter's first slot
                await plex.library_sections()  # hit: the limiter is not asked
                fake.faults.fail(2)
                for _ in range(2):  # slots 2 and 3; the second failure opens the breaker
                    with pytest.raises(mn.ServerError):
                        await plex.metadata(1000)
                with pytest.raises(mn.CircuitOpenError):
                    await plex.metadata(1000)
                clock.advance(31)  # half-open: a trial is let through, the limiter refuses it
                with pytest.raises(mn.RateLimitExceeded):
                    await plex.metadata(1000)
        exposition = prometheus_client.generate_latest(registry).decode()
    finally:
        prom.detach()
    lookups = {a["result"]: p.value for a, p in otel.points("medianest.cache.lookups")}
    assert lookups == {"miss": 5, "hit": 1}  # the sections twice, then four misses for metadata
    assert 'medianest_cache_lookups_total{cache="plex",result="hit"} 1.0' in exposition
    assert 'medianest_breaker_state{breaker="plex",state="closed"} 0.0' in exposition
    transitions = re.findall(
        r'medianest_breaker_transitions_total\{breaker="plex",from_state="(\w+)",'
        r'to_state="(\w+)"\} 1.0',
        exposition,
    )
    assert ("closed", "open") in transitions
    assert re.search(
        r'medianest_limiter_refusals_total\{limit="[^"]+",limiter="plex"\} 1.0', exposition
    )
    assert "medianest_http_client_request_duration_seconds_bucket" in exposition
    [span] = [s for s in otel.finished() if s.status.status_code is StatusCode.ERROR][-1:]
    assert span.attributes["error.type"] == "RateLimitExceeded"
    assert "rate_limited" in [e.name for e in span.events]


def test_every_metric_is_registered_with_prometheus_names() -> None:
    registry = prometheus_client.CollectorRegistry()
    handle = mn.instrument(mn.EventHooks(), prometheus_registry=registry)
    names = {m.name for m in registry.collect()}
    assert names == {spec.prometheus_name.removesuffix("_total") for spec in mn.METRICS}
    assert all(re.fullmatch(r"medianest_[a-z_]+", n) for n in names)
    assert {s.prometheus_name for s in mn.METRICS if s.unit == "s"} == {
        n for n in names if n.endswith("_seconds")
    }
    with pytest.raises(ValueError, match="already registered on this Prometheus registry"):
        mn.instrument(mn.EventHooks(), prometheus_registry=registry)
    assert {m.name for m in registry.collect()} == names  # the failed attempt left nothing
    handle.detach()
    assert list(registry.collect()) == []
    mn.instrument(mn.EventHooks(), prometheus_registry=registry).detach()  # again after detach


def test_attaching_nothing_costs_nothing_and_detach_restores_that() -> None:
    hooks = mn.EventHooks()
    assert hooks.tracing is None and not hooks.active(mn.RequestCompleted)
    with pytest.raises(ValueError, match="ask for opentelemetry"):
        mn.instrument(hooks)
    handle = mn.instrument(hooks, opentelemetry=True)
    assert hooks.tracing is not None and hooks.active(mn.RequestCompleted)
    assert not hooks.active(mn.HealthStatusChanged)  # only the events that are measured
    with pytest.raises(ValueError, match="already make spans"):
        mn.instrument(hooks, opentelemetry=True)
    handle.detach()
    handle.detach()
    assert hooks.tracing is None and len(hooks) == 0


async def test_hooks_given_once_reach_the_client_and_every_primitive() -> None:
    seen: list[mn.Event] = []
    fake = FakePlex(movies=1)
    fake.faults.fail(3)
    clock = ManualClock()

    # given to the adapter: the pipeline and its breaker report there too
    adapter_hooks = mn.EventHooks()
    adapter_hooks.register(seen.append)
    breaker = mn.CircuitBreaker("plex", consecutive_failures=1, clock=clock)
    async with fake.http_client() as client:
        plex = mn.PlexAdapter(
            fake.base_url,
            fake.token,
            http_client=client,
            pipeline=mn.ResiliencePipeline(breaker=breaker, clock=clock),
            hooks=adapter_hooks,
        )
        with pytest.raises(mn.ServerError):
            await plex.library_sections()
    assert {type(e) for e in seen} == {mn.RequestCompleted, mn.BreakerStateChanged}

    # given to the pipeline: the client reports there too
    seen.clear()
    pipeline_hooks = mn.EventHooks()
    pipeline_hooks.register(seen.append)
    async with fake.http_client() as client:
        plex = mn.PlexAdapter(
            fake.base_url,
            fake.token,
            http_client=client,
            pipeline=mn.ResiliencePipeline(
                breaker=mn.CircuitBreaker("p2", consecutive_failures=1, clock=clock),
                clock=clock,
                hooks=pipeline_hooks,
            ),
        )
        with pytest.raises(mn.ServerError):
            await plex.library_sections()
    assert {type(e) for e in seen} == {mn.RequestCompleted, mn.BreakerStateChanged}


async def test_a_bulkhead_wait_is_reported_and_cancelling_the_report_frees_the_slot() -> None:
    hooks = mn.EventHooks()
    waits: list[mn.BulkheadWaited] = []
    reporting = anyio.Event()

    async def sink(event: mn.Event) -> None:
        assert isinstance(event, mn.BulkheadWaited)
        waits.append(event)
        if len(waits) == 2:  # the second report hangs until cancelled
            reporting.set()
            await anyio.sleep_forever()

    hooks.register(sink, mn.BulkheadWaited)
    bulkhead = mn.Bulkhead(1, hooks=hooks)

    async def hold(gate: anyio.Event) -> None:
        async with bulkhead.slot():
            await gate.wait()

    async with anyio.create_task_group() as tg:
        first, second = anyio.Event(), anyio.Event()
        tg.start_soon(hold, first)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(hold, second)  # waits for the slot
        await anyio.wait_all_tasks_blocked()
        assert waits == [] and bulkhead.waiting == 1
        first.set()
        await anyio.wait_all_tasks_blocked()
        assert len(waits) == 1 and waits[0].waited_s >= 0 and waits[0].max_concurrent == 1
        tg.start_soon(hold, anyio.Event())  # waits behind the second
        await anyio.wait_all_tasks_blocked()
        second.set()
        await reporting.wait()  # the third got its slot and hangs in the report
        assert bulkhead.in_use == 1
        tg.cancel_scope.cancel()
    assert bulkhead.in_use == 0 and bulkhead.waiting == 0


@given(st.lists(st.text(max_size=30), max_size=8))
def test_route_template_is_a_safe_low_cardinality_label(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    route = mn.route_template(path)
    assert re.fullmatch(r"/[A-Za-z0-9_.{}/\-]*", route), route
    assert not any(part.isdigit() for part in route.split("/"))
    assert mn.route_template(route) == route
    assert route.count("/") == path.split("?", 1)[0].split("#", 1)[0].count("/")


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/library/metadata/4521/children", "/library/metadata/{id}/children"),
        ("/api/v2/torrents/properties?hash=abc", "/api/v2/torrents/properties"),
        (f"/api/push/{MASK}", "/api/push/{secret}"),
        ("/api/v2/torrents/8c4adbf9ebe66f1d804fb6a4fb9b74966c3ab609", "/api/v2/torrents/{id}"),
        ("/x/123e4567-e89b-12d3-a456-426614174000", "/x/{id}"),
        ("/api/status-page/my%20page", "/api/status-page/{value}"),
        ("http://plex.local:32400/hubs/search?query=x", "/hubs/search"),
        ("", "/"),
    ],
)
def test_route_template_examples(path: str, route: str) -> None:
    assert mn.route_template(path) == route


DOCS = Path(__file__).resolve().parents[1] / "docs" / "observability.md"


def test_the_observability_page_lists_every_metric() -> None:
    page = DOCS.read_text()
    for spec in mn.METRICS:
        exposed = spec.prometheus_name + ("_total" if spec.kind == "counter" else "")
        assert f"`{exposed}`" in page, exposed


def test_the_observability_example_prints_what_the_page_says() -> None:
    page = DOCS.read_text()
    code = page.split("```python\n", 1)[1].split("```", 1)[0]
    shown = page.split("```text\n", 1)[1].split("```", 1)[0]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown
