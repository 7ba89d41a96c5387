"""Responses recorded from real servers (``tests/data/recorded``), replayed through respx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = DATA / "recorded"
SPECS = DATA / "specs"


def recorded(service: str, name: str) -> httpx.Response:
    """The recorded response ``name`` of ``service`` as an ``httpx.Response``."""
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
    return sorted(p.stem for p in (FIXTURES / service).glob("*.body"))
