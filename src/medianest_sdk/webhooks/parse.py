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
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

import attrs

from ..decoding import OpenStrEnum, camel_case, converter, decode, json_key, parse_json
from ..enums import MonitorStatus
from ..errors import DecodeError
from .headers import HeaderInput, lower_headers

__all__ = [
    "GitHubCommit",
    "GitHubPing",
    "GitHubPullRequest",
    "GitHubPush",
    "GitHubRelease",
    "GitHubRepository",
    "GitHubUser",
    "GitHubWebhook",
    "GitHubWorkflowRun",
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
    "parse_webhook",
    "WebhookEvent",
    "WebhookSource",
]

MAX_PARTS_BYTES = 16 * 1024 * 1024


# -- what template-written JSON may hold, as cattrs hooks on the shared converter -----------
#
# Senders fill user-editable templates: a number may arrive as ``603``, ``"603"`` or ``""``.
# These markers make the converter accept exactly that, and raise (so ``DecodeError``) on
# anything else ("--1", "²", a 5,000-digit string, an object).

_LOOSE_INT = "medianest:loose-int"
_TEXT = "medianest:text"
_FLAG = "medianest:flag"

LooseInt = Annotated[int | None, _LOOSE_INT]
"""An integer as JSON or as a decimal string (at most 18 digits); ``""``/``null`` -> ``None``."""
Text = Annotated[str | None, _TEXT]
"""A string; a JSON number becomes its text; ``null`` -> ``None``."""
Flag = Annotated[bool | None, _FLAG]
"""A JSON boolean, or ``"true"``/``"false"``/``"1"``/``"0"``/``1``/``0``; ``null`` -> ``None``."""


def _marker(tp: Any) -> str | None:
    if typing.get_origin(tp) is Annotated:
        for item in tp.__metadata__:
            if item in (_LOOSE_INT, _TEXT, _FLAG):
                return str(item)
    return None


def _loose_int(value: Any, _: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            return int(text)
    raise ValueError(f"not an integer: {str(value)[:40]!r}")


def _text(value: Any, _: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"not text: {type(value).__name__}")


def _flag(value: Any, _: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise ValueError(f"not a boolean: {str(value)[:40]!r}")


_HOOKS = {_LOOSE_INT: _loose_int, _TEXT: _text, _FLAG: _flag}
converter.register_structure_hook_factory(
    lambda t: _marker(t) is not None, lambda t: _HOOKS[str(_marker(t))]
)


def _decode_error(source: str, message: str, field: str | None = None) -> DecodeError:
    return DecodeError(message, service=source, endpoint=f"{source} webhook", field=field)


def _json_object(text: bytes | str, source: str) -> dict[str, Any]:
    data = parse_json(text, service=source, endpoint=f"{source} webhook")
    if not isinstance(data, dict):
        raise _decode_error(source, f"body is JSON {type(data).__name__}, not an object", "$")
    return data


def _structure(data: Any, cls: type[Any], source: str) -> Any:
    return decode(data, cls, service=source, endpoint=f"{source} webhook")


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


@camel_case
@attrs.frozen
class _PlexAccount:
    id: LooseInt = None
    title: Text = None


@camel_case
@attrs.frozen
class _PlexNamed:
    title: Text = None
    uuid: Text = None
    local: Flag = None


@camel_case
@attrs.frozen
class _PlexMetadata:
    rating_key: Text = None
    type: Text = None
    title: Text = None
    grandparent_title: Text = None
    library_section_id: LooseInt = attrs.field(default=None, metadata=json_key("librarySectionID"))


@camel_case
@attrs.frozen
class _PlexPayload:
    event: str
    user: Flag = None
    owner: Flag = None
    account: _PlexAccount | None = attrs.field(default=None, metadata=json_key("Account"))
    server: _PlexNamed | None = attrs.field(default=None, metadata=json_key("Server"))
    player: _PlexNamed | None = attrs.field(default=None, metadata=json_key("Player"))
    metadata: dict[str, Any] | None = attrs.field(default=None, metadata=json_key("Metadata"))


def parse_plex(body: bytes, content_type: str) -> PlexWebhook:
    """Parse a Plex webhook (``multipart/form-data``; a bare JSON body is accepted too).

    Args:
        body: The raw request body.
        content_type: The request's ``Content-Type`` header (with its boundary).

    Raises:
        DecodeError: not multipart with a ``payload`` JSON object holding ``event``, or a field
            of the wrong type (the error names it).
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
    payload: _PlexPayload = _structure(data, _PlexPayload, "plex")
    meta: _PlexMetadata = _structure(payload.metadata or {}, _PlexMetadata, "plex")
    account, server, player = payload.account, payload.server, payload.player
    return PlexWebhook(
        event=PlexEvent(payload.event),
        user=payload.user,
        owner=payload.owner,
        account_id=account.id if account else None,
        account_title=account.title if account else None,
        server_title=server.title if server else None,
        server_uuid=server.uuid if server else None,
        player_title=player.title if player else None,
        player_uuid=player.uuid if player else None,
        player_local=player.local if player else None,
        rating_key=meta.rating_key,
        media_type=meta.type,
        title=meta.title,
        grandparent_title=meta.grandparent_title,
        section_id=meta.library_section_id,
        metadata=payload.metadata or {},
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


@camel_case
@attrs.frozen
class _SeerrMedia:
    media_type: Text = attrs.field(default=None, metadata=json_key("media_type"))
    tmdb_id: LooseInt = None
    tvdb_id: LooseInt = None
    status: Text = None
    status4k: Text = attrs.field(default=None, metadata=json_key("status4k"))


@camel_case
@attrs.frozen
class _SeerrRequest:
    request_id: LooseInt = attrs.field(default=None, metadata=json_key("request_id"))
    requested_by_username: Text = attrs.field(
        default=None, metadata=json_key("requestedBy_username")
    )
    requested_by_email: Text = attrs.field(default=None, metadata=json_key("requestedBy_email"))


@camel_case
@attrs.frozen
class _SeerrIssue:
    issue_id: LooseInt = attrs.field(default=None, metadata=json_key("issue_id"))


@camel_case
@attrs.frozen
class _SeerrBody:
    notification_type: str = attrs.field(metadata=json_key("notification_type"))
    event: Text = None
    subject: Text = None
    message: Text = None
    image: Text = None
    media: dict[str, Any] | None = None
    request: dict[str, Any] | None = None
    issue: dict[str, Any] | None = None
    comment: dict[str, Any] | None = None
    extra: list[Any] | None = None


def parse_overseerr(body: bytes) -> OverseerrWebhook:
    """Parse an Overseerr-family webhook body (JSON, the default template or an edited one).

    Raises:
        DecodeError: the body is not a JSON object with a ``notification_type``, or a field is
            of the wrong type (``"tmdbId": "--1"``: the error names it).
    """
    data = _json_object(body, "overseerr")
    parsed: _SeerrBody = _structure(data, _SeerrBody, "overseerr")
    if not parsed.notification_type:
        raise _decode_error("overseerr", "body has no notification_type", "$.notification_type")
    media: _SeerrMedia = _structure(parsed.media or {}, _SeerrMedia, "overseerr")
    request: _SeerrRequest = _structure(parsed.request or {}, _SeerrRequest, "overseerr")
    issue: _SeerrIssue = _structure(parsed.issue or {}, _SeerrIssue, "overseerr")
    return OverseerrWebhook(
        notification_type=OverseerrNotification(parsed.notification_type),
        event=parsed.event,
        subject=parsed.subject,
        message=parsed.message,
        image=parsed.image or None,
        media_type=media.media_type,
        tmdb_id=media.tmdb_id,
        tvdb_id=media.tvdb_id,
        media_status=media.status,
        media_status4k=media.status4k,
        request_id=request.request_id,
        requested_by_username=request.requested_by_username,
        requested_by_email=request.requested_by_email,
        issue_id=issue.issue_id,
        media=parsed.media,
        request=parsed.request,
        issue=parsed.issue,
        comment=parsed.comment,
        extra=parsed.extra or [],
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


@camel_case
@attrs.frozen
class _KumaBeat:
    monitor_id: LooseInt = attrs.field(default=None, metadata=json_key("monitorID"))
    status: MonitorStatus = MonitorStatus.PENDING
    time: datetime | None = None
    msg: Text = None
    ping: float | None = None
    important: Flag = None


@camel_case
@attrs.frozen
class _KumaMonitor:
    id: LooseInt = None
    name: Text = None
    type: Text = None
    url: Text = None
    hostname: Text = None
    port: LooseInt = None


@camel_case
@attrs.frozen
class _KumaBody:
    msg: Text = None
    heartbeat: _KumaBeat | None = None
    monitor: _KumaMonitor | None = None


def parse_uptime_kuma(
    body: bytes, content_type: str, *, query: Mapping[str, str] | None = None
) -> UptimeKumaWebhook:
    """Parse an Uptime Kuma webhook, in any of the forms its webhook provider sends
    (``server/notification-providers/webhook.js``): a JSON body; form data whose ``data``
    field holds that JSON; or, with the 2.x "GET" method, the query string (``msg``, and
    ``heartbeat`` and ``monitor`` as JSON strings; pass the parsed ``query``).

    Raises:
        DecodeError: none of these, or a field of the wrong type (the error names it).
    """
    kind = _content_type(content_type)
    if query is not None and "msg" in query and not body:
        data: dict[str, Any] = {"msg": query["msg"]}
        for key in ("heartbeat", "monitor"):
            if query.get(key):
                data[key] = _json_object(query[key], "uptime-kuma")
    elif kind == "multipart/form-data" or kind == "application/x-www-form-urlencoded":
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
    parsed: _KumaBody = _structure(data, _KumaBody, "uptime-kuma")
    heartbeat = None
    if parsed.heartbeat is not None:
        beat = parsed.heartbeat
        heartbeat = KumaWebhookHeartbeat(
            monitor_id=beat.monitor_id,
            status=beat.status,
            time=beat.time,
            msg=beat.msg,
            ping_ms=beat.ping,
            important=beat.important,
        )
    monitor = None
    if parsed.monitor is not None:
        m = parsed.monitor
        monitor = KumaWebhookMonitor(
            id=m.id, name=m.name, type=m.type, url=m.url, hostname=m.hostname, port=m.port
        )
    return UptimeKumaWebhook(msg=parsed.msg, heartbeat=heartbeat, monitor=monitor, raw=data)


# -- GitHub -----------------------------------------------------------------------------------
#
# Typed forms of the events home-media apps act on (GitHub docs, "Webhook events and
# payloads"); every field a payload may leave out is optional, unknown fields are ignored.


@attrs.frozen(kw_only=True)
class GitHubUser:
    """A user or organization: ``login``, ``id``, ``html_url``."""

    login: str
    id: int | None = None
    html_url: str | None = None


@attrs.frozen(kw_only=True)
class GitHubRepository:
    """A repository: ``id``, ``full_name`` (``"owner/name"``), ``html_url``, ``private``,
    ``default_branch``."""

    id: int
    full_name: str
    html_url: str | None = None
    private: bool = False
    default_branch: str | None = None


@attrs.frozen(kw_only=True)
class GitHubPing:
    """``ping``: sent when a webhook is created. ``zen`` is a random aphorism."""

    zen: str | None = None
    hook_id: int | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


@attrs.frozen(kw_only=True)
class GitHubCommit:
    """One commit of a push: ``id`` (the SHA), ``message``, ``timestamp``, ``url``."""

    id: str
    message: str = ""
    timestamp: datetime | None = None
    url: str | None = None


@attrs.frozen(kw_only=True)
class GitHubPush:
    """``push``: ``ref`` (``"refs/heads/main"``), ``before``/``after`` SHAs, the commits."""

    ref: str
    before: str | None = None
    after: str | None = None
    created: bool = False
    deleted: bool = False
    forced: bool = False
    commits: list[GitHubCommit] = attrs.Factory(list)
    head_commit: GitHubCommit | None = None
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


@attrs.frozen(kw_only=True)
class _PullRequest:
    number: int
    title: str = ""
    state: str | None = None
    html_url: str | None = None
    merged: bool | None = None
    draft: bool | None = None
    user: GitHubUser | None = None


@attrs.frozen(kw_only=True)
class GitHubPullRequest:
    """``pull_request``: ``action`` (``"opened"``, ``"closed"``...), ``number``, and the pull
    request's ``title``, ``state``, ``merged``, ``html_url``, author."""

    action: str
    number: int
    pull_request: _PullRequest
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


@attrs.frozen(kw_only=True)
class _Release:
    id: int
    tag_name: str
    name: str | None = None
    draft: bool = False
    prerelease: bool = False
    html_url: str | None = None
    published_at: datetime | None = None


@attrs.frozen(kw_only=True)
class GitHubRelease:
    """``release``: ``action`` (``"published"``, ``"created"``...) and the release (tag,
    name, draft, prerelease, ``html_url``)."""

    action: str
    release: _Release
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


@attrs.frozen(kw_only=True)
class _WorkflowRun:
    id: int
    name: str | None = None
    status: str | None = None
    conclusion: str | None = None
    head_branch: str | None = None
    head_sha: str | None = None
    run_number: int | None = None
    html_url: str | None = None


@attrs.frozen(kw_only=True)
class GitHubWorkflowRun:
    """``workflow_run``: ``action`` (``"requested"``, ``"in_progress"``, ``"completed"``) and
    the run (``status``, ``conclusion``, branch, SHA, ``html_url``)."""

    action: str
    workflow_run: _WorkflowRun
    repository: GitHubRepository | None = None
    sender: GitHubUser | None = None


GitHubEvent = GitHubPing | GitHubPush | GitHubPullRequest | GitHubRelease | GitHubWorkflowRun

_GITHUB_MODELS: dict[str, type[Any]] = {
    "ping": GitHubPing,
    "push": GitHubPush,
    "pull_request": GitHubPullRequest,
    "release": GitHubRelease,
    "workflow_run": GitHubWorkflowRun,
}


@attrs.frozen(kw_only=True)
class GitHubWebhook:
    """A GitHub webhook.

    Attributes:
        event: ``X-GitHub-Event`` (``"push"``, ``"release"``, ``"ping"``...).
        delivery_id: ``X-GitHub-Delivery``.
        action: The payload's ``action`` (``"opened"``, ``"published"``...), if any.
        data: The typed event for ``ping``, ``push``, ``pull_request``, ``release`` and
            ``workflow_run`` (:class:`GitHubPing`, :class:`GitHubPush`, ...), else ``None``.
        payload: The JSON payload.
    """

    event: str
    delivery_id: str | None
    action: str | None
    data: GitHubEvent | None = None
    payload: dict[str, Any] = attrs.field(factory=dict, repr=False)


def parse_github(headers: HeaderInput, body: bytes) -> GitHubWebhook:
    """Parse a GitHub webhook (JSON body; form-encoded ``payload=`` is accepted too).

    Raises:
        DecodeError: no ``X-GitHub-Event`` header, the body is not a JSON object, or a known
            event's payload does not fit its model (the error names the field).
    """
    lowered = lower_headers(headers)
    event = lowered.get("x-github-event")
    if not event:
        raise _decode_error("github", "missing X-GitHub-Event header", "X-GitHub-Event")
    if _content_type(lowered.get("content-type")) == "application/x-www-form-urlencoded":
        values = parse_qs(body.decode("utf-8", "replace")).get("payload")
        data = _json_object(values[0] if values else b"", "github")
    else:
        data = _json_object(body, "github")
    model = _GITHUB_MODELS.get(event)
    typed = _structure(data, model, "github") if model is not None else None
    action = data.get("action")
    return GitHubWebhook(
        event=event,
        delivery_id=lowered.get("x-github-delivery"),
        action=action if isinstance(action, str) else None,
        data=typed,
        payload=data,
    )


WebhookSource = Literal["plex", "overseerr", "uptime-kuma", "github", "json"]
"""What a webhook body is parsed as."""

WebhookEvent = PlexWebhook | OverseerrWebhook | UptimeKumaWebhook | GitHubWebhook | dict[str, Any]
"""What :func:`parse_webhook` returns for each source (``"json"``: the JSON object)."""


def parse_webhook(
    source: WebhookSource,
    headers: HeaderInput,
    body: bytes,
    *,
    query: Mapping[str, str] | None = None,
) -> WebhookEvent:
    """Parse a webhook body as ``source`` sends it (the parser of that source, given the
    content type and query it needs).

    Raises:
        DecodeError: the body is not what ``source`` sends.
        ValueError: unknown ``source``.
    """
    lowered = lower_headers(headers)
    content_type = lowered.get("content-type", "")
    if source == "github":
        return parse_github(lowered, body)
    if source == "plex":
        return parse_plex(body, content_type)
    if source == "overseerr":
        return parse_overseerr(body)
    if source == "uptime-kuma":
        return parse_uptime_kuma(body, content_type, query=query)
    if source == "json":
        return _json_object(body, "webhook")
    raise ValueError(f"parse_webhook: unknown source {source!r}")
