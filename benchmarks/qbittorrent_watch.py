"""Watching 1,000 torrents on a real qbittorrent-nox: ``QBittorrentAdapter.watch()`` (the
``sync/maindata`` rid deltas) vs polling ``torrents/info`` as most scripts do.

Each side polls once a second for ``seconds`` against the same instance (1,000 magnet torrents
with random hashes: they stay fetching metadata, and qBittorrent updates their activity
fields every second, so the deltas are never empty). Bytes are counted on the wire by a
loopback TCP proxy in front of the instance (both directions, headers included); CPU is the
client's thread time (qBittorrent and the proxy run elsewhere). Sides:

- ``watch()``: ours, typed changes and the decoded state;
- raw httpx ``sync/maindata`` + ``json()``: the floor of the same protocol;
- qbittorrent-api ``torrents_info()``: the strongest peer (when installed);
- raw httpx ``torrents/info`` + ``json()``: the floor of polling.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx

import medianest_sdk as mn

TORRENTS = 1000


class CountingProxy:
    """127.0.0.1:<port> -> ``target``, counting bytes each way."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.down = 0
        self.up = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.down = self.up = 0

    def close(self) -> None:
        self._stop = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client, "down"), daemon=True
            ).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, way: str) -> None:
        try:
            while chunk := src.recv(65536):
                with self._lock:
                    if way == "up":
                        self.up += len(chunk)
                    else:
                        self.down += len(chunk)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


async def _fill(url: str, user: str, password: str) -> None:
    async with mn.QBittorrentAdapter(url, username=user, password=password) as qbt:
        for _ in range(TORRENTS):
            await qbt.add(f"magnet:?xt=urn:btih:{os.urandom(20).hex()}", wait=0)
        with anyio.fail_after(120):
            while len(await qbt.torrents()) < TORRENTS:  # noqa: ASYNC110 - another process
                await anyio.sleep(0.2)


async def _run_side(
    proxy: CountingProxy, seconds: float, poll: Callable[[], Awaitable[int]]
) -> dict[str, float]:
    proxy.reset()
    requests = 0
    cpu = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.thread_time()
        requests += await poll()
        cpu += time.thread_time() - start
        await anyio.sleep(1.0)
    await anyio.sleep(0.2)  # let the proxy count the last bytes
    return {"requests": requests, "bytes_down": proxy.down, "bytes_up": proxy.up, "cpu_s": cpu}


async def measure(seconds: float) -> list[dict[str, Any]]:
    from tests.qbt_server import PASSWORD, USERNAME, QBittorrentServer

    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory() as root,
        QBittorrentServer(
            Path(root),
            host_header_validation=False,  # the proxy's port is not the server's
        ) as server,
    ):
        await _fill(server.url, USERNAME, PASSWORD)
        proxy = CountingProxy(("127.0.0.1", server.webui_port))
        url = f"http://127.0.0.1:{proxy.port}"
        results: dict[str, dict[str, float]] = {}

        async with mn.QBittorrentAdapter(url, username=USERNAME, password=PASSWORD) as qbt:
            await qbt.login()
            updates = qbt.watch(interval=0)

            async def ours() -> int:
                update = await updates.__anext__()
                assert len(update.torrents) == TORRENTS
                return 1

            results["QBittorrentAdapter.watch() (maindata deltas)"] = await _run_side(
                proxy, seconds, ours
            )
            await updates.aclose()  # type: ignore[attr-defined]

        async with httpx.AsyncClient(base_url=url) as raw:
            await raw.post("/api/v2/auth/login", data={"username": USERNAME, "password": PASSWORD})
            rid = 0

            async def floor_maindata() -> int:
                nonlocal rid
                data = (await raw.get("/api/v2/sync/maindata", params={"rid": rid})).json()
                rid = data["rid"]
                return 1

            results["raw httpx sync/maindata + json() (floor)"] = await _run_side(
                proxy, seconds, floor_maindata
            )

            async def floor_info() -> int:
                assert len((await raw.get("/api/v2/torrents/info")).json()) == TORRENTS
                return 1

            results["raw httpx torrents/info + json() (floor)"] = await _run_side(
                proxy, seconds, floor_info
            )

        if importlib.util.find_spec("qbittorrentapi") is not None:
            qbittorrentapi: Any = importlib.import_module("qbittorrentapi")  # a peer; bench-only
            client = qbittorrentapi.Client(
                host=url, username=USERNAME, password=PASSWORD, VERIFY_WEBUI_CERTIFICATE=False
            )
            client.auth_log_in()

            async def peer() -> int:
                assert len(client.torrents_info()) == TORRENTS
                return 1

            results["qbittorrent-api torrents_info()"] = await _run_side(proxy, seconds, peer)
            client.auth_log_out()
        proxy.close()

    polling = (
        results.get("qbittorrent-api torrents_info()")
        or results["raw httpx torrents/info + json() (floor)"]
    )
    maindata_floor = results["raw httpx sync/maindata + json() (floor)"]
    print(f"\nwatching {TORRENTS} torrents for {seconds:g} s, one poll a second")
    for side, r in results.items():
        ratio_bytes = r["bytes_down"] / polling["bytes_down"]
        ratio_cpu = r["cpu_s"] / polling["cpu_s"] if polling["cpu_s"] else float("nan")
        print(
            f"  {side:<48} {r['requests']:4.0f} req  {r['bytes_down'] / 1e6:8.2f} MB down  "
            f"{r['cpu_s'] * 1e3:8.1f} ms CPU   bytes x{ratio_bytes:.3f}  CPU x{ratio_cpu:.3f}"
        )
        rows.append(
            {
                "case": f"qbittorrent: watch {TORRENTS} torrents for {seconds:g} s",
                "side": side,
                "baseline": "polling torrents/info",
                **r,
                "bytes_ratio": ratio_bytes,
                "cpu_ratio": ratio_cpu,
                "cpu_vs_maindata_floor": r["cpu_s"] / maindata_floor["cpu_s"]
                if maindata_floor["cpu_s"]
                else float("nan"),
            }
        )
    return rows


def main(seconds: float = 60.0) -> list[dict[str, Any]]:
    if shutil.which("qbittorrent-nox") is None:
        print("\nqbittorrent: skipped (qbittorrent-nox is not installed)")
        return []
    rows: list[dict[str, Any]] = anyio.run(measure, seconds)
    return rows


if __name__ == "__main__":
    main(float(os.environ.get("SECONDS_PER_SIDE", "60")))
