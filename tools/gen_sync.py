"""Generate ``src/medianest_sdk/sync/_twins.py``: the blocking twin of every public async class.

Run: ``python tools/gen_sync.py`` (``--check`` exits 1 when the file is stale; CI runs that).

Each twin has the async class's constructor and methods, with the same parameters, defaults,
annotations and docstrings (read with ``ast`` from the source, so nothing is retyped by hand):

- ``async def m(...) -> R``            becomes ``def m(...) -> R`` (run on the portal's loop);
- ``async def m(...) -> AsyncIterator[X]`` (an async generator) becomes a generator of ``X``;
- a method returning another twinned class (``YtDlpRunner.download -> DownloadJob``) returns
  that class's twin; classmethod constructors return the twin;
- ``__aenter__``/``__aexit__`` become ``__enter__``/``__exit__``; properties and plain methods
  delegate; arguments that are twins are passed to the async side as their originals.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import inspect
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "medianest_sdk" / "sync" / "_twins.py"

TWINS: list[tuple[str, str]] = [
    ("medianest_sdk.http.client", "ServiceClient"),
    ("medianest_sdk.plex.adapter", "PlexAdapter"),
    ("medianest_sdk.plex.signin", "PlexPinAuth"),
    ("medianest_sdk.plex.notifications", "NotificationStream"),
    ("medianest_sdk.overseerr.adapter", "OverseerrAdapter"),
    ("medianest_sdk.uptime_kuma.adapter", "UptimeKumaAdapter"),
    ("medianest_sdk.uptime_kuma.admin", "UptimeKumaAdmin"),
    ("medianest_sdk.uptime_kuma.admin", "KumaEventStream"),
    ("medianest_sdk.qbittorrent.adapter", "QBittorrentAdapter"),
    ("medianest_sdk.prowlarr.adapter", "ProwlarrAdapter"),
    ("medianest_sdk.ytdlp.runner", "YtDlpRunner"),
    ("medianest_sdk.ytdlp.runner", "DownloadJob"),
    ("medianest_sdk.ytdlp.workers", "DownloadQueue"),
    ("medianest_sdk.health", "HealthMonitor"),
    ("medianest_sdk.webhooks.verify", "WebhookVerifier"),
    ("medianest_sdk.services", "Services"),
]
TWINNED = {name for _, name in TWINS}
HTTPX = {  # the names medianest_sdk.http re-exports, so no twin mentions httpx
    "httpx.AsyncClient": "AsyncHTTPClient",
    "httpx.Timeout": "Timeout",
    "httpx.Auth": "Auth",
    "httpx.AsyncBaseTransport": "AsyncTransport",
    "httpx.Response": "Response",
}
# made by another object (YtDlpRunner.download, PlexAdapter.notifications...), never by hand
NO_INIT = {"DownloadJob", "NotificationStream", "KumaEventStream"}
SKIP = {"__init_subclass__", "__repr__", "adopt", "websocket"}
TYPING = {
    "Any",
    "Self",
    "Literal",
    "Iterator",
    "Callable",
    "Mapping",
    "Sequence",
    "Awaitable",
    "AsyncIterator",
    "Unpack",
    "TracebackType",
}


def _methods(cls: type) -> dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, type]]:
    """Every method of ``cls`` and its medianest bases (nearest first wins), as ``ast``."""
    found: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, type]] = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("medianest_sdk"):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        node = tree.body[0]
        assert isinstance(node, ast.ClassDef)
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name not in found:
                found[item.name] = (item, klass)
    return found


def _is_generator(fn: ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(fn))


def _decorators(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {ast.unparse(d) for d in fn.decorator_list}


def _text(node: ast.AST) -> str:
    """Source text of an annotation or argument list, with httpx names replaced by their
    re-exports, private types by ``Any``, and async health checks widened to twins."""
    text = ast.unparse(node)
    for old, new in HTTPX.items():
        text = text.replace(old, new)
    text = re.sub(r"\b_[A-Z][A-Za-z0-9]*\b", "Any", text)
    return re.sub(r"\b(HealthCheck|Check)\b", r"\1 | Twin", text)


def _returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    return _text(fn.returns) if fn.returns is not None else "None"


def _forward(a: ast.arg) -> str:
    """A parameter passed on: twins become their async originals (``unwrap``); where the twin
    widened the type (health checks), the result is untyped (``unwrap_any``)."""
    widened = a.annotation is not None and "Twin" in _text(a.annotation)
    return f"{'unwrap_any' if widened else 'unwrap'}({a.arg})"


def _call_args(args: ast.arguments) -> str:
    """The argument list that forwards every parameter of ``args`` (minus self/cls)."""
    out = [_forward(a) for a in [*args.posonlyargs, *args.args][1:]]
    if args.vararg:
        out.append(f"*{args.vararg.arg}")
    out += [f"{a.arg}={_forward(a)}" for a in args.kwonlyargs]
    if args.kwarg:
        out.append(f"**{args.kwarg.arg}")
    return ", ".join(out)


def _exported_by(name: str, module: str) -> str | None:
    """The nearest of ``module`` and its parent packages that lists ``name`` in ``__all__``."""
    parts = module.split(".")
    while parts:
        candidate = ".".join(parts)
        if name in getattr(importlib.import_module(candidate), "__all__", ()):
            return candidate
        parts.pop()
    return None


def _public_home(name: str, value: object, fallback: str) -> str:
    """The public module to import ``value`` from: where it is defined, with private parts
    dropped (``medianest_sdk.resilience._clock`` -> ``medianest_sdk.resilience``); httpx's
    names from ``medianest_sdk.http``, which re-exports them; an alias (no ``__module__``)
    from the nearest package that exports it; else ``fallback``."""
    source = getattr(value, "__module__", None)
    if not (inspect.isclass(value) or inspect.isfunction(value)) or not isinstance(source, str):
        return _exported_by(name, fallback) or fallback
    if source.split(".")[0] == "httpx":
        return "medianest_sdk.http"
    parts = source.split(".")
    while parts:
        candidate = ".".join(parts)
        if not any(p.startswith("_") for p in parts):
            try:
                if getattr(importlib.import_module(candidate), name, None) is value:
                    return candidate
            except ImportError:
                pass
        parts.pop()
    return fallback


class Generator:
    def __init__(self) -> None:
        self.imports: dict[str, set[str]] = {}
        self.lines: list[str] = []
        self.aliases: dict[tuple[str, str], str] = {}  # (name, home) -> alias, for clashes

    def prepare(self, homes: dict[str, set[str]]) -> None:
        """Names defined in two modules (``MediaInfo``: Overseerr's and yt-dlp's) are
        imported under aliases naming their package."""
        for name, where in homes.items():
            if len(where) > 1:
                for home in where:
                    package = home.split(".")[1] if home.count(".") else home
                    self.aliases[(name, home)] = f"{name}_{package}"

    def qualify(self, text: str, module: str) -> str:
        """``text`` with clashing names replaced by their aliases, as seen from ``module``."""
        if not self.aliases:
            return text
        namespace = vars(importlib.import_module(module))

        def swap(match: re.Match[str]) -> str:
            name = match.group(0)
            value = namespace.get(name)
            if value is None:
                return name
            home = _public_home(name, value, module)
            return self.aliases.get((name, home), name)

        return re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\b", swap, text)

    def homes(self, text: str, module: str, into: dict[str, set[str]]) -> None:
        """Collect where each name of ``text`` comes from (first pass)."""
        namespace = vars(importlib.import_module(module))
        for name in set(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", text)):
            if name in TWINNED or name in TYPING or name == "T" or hasattr(builtins, name):
                continue
            value = namespace.get(name)
            if value is None or inspect.ismodule(value) or name.startswith("_"):
                continue
            into.setdefault(name, set()).add(_public_home(name, value, module))

    def need(self, text: str, module: str) -> None:
        """Import every name ``text`` uses, from the public module that defines it."""
        namespace = vars(importlib.import_module(module))
        for name in set(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", text)):
            if name in TWINNED or name in TYPING or name == "T" or hasattr(builtins, name):
                continue
            if name in HTTPX.values():
                self.imports.setdefault("medianest_sdk.http", set()).add(name)
                continue
            if name not in namespace or name.startswith("_"):
                continue
            value = namespace[name]
            if inspect.ismodule(value):
                continue
            home = _public_home(name, value, module)
            alias = self.aliases.get((name, home))
            entry = name if alias is None else f"{name} as {alias}"
            self.imports.setdefault(home, set()).add(entry)

    def emit(self, text: str = "") -> None:
        self.lines.append(text)

    def twin(self, module: str, name: str) -> None:
        cls = getattr(importlib.import_module(module), name)
        methods = _methods(cls)
        doc = inspect.getdoc(cls) or ""
        first = doc.split("\n\n")[0]
        self.emit(f"class {name}(Twin):")
        self.emit(
            f'    """Blocking twin of :class:`medianest_sdk.{name}`: the same arguments, return'
        )
        self.emit("    types and exceptions, without ``await`` (see :mod:`medianest_sdk.sync`).")
        self.emit("")
        for line in textwrap.wrap(first, 92):
            self.emit(f"    {line}")
        self.emit('    """')
        self.emit("")
        self.emit(f"    _async: _{name}")
        init = None if name in NO_INIT else methods.get("__init__")
        if init is not None:
            node, _ = init
            params = self.qualify(_text(node.args), cls.__module__)
            self.need(_text(node.args), cls.__module__)
            self.emit("")
            self.emit(f"    def __init__({params}) -> None:")
            forward = _call_args(node.args)
            self.emit(f"        self._async = call(_make(lambda: _{name}({forward})))")
        self.emit("")
        self.emit("    @classmethod")
        self.emit(f"    def _wrap(cls, inner: _{name}) -> {name}:")
        self.emit("        twin = cls.__new__(cls)")
        self.emit("        twin._async = inner")
        self.emit("        return twin")
        for method, (node, owner) in sorted(methods.items()):
            if method in SKIP or method == "__init__":
                continue
            if method.startswith("_") and method not in ("__aenter__", "__aexit__", "__aiter__"):
                continue
            self.method(name, node, owner)
        self.emit("")
        self.emit("")

    def method(self, twin: str, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: type) -> None:
        module = owner.__module__
        self.need(_text(node.args) + " " + _returns(node), module)
        params = self.qualify(_text(node.args), module)
        returns = self.qualify(_returns(node), module)
        doc = ast.get_docstring(node) or ""
        decorators = _decorators(node)
        forward = _call_args(node.args)
        self.emit("")
        if node.name == "__aenter__":
            self.emit(f"    def __enter__(self) -> {twin}:")
            self.emit('        """Enter the async context manager (in one task on the loop)."""')
            self.emit("        self._context = enter(self._async)")
            self.emit("        return self")
            return
        if node.name == "__aexit__":
            self.emit("    def __exit__(self, *exc: Any) -> None:")
            self.emit('        """Leave it, in the task that entered it."""')
            self.emit("        self._context.__exit__(*exc)")
            return
        if node.name == "__aiter__":
            item = returns.removeprefix("AsyncIterator[")[:-1]
            self.emit(f"    def __iter__(self) -> Iterator[{item}]:")
            self.emit(
                '        """The async iteration as a generator (leaving it early closes it)."""'
            )
            self.emit("        return iterate(lambda: self._async.__aiter__())")
            return
        if "property" in decorators:
            self.emit("    @property")
            self.emit(f"    def {node.name}(self) -> {returns}:")
            self._doc(doc)
            inner = returns.removesuffix(" | None")
            if inner in TWINNED and inner != returns:  # an optional twinned object
                self.emit(f"        value = self._async.{node.name}")
                self.emit(f"        return None if value is None else {inner}._wrap(value)")
            elif inner in TWINNED:
                self.emit(f"        return {inner}._wrap(self._async.{node.name})")
            else:
                self.emit(f"        return self._async.{node.name}")
            return
        if "classmethod" in decorators:
            self.emit("    @classmethod")
            self.emit(f"    def {node.name}({params}) -> {twin}:")
            self._doc(doc)
            made = f"_{twin}.{node.name}({forward})"
            self.emit(f"        return cls._wrap(call(_make(lambda: {made})))")
            return
        if "staticmethod" in decorators:
            self.emit("    @staticmethod")
            self.emit(f"    def {node.name}({params}) -> {returns}:")
            self._doc(doc)
            self.emit(f"        return _{twin}.{node.name}({forward})")
            return
        target = f"self._async.{node.name}({forward})"
        if isinstance(node, ast.AsyncFunctionDef):
            if _is_generator(node) or returns.startswith("AsyncIterator["):
                item = returns.removeprefix("AsyncIterator[")[:-1]
                self.emit(f"    def {node.name}({params}) -> Iterator[{item}]:")
                self._doc(doc)
                self.emit(f"        return iterate(lambda: {target})")
                return
            self.emit(f"    def {node.name}({params}) -> {returns}:")
            self._doc(doc)
            if returns in TWINNED:
                self.emit(f"        return {returns}._wrap(call(lambda: {target}))")
            else:
                self.emit(f"        return call(lambda: {target})")
            return
        if returns in TWINNED:  # made on the loop: such objects may need a running one
            self.emit(f"    def {node.name}({params}) -> {returns}:")
            self._doc(doc)
            self.emit(f"        return {returns}._wrap(call(_make(lambda: {target})))")
            return
        self.emit(f"    def {node.name}({params}) -> {returns}:")
        self._doc(doc)
        self.emit(f"        return {target}")

    def _doc(self, doc: str) -> None:
        if not doc:
            self.emit('        """Blocking twin of the async method of the same name."""')
            return
        lines = doc.splitlines()
        self.emit(f'        """{lines[0]}')
        for line in lines[1:]:
            self.emit(f"        {line}".rstrip())
        self.emit('        """')

    def render(self) -> str:
        head = [
            '"""Blocking twins of the async classes: GENERATED by ``tools/gen_sync.py``; do not',
            'edit (CI fails when this file is stale). See :mod:`medianest_sdk.sync`."""',
            "",
            "# ruff: noqa: E501",
            "",
            "from __future__ import annotations",
            "",
            "from collections.abc import (",
            "    AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence,",
            ")",
            "from types import TracebackType",
            "from typing import Any, Literal, Self, TypeVar, Unpack",
            "",
        ]
        for module in sorted(self.imports):
            for entry in sorted(self.imports[module]):
                head.append(f"from {module} import {entry}")
        for module, name in TWINS:
            head.append(f"from {module} import {name} as _{name}")
        head += [
            "from medianest_sdk.sync.runtime import Twin, call, enter, iterate, unwrap, unwrap_any",
            "",
            f"__all__ = {sorted(TWINNED)!r}",
            "",
            'T = TypeVar("T")',
            "",
            "",
            "def _make(factory: Callable[[], T]) -> Callable[[], Awaitable[T]]:",
            '    """Build an async object on the loop (some need a running loop to be made)."""',
            "",
            "    async def make() -> T:",
            "        return factory()",
            "",
            "    return make",
            "",
            "",
        ]
        return "\n".join(head + self.lines).rstrip() + "\n"


def generate() -> str:
    gen = Generator()
    homes: dict[str, set[str]] = {}
    for module, name in TWINS:
        cls = getattr(importlib.import_module(module), name)
        for node, owner in _methods(cls).values():
            gen.homes(_text(node.args) + " " + _returns(node), owner.__module__, homes)
    gen.prepare(homes)
    for module, name in TWINS:
        gen.twin(module, name)
    text = gen.render()
    import subprocess

    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(OUT), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fixed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--fix",
            "--exit-zero",
            "--quiet",
            "--stdin-filename",
            str(OUT),
            "-",
        ],
        input=formatted,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(OUT), "-"],
        input=fixed,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    text = generate()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python tools/gen_sync.py")
            sys.exit(1)
        print(f"{OUT.relative_to(ROOT)} is up to date")
        return
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
