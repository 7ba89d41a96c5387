"""The benchmark server (run by uvicorn in its own process): a JSON endpoint, and the fake Plex
library of ``medianest_sdk.testing.FakePlex`` served as JSON (for us) or XML (for
python-plexapi), chosen by the ``Accept`` header as a real Plex Media Server does."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from xml.sax.saxutils import quoteattr

from medianest_sdk.testing import FakePlex

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PLEX = FakePlex(movies=int(os.environ.get("BENCH_PLEX_MOVIES", "2000")), history=1000)
SMALL = json.dumps(
    {"page": 1, "items": [{"id": n, "title": f"Item {n}", "year": 2000 + n} for n in range(10)]}
).encode()


XML_TAG = {
    "movie": "Video",
    "episode": "Video",
    "clip": "Video",
    "track": "Track",
    "photo": "Photo",
}


def to_xml(tag: str, data: dict[str, Any]) -> str:
    """Plex's JSON back into its XML form: scalars become attributes, lists child elements;
    ``Metadata`` entries take the element name Plex's XML uses for their type."""
    if tag == "Metadata":
        tag = XML_TAG.get(str(data.get("type")), "Directory")
    attrs = "".join(
        f" {k}={quoteattr(str(int(v) if isinstance(v, bool) else v))}"
        for k, v in data.items()
        if not isinstance(v, (list, dict)) and v is not None
    )
    children = "".join(
        to_xml(k, item)
        for k, v in data.items()
        if isinstance(v, list)
        for item in v
        if isinstance(item, dict)
    )
    return f"<{tag}{attrs}>{children}</{tag}>" if children else f"<{tag}{attrs}/>"


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    if path == "/json":
        status, kind, body = 200, "application/json", SMALL
    elif path == "/library":
        status, kind = 200, "text/xml;charset=utf-8"
        body = b'<?xml version="1.0" encoding="UTF-8"?>'
        body += b'<MediaContainer size="0" title1="Plex Library"/>'
    else:
        if path == "/library/sections":
            path = "/library/sections/all"
        query = scope.get("query_string", b"").decode()
        url = f"http://bench{path}" + (f"?{query}" if query else "")
        status, extra, body = PLEX.handle(scope["method"], url, headers)
        kind = extra.get("Content-Type", "text/plain")
        if status == 200 and "json" not in headers.get("accept", "") and body:
            container = json.loads(body)["MediaContainer"]
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>' + to_xml("MediaContainer", container)
            ).encode()
            kind = "text/xml;charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
