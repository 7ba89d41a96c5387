"""The shared cattrs converter that turns JSON into attrs models, and open enums.

All adapters decode through :func:`decode`: unknown fields are ignored (services add fields
all the time), while a missing required field or a value of the wrong type raises
:class:`~medianest_sdk.errors.DecodeError` naming the service, the endpoint and the field path.
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, override

from .errors import DecodeError

__all__ = [
    "OpenIntEnum",
    "OpenStrEnum",
    "camel_case",
    "converter",
    "decode",
    "json_key",
    "parse_datetime",
    "parse_json",
]

T = TypeVar("T")


class OpenIntEnum(enum.IntEnum):
    """An :class:`~enum.IntEnum` that keeps values it does not know instead of failing.

    ``Status(99)`` gives a pseudo-member named ``UNKNOWN_99`` whose value is 99, so a newer
    server that adds a status never crashes an older client.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if isinstance(value, int) and not isinstance(value, bool):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None


class OpenStrEnum(enum.StrEnum):
    """A :class:`~enum.StrEnum` that keeps values it does not know (named ``UNKNOWN``)."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if isinstance(value, str):
            member = str.__new__(cls, value)
            member._name_ = "UNKNOWN"
            member._value_ = value
            return member
        return None


def parse_datetime(value: object) -> datetime:
    """Parse a timestamp into an aware UTC :class:`~datetime.datetime`.

    Accepts unix seconds (int/float, Plex's ``addedAt``), ISO 8601 strings with a zone
    (Overseerr's ``createdAt``), and zone-less strings, which are taken as UTC (Uptime Kuma's
    ``"YYYY-MM-DD HH:MM:SS.mmm"``).

    Raises:
        ValueError: the value is none of these.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise ValueError(f"not a timestamp: {type(value).__name__}")


def _structure_datetime(value: Any, _: type) -> datetime:
    return parse_datetime(value)


_CAMEL = "__medianest_camel__"
C = TypeVar("C", bound=type)


def json_key(name: str) -> dict[str, str]:
    """Field metadata naming the JSON key: ``attrs.field(metadata=json_key("Media"))``."""
    return {"json": name}


def _to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_case(cls: C) -> C:
    """Mark an attrs class whose JSON keys are the camelCase of its snake_case field names
    (``rating_key`` <- ``"ratingKey"``); a field's ``json_key`` metadata overrides its key."""
    setattr(cls, _CAMEL, True)
    return cls


def _camel_factory(cls: type) -> Any:
    overrides: dict[str, Any] = {}
    for field in attrs.fields(cls):
        key = field.metadata.get("json") or _to_camel(field.name)
        if key != field.name:
            overrides[field.name] = override(rename=key)
    return make_dict_structure_fn(cls, converter, **overrides)


def _optional(base: type) -> Any:
    """A direct hook for ``base | None``: the same conversion as cattrs' own (``str(v)``,
    ``int(v)``...), without its per-value dispatch on the union (a third of the time of a
    typical Plex item)."""

    def structure(value: Any, _: Any) -> Any:
        return None if value is None else base(value)

    return structure


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    for base in (str, int, float, bool):
        conv.register_structure_hook(base | None, _optional(base))
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_structure_hook(
        datetime | None, lambda v, _: None if v is None else parse_datetime(v)
    )
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook_factory(
        lambda t: isinstance(t, type) and t.__dict__.get(_CAMEL, False), _camel_factory
    )
    return conv


converter = _make_converter()
"""The one converter every adapter uses. Register hooks for your own models on it."""


_SEGMENT = re.compile(r"\.([^.\[]+)|(\[[^\]]*\])")


def _unwrap(tp: Any) -> Any:
    """``X | None`` -> ``X``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _json_path(cls: Any, path: str) -> str:
    """Rewrite an attribute path (``$.media[0].parts[0].id``) with the JSON keys the models
    read (``$.Media[0].Part[0].id``)."""
    out = "$"
    current: Any = cls
    for name, index in _SEGMENT.findall(path[1:]):
        current = _unwrap(current)
        if index:
            out += index
            args = typing.get_args(current)
            current = args[-1] if args else None
            continue
        key = name
        if isinstance(current, type) and attrs.has(current):
            hints = typing.get_type_hints(current)
            field = next((f for f in attrs.fields(current) if f.name == name), None)
            if field is not None and current.__dict__.get(_CAMEL, False):
                key = field.metadata.get("json") or _to_camel(name)
            current = hints.get(name)
        else:
            current = None
        out += f".{key}"
    return out


def _messages(exc: BaseException, cls: Any) -> list[str]:
    """cattrs' messages with their paths in JSON keys."""
    result = []
    for message in cattrs.transform_error(exc, path="$"):
        text, sep, path = message.rpartition(" @ ")
        result.append(f"{text}{sep}{_json_path(cls, path)}" if sep else message)
    return result


def _first_error_path(messages: list[str]) -> str | None:
    if not messages:
        return None
    # "required field missing @ $.MediaContainer.size" -> "$.MediaContainer.size"
    _, _, path = messages[0].rpartition(" @ ")
    return path or None


def decode(data: Any, cls: type[T], *, service: str, endpoint: str) -> T:
    """Structure parsed JSON ``data`` into ``cls`` with :data:`converter`.

    Args:
        data: Parsed JSON (dicts, lists, scalars).
        cls: The attrs model (or ``list[Model]`` etc.).
        service: Service name for the error, e.g. ``"plex"``.
        endpoint: What was decoded, e.g. ``"GET /library/sections"``.

    Raises:
        DecodeError: a required field is missing or a value has the wrong type; ``field``
            holds the JSON path of the first offending field, e.g. ``"$.items[3].title"``.
    """
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        detail = _messages(exc, cls)
        field = _first_error_path(detail)
        raise DecodeError(
            f"{endpoint}: response does not fit {_type_name(cls)}: {'; '.join(detail[:3])}",
            service=service,
            endpoint=endpoint,
            field=field,
        ) from exc
    except RecursionError:
        raise DecodeError(
            f"{endpoint}: response is nested too deeply to fit {_type_name(cls)}",
            service=service,
            endpoint=endpoint,
            field="$",
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DecodeError(
            f"{endpoint}: response does not fit {_type_name(cls)}: {type(exc).__name__}: "
            f"{str(exc)[:200]}",
            service=service,
            endpoint=endpoint,
            field="$",
        ) from exc


def parse_json(body: bytes | str, *, service: str | None, endpoint: str) -> Any:
    """Parse a JSON document (RFC 8259) from a response or webhook body.

    Hostile bodies end in :class:`DecodeError`, never in another exception: invalid JSON, bytes
    that are not UTF-8/16/32, and nesting deeper than the interpreter's recursion limit
    (``[[[[...`` 100,000 deep) alike. The body size is bounded by the caller
    (``ServiceClient(max_response_bytes=)``, the webhook body limit).

    Args:
        body: The raw body (bytes: the encoding is detected as RFC 8259 section 8.1 allows).
        service: Service name for the error, or ``None``.
        endpoint: What was parsed, e.g. ``"GET /library/sections"``.

    Raises:
        DecodeError: the body is not JSON (``field`` is ``None``) or is nested too deeply.
    """
    try:
        return json.loads(body)
    except RecursionError:
        reason = "nested too deeply"
    except (ValueError, TypeError) as exc:  # JSONDecodeError, UnicodeDecodeError
        reason = f"not JSON ({type(exc).__name__})"
    raise DecodeError(f"{endpoint}: body is {reason}", service=service, endpoint=endpoint)


def _type_name(cls: object) -> str:
    return getattr(cls, "__name__", None) or str(cls)
