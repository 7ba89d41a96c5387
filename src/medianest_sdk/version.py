"""The installed version of medianest-sdk (a leaf: imports nothing of the package)."""

from __future__ import annotations

import functools

__all__ = ["sdk_version"]


@functools.cache
def sdk_version() -> str:
    """The version from the installed package metadata (PEP 566), e.g. ``"0.1.0"``, or
    ``"0.0.0+unknown"`` in a source tree that was never installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("medianest-sdk")
    except PackageNotFoundError:
        return "0.0.0+unknown"
