"""Request headers as every webhook function takes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["HeaderInput", "lower_headers"]

HeaderInput = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]
"""Headers as a mapping or as ``(name, value)`` pairs (ASGI's ``scope["headers"]``)."""


def lower_headers(headers: HeaderInput) -> dict[str, str]:
    """Headers as a dict with lower-case names (bytes decoded as latin-1, as HTTP allows)."""
    if type(headers) is dict:  # the common case, fast
        out = {k.lower(): v for k, v in headers.items()}
        if all(type(k) is str for k in out) and all(type(v) is str for v in out.values()):
            return out
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = {}
    for name, value in items:
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        out[key.lower()] = text
    return out
