"""A custom adapter on ServiceClient in ten lines: a tiny "Sonarr" served by python -m http.server.

Run: ``python examples/custom_adapter.py``. The script writes a JSON file into a temporary
folder, serves it with ``python -m http.server`` on 127.0.0.1, and reads it back as typed
models through :class:`medianest_sdk.ServiceClient`, with errors mapped and the API key
redacted everywhere it could be logged.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import attrs

import medianest_sdk as mn


# --- the adapter: ten lines ---------------------------------------------------------------
@attrs.frozen
class Series:
    id: int
    title: str
    year: int


class Sonarr(mn.ServiceAdapter):
    def __init__(self, url: str, api_key: str) -> None:
        super().__init__(mn.ServiceClient("sonarr", url, headers={"X-Api-Key": mn.Secret(api_key)}))

    async def series(self) -> list[Series]:
        return await self.http.get_model("/series.json", list[Series])


# --- a local server to talk to -----------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_listening(port: int, deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"http.server did not start on port {port}")


async def main(url: str) -> None:
    async with Sonarr(url, api_key="demo-key") as sonarr:
        for show in await sonarr.series():
            print(f"{show.id:>3}  {show.title} ({show.year})")
        try:
            await sonarr.http.get_json("/missing.json")
        except mn.NotFoundError as exc:
            print(f"typed error: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "series.json").write_text(
            json.dumps(
                [
                    {"id": 1, "title": "The Expanse", "year": 2015, "monitored": True},
                    {"id": 2, "title": "Severance", "year": 2022, "monitored": True},
                ]
            )
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_listening(port)
            anyio.run(main, f"http://127.0.0.1:{port}")
        finally:
            server.terminate()
            server.wait(timeout=10)
