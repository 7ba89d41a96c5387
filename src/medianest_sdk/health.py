"""``HealthMonitor``: polls anything with ``async health()`` and keeps a per-service picture.

Statuses:

- **healthy**: the check passed.
- **degraded**: the service answers badly or slowly: a timeout (the monitor's own or the
  client's), a 5xx, a 429, or an open circuit breaker.
- **unhealthy**: the service is down or refuses us: connection refused, 401/403, other 4xx, or a
  check that raised anything else.
- **unknown**: not checked yet.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Protocol, runtime_checkable

import anyio
import anyio.abc
import attrs

from .errors import AuthenticationError, CircuitOpenError, ConnectError, MediaNestError
from .events import EventHooks, HealthStatusChanged, ServiceDown, ServiceUp
from .http import HealthReport
from .resilience import Clock, SystemClock
from .resilience.classify import is_transient
from .secrets import redact_text, redact_url

__all__ = ["Check", "CheckFunction", "HealthCheck", "HealthMonitor", "ServiceHealth", "Status"]

Status = Literal["healthy", "degraded", "unhealthy", "unknown"]
"""A service's health status, as :class:`ServiceHealth` reports it."""


@runtime_checkable
class HealthCheck(Protocol):
    """Anything with ``async health()``, as every adapter has, or your own object.

    Example (passes ``mypy --strict``)::

        checks: dict[str, Check] = {"plex": plex, "db": db_ok}  # an adapter and a function
        monitor = HealthMonitor(checks)
    """

    async def health(self) -> HealthReport | bool | None:
        """Report health (a ``HealthReport``, or ``True``/``None`` for healthy)."""
        ...


CheckFunction = Callable[[], Awaitable[HealthReport | bool | None]]
"""A check written as a coroutine function, ``async () -> HealthReport | bool | None``
(``True`` or ``None`` for healthy, ``False`` for unhealthy)."""

Check = HealthCheck | CheckFunction
"""What :class:`HealthMonitor` takes per service, an object with ``async health()`` or a
coroutine function. Annotate a dict of mixed checks with it (``dict[str, Check]``); left to
itself, mypy infers ``dict[str, object]`` for an adapter beside a function."""


@attrs.frozen(kw_only=True)
class ServiceHealth:
    """One service's health, as :meth:`HealthMonitor.snapshot` reports it.

    Attributes:
        name: The check's name.
        status: healthy / degraded / unhealthy / unknown.
        last_latency_ms: Milliseconds the last check took, or ``None``.
        latency_p50_ms, latency_p95_ms: Median and 95th percentile over the window (checks that
            got an answer), or ``None``.
        uptime_ratio: Share of checks in the window that were healthy (0.0-1.0), or ``None``.
        consecutive_failures: Checks in a row that were not healthy.
        last_error: The last failure, redacted, or ``None``.
        last_change: When the status last changed (aware UTC), or ``None``.
        breaker_state: The adapter's circuit breaker state, when it has one.
        version: The service's version, when its health check reports it.
        checks: Checks in the window.
    """

    name: str
    status: Status
    last_latency_ms: float | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    uptime_ratio: float | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_change: datetime | None = None
    breaker_state: str | None = None
    version: str | None = None
    checks: int = 0


@attrs.define
class _Track:
    results: deque[tuple[bool, float | None]]
    status: Status = "unknown"
    last: HealthReport | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_change: datetime | None = None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[rank]


def _classify(name: str, exc: BaseException) -> HealthReport:
    text = redact_text(redact_url(f"{type(exc).__name__}: {exc}"))[:300]
    if isinstance(exc, CircuitOpenError):
        return HealthReport(service=name, status="degraded", error=text, breaker_state="open")
    if isinstance(exc, (ConnectError, AuthenticationError)):
        return HealthReport(service=name, status="unhealthy", error=text)
    if isinstance(exc, TimeoutError) or (isinstance(exc, MediaNestError) and is_transient(exc)):
        return HealthReport(service=name, status="degraded", error=text)
    return HealthReport(service=name, status="unhealthy", error=text)


class HealthMonitor:
    """Checks services periodically and keeps their health over a window.

    Args:
        checks: Name -> an object with ``async health()`` (every adapter) or a zero-argument
            coroutine function returning a ``HealthReport``, ``True``/``None`` (healthy) or
            ``False`` (unhealthy). An exception counts as a failed check.
        interval: Seconds between rounds while running (``async with monitor:``).
        timeout: Seconds one check may take; past it the service is degraded.
        window: How many recent checks per service the statistics cover.
        hooks: Receives :class:`~medianest_sdk.HealthStatusChanged`,
            :class:`~medianest_sdk.ServiceUp` and :class:`~medianest_sdk.ServiceDown`.
        clock: Where the monitor sleeps between rounds and times checks (latency); the system
            clock by default, :class:`~medianest_sdk.testing.ManualClock` in tests.

    Raises:
        ValueError: no checks, a check that is neither kind, or a non-positive number.

    Example::

        async with HealthMonitor({"plex": plex, "seerr": seerr}, interval=30) as monitor:
            ...
            for name, health in monitor.snapshot().items():
                print(name, health.status, health.latency_p95_ms)
    """

    def __init__(
        self,
        checks: Mapping[str, Check],
        *,
        interval: float = 30.0,
        timeout: float = 5.0,
        window: int = 100,
        hooks: EventHooks | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not checks:
            raise ValueError("HealthMonitor needs at least one check")
        if interval <= 0 or timeout <= 0 or window < 1:
            raise ValueError("interval and timeout must be > 0 seconds, window >= 1")
        self._checks: dict[str, CheckFunction] = {}
        for name, check in checks.items():
            health = getattr(check, "health", None)
            if callable(health):
                self._checks[name] = health
            elif callable(check):
                self._checks[name] = check
            else:
                raise ValueError(f"check {name!r} has no async health() and is not callable")
        self.interval = interval
        self.timeout = timeout
        self.window = window
        self.hooks = hooks if hooks is not None else EventHooks()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._tracks = {name: _Track(deque(maxlen=window)) for name in self._checks}
        self._task_group: anyio.abc.TaskGroup | None = None

    def __repr__(self) -> str:
        return f"HealthMonitor({sorted(self._checks)}, interval={self.interval})"

    async def __aenter__(self) -> HealthMonitor:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._loop)
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        assert self._task_group is not None
        self._task_group.cancel_scope.cancel()
        return await self._task_group.__aexit__(t, e, tb)

    async def _loop(self) -> None:
        while True:
            await self.check_all()
            await self.clock.sleep(self.interval)

    async def check_all(self) -> dict[str, ServiceHealth]:
        """Run one round of every check now, concurrently; return the new snapshot."""
        async with anyio.create_task_group() as tg:
            for name in self._checks:
                tg.start_soon(self._check, name)
        return self.snapshot()

    async def _check(self, name: str) -> None:
        start = self.clock.now()
        report: HealthReport
        try:
            with anyio.fail_after(self.timeout):
                outcome = await self._checks[name]()
        except Exception as exc:
            report = _classify(name, exc)
        else:
            elapsed = (self.clock.now() - start) * 1000
            if isinstance(outcome, HealthReport):
                report = outcome
            elif outcome is False:
                report = HealthReport(
                    service=name,
                    status="unhealthy",
                    latency_ms=elapsed,
                    error="check returned False",
                )
            else:
                report = HealthReport(service=name, status="healthy", latency_ms=elapsed)
        await self._record(name, report)

    async def _record(self, name: str, report: HealthReport) -> None:
        track = self._tracks[name]
        healthy = report.status == "healthy"
        track.results.append((healthy, report.latency_ms))
        track.last = report
        track.consecutive_failures = 0 if healthy else track.consecutive_failures + 1
        if report.error:
            track.last_error = report.error
        old = track.status
        if report.status != old:
            track.status = report.status
            track.last_change = datetime.now(UTC)
            await self.hooks.emit(
                HealthStatusChanged(service=name, old=old, new=report.status, error=report.error)
            )
            if report.status == "healthy":
                await self.hooks.emit(ServiceUp(service=name, old=old))
            elif report.status == "unhealthy":
                await self.hooks.emit(ServiceDown(service=name, old=old, error=report.error))

    def snapshot(self) -> dict[str, ServiceHealth]:
        """Every service's current health (see :class:`ServiceHealth`)."""
        result = {}
        for name, track in self._tracks.items():
            latencies = [ms for _, ms in track.results if ms is not None]
            total = len(track.results)
            last = track.last
            result[name] = ServiceHealth(
                name=name,
                status=track.status,
                last_latency_ms=last.latency_ms if last else None,
                latency_p50_ms=_percentile(latencies, 0.50),
                latency_p95_ms=_percentile(latencies, 0.95),
                uptime_ratio=(sum(ok for ok, _ in track.results) / total) if total else None,
                consecutive_failures=track.consecutive_failures,
                last_error=track.last_error,
                last_change=track.last_change,
                breaker_state=last.breaker_state if last else None,
                version=last.version if last else None,
                checks=total,
            )
        return result

    def to_prometheus(self, registry: Any = None) -> Any:
        """Expose the snapshot to Prometheus; values are read at each scrape.

        Metrics: ``medianest_service_up`` (1 healthy, 0 otherwise),
        ``medianest_service_status{status}`` (1 for the current status),
        ``medianest_service_latency_seconds{quantile="0.5"|"0.95"}`` (Prometheus' base unit;
        the snapshot's ``latency_*_ms`` fields are milliseconds),
        ``medianest_service_uptime_ratio`` and ``medianest_service_consecutive_failures``, each
        labelled ``service``.

        Args:
            registry: A ``prometheus_client.CollectorRegistry``; a new one when ``None``.

        Returns:
            The registry (serve it with ``prometheus_client.generate_latest(registry)``).

        Raises:
            ImportError: ``prometheus_client`` is missing (``medianest-sdk[prometheus]``).
        """
        try:
            from prometheus_client import CollectorRegistry
            from prometheus_client.core import GaugeMetricFamily
        except ImportError as exc:  # pragma: no cover - exercised only without the extra
            raise ImportError(
                "HealthMonitor.to_prometheus() needs prometheus_client: pip install "
                '"medianest-sdk[prometheus]"'
            ) from exc
        monitor = self

        class _Collector:
            def collect(self) -> Any:
                up = GaugeMetricFamily("medianest_service_up", "1 when healthy", labels=["service"])
                status = GaugeMetricFamily(
                    "medianest_service_status",
                    "1 for the current status",
                    labels=["service", "status"],
                )
                latency = GaugeMetricFamily(
                    "medianest_service_latency_seconds",
                    "check latency over the window (seconds)",
                    labels=["service", "quantile"],
                )
                uptime = GaugeMetricFamily(
                    "medianest_service_uptime_ratio",
                    "healthy checks / checks in the window",
                    labels=["service"],
                )
                failures = GaugeMetricFamily(
                    "medianest_service_consecutive_failures",
                    "checks in a row not healthy",
                    labels=["service"],
                )
                for name, health in monitor.snapshot().items():
                    up.add_metric([name], 1.0 if health.status == "healthy" else 0.0)
                    for value in ("healthy", "degraded", "unhealthy", "unknown"):
                        status.add_metric([name, value], 1.0 if health.status == value else 0.0)
                    for q, v in (("0.5", health.latency_p50_ms), ("0.95", health.latency_p95_ms)):
                        if v is not None:
                            latency.add_metric([name, q], v / 1000.0)
                    if health.uptime_ratio is not None:
                        uptime.add_metric([name], health.uptime_ratio)
                    failures.add_metric([name], float(health.consecutive_failures))
                yield from (up, status, latency, uptime, failures)

        registry = registry if registry is not None else CollectorRegistry()
        registry.register(_Collector())
        return registry
