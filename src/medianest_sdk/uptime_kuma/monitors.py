"""What :class:`~medianest_sdk.uptime_kuma.UptimeKumaAdmin` sends and reads: monitor
definitions (one class per monitor type), monitors as the server lists them, tags,
notifications, maintenance windows and the heartbeat/uptime stream's events.

The payloads follow Uptime Kuma's own socket.io handlers (``server/server.js``: ``add``,
``editMonitor``; ``server/model/maintenance.js``: ``jsonToBean``) for 1.23.x and 2.x.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

import attrs

from ..decoding import camel_case, converter, json_key
from ..enums import MonitorStatus
from ..secrets import Secret
from .models import Heartbeat, MonitorTag

__all__ = [
    "DnsMonitor",
    "DockerMonitor",
    "GroupMonitor",
    "HeartbeatEvent",
    "HttpMonitor",
    "JsonQueryMonitor",
    "KeywordMonitor",
    "MaintenanceSpec",
    "MaintenanceStrategy",
    "MaintenanceWindow",
    "Monitor",
    "MonitorSpec",
    "Notification",
    "PingMonitor",
    "PortMonitor",
    "PushMonitor",
    "StatusPageGroup",
    "Tag",
    "UptimeEvent",
]


def _ids(values: Sequence[int]) -> dict[str, bool]:
    return {str(int(v)): True for v in values}


def _secret(value: Secret | str | None) -> str | None:
    return value.reveal() if isinstance(value, Secret) else value


def _coerce_secret(value: Secret | str) -> Secret:
    return Secret.coerce(value)


def _headers(value: Mapping[str, str] | None) -> str | None:
    return None if value is None else json.dumps(dict(value))


# Field metadata: "json" names the server's key; "to" converts the Python value for the wire.
def _wire(key: str, to: Any = None) -> dict[str, Any]:
    return {"json": key, "to": to}


@attrs.frozen(kw_only=True)
class _Monitor:
    """Fields every monitor type has (``server/model/monitor.js``)."""

    TYPE: ClassVar[str] = ""

    name: str = attrs.field(metadata=_wire("name"))
    interval: int = attrs.field(default=60, metadata=_wire("interval"))
    retry_interval: int = attrs.field(default=60, metadata=_wire("retryInterval"))
    max_retries: int = attrs.field(default=0, metadata=_wire("maxretries"))
    resend_interval: int = attrs.field(default=0, metadata=_wire("resendInterval"))
    upside_down: bool = attrs.field(default=False, metadata=_wire("upsideDown"))
    description: str | None = attrs.field(default=None, metadata=_wire("description"))
    parent: int | None = attrs.field(default=None, metadata=_wire("parent"))
    notification_ids: Sequence[int] = attrs.field(
        default=(), metadata=_wire("notificationIDList", _ids)
    )
    active: bool = attrs.field(default=True, metadata=_wire("active"))

    def payload(self, major: int) -> dict[str, Any]:
        """The object Uptime Kuma's ``add`` handler takes, for server major version ``major``
        (1 or 2: 2.x needs ``conditions``, 1.23 has no such column and fails when it is sent).
        """
        body: dict[str, Any] = {
            "type": self.TYPE,
            "accepted_statuscodes": ["200-299"],
            "kafkaProducerBrokers": [],
            "kafkaProducerSaslOptions": {"mechanism": "None"},
        }
        if major >= 2:
            body["conditions"] = []
        for field in attrs.fields(type(self)):
            if "json" not in field.metadata or (field.metadata.get("v2") and major < 2):
                continue
            value = getattr(self, field.name)
            convert = field.metadata.get("to")
            body[field.metadata["json"]] = convert(value) if convert else value
        return body


@attrs.frozen(kw_only=True)
class HttpMonitor(_Monitor):
    """An ``http`` monitor: GET (or ``method``) ``url``; up on an accepted status code.

    Times are seconds. ``timeout`` defaults to Uptime Kuma's UI default, 80% of ``interval``.
    ``headers`` are sent as the JSON object Kuma stores; ``basic_auth_password`` is a secret.
    """

    TYPE: ClassVar[str] = "http"

    url: str = attrs.field(metadata=_wire("url"))
    method: str = attrs.field(default="GET", metadata=_wire("method"))
    timeout: float | None = attrs.field(default=None, metadata=_wire("timeout"))
    max_redirects: int = attrs.field(default=10, metadata=_wire("maxredirects"))
    accepted_status_codes: Sequence[str] = attrs.field(
        default=("200-299",), metadata=_wire("accepted_statuscodes", list)
    )
    ignore_tls: bool = attrs.field(default=False, metadata=_wire("ignoreTls"))
    headers: Mapping[str, str] | None = attrs.field(
        default=None, metadata=_wire("headers", _headers)
    )
    body: str | None = attrs.field(default=None, metadata=_wire("body"))
    basic_auth_user: str | None = attrs.field(default=None, metadata=_wire("basic_auth_user"))
    basic_auth_password: Secret | None = attrs.field(
        default=None, metadata=_wire("basic_auth_pass", _secret)
    )

    def payload(self, major: int) -> dict[str, Any]:
        body = super().payload(major)
        if self.timeout is None:
            body["timeout"] = round(self.interval * 0.8, 1)
        if self.basic_auth_user is not None:
            body["authMethod"] = "basic"
        return body


@attrs.frozen(kw_only=True)
class KeywordMonitor(HttpMonitor):
    """A ``keyword`` monitor: up when the body of ``url`` contains ``keyword`` (case-sensitive),
    or lacks it with ``invert_keyword``."""

    TYPE: ClassVar[str] = "keyword"

    keyword: str = attrs.field(metadata=_wire("keyword"))
    invert_keyword: bool = attrs.field(default=False, metadata=_wire("invertKeyword"))


@attrs.frozen(kw_only=True)
class JsonQueryMonitor(HttpMonitor):
    """A ``json-query`` monitor: evaluates the JSONata expression ``json_path`` on the JSON body
    of ``url`` and compares it with ``expected_value``. ``operator`` (``"=="``, ``"!="``,
    ``"<"``, ``"contains"``...) is sent to 2.x only; 1.23 compares for equality."""

    TYPE: ClassVar[str] = "json-query"

    json_path: str = attrs.field(metadata=_wire("jsonPath"))
    expected_value: str = attrs.field(metadata=_wire("expectedValue"))
    operator: str = attrs.field(default="==", metadata={**_wire("jsonPathOperator"), "v2": True})


@attrs.frozen(kw_only=True)
class PushMonitor(_Monitor):
    """A ``push`` monitor: up while something calls ``GET /api/push/{push_token}`` at least
    every ``interval`` seconds (:meth:`UptimeKumaAdapter.push`). ``push_token`` defaults to
    32 random hex characters, as long as the web UI's; it is a :class:`Secret`.

    1.23 refuses an ``interval`` under 20 seconds.
    """

    TYPE: ClassVar[str] = "push"

    push_token: Secret = attrs.field(
        factory=lambda: Secret(secrets.token_hex(16)),
        converter=_coerce_secret,
        metadata=_wire("pushToken", _secret),
    )


@attrs.frozen(kw_only=True)
class PingMonitor(_Monitor):
    """A ``ping`` monitor: ICMP echo to ``hostname`` (the server runs its ``ping`` binary)."""

    TYPE: ClassVar[str] = "ping"

    hostname: str = attrs.field(metadata=_wire("hostname"))
    packet_size: int = attrs.field(default=56, metadata=_wire("packetSize"))


@attrs.frozen(kw_only=True)
class PortMonitor(_Monitor):
    """A ``port`` monitor: up when a TCP connection to ``hostname:port`` opens."""

    TYPE: ClassVar[str] = "port"

    hostname: str = attrs.field(metadata=_wire("hostname"))
    port: int = attrs.field(metadata=_wire("port"))


@attrs.frozen(kw_only=True)
class DnsMonitor(_Monitor):
    """A ``dns`` monitor: resolves ``hostname`` (record type ``record_type``) at
    ``resolver`` (an IP address) on ``port``."""

    TYPE: ClassVar[str] = "dns"

    hostname: str = attrs.field(metadata=_wire("hostname"))
    resolver: str = attrs.field(default="1.1.1.1", metadata=_wire("dns_resolve_server"))
    record_type: str = attrs.field(default="A", metadata=_wire("dns_resolve_type"))
    port: int = attrs.field(default=53, metadata=_wire("port"))


@attrs.frozen(kw_only=True)
class DockerMonitor(_Monitor):
    """A ``docker`` monitor: up while container ``container`` (name or id) runs on the docker
    host ``docker_host`` (the id of a docker host set up in Kuma)."""

    TYPE: ClassVar[str] = "docker"

    container: str = attrs.field(metadata=_wire("docker_container"))
    docker_host: int = attrs.field(metadata=_wire("docker_host"))


@attrs.frozen(kw_only=True)
class GroupMonitor(_Monitor):
    """A ``group`` monitor: holds other monitors (their ``parent``); down when one is down."""

    TYPE: ClassVar[str] = "group"


MonitorSpec = (
    HttpMonitor
    | KeywordMonitor
    | JsonQueryMonitor
    | PushMonitor
    | PingMonitor
    | PortMonitor
    | DnsMonitor
    | DockerMonitor
    | GroupMonitor
)
"""Any monitor definition :meth:`UptimeKumaAdmin.add_monitor` takes."""

_SPECS: tuple[type[_Monitor], ...] = (
    HttpMonitor,
    KeywordMonitor,
    JsonQueryMonitor,
    PushMonitor,
    PingMonitor,
    PortMonitor,
    DnsMonitor,
    DockerMonitor,
    GroupMonitor,
)


def edit_fields() -> dict[str, attrs.Attribute[Any]]:
    """Every settable monitor field by its Python name (what ``edit_monitor`` accepts)."""
    fields: dict[str, attrs.Attribute[Any]] = {}
    for spec in _SPECS:
        for field in attrs.fields(spec):
            if "json" in field.metadata:
                fields.setdefault(field.name, field)
    return fields


@attrs.frozen(kw_only=True)
class Tag:
    """A tag (``getTags``/``addTag``): id, name and colour (``"#RRGGBB"``)."""

    id: int
    name: str
    color: str = ""


@camel_case
@attrs.frozen(kw_only=True)
class Monitor:
    """A monitor as the server lists it (``monitorList``, ``getMonitor``).

    Attributes:
        id, name, type: ``type`` is ``"http"``, ``"push"``, ``"group"``... (any the server has).
        active: ``False`` while paused.
        parent: The group monitor's id, or ``None``.
        interval, retry_interval: Seconds.
        url, hostname, port, keyword, json_path, expected_value: As set (``None`` when unset).
        push_token: A push monitor's token, as a :class:`Secret` (``None`` for other types).
        tags: Its tags with their values.
        notifications: Notification id -> enabled (``notificationIDList``); see
            :attr:`notification_ids`.
        maintenance: Whether a maintenance window covers it now.

    Other fields the server sends (credentials among them) are not kept.
    """

    id: int
    name: str
    type: str
    active: bool = True
    parent: int | None = None
    description: str | None = None
    interval: int = 60
    retry_interval: int = 60
    max_retries: int = attrs.field(default=0, metadata=json_key("maxretries"))
    upside_down: bool = False
    url: str | None = None
    method: str | None = None
    hostname: str | None = None
    port: int | None = None
    keyword: str | None = None
    json_path: str | None = None
    expected_value: str | None = None
    dns_resolve_server: str | None = attrs.field(
        default=None, metadata=json_key("dns_resolve_server")
    )
    dns_resolve_type: str | None = attrs.field(default=None, metadata=json_key("dns_resolve_type"))
    docker_container: str | None = attrs.field(default=None, metadata=json_key("docker_container"))
    docker_host: int | None = attrs.field(default=None, metadata=json_key("docker_host"))
    accepted_status_codes: list[str] = attrs.field(
        factory=list, metadata=json_key("accepted_statuscodes")
    )
    push_token: Secret | None = attrs.field(default=None, repr=False)
    tags: list[MonitorTag] = attrs.field(factory=list)
    notifications: dict[int, bool] = attrs.field(
        factory=dict, metadata=json_key("notificationIDList")
    )
    maintenance: bool = False

    @property
    def notification_ids(self) -> list[int]:
        """Ids of the notifications enabled for this monitor, ascending."""
        return sorted(k for k, on in self.notifications.items() if on)


def _structure_secret(value: Any, _: Any) -> Secret | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("a token must be a string")
    return Secret(value)


converter.register_structure_hook(Secret | None, _structure_secret)


@attrs.frozen(kw_only=True)
class Notification:
    """A notification (``notificationList``): where alerts go. Its settings (webhook URLs,
    tokens) are not kept.

    Attributes:
        type: The provider (``"webhook"``, ``"discord"``, ``"ntfy"``...), or ``None`` when its
            stored settings are unreadable.
        is_default: Enabled on new monitors by default.
    """

    id: int
    name: str
    type: str | None
    active: bool
    is_default: bool


MaintenanceStrategy = Literal[
    "manual",
    "single",
    "recurring-interval",
    "recurring-weekday",
    "recurring-day-of-month",
    "cron",
]


def _time_object(value: time | None) -> dict[str, int] | None:
    return None if value is None else {"hours": value.hour, "minutes": value.minute}


@attrs.frozen(kw_only=True)
class MaintenanceSpec:
    """A maintenance window to add (``addMaintenance``; fields of ``server/model/maintenance.js``
    ``jsonToBean``).

    Attributes:
        strategy: ``"manual"`` (active until paused), ``"single"`` (``start`` to ``end``),
            ``"recurring-interval"`` (every ``interval_days`` days), ``"recurring-weekday"``
            (``weekdays``: 0 Sunday .. 6 Saturday), ``"recurring-day-of-month"``
            (``days_of_month``: 1..31), or ``"cron"`` (``cron`` with ``duration_minutes``).
        start, end: For ``single``: when; for the recurring strategies: the date range they
            apply in (``end`` may be ``None``). Aware datetimes are converted to ``timezone``;
            naive ones are taken as wall-clock time there.
        start_time, end_time: The daily window of recurring strategies (minutes precision).
        timezone: An IANA zone (``"Europe/Berlin"``), ``"UTC"`` or ``"SAME_AS_SERVER"``.

    Raises:
        ValueError: a field the strategy needs is missing (checked by :meth:`payload`).
    """

    title: str
    strategy: MaintenanceStrategy = "manual"
    description: str = ""
    start: datetime | None = None
    end: datetime | None = None
    start_time: time | None = None
    end_time: time | None = None
    weekdays: Sequence[int] = ()
    days_of_month: Sequence[int] = ()
    interval_days: int = 1
    cron: str | None = None
    duration_minutes: int | None = None
    timezone: str = "UTC"
    active: bool = True

    def _wall(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is not None and self.timezone != "SAME_AS_SERVER":
            value = value.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")

    def payload(self) -> dict[str, Any]:
        """The object Uptime Kuma's ``addMaintenance`` handler takes."""
        recurring = self.strategy.startswith("recurring-")
        if self.strategy == "single" and (self.start is None or self.end is None):
            raise ValueError("a 'single' maintenance window needs start and end")
        if recurring and (self.start_time is None or self.end_time is None):
            raise ValueError(
                f"a {self.strategy!r} maintenance window needs start_time and end_time"
            )
        if self.strategy == "recurring-weekday" and not self.weekdays:
            raise ValueError("a 'recurring-weekday' maintenance window needs weekdays (0-6)")
        if self.strategy == "recurring-day-of-month" and not self.days_of_month:
            raise ValueError("a 'recurring-day-of-month' maintenance window needs days_of_month")
        if self.strategy == "cron" and (not self.cron or self.duration_minutes is None):
            raise ValueError("a 'cron' maintenance window needs cron and duration_minutes")
        date_range = [self._wall(self.start)]
        if self.end is not None:
            date_range.append(self._wall(self.end))
        return {
            "title": self.title,
            "description": self.description,
            "strategy": self.strategy,
            "active": self.active,
            "intervalDay": self.interval_days,
            "dateRange": date_range,
            "timeRange": [_time_object(self.start_time), _time_object(self.end_time)],
            "weekdays": [int(d) for d in self.weekdays],
            "daysOfMonth": [int(d) for d in self.days_of_month],
            "cron": self.cron,
            "durationMinutes": self.duration_minutes,
            "timezoneOption": self.timezone,
        }


@camel_case
@attrs.frozen(kw_only=True)
class MaintenanceWindow:
    """A maintenance window as the server lists it (``maintenanceList``).

    Attributes:
        status: ``"under-maintenance"``, ``"scheduled"``, ``"ended"``, ``"inactive"`` or
            ``"unknown"``.
        active: ``False`` while paused.
        duration: Seconds of each occurrence (recurring and cron strategies).
        timezone: The zone it is evaluated in (``timezone_option`` as it was set).
    """

    id: int
    title: str
    description: str = ""
    strategy: str = "manual"
    active: bool = True
    status: str = "unknown"
    interval_day: int | None = None
    weekdays: list[int] = attrs.field(factory=list)
    days_of_month: list[int] = attrs.field(factory=list)
    cron: str | None = None
    duration: int | None = None
    timezone: str | None = None
    timezone_option: str | None = None


@attrs.frozen(kw_only=True)
class StatusPageGroup:
    """A group of monitors to show on a status page (``saveStatusPage``'s
    ``publicGroupList``), in order."""

    name: str
    monitor_ids: Sequence[int] = ()


@attrs.frozen(kw_only=True)
class HeartbeatEvent:
    """A check result pushed by the server (socket.io ``heartbeat``).

    Attributes:
        monitor_id: The monitor that ran.
        heartbeat: Status, time (aware UTC), message and ping (milliseconds).
        important: The status changed with this beat (what notifications are sent for).
        duration: Seconds since the previous beat, or ``None``.
    """

    monitor_id: int
    heartbeat: Heartbeat
    important: bool = False
    duration: float | None = None

    @property
    def status(self) -> MonitorStatus:
        """The heartbeat's status."""
        return self.heartbeat.status


@attrs.frozen(kw_only=True)
class UptimeEvent:
    """An uptime ratio pushed by the server (socket.io ``uptime``) after a beat.

    Attributes:
        monitor_id: The monitor.
        hours: The window: 24, 720 (30 days) or 8760 (one year, 2.x's ``"1y"``).
        ratio: Uptime 0.0-1.0.
    """

    monitor_id: int
    hours: int
    ratio: float
