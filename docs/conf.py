"""Sphinx configuration for medianest-sdk."""

from __future__ import annotations

from importlib.metadata import version as _version

project = "medianest-sdk"
author = "medianest-sdk developers"
copyright = "2026, medianest-sdk developers"
release = _version("medianest-sdk")
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True

nitpicky = False

html_theme = "furo"
html_title = "medianest-sdk"
