"""Regenerate ``docs/api.md`` from the packages' ``__all__`` lists.

Every public name is documented once, at its canonical path: the top-level name
(``medianest_sdk.ServiceClient``) when the package root exports it, else the subpackage that
exports it (``medianest_sdk.plex.Metadata``, not ``medianest_sdk.plex.models.Metadata``;
Sphinx records the defining module as the object's ``:canonical:`` alias).

Run: ``python tools/gen_api_docs.py`` (``--check``: fail when docs/api.md is stale).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "api.md"

SECTIONS: list[tuple[str, str, str]] = [
    ("HTTP core", "http", "``ServiceClient``, the base of every adapter, and what adapters need."),
    ("Resilience", "resilience", "The primitives a host composes (see the Resilience guide)."),
    ("Plex", "plex", "Plex Media Server and plex.tv sign-in."),
    ("Overseerr / Jellyseerr / Seerr", "overseerr", "Requests, media, issues, users."),
    ("Uptime Kuma", "uptime_kuma", "Status pages, pushes, metrics; the socket.io admin API."),
    ("qBittorrent", "qbittorrent", "The WebUI API v2."),
    ("Prowlarr", "prowlarr", "Indexers, search, grab, and choosing a release."),
    ("Downloads", "ytdlp", "yt-dlp in a child process."),
    ("Webhooks", "webhooks", "Verification and typed payloads."),
    ("Services from configuration", "services", "Settings and the ``Services`` bundle."),
    ("Health", "health", "Periodic checks and their statistics."),
    ("Events and logging", "events", "Typed events and hooks."),
    ("Metrics and traces", "instrumentation", "OpenTelemetry and Prometheus."),
    ("Secrets", "secrets", "Secrets, the token vault and redaction."),
    ("Decoding", "decoding", "JSON to typed models."),
    ("Enums", "enums", "Shared enumerations."),
    ("Testing", "testing", "In-memory fakes and a manual clock for your tests."),
    ("Errors", "errors", "One tree of typed errors (see the Errors guide)."),
]

EXTRA: dict[str, list[str]] = {
    # module constants named in the guides, documented at their defining module
    "http": ["medianest_sdk.http.client.MEMO_ENTRIES"],
    "plex": ["medianest_sdk.plex.adapter.RECONNECT", "medianest_sdk.plex.signin.CONNECT_STAGGER"],
    "qbittorrent": [
        "medianest_sdk.qbittorrent.adapter.ADD_WAIT",
        "medianest_sdk.qbittorrent.adapter.LOGOUT_TIMEOUT",
        "medianest_sdk.qbittorrent.hashes.MAX_MAGNET_CHARS",
        "medianest_sdk.qbittorrent.models.Seconds",
    ],
    "prowlarr": ["medianest_sdk.prowlarr.adapter.HISTORY_EVENTS"],
    "uptime_kuma": ["medianest_sdk.uptime_kuma.models.CertDays"],
    "resilience": [
        "medianest_sdk.resilience.cache.INVALIDATE_CHUNK",
        "medianest_sdk.resilience.limiter.Strategy",
    ],
}
EXTRA_FUNCTIONS: dict[str, list[str]] = {
    "resilience": [
        "medianest_sdk.resilience.classify.outcome",
        "medianest_sdk.resilience.fallback.default_should_handle",
    ],
}
EXTRA_CLASSES: dict[str, list[str]] = {
    "webhooks": ["medianest_sdk.webhooks.verify.VerifierOptions"],
}


def _attribute_doc(package: str, name: str) -> tuple[str, str] | None:
    """(defining module, docstring) of the module-level assignment of ``name`` under
    ``package`` with a docstring after it, if any."""
    base = ROOT / "src" / "medianest_sdk"
    files = sorted((base / package).rglob("*.py")) if (base / package).is_dir() else []
    files += [base / f"{package}.py"] if (base / f"{package}.py").exists() else []
    for file in files:
        body = ast.parse(file.read_text()).body
        for node, after in itertools.pairwise(body):
            targets = (
                [node.target]
                if isinstance(node, ast.AnnAssign)
                else node.targets
                if isinstance(node, ast.Assign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                module = ".".join(file.relative_to(base.parent).with_suffix("").parts)
                return module.removesuffix(".__init__"), inspect.cleandoc(after.value.value)
    return None


def _directive(path: str, obj: object) -> str:
    package, name = path.split(".")[1], path.rsplit(".", 1)[1]
    found = _attribute_doc(package, name)
    if found is not None and found[0] != path.rsplit(".", 1)[0]:
        # a constant re-exported from its module: autodata would read the value's own class
        # docstring (httpx.Timeout's, dict's), so the attribute docstring is written here
        body = "\n".join(f"   {line}" if line else "" for line in found[1].splitlines())
        return f".. py:data:: {path}\n\n{body}\n"
    own = getattr(obj, "__module__", "") or ""
    if inspect.isclass(obj) and own.startswith("medianest_sdk"):
        if issubclass(obj, BaseException):
            return f".. autoexception:: {path}\n"
        return f".. autoclass:: {path}\n   :no-show-inheritance:\n"
    if inspect.isfunction(obj) and own.startswith("medianest_sdk"):
        return f".. autofunction:: {path}\n"
    return f".. autodata:: {path}\n   :no-value:\n"


def render() -> str:
    root = importlib.import_module("medianest_sdk")
    top = set(root.__all__)
    out = [
        "# API reference\n",
        "Generated by `tools/gen_api_docs.py` from the packages' `__all__`: each public name once,",
        "at the path to import it from. Names the package root exports are documented as",
        "`medianest_sdk.<name>`; the rest at their subpackage (`medianest_sdk.plex.Metadata`).",
        "The blocking twins of `medianest_sdk.sync` have the same documentation as the async",
        "classes (see [Blocking use](blocking.md)).\n",
    ]
    placed: set[str] = set()
    done: set[str] = set()
    for title, name, blurb in SECTIONS:
        module = importlib.import_module(f"medianest_sdk.{name}")
        placed.update(module.__all__)
        out.append(f"## {title}\n")
        out.append(f"{blurb}\n")
        out.append("```{eval-rst}")
        for export in module.__all__:
            obj = getattr(module, export)
            path = f"medianest_sdk.{export}" if export in top else f"medianest_sdk.{name}.{export}"
            if path in done:  # a name two subpackages export (MonitorStatus)
                continue
            done.add(path)
            out.append(_directive(path, obj))
        for path in EXTRA.get(name, []):
            out.append(f".. autodata:: {path}\n")
        for path in EXTRA_FUNCTIONS.get(name, []):
            out.append(f".. autofunction:: {path}\n")
        for path in EXTRA_CLASSES.get(name, []):
            out.append(f".. autoclass:: {path}\n   :no-show-inheritance:\n")
        out.append("```\n")
    unplaced = top - placed - {"__version__"}
    if unplaced:
        raise SystemExit(f"top-level names in no subpackage's __all__: {sorted(unplaced)}")
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if OUT.read_text() != text:
            print("docs/api.md is stale: run python tools/gen_api_docs.py")
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
