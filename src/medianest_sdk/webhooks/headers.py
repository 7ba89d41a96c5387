"""Request headers as every webhook function takes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["HeaderInput", "lower_headers"]

HeaderInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]
"""Headers as a mapping or as ``(name, value)`` pairs (ASGI's ``scope["headers"]``)."""


def _text(value: object) -> str:
    """A header value as text (bytes decoded as latin-1, as HTTP allows)."""
    if type(value) is str:
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def lower_headers(headers: HeaderInput) -> dict[str, str]:
    """Headers as a dict with lower-case names (bytes decoded as latin-1, as HTTP allows)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {_text(name).lower(): _text(value) for name, value in items}


def header_value(headers: Mapping[Any, Any], name: str, lower: str) -> str | None:
    """One header's value, without copying the others.

    Args:
        headers: A plain dict (asked for ``name`` as the sender spells it, then ``lower``), a
            case-insensitive mapping (Starlette's, httpx's, aiohttp's), or the result of
            :func:`lower_headers` (what to make of ``(name, value)`` pairs first).
        name: The header as senders spell it (``"X-Hub-Signature-256"``).
        lower: The same name in lower case.

    Returns:
        The value as text, or ``None`` when absent (any other spelling is found by a scan).
    """
    value = headers.get(name)
    if value is None:
        value = headers.get(lower)
        if value is None:  # another spelling ("X-HUB-SIGNATURE-256"), or bytes names
            for key, item in headers.items():
                if item is not None and _text(key).lower() == lower:
                    value = item
                    break
            else:
                return None
    return value if type(value) is str else _text(value)
