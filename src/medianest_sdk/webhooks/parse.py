"""Typed parsers for the webhook bodies our sources send. On junk they raise only
:class:`~medianest_sdk.DecodeError`; unknown fields are kept in ``raw`` and ignored otherwise.

- Plex (support.plex.tv, "Webhooks"): ``multipart/form-data`` with a ``payload`` part (JSON) and,
  for some events, a ``thumb`` part (JPEG). Parsed with python-multipart.
- Overseerr / Jellyseerr / Seerr: the webhook agent's default JSON template; users edit the
  template, so every key is optional.
- Uptime Kuma: the webhook notification's JSON ``{heartbeat, monitor, msg}``, or form data whose
  ``data`` field holds that JSON.
- GitHub: the event name (``X-GitHub-Event``), delivery id and JSON payload.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import attrs

from ..decoding import OpenStrEnum, parse_datetime
from ..enums import MonitorStatus
from ..errors import DecodeError
from .verify import HeaderInput, _lower_headers

__all__ = [
    "GitHubWebhook",
    "KumaWebhookHeartbeat",
    "KumaWebhookMonitor",
    "OverseerrNotification",
    "OverseerrWebhook",
    "PlexEvent",
    "PlexWebhook",
    "UptimeKumaWebhook",
    "parse_github",
    "parse_overseerr",
    "parse_plex",
    "parse_uptime_kuma",
]

MAX_PARTS_BYTES = 16 * 1024 * 1024


def _decode_error(source: str, message: str, field: str | None = None) -> DecodeError:
    return DecodeError(message, service=source, endpoint=f"{source} webhook", field=field)


def _json_object(text: bytes | str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _decode_error(source, f"body is not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise _decode_error(source, f"body is JSON {type(data).__name__}, not an object", "$")
    return data


def _obj(data: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None


def _str(data: Mapping[str, Any] | None, key: str) -> str | None:
    if data is None:
        return None
    value = data.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _int(data: Mapping[str, Any] | None, key: str) -> int | None:
    text = _str(data, key)
    if text is None or not text.strip().lstrip("-").isdigit():
        return None
    return int(text.strip())


def _bool(data: Mapping[str, Any] | None, key: str) -> bool | None:
    if data is None:
        return None
    value = data.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int):
        return bool(value)
    return None


def _content_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _form_parts(
    body: bytes, content_type: str, source: str
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Fields and files of a multipart/form-data or urlencoded body (python-multipart)."""
    from python_multipart import parse_form
    from python_multipart.exceptions import FormParserError

    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}

    def on_field(field: Any) -> None:
        name = (field.field_name or b"").decode("utf-8", "replace")
        fields[name] = (field.value or b"").decode("utf-8", "replace")

    def on_file(file: Any) -> None:
        name = (file.field_name or b"").decode("utf-8", "replace")
        file.file_object.seek(0)
        files[name] = file.file_object.read()

    headers = {"Content-Type": content_type.encode("latin-1", "replace")}
    headers["Content-Length"] = str(len(body)).encode()
    try:
        parse_form(headers, io.BytesIO(body), on_field, on_file)
    except (FormParserError, ValueError, AttributeError, TypeError) as exc:
        raise _decode_error(source, f"malformed form body ({type(exc).__name__})") from None
    return fields, files


# -- Plex -------------------------------------------------------------------------------------


class PlexEvent(OpenStrEnum):
    """Plex webhook events (support.plex.tv, "Webhooks"); unknown ones are kept."""

    MEDIA_PLAY = "media.play"
    MEDIA_PAUSE = "media.pause"
    MEDIA_RESUME = "media.resume"
    MEDIA_STOP = "media.stop"
    MEDIA_SCROBBLE = "media.scrobble"
    MEDIA_RATE = "media.rate"
    LIBRARY_NEW = "library.new"
    LIBRARY_ON_DECK = "library.on.deck"
    ADMIN_DATABASE_BACKUP = "admin.database.backup"
    ADMIN_DATABASE_CORRUPTED = "admin.database.corrupted"
    DEVICE_NEW = "device.new"
    PLAYBACK_STARTED = "playback.started"


@attrs.frozen(kw_only=True)
class PlexWebhook:
    """A Plex webhook.

    Attributes:
        event: The event, e.g. ``PlexEvent.MEDIA_PLAY``.
        user: Whether the event is for the account that owns the webhook.
        owner: Whether that account owns the server.
        account_id, account_title: The Plex account (``Account.id``, ``Account.title``).
        server_title, server_uuid: The server (``Server``).
        player_title, player_uuid, player_local: The player (``Player``), where present.
        rating_key, media_type, title, grandparent_title, section_id: From ``Metadata``.
        metadata: The whole ``Metadata`` object as sent (the library API's shape).
        thumb: The JPEG thumbnail bytes (some events only), left out of ``repr``.
        raw: The whole ``payload`` JSON.
    """

    event: PlexEvent
    user: bool | None = None
    owner: bool | None = None
    account_id: int | None = None
    account_title: str | None = None
    server_title: str | None = None
    server_uuid: str | None = None
    player_title: str | None = None
    player_uuid: str | None = None
    player_local: bool | None = None
    rating_key: str | None = None
    media_type: str | None = None
    title: str | None = None
    grandparent_title: str | None = None
    section_id: int | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict, repr=False)
    thumb: bytes | None = attrs.field(default=None, repr=lambda b: f"<{len(b or b'')} bytes>")
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)


def parse_plex(body: bytes, content_type: str) -> PlexWebhook:
    """Parse a Plex webhook (``multipart/form-data``; a bare JSON body is accepted too).

    Args:
        body: The raw request body.
        content_type: The request's ``Content-Type`` header (with its boundary).

    Raises:
        DecodeError: not multipart with a ``payload`` JSON object holding ``event``.
    """
    kind = _content_type(content_type)
    thumb = None
    if kind == "multipart/form-data":
        if len(body) > MAX_PARTS_BYTES:
            raise _decode_error("plex", "body is too large")
        fields, files = _form_parts(body, content_type, "plex")
        payload_text: str | bytes | None = fields.get("payload")
        if payload_text is None and "payload" in files:
            payload_text = files["payload"]
        if payload_text is None:
            raise _decode_error("plex", "multipart body has no payload part", "payload")
        thumb = files.get("thumb")
        data = _json_object(payload_text, "plex")
    elif kind in ("application/json", ""):
        data = _json_object(body, "plex")
    else:
        raise _decode_error("plex", f"unexpected content type {kind!r}")
    event = _str(data, "event")
    if not event:
        raise _decode_error("plex", "payload has no event", "$.event")
    account, server = _obj(data, "Account"), _obj(data, "Server")
    player, metadata = _obj(data, "Player"), _obj(data, "Metadata")
    return PlexWebhook(
        event=PlexEvent(event),
        user=_bool(data, "user"),
        owner=_bool(data, "owner"),
        account_id=_int(account, "id"),
        account_title=_str(account, "title"),
        server_title=_str(server, "title"),
        server_uuid=_str(server, "uuid"),
        player_title=_str(player, "title"),
        player_uuid=_str(player, "uuid"),
        player_local=_bool(player, "local"),
        rating_key=_str(metadata, "ratingKey"),
        media_type=_str(metadata, "type"),
        title=_str(metadata, "title"),
        grandparent_title=_str(metadata, "grandparentTitle"),
        section_id=_int(metadata, "librarySectionID"),
        metadata=metadata or {},
        thumb=thumb,
        raw=data,
    )


# -- Overseerr --------------------------------------------------------------------------------


class OverseerrNotification(OpenStrEnum):
    """Overseerr's ``notification_type`` values; unknown ones are kept."""

    MEDIA_PENDING = "MEDIA_PENDING"
    MEDIA_APPROVED = "MEDIA_APPROVED"
    MEDIA_AUTO_APPROVED = "MEDIA_AUTO_APPROVED"
    MEDIA_AVAILABLE = "MEDIA_AVAILABLE"
    MEDIA_DECLINED = "MEDIA_DECLINED"
    MEDIA_FAILED = "MEDIA_FAILED"
    MEDIA_AUTO_REQUESTED = "MEDIA_AUTO_REQUESTED"
    ISSUE_CREATED = "ISSUE_CREATED"
    ISSUE_COMMENT = "ISSUE_COMMENT"
    ISSUE_RESOLVED = "ISSUE_RESOLVED"
    ISSUE_REOPENED = "ISSUE_REOPENED"
    TEST_NOTIFICATION = "TEST_NOTIFICATION"


@attrs.frozen(kw_only=True)
class OverseerrWebhook:
    """An Overseerr / Jellyseerr / Seerr webhook (default template; every key optional).

    Attributes:
        notification_type: e.g. ``OverseerrNotification.MEDIA_PENDING``.
        event, subject, message, image: The template's text fields.
        media_type: ``"movie"`` or ``"tv"`` (``media.media_type``).
        tmdb_id, tvdb_id: From ``media``; ``None`` when empty.
        media_status, media_status4k: e.g. ``"PENDING"``, ``"AVAILABLE"``.
        request_id: ``request.request_id``.
        requested_by_username, requested_by_email: From ``request``.
        issue_id: ``issue.issue_id``.
        media, request, issue, comment: The objects as sent (or ``None``).
        extra: The ``extra`` list as sent.
        raw: The whole body.
    """

    notification_type: OverseerrNotification
    event: str | None = None
    subject: str | None = None
    message: str | None = None
    image: str | None = None
    media_type: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    media_status: str | None = None
    media_status4k: str | None = None
    request_id: int | None = None
    requested_by_username: str | None = None
    requested_by_email: str | None = None
    issue_id: int | None = None
    media: dict[str, Any] | None = attrs.field(default=None, repr=False)
    request: dict[str, Any] | None = attrs.field(default=None, repr=False)
    issue: dict[str, Any] | None = attrs.field(default=None, repr=False)
    comment: dict[str, Any] | None = attrs.field(default=None, repr=False)
    extra: list[Any] = attrs.field(factory=list, repr=False)
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)


def parse_overseerr(body: bytes) -> OverseerrWebhook:
    """Parse an Overseerr-family webhook body (JSON).

    Raises:
        DecodeError: the body is not a JSON object with a ``notification_type``.
    """
    data = _json_object(body, "overseerr")
    kind = _str(data, "notification_type")
    if not kind:
        raise _decode_error("overseerr", "body has no notification_type", "$.notification_type")
    media, request = _obj(data, "media"), _obj(data, "request")
    issue, comment = _obj(data, "issue"), _obj(data, "comment")
    extra = data.get("extra")
    return OverseerrWebhook(
        notification_type=OverseerrNotification(kind),
        event=_str(data, "event"),
        subject=_str(data, "subject"),
        message=_str(data, "message"),
        image=_str(data, "image") or None,
        media_type=_str(media, "media_type"),
        tmdb_id=_int(media, "tmdbId"),
        tvdb_id=_int(media, "tvdbId"),
        media_status=_str(media, "status"),
        media_status4k=_str(media, "status4k"),
        request_id=_int(request, "request_id"),
        requested_by_username=_str(request, "requestedBy_username"),
        requested_by_email=_str(request, "requestedBy_email"),
        issue_id=_int(issue, "issue_id"),
        media=media,
        request=request,
        issue=issue,
        comment=comment,
        extra=extra if isinstance(extra, list) else [],
        raw=data,
    )


# -- Uptime Kuma ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class KumaWebhookHeartbeat:
    """The ``heartbeat`` of an Uptime Kuma webhook.

    Attributes:
        monitor_id: ``monitorID``.
        status: Down, up, pending or maintenance.
        time: When it beat, aware UTC (the server sends ``"YYYY-MM-DD HH:MM:SS.mmm"`` in UTC).
        msg: The check's message.
        ping_ms: Response time in milliseconds, or ``None``.
        important: Whether the status changed with this beat.
    """

    monitor_id: int | None
    status: MonitorStatus
    time: datetime | None
    msg: str | None
    ping_ms: float | None
    important: bool | None


@attrs.frozen(kw_only=True)
class KumaWebhookMonitor:
    """The ``monitor`` of an Uptime Kuma webhook: id, name, type, url, hostname, port."""

    id: int | None
    name: str | None
    type: str | None
    url: str | None
    hostname: str | None
    port: int | None


@attrs.frozen(kw_only=True)
class UptimeKumaWebhook:
    """An Uptime Kuma webhook notification.

    Attributes:
        msg: The human-readable message (``"[My site] [🔴 Down] timeout"``).
        heartbeat: The heartbeat, or ``None`` for a test notification.
        monitor: The monitor, or ``None`` for a test notification.
        raw: The whole JSON.
    """

    msg: str | None
    heartbeat: KumaWebhookHeartbeat | None
    monitor: KumaWebhookMonitor | None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)


def _float(data: Mapping[str, Any] | None, key: str) -> float | None:
    if data is None:
        return None
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def parse_uptime_kuma(body: bytes, content_type: str) -> UptimeKumaWebhook:
    """Parse an Uptime Kuma webhook: JSON, or form data with the JSON in its ``data`` field.

    Raises:
        DecodeError: the body is neither, or its JSON is not an object.
    """
    kind = _content_type(content_type)
    if kind == "multipart/form-data" or kind == "application/x-www-form-urlencoded":
        if kind == "multipart/form-data":
            fields, files = _form_parts(body, content_type, "uptime-kuma")
            text: str | bytes | None = fields.get("data") or files.get("data")
        else:
            values = parse_qs(body.decode("utf-8", "replace")).get("data")
            text = values[0] if values else None
        if text is None:
            raise _decode_error("uptime-kuma", "form body has no data field", "data")
        data = _json_object(text, "uptime-kuma")
    else:
        data = _json_object(body, "uptime-kuma")
    beat, monitor = _obj(data, "heartbeat"), _obj(data, "monitor")
    heartbeat = None
    if beat is not None:
        when = None
        if isinstance(beat.get("time"), str):
            try:
                when = parse_datetime(beat["time"])
            except ValueError:
                when = None
        status = _int(beat, "status")
        heartbeat = KumaWebhookHeartbeat(
            monitor_id=_int(beat, "monitorID"),
            status=MonitorStatus(status if status is not None else MonitorStatus.PENDING),
            time=when,
            msg=_str(beat, "msg"),
            ping_ms=_float(beat, "ping"),
            important=_bool(beat, "important"),
        )
    kuma_monitor = None
    if monitor is not None:
        kuma_monitor = KumaWebhookMonitor(
            id=_int(monitor, "id"),
            name=_str(monitor, "name"),
            type=_str(monitor, "type"),
            url=_str(monitor, "url"),
            hostname=_str(monitor, "hostname"),
            port=_int(monitor, "port"),
        )
    return UptimeKumaWebhook(
        msg=_str(data, "msg"), heartbeat=heartbeat, monitor=kuma_monitor, raw=data
    )


# -- GitHub -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class GitHubWebhook:
    """A GitHub webhook.

    Attributes:
        event: ``X-GitHub-Event`` (``"push"``, ``"release"``, ``"ping"``...).
        delivery_id: ``X-GitHub-Delivery``.
        action: The payload's ``action`` (``"opened"``, ``"published"``...), if any.
        payload: The JSON payload.
    """

    event: str
    delivery_id: str | None
    action: str | None
    payload: dict[str, Any] = attrs.field(repr=False)


def parse_github(headers: HeaderInput, body: bytes) -> GitHubWebhook:
    """Parse a GitHub webhook (JSON body; form-encoded ``payload=`` is accepted too).

    Raises:
        DecodeError: no ``X-GitHub-Event`` header, or the body is not a JSON object.
    """
    lowered = _lower_headers(headers)
    event = lowered.get("x-github-event")
    if not event:
        raise _decode_error("github", "missing X-GitHub-Event header", "X-GitHub-Event")
    if _content_type(lowered.get("content-type")) == "application/x-www-form-urlencoded":
        values = parse_qs(body.decode("utf-8", "replace")).get("payload")
        data = _json_object(values[0] if values else b"", "github")
    else:
        data = _json_object(body, "github")
    return GitHubWebhook(
        event=event,
        delivery_id=lowered.get("x-github-delivery"),
        action=_str(data, "action"),
        payload=data,
    )
