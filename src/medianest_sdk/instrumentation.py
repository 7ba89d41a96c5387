"""Metrics and traces from the library's events, on OpenTelemetry and Prometheus.

:func:`instrument` attaches to one :class:`~medianest_sdk.EventHooks`: every adapter, client,
pipeline and primitive given those hooks is then measured. The instruments are listed once,
in :data:`METRICS`, with their OpenTelemetry name, unit and labels; Prometheus names are
derived from them (``medianest.http.client.request.duration`` in seconds is
``medianest_http_client_request_duration_seconds``).

OpenTelemetry: only ``opentelemetry-api`` is needed here (the extra ``otel``); the SDK,
exporters and sampling are the host's. Each logical request (its attempts, retries, cache
look-up and breaker decisions) is one ``CLIENT`` span named ``"{method} {route}"`` with
``http.request.method``, ``url.template``, ``server.address``, ``server.port``,
``http.response.status_code``, ``error.type`` and ``medianest.service``; the decisions inside
are span events. Prometheus: ``prometheus_client`` (the extra ``prometheus``), registered on
the registry the host passes.

Labels hold no secret and no raw URL: routes are templates (see
:func:`~medianest_sdk.http.route_template`), rate-limit keys and cache keys are never labels,
errors are class names.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

import attrs

from .events import (
    BreakerStateChanged,
    BulkheadRejected,
    BulkheadWaited,
    CacheLookup,
    DownloadFinished,
    Event,
    EventHooks,
    FallbackUsed,
    HedgeStarted,
    RateLimited,
    RequestCompleted,
    RetryScheduled,
    StoreUnavailable,
)
from .version import sdk_version

__all__ = ["METRICS", "Instrumentation", "MetricSpec", "instrument"]

_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_WAIT_BUCKETS = (0.001, 0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)
_DOWNLOAD_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0)


@attrs.frozen
class MetricSpec:
    """One instrument, as OpenTelemetry and Prometheus both get it.

    Attributes:
        name: The OpenTelemetry name, e.g. ``"medianest.http.client.request.duration"``.
        kind: ``"counter"`` (only goes up), ``"histogram"`` or ``"gauge"`` (a value set).
        unit: UCUM unit: ``"s"`` seconds, ``"By"`` bytes, ``"1"`` or ``"{request}"`` counts.
        description: What one observation is.
        labels: Label (attribute) names, in order.
        buckets: Histogram bucket bounds, in ``unit``; empty for other kinds.
    """

    name: str
    kind: Literal["counter", "histogram", "gauge"]
    unit: str
    description: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...] = ()

    @property
    def prometheus_name(self) -> str:
        """The name ``prometheus_client`` is given: dots become underscores and the base unit
        is a suffix (``_seconds``, ``_bytes``); a counter is exposed with ``_total`` after it."""
        name = self.name.replace(".", "_")
        suffix = {"s": "_seconds", "By": "_bytes"}.get(self.unit, "")
        return name if name.endswith(suffix) else name + suffix


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "medianest.http.client.request.duration",
        "histogram",
        "s",
        "One HTTP attempt, from send to the body read (a retry is another observation).",
        ("service", "method", "route", "status"),
        _REQUEST_BUCKETS,
    ),
    MetricSpec(
        "medianest.http.client.requests",
        "counter",
        "{request}",
        "HTTP attempts by outcome: success, client_error (4xx), server_error (5xx), "
        "transport_error (no response).",
        ("service", "method", "route", "outcome"),
    ),
    MetricSpec(
        "medianest.breaker.state",
        "gauge",
        "1",
        "1 for the circuit breaker's current state (closed, open, half_open, isolated), 0 "
        "for the others it has been in.",
        ("breaker", "state"),
    ),
    MetricSpec(
        "medianest.breaker.transitions",
        "counter",
        "{transition}",
        "Circuit breaker state changes.",
        ("breaker", "from_state", "to_state"),
    ),
    MetricSpec(
        "medianest.limiter.refusals",
        "counter",
        "{call}",
        "Calls the rate limiter refused (RateLimitExceeded).",
        ("limiter", "limit"),
    ),
    MetricSpec(
        "medianest.limiter.wait.duration",
        "histogram",
        "s",
        "Time a call waited for the rate limiter before it went ahead.",
        ("limiter",),
        _WAIT_BUCKETS,
    ),
    MetricSpec(
        "medianest.cache.lookups",
        "counter",
        "{lookup}",
        "Pipeline cache look-ups by result: hit, miss, stale (served stale-if-error).",
        ("cache", "result"),
    ),
    MetricSpec(
        "medianest.bulkhead.rejections",
        "counter",
        "{call}",
        "Calls a bulkhead refused because its queue was full.",
        (),
    ),
    MetricSpec(
        "medianest.bulkhead.wait.duration",
        "histogram",
        "s",
        "Time a call waited in a bulkhead's queue for a slot.",
        (),
        _WAIT_BUCKETS,
    ),
    MetricSpec(
        "medianest.retries",
        "counter",
        "{retry}",
        "Retries scheduled; reason retry_after (the service said when) or backoff.",
        ("reason",),
    ),
    MetricSpec(
        "medianest.fallbacks",
        "counter",
        "{call}",
        "Calls answered by a fallback.",
        (),
    ),
    MetricSpec(
        "medianest.hedges",
        "counter",
        "{attempt}",
        "Hedged attempts started; reason slow or failed.",
        ("reason",),
    ),
    MetricSpec(
        "medianest.store.failures",
        "counter",
        "{failure}",
        "Shared store (Redis) failures under a breaker, limiter or cache, by policy applied.",
        ("operation", "policy"),
    ),
    MetricSpec(
        "medianest.downloads",
        "counter",
        "{download}",
        "Download jobs ended; outcome success or the error's class name.",
        ("outcome",),
    ),
    MetricSpec(
        "medianest.download.size",
        "counter",
        "By",
        "Bytes of the files finished download jobs wrote.",
        (),
    ),
    MetricSpec(
        "medianest.download.duration",
        "histogram",
        "s",
        "Download jobs from start to end.",
        ("outcome",),
        _DOWNLOAD_BUCKETS,
    ),
)
"""Every instrument :func:`instrument` creates."""

_SPEC = {m.name: m for m in METRICS}


class _Sink:
    """Where observations go: OpenTelemetry instruments or Prometheus metrics."""

    def observe(self, name: str, value: float, labels: Sequence[str]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Take the instruments off the registry (Prometheus); OpenTelemetry has no removal."""


class _OTelMetrics(_Sink):
    def __init__(self, meter_provider: Any) -> None:
        from opentelemetry import metrics

        provider = meter_provider or metrics.get_meter_provider()
        meter = provider.get_meter("medianest_sdk", sdk_version())
        self._instruments: dict[str, tuple[Any, Callable[..., None]]] = {}
        for spec in METRICS:
            if spec.kind == "counter":
                counter = meter.create_counter(spec.name, spec.unit, spec.description)
                self._instruments[spec.name] = (spec, counter.add)
            elif spec.kind == "histogram":
                histogram = meter.create_histogram(
                    spec.name,
                    spec.unit,
                    spec.description,
                    explicit_bucket_boundaries_advisory=list(spec.buckets),
                )
                self._instruments[spec.name] = (spec, histogram.record)
            else:
                gauge = meter.create_gauge(spec.name, spec.unit, spec.description)
                self._instruments[spec.name] = (spec, gauge.set)

    def observe(self, name: str, value: float, labels: Sequence[str]) -> None:
        spec, method = self._instruments[name]
        method(value, dict(zip(spec.labels, labels, strict=True)))


class _PrometheusMetrics(_Sink):
    def __init__(self, registry: Any) -> None:
        import prometheus_client as prom

        self._registry = registry
        self._metrics: dict[str, tuple[MetricSpec, Any]] = {}
        try:
            for spec in METRICS:
                kwargs: dict[str, Any] = {"labelnames": spec.labels, "registry": registry}
                if spec.kind == "counter":
                    metric: Any = prom.Counter(spec.prometheus_name, spec.description, **kwargs)
                elif spec.kind == "histogram":
                    metric = prom.Histogram(
                        spec.prometheus_name,
                        spec.description,
                        buckets=(*spec.buckets, math.inf),
                        **kwargs,
                    )
                else:
                    metric = prom.Gauge(spec.prometheus_name, spec.description, **kwargs)
                self._metrics[spec.name] = (spec, metric)
        except ValueError as exc:  # prometheus_client: "Duplicated timeseries in registry"
            self.close()
            raise ValueError(
                "medianest-sdk's metrics are already registered on this Prometheus registry: "
                "instrument() once per registry (give every adapter the same EventHooks), or "
                "detach() the earlier Instrumentation first"
            ) from exc

    def observe(self, name: str, value: float, labels: Sequence[str]) -> None:
        spec, metric = self._metrics[name]
        child = metric.labels(*labels) if spec.labels else metric
        if spec.kind == "counter":
            child.inc(value)
        elif spec.kind == "histogram":
            child.observe(value)
        else:
            child.set(value)

    def close(self) -> None:
        for _, metric in self._metrics.values():
            with contextlib.suppress(KeyError):
                self._registry.unregister(metric)
        self._metrics.clear()


def _outcome(status: int | None) -> str:
    if status is None:
        return "transport_error"
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "client_error"
    return "success"


class _Metrics:
    """Turns events into observations on every sink."""

    TYPES = (
        RequestCompleted,
        BreakerStateChanged,
        RateLimited,
        CacheLookup,
        BulkheadRejected,
        BulkheadWaited,
        RetryScheduled,
        FallbackUsed,
        HedgeStarted,
        StoreUnavailable,
        DownloadFinished,
    )

    def __init__(self, sinks: Sequence[_Sink]) -> None:
        self.sinks = tuple(sinks)

    def _put(self, name: str, value: float, *labels: str) -> None:
        for sink in self.sinks:
            sink.observe(name, value, labels)

    def __call__(self, event: Event) -> None:
        put = self._put
        if isinstance(event, RequestCompleted):
            status = "" if event.status is None else str(event.status)
            put(
                "medianest.http.client.request.duration",
                event.duration_s,
                event.service,
                event.method,
                event.route,
                status,
            )
            put(
                "medianest.http.client.requests",
                1,
                event.service,
                event.method,
                event.route,
                _outcome(event.status),
            )
        elif isinstance(event, BreakerStateChanged):
            put("medianest.breaker.state", 0, event.breaker, event.old)
            put("medianest.breaker.state", 1, event.breaker, event.new)
            put("medianest.breaker.transitions", 1, event.breaker, event.old, event.new)
        elif isinstance(event, RateLimited):
            if event.waited_s is not None:
                put("medianest.limiter.wait.duration", event.waited_s, event.name)
            else:
                put("medianest.limiter.refusals", 1, event.name, event.limit)
        elif isinstance(event, CacheLookup):
            put("medianest.cache.lookups", 1, event.name, event.result)
        elif isinstance(event, BulkheadRejected):
            put("medianest.bulkhead.rejections", 1)
        elif isinstance(event, BulkheadWaited):
            put("medianest.bulkhead.wait.duration", event.waited_s)
        elif isinstance(event, RetryScheduled):
            put("medianest.retries", 1, "retry_after" if event.from_retry_after else "backoff")
        elif isinstance(event, FallbackUsed):
            put("medianest.fallbacks", 1)
        elif isinstance(event, HedgeStarted):
            put("medianest.hedges", 1, event.reason)
        elif isinstance(event, StoreUnavailable):
            put("medianest.store.failures", 1, event.operation, event.policy)
        elif isinstance(event, DownloadFinished):
            outcome = event.error or "success"
            put("medianest.downloads", 1, outcome)
            put("medianest.download.size", event.bytes)
            put("medianest.download.duration", event.duration_s, outcome)


def _error_type(error: str | None) -> str:
    """The class name at the head of ``"Class: message"`` (never the message)."""
    return (error or "").split(":", 1)[0]


class _Spans:
    """:class:`~medianest_sdk.events.Tracing` on an OpenTelemetry tracer, and the callback
    that writes the decisions inside a request as events of its span."""

    TYPES = (
        RequestCompleted,
        RetryScheduled,
        BreakerStateChanged,
        RateLimited,
        CacheLookup,
        BulkheadRejected,
        BulkheadWaited,
        FallbackUsed,
        HedgeStarted,
        StoreUnavailable,
    )

    def __init__(self, tracer_provider: Any) -> None:
        from opentelemetry import trace

        self._trace = trace
        provider = tracer_provider or trace.get_tracer_provider()
        self._tracer = provider.get_tracer("medianest_sdk", sdk_version())

    @contextlib.contextmanager
    def span(self, service: str, method: str, route: str, base_url: str) -> Iterator[object]:
        trace = self._trace
        origin = urlsplit(base_url)
        attributes: dict[str, str | int] = {
            "http.request.method": method,
            "url.template": route,
            "server.address": origin.hostname or "",
            "medianest.service": service,
        }
        if origin.port is not None:
            attributes["server.port"] = origin.port
        with self._tracer.start_as_current_span(
            f"{method} {route}",
            kind=trace.SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,  # a message or traceback could carry what we redact
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except Exception as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
                raise

    def __call__(self, event: Event) -> None:
        span = self._trace.get_current_span()
        if not span.is_recording():
            return
        if isinstance(event, RequestCompleted):
            if event.status is not None:
                span.set_attribute("http.response.status_code", event.status)
            span.set_attribute("medianest.attempts", event.attempt)
            attrs_: dict[str, Any] = {
                "attempt": event.attempt,
                "duration_s": event.duration_s,
                "http.response.status_code": event.status if event.status is not None else 0,
            }
            if event.error:
                attrs_["error.type"] = event.error
            span.add_event("attempt", attrs_)
        elif isinstance(event, RetryScheduled):
            span.add_event(
                "retry",
                {
                    "attempt": event.attempt,
                    "wait_s": event.wait_s,
                    "error.type": _error_type(event.error),
                    "from_retry_after": event.from_retry_after,
                },
            )
        elif isinstance(event, BreakerStateChanged):
            span.add_event(
                "breaker", {"breaker": event.breaker, "from": event.old, "to": event.new}
            )
        elif isinstance(event, RateLimited):
            if event.waited_s is not None:
                span.add_event("rate_limited", {"limit": event.limit, "waited_s": event.waited_s})
            else:
                span.add_event(
                    "rate_limited",
                    {"limit": event.limit, "retry_after_s": event.retry_after or 0.0},
                )
        elif isinstance(event, CacheLookup):
            span.add_event("cache", {"result": event.result, "age_s": event.age_s or 0.0})
        elif isinstance(event, BulkheadRejected):
            span.add_event("bulkhead_rejected", {"max_concurrent": event.max_concurrent})
        elif isinstance(event, BulkheadWaited):
            span.add_event("bulkhead_waited", {"waited_s": event.waited_s})
        elif isinstance(event, FallbackUsed):
            span.add_event("fallback", {"error.type": _error_type(event.error)})
        elif isinstance(event, HedgeStarted):
            span.add_event("hedge", {"attempt": event.attempt, "reason": event.reason})
        elif isinstance(event, StoreUnavailable):
            span.add_event(
                "store_unavailable", {"operation": event.operation, "policy": event.policy}
            )


class Instrumentation:
    """What :func:`instrument` attached; :meth:`detach` takes it off again."""

    def __init__(
        self,
        hooks: EventHooks,
        metrics: _Metrics | None,
        spans: _Spans | None,
        sinks: Sequence[_Sink],
    ) -> None:
        self.hooks = hooks
        self._metrics = metrics
        self._spans = spans
        self._sinks = tuple(sinks)

    @property
    def tracing(self) -> bool:
        """Whether spans are made."""
        return self._spans is not None

    def detach(self) -> None:
        """Stop measuring: unregister the callbacks, stop making spans, and take the
        Prometheus metrics off their registry (OpenTelemetry instruments stay with their
        meter, silent). Idempotent."""
        if self._metrics is not None:
            self.hooks.unregister(self._metrics)
            self._metrics = None
        if self._spans is not None:
            self.hooks.unregister(self._spans)
            if self.hooks.tracing is self._spans:
                self.hooks.tracing = None
            self._spans = None
        for sink in self._sinks:
            sink.close()
        self._sinks = ()


def instrument(
    hooks: EventHooks,
    *,
    opentelemetry: bool = False,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    prometheus_registry: Any = None,
) -> Instrumentation:
    """Measure everything that reports to ``hooks``: OpenTelemetry spans and metrics,
    Prometheus metrics, or both.

    Give the same ``hooks`` to :class:`~medianest_sdk.Services` (or to each adapter or
    pipeline); when nothing is attached no instrument exists and no event is built.

    Args:
        hooks: The hooks to attach to.
        opentelemetry: Spans and metrics through OpenTelemetry's global tracer and meter
            providers (what the host's SDK set up).
        tracer_provider: Spans through this ``TracerProvider`` (implies OpenTelemetry).
        meter_provider: Metrics through this ``MeterProvider`` (implies OpenTelemetry).
        prometheus_registry: Register the instruments of :data:`METRICS` on this
            ``prometheus_client.CollectorRegistry`` (``prometheus_client.REGISTRY`` for the
            process default).

    Returns:
        The :class:`Instrumentation`, whose :meth:`~Instrumentation.detach` takes it off.

    Raises:
        ValueError: nothing was asked for, the hooks already make spans, or the registry
            already holds these metrics.
        ImportError: ``opentelemetry-api`` (extra ``otel``) or ``prometheus_client`` (extra
            ``prometheus``) is not installed; the message names the extra.

    Example::

        hooks = EventHooks()
        mn.instrument(hooks, opentelemetry=True)
        services = mn.Services.from_env(hooks=hooks)
    """
    otel = opentelemetry or tracer_provider is not None or meter_provider is not None
    if not otel and prometheus_registry is None:
        raise ValueError(
            "instrument(): ask for opentelemetry=True (or a tracer/meter provider) and/or a "
            "prometheus_registry"
        )
    if otel and hooks.tracing is not None:
        raise ValueError("instrument(): these hooks already make spans; detach() that first")
    sinks: list[_Sink] = []
    spans = None
    if otel:
        try:
            sinks.append(_OTelMetrics(meter_provider))
            spans = _Spans(tracer_provider)
        except ImportError as exc:
            raise ImportError(
                "instrument(opentelemetry=...) needs opentelemetry-api: "
                'pip install "medianest-sdk[otel]"'
            ) from exc
    if prometheus_registry is not None:
        try:
            sinks.append(_PrometheusMetrics(prometheus_registry))
        except ImportError as exc:
            raise ImportError(
                "instrument(prometheus_registry=...) needs prometheus_client: "
                'pip install "medianest-sdk[prometheus]"'
            ) from exc
    metrics = _Metrics(sinks)
    hooks.register(metrics, *_Metrics.TYPES)
    if spans is not None:
        hooks.register(spans, *_Spans.TYPES)
        hooks.tracing = spans
    return Instrumentation(hooks, metrics, spans, sinks)
