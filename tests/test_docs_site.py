"""The built documentation: a nitpicky build with no warning, every public name documented at
its canonical path, no broken internal link, and pages that render in a real browser."""

from __future__ import annotations

import functools
import http.server
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("furo") is None,
    reason="the docs extra is not installed (pip install -e '.[docs]')",
)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML docs, built once: nitpicky (``-n``), every warning an error (``-W``)."""
    out = tmp_path_factory.mktemp("docs") / "html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-n",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(out.parent / "doctrees"),
            str(ROOT / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return out


@pytest.mark.parametrize("tool", ["gen_api_docs.py", "make_inventories.py"])
def test_generated_docs_inputs_are_up_to_date(tool: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / tool), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_public_name_is_documented_at_its_canonical_path(site: Path) -> None:
    raw = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):  # "# Sphinx inventory version 2", project, version, "zlib" line
        header_end = raw.index(b"\n", header_end) + 1
    lines = zlib.decompress(raw[header_end:]).decode().splitlines()
    documented = {line.split(" ", 1)[0] for line in lines if " py:" in line}
    root = importlib.import_module("medianest_sdk")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        sections = importlib.import_module("gen_api_docs").SECTIONS
    finally:
        sys.path.remove(str(ROOT / "tools"))
    missing = []
    for _, package, _ in sections:
        module = importlib.import_module(f"medianest_sdk.{package}")
        for name in module.__all__:
            path = (
                f"medianest_sdk.{name}"
                if name in root.__all__
                else f"medianest_sdk.{package}.{name}"
            )
            if path not in documented:
                missing.append(path)
    assert missing == []
    # the events are indexed objects (searchable), not only text
    assert {"medianest_sdk.RequestCompleted", "medianest_sdk.BreakerStateChanged"} <= documented


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key == "id" and value:
                self.ids.add(value)
            if key in ("href", "src") and value and tag in ("a", "link", "script", "img"):
                self.hrefs.append(value)


def test_no_internal_link_is_broken(site: Path) -> None:
    pages: dict[Path, _Links] = {}
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page.resolve()] = parser
    broken = []
    for page, parser in pages.items():
        for href in parser.hrefs:
            if urlsplit(href).scheme or href.startswith(("//", "mailto:")):
                continue  # external: not checked offline
            parts = urlsplit(href)  # "_static/x.css?v=1" names the file "_static/x.css"
            target, fragment = parts.path, parts.fragment
            path = (page.parent / unquote(target)).resolve() if target else page
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{page.relative_to(site)} -> {href} (no such file)")
            elif fragment and path in pages and unquote(fragment) not in pages[path].ids:
                broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert broken == []


def _chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The site over HTTP on 127.0.0.1, so a missing file is a real 404."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("page", "heading"),
    [
        ("index.html", "medianest-sdk"),
        ("plex.html", "Plex"),
        ("observability.html", "Observability"),
    ],
)
@pytest.mark.parametrize("width", [1400, 390])
def test_pages_render_in_a_headless_browser(
    served: str, page: str, heading: str, width: int
) -> None:
    chromium = _chromium()
    missing = None
    if importlib.util.find_spec("playwright") is None:
        missing = "playwright is not installed (test extra)"
    elif chromium is None:
        missing = "no Chromium (Debian: apt-get install chromium)"
    if missing:
        if IN_CI:
            pytest.fail(f"{missing}: .ci/run installs it")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            tab = browser.new_page(viewport={"width": width, "height": 900})
            tab.route(
                re.compile(r"^(?!http://127\.0\.0\.1).*"), lambda route: route.abort()
            )  # nothing leaves loopback
            tab.on(
                "response",
                lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            tab.on("pageerror", lambda e: failures.append(f"script error: {e}"))
            tab.goto(f"{served}/{page}", wait_until="load")
            assert tab.locator("h1").first.inner_text().strip().rstrip("#¶").strip() == heading
            layout = tab.evaluate(
                """() => ({
                    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
                    clippedCode: [...document.querySelectorAll('div.highlight pre')]
                        .filter(pre => pre.scrollWidth > pre.clientWidth + 1).length,
                    codeBlocks: document.querySelectorAll('div.highlight pre').length,
                })"""
            )
        finally:
            browser.close()
    assert failures == []
    assert layout["pageOverflow"] <= 0, "the page scrolls sideways"
    assert layout["clippedCode"] == 0, "a code block is wider than its box"
    assert layout["codeBlocks"] > 0
