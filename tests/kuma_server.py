"""Real Uptime Kuma servers (2.5.3 and 1.23.17) on loopback, for the admin API tests.

They are built from source and started by the kit in ``../shared/servers/uptime-kuma``
(``kuma.sh``: npm build cached under the user's cache dir, a loopback guard refusing every
outbound connection). Without the kit (a plain clone) the tests skip with the reason; in CI
(``CI=true``) a missing kit or a failed build fails the run.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import anyio
import attrs
import pytest

import medianest_sdk as mn

KIT = Path(__file__).resolve().parents[2] / "shared" / "servers" / "uptime-kuma" / "kuma.sh"
VERSIONS = ("2.5.3", "1.23.17")
USERNAME = "admin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@attrs.define
class KumaServer:
    """One server: its URL, data dir, admin credentials and session token."""

    version: str
    url: str
    data_dir: Path
    password: str
    token: mn.Secret | None = None
    api_key: str | None = None

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def stop(self) -> None:
        """Stop the server (TERM to the pid in its data dir, KILL after 10 s)."""
        subprocess.run(["bash", str(KIT), "stop", str(self.data_dir)], capture_output=True)

    def start(self) -> None:
        """(Re)start it on the same port and data dir; waits until it answers."""
        port = self.url.rsplit(":", 1)[1]
        result = subprocess.run(
            ["bash", str(KIT), "start", self.version, port, str(self.data_dir)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.fail(f"kuma.sh start {self.version} failed:\n{result.stderr[-3000:]}")


def kit_or_skip() -> Path:
    if not KIT.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Uptime Kuma kit is missing at {KIT}")
        pytest.skip(f"real Uptime Kuma servers need the kit at {KIT} (absent in a plain clone)")
    return KIT


@pytest.fixture(scope="session")
def kuma_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, KumaServer]]:
    """Both versions, started once per session (in parallel), set up through
    :class:`UptimeKumaAdmin` (``setup`` then ``login``), stopped by pid at the end."""
    kit = kit_or_skip()
    servers: dict[str, KumaServer] = {}
    procs = []
    for version in VERSIONS:
        data = tmp_path_factory.mktemp(f"kuma-{version}")
        port = _free_port()
        password = f"Pw-{secrets.token_urlsafe(12)}!9"
        servers[version] = KumaServer(version, f"http://127.0.0.1:{port}", data, password)
        procs.append(
            subprocess.Popen(
                ["bash", str(kit), "start", version, str(port), str(data)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        for version, proc in zip(VERSIONS, procs, strict=True):
            _, err = proc.communicate(timeout=900)
            if proc.returncode != 0:
                pytest.fail(f"kuma.sh start {version} failed:\n{err[-3000:]}")

        async def first_run(server: KumaServer) -> None:
            async with mn.UptimeKumaAdmin(server.url) as kuma:
                assert await kuma.need_setup()
                await kuma.setup(USERNAME, server.password)
                assert not await kuma.need_setup()
                server.token = await kuma.login(USERNAME, server.password)
                assert kuma.version == server.version

        for server in servers.values():
            anyio.run(first_run, server)
        yield servers
    finally:
        for server in servers.values():
            server.stop()
