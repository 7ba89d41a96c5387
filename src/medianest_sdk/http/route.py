"""Route templates: a request path with its varying parts replaced, for metrics and spans.

A metric labelled with raw paths grows a series per film, per torrent and per user, and a
path may carry a token (Uptime Kuma's push URL). :func:`route_template` keeps the fixed words
of a path and replaces the rest, so ``/library/metadata/4521/children`` becomes
``/library/metadata/{id}/children`` (as OpenTelemetry's ``url.template`` attribute asks).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..secrets import MASK

__all__ = ["route_template"]

_ID = re.compile(
    r"[0-9]+"  # numeric ids: Plex rating keys, Seerr/Prowlarr/Kuma ids
    r"|[0-9a-fA-F]{16,}"  # info hashes, Plex machine identifiers, hex tokens
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUIDs
)
_PLACEHOLDERS = frozenset({"{id}", "{secret}", "{value}"})
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,39}")
"""A fixed word of an API path (``library``, ``status-page``, ``torrents``, ``v2``)."""


def route_template(path: str) -> str:
    """The template of ``path`` (a path, or an absolute URL whose path is used; the query and
    fragment are dropped).

    Each segment is kept when it reads as a word of the API (a letter, then at most 39
    letters, digits, ``_``, ``.`` or ``-``) and is not hex of 16 digits or more; otherwise it
    becomes ``{secret}`` when it holds the redaction mask, ``{id}`` when it is a number, a
    hex run or a UUID, and ``{value}`` for anything else (a slug with ``%``, a long name).
    The result never holds a digit-only segment, a ``%`` escape or a character outside
    ``[A-Za-z0-9_.{}/-]``, so it is safe as a label value.

    Example::

        route_template("/api/v2/torrents/properties?hash=abc")  # "/api/v2/torrents/properties"
        route_template("/library/metadata/4521/children")       # "/library/metadata/{id}/children"
        route_template("/api/push/***")                          # "/api/push/{secret}"
    """
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0].split("#", 1)[0]
    out: list[str] = []
    for segment in path.split("/"):
        if not segment or segment in _PLACEHOLDERS:
            out.append(segment)
        elif MASK in segment:
            out.append("{secret}")
        elif _ID.fullmatch(segment):
            out.append("{id}")
        elif _WORD.fullmatch(segment):
            out.append(segment)
        else:
            out.append("{value}")
    route = "/".join(out)
    return route if route.startswith("/") else "/" + route
