"""The layering rules of the design, checked on the source: imports only ever point down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "medianest_sdk"
ADAPTERS = {"plex", "overseerr", "uptime_kuma", "ytdlp", "webhooks"}
LEAVES = {"errors", "events", "secrets", "decoding", "enums", "version", "redis_client"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in ``path``."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    package = parts if path.name == "__init__.py" else parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.append((name, node.lineno))
    return found


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    layer = _layer(path)
    for name, line in _imports(path):
        where = f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        if name.split(".")[0] == "httpx":
            assert layer == "http", f"{where}: only http/ imports httpx"
        if not name.startswith("medianest_sdk"):
            continue
        target = name.split(".")[1] if "." in name else ""
        assert target != "", f"{where}: no module imports the package root"
        if layer in LEAVES:
            assert target in LEAVES, f"{where}: leaves import only leaves"
        if layer == "resilience":
            assert target in LEAVES | {"resilience"}, f"{where}: resilience knows no HTTP"
        if layer in ADAPTERS:
            assert target not in ADAPTERS - {layer}, f"{where}: one adapter imports another"
        if layer == "http":
            assert target not in ADAPTERS | {"health"}, f"{where}: http imports no adapter"
