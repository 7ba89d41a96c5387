"""Write the intersphinx inventories of ``docs/_inventories/`` from the table below.

The docs build runs without internet, so it cannot download ``objects.inv`` from
docs.python.org, python-httpx.org, attrs or anyio. These inventories list only the names our
docs link to, each checked to exist by importing it, with the address of its documentation.

Run: ``python tools/make_inventories.py`` (``--check``: fail when the files are stale).
"""

from __future__ import annotations

import importlib
import sys
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "docs" / "_inventories"

# project -> (version, base URL, {name: (role, uri)}); a uri ending in "$" gets the name.
INVENTORIES: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "python": (
        "3.11",
        "https://docs.python.org/3/",
        {
            **{
                f"collections.abc.{n}": ("class", "library/collections.abc.html#$")
                for n in (
                    "AsyncIterator",
                    "AsyncIterable",
                    "Awaitable",
                    "Callable",
                    "Collection",
                    "Coroutine",
                    "Iterable",
                    "Iterator",
                    "Mapping",
                    "MutableMapping",
                    "Sequence",
                )
            },
            "contextlib.AbstractAsyncContextManager": ("class", "library/contextlib.html#$"),
            "contextlib.AbstractContextManager": ("class", "library/contextlib.html#$"),
            "datetime.date": ("class", "library/datetime.html#$"),
            "datetime.datetime": ("class", "library/datetime.html#$"),
            "datetime.timedelta": ("class", "library/datetime.html#$"),
            "enum.Enum": ("class", "library/enum.html#$"),
            "enum.IntEnum": ("class", "library/enum.html#$"),
            "enum.StrEnum": ("class", "library/enum.html#$"),
            "hmac.compare_digest": ("function", "library/hmac.html#$"),
            "logging": ("module", "library/logging.html#module-logging"),
            "logging.Handler": ("class", "library/logging.html#$"),
            "logging.Logger": ("class", "library/logging.html#$"),
            "logging.NullHandler": ("class", "library/logging.handlers.html#$"),
            "os.PathLike": ("class", "library/os.html#$"),
            "pathlib.Path": ("class", "library/pathlib.html#$"),
            "time.time": ("function", "library/time.html#$"),
            "time.monotonic": ("function", "library/time.html#$"),
            "typing.Any": ("data", "library/typing.html#$"),
            "typing.Protocol": ("class", "library/typing.html#$"),
            "typing.Literal": ("data", "library/typing.html#$"),
        },
    ),
    "httpx": (
        "0.28",
        "https://www.python-httpx.org/",
        {
            "httpx.AsyncClient": ("class", "api/#asyncclient"),
            "httpx.AsyncBaseTransport": ("class", "advanced/transports/#custom-transports"),
            "httpx.Auth": ("class", "advanced/authentication/#custom-authentication-schemes"),
            "httpx.Response": ("class", "api/#response"),
            "httpx.Request": ("class", "api/#request"),
            "httpx.Timeout": ("class", "advanced/timeouts/"),
            "httpx.URL": ("class", "api/#url"),
            "httpx.MockTransport": ("class", "advanced/transports/#mock-transports"),
        },
    ),
    "httpx_ws": (
        "0.7",
        "https://frankie567.github.io/httpx-ws/",
        {"httpx_ws.AsyncWebSocketSession": ("class", "reference/httpx_ws/#$")},
    ),
    "limits": (
        "5",
        "https://limits.readthedocs.io/en/stable/",
        {
            "limits.RateLimitItem": ("class", "api.html#$"),
            "limits.storage.Storage": ("class", "api.html#$"),
            "limits.strategies.RateLimiter": ("class", "api.html#$"),
        },
    ),
    "attrs": (
        "25",
        "https://www.attrs.org/en/stable/",
        {
            "attrs.define": ("function", "api.html#$"),
            "attrs.frozen": ("function", "api.html#$"),
            "attrs.field": ("function", "api.html#$"),
            "attrs.evolve": ("function", "api.html#$"),
            "attrs.asdict": ("function", "api.html#$"),
        },
    ),
    "anyio": (
        "4",
        "https://anyio.readthedocs.io/en/stable/",
        {
            "anyio.run": ("function", "api.html#$"),
            "anyio.Event": ("class", "api.html#$"),
            "anyio.CancelScope": ("class", "api.html#$"),
            "anyio.abc.TaskGroup": ("class", "api.html#$"),
            "anyio.create_task_group": ("function", "api.html#$"),
            "anyio.from_thread.start_blocking_portal": ("function", "api.html#$"),
        },
    ),
}


def _exists(name: str) -> bool:
    """Whether ``name`` imports (a module, or an attribute path under one)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def render(project: str) -> bytes:
    version, _, names = INVENTORIES[project]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    lines = "".join(f"{name} py:{role} 1 {uri} -\n" for name, (role, uri) in sorted(names.items()))
    return header + zlib.compress(lines.encode(), 9)


def main() -> int:
    check = "--check" in sys.argv
    missing = [n for _, _, names in INVENTORIES.values() for n in names if not _exists(n)]
    if missing:
        print("names that do not import:", ", ".join(missing))
        return 1
    OUT.mkdir(exist_ok=True)
    stale = []
    for project in INVENTORIES:
        path = OUT / f"{project}.inv"
        data = render(project)
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(str(path))
        else:
            path.write_bytes(data)
    if stale:
        print("stale: run python tools/make_inventories.py:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
