"""Sphinx configuration for medianest-sdk.

The build is nitpicky (every cross-reference must resolve) and runs offline: intersphinx
reads the small inventories in ``_inventories/`` (``tools/make_inventories.py``).
"""

from __future__ import annotations

import builtins
import re
from importlib.metadata import version as _version
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.ext import intersphinx

project = "medianest-sdk"
author = "medianest-sdk developers"
copyright = "2026, medianest-sdk developers"
release = _version("medianest-sdk")
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "_inventories"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = False  # "Attributes:" become attribute entries: indexed, linkable

intersphinx_mapping = {
    name: (url, f"_inventories/{name}.inv")
    for name, url in {
        "python": "https://docs.python.org/3/",
        "httpx": "https://www.python-httpx.org/",
        "httpx_ws": "https://frankie567.github.io/httpx-ws/",
        "limits": "https://limits.readthedocs.io/en/stable/",
        "attrs": "https://www.attrs.org/en/stable/",
        "anyio": "https://anyio.readthedocs.io/en/stable/",
    }.items()
}

nitpicky = True
nitpick_ignore_regex = [
    (r"py:(class|obj)", r"(.*\.)?(T|C|R|E|A|Target)"),  # type variables
    (r"py:.*", r"medianest_sdk\..*\._\w+"),  # private helpers named in signatures
]

html_theme = "furo"
html_title = "medianest-sdk"
html_static_path = ["_static"]
html_css_files = ["custom.css"]

_SECTION = re.compile(r"^(\s*)(Args|Arguments|Attributes|Parameters|Keyword Args|Yields):\s*$")
_SHARED = re.compile(r"^(\s+)(\*{0,2}\w+(?:, \*{0,2}\w+)+)( \([^)]*\))?: (.*)$")


def _split_shared_entries(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """``a, b, c: text`` in an Args or Attributes section becomes one entry per name
    (napoleon reads a comma list as one name with a type)."""
    out: list[str] = []
    section_indent: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        head = _SECTION.match(line)
        if head:
            section_indent = len(head.group(1))
            out.append(line)
            i += 1
            continue
        if (
            section_indent is not None
            and line.strip()
            and (len(line) - len(line.lstrip()) <= section_indent)
        ):
            section_indent = None
        shared = _SHARED.match(line) if section_indent is not None else None
        if shared is None:
            out.append(line)
            i += 1
            continue
        indent, names, kind, text = shared.groups()
        block = [text]
        i += 1
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
        ):
            if not lines[i].strip() and (
                i + 1 >= len(lines) or len(lines[i + 1]) - len(lines[i + 1].lstrip()) <= len(indent)
            ):
                break
            block.append(lines[i].strip())
            i += 1
        for one in names.split(", "):
            out.append(f"{indent}{one}{kind or ''}: {block[0]}")
            out += [f"{indent}    {more}" for more in block[1:]]
    lines[:] = out


def _skip_attrs_fields(
    app: Sphinx, what: str, name: str, obj: object, skip: bool, options: Any
) -> bool | None:
    """An attribute an "Attributes:" section describes is not listed again as a member (attrs
    fields, instance attributes); undescribed ones are still listed."""
    owner = _CURRENT_CLASS[0]
    if what not in ("class", "exception") or owner is None:
        return None
    plain = not callable(obj) and not isinstance(obj, property)
    if plain and name in _documented_attributes(owner):
        return True
    return None


_CURRENT_CLASS: list[type | None] = [None]
"""The class autodoc is documenting (its docstring is processed before its members)."""


def _remember_class(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    if what in ("class", "exception") and isinstance(obj, type):
        _CURRENT_CLASS[0] = obj


def _documented_attributes(cls: type) -> set[str]:
    """The names an "Attributes:" section of ``cls``'s docstring describes."""
    names: set[str] = set()
    lines = (cls.__doc__ or "").splitlines()
    section: int | None = None
    for line in lines:
        head = _SECTION.match(line)
        if head:
            section = len(head.group(1)) if head.group(2) == "Attributes" else None
            continue
        indent = len(line) - len(line.lstrip())
        if section is None or not line.strip():
            continue
        if indent <= section:
            section = None
        elif indent <= section + 4:
            entry = re.match(r"\s*([\w, ]+?)(?: \([^)]*\))?:", line)
            if entry:
                names.update(n.strip() for n in entry.group(1).split(","))
    return names


def _signature(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None] | None:
    """attrs factories show as ``NOTHING`` in signatures: show ``...`` instead."""
    if signature and "NOTHING" in signature:
        return signature.replace("NOTHING", "..."), return_annotation
    return None


_EXTERNAL = {
    "RateLimitItem": "limits.RateLimitItem",
    "Storage": "limits.storage.Storage",
    "Timeout": "httpx.Timeout",
    "Response": "httpx.Response",
}
"""Short names of other projects' types in our signatures and docstrings."""


def _unspecific_builtins(app: Sphinx, doctree: nodes.document) -> None:
    """A reference to a builtin (``type``, ``object``) must not fuzzy-match an attribute of
    the same name (``Metadata.type``): Sphinx searches ``*.type`` for references it marks
    specific, so the mark is dropped and the builtin is left to Python's own resolution."""
    for node in doctree.findall(pending_xref):
        if node.get("refdomain") == "py" and hasattr(builtins, node.get("reftarget", "")):
            node.attributes.pop("refspecific", None)


def _resolve_short_names(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    """Resolve ``Clock`` or ``medianest_sdk.resilience._clock.Clock`` to the one documented
    object of that name, preferring its top-level path (``medianest_sdk.Clock``)."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    short = target.rsplit(".", 1)[-1]
    if target in _EXTERNAL:
        node["reftarget"] = _EXTERNAL[target]
        return intersphinx.missing_reference(app, env, node, contnode)
    domain = env.get_domain("py")
    objects = domain.objects  # type: ignore[attr-defined]
    tail = target.split(".", 1)[1] if target.startswith("medianest_sdk.") else target
    candidates = [
        f"medianest_sdk.{tail}",
        f"medianest_sdk.{short}",
        *sorted(n for n in objects if n.endswith("." + tail)),
        *sorted(n for n in objects if n.endswith("." + short)),
    ]
    for full in candidates:
        if full in objects:
            return domain.resolve_xref(  # type: ignore[no-any-return]
                env, node.get("refdoc", ""), app.builder, "obj", full, node, contnode
            )
    return None


def setup(app: Sphinx) -> None:
    app.connect("autodoc-process-docstring", _split_shared_entries, priority=400)
    app.connect("autodoc-process-docstring", _remember_class)
    app.connect("autodoc-skip-member", _skip_attrs_fields)
    app.connect("autodoc-process-signature", _signature)
    app.connect("missing-reference", _resolve_short_names)
    app.connect("doctree-read", _unspecific_builtins)
