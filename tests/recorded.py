"""Responses recorded from real servers (../shared/fixtures), replayed through respx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = SHARED / "fixtures"
SPECS = SHARED / "specs"


def _need_shared() -> None:
    if not FIXTURES.is_dir():
        raise FileNotFoundError(
            f"recorded responses not found at {FIXTURES}: the project's shared/ folder "
            "(fixtures and specs) must sit beside the repository, as it does in CI"
        )


def recorded(service: str, name: str) -> httpx.Response:
    """The recorded response ``name`` of ``service`` as an ``httpx.Response``."""
    _need_shared()
    head = (FIXTURES / service / f"{name}.headers").read_text().splitlines()
    status = int(head[0].split()[1])
    headers = []
    for line in head[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            if key.lower() not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "keep-alive",
            ):
                headers.append((key.strip(), value.strip()))
    body = (FIXTURES / service / f"{name}.body").read_bytes()
    return httpx.Response(status, headers=headers, content=body)


def recorded_json(service: str, name: str) -> Any:
    """The parsed JSON body of a recorded response."""
    return json.loads((FIXTURES / service / f"{name}.body").read_bytes())


def fixture_names(service: str) -> list[str]:
    """Every recorded response of ``service``."""
    _need_shared()
    return sorted(p.stem for p in (FIXTURES / service).glob("*.body"))
