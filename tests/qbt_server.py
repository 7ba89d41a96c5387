"""Real qBittorrent-nox instances on loopback for the tests, that send nothing off the machine.

Each instance gets a temporary profile whose ``qBittorrent.conf`` accepts the legal notice,
binds the WebUI to 127.0.0.1 and the BitTorrent session to the ``lo`` interface at
127.0.0.1, and turns off DHT, PeX, local peer discovery, UPnP/NAT-PMP (port forwarding),
peer-country lookups (a GeoIP download) and automatically added trackers. Torrents made by
the tests have no trackers; peers are added by address. :func:`config_text` is asserted by
``test_qbittorrent_real.py``. Instances are stopped by pid.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import attrs
import pytest

USERNAME = "medianest"
PASSWORD = "correct horse battery staple"


def pbkdf2_password(password: str, salt: bytes) -> str:
    """qBittorrent's ``WebUI\\Password_PBKDF2`` value: PBKDF2-HMAC-SHA512, 100,000
    iterations, 64 bytes, as ``base64(salt):base64(key)`` (``src/base/utils/password.cpp``)."""
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000, 64)
    return f"{base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def config_text(
    *,
    webui_port: int,
    torrent_port: int,
    save_path: Path,
    auth: bool = True,
    max_auth_fails: int = 5,
    session_timeout: int = 3600,
    host_header_validation: bool = True,
) -> str:
    """The ``qBittorrent.conf`` of a test instance (Qt ``QSettings`` INI)."""
    password = pbkdf2_password(PASSWORD, b"medianest-tests!")
    return f"""[LegalNotice]
Accepted=true

[BitTorrent]
Session\\DHTEnabled=false
Session\\PeXEnabled=false
Session\\LSDEnabled=false
Session\\AddTrackersEnabled=false
Session\\AnnounceToAllTrackers=false
Session\\AnonymousModeEnabled=false
Session\\Port={torrent_port}
Session\\UseRandomPort=false
Session\\Interface=lo
Session\\InterfaceName=lo
Session\\InterfaceAddress=127.0.0.1
Session\\IgnoreLimitsOnLAN=true
Session\\QueueingSystemEnabled=false
Session\\DefaultSavePath={save_path}
Session\\TempPathEnabled=false

[Network]
PortForwardingEnabled=false

[Preferences]
Connection\\ResolvePeerCountries=false
General\\Locale=en
WebUI\\Enabled=true
WebUI\\Address=127.0.0.1
WebUI\\Port={webui_port}
WebUI\\UseUPnP=false
WebUI\\Username={USERNAME}
WebUI\\Password_PBKDF2="@ByteArray({password})"
WebUI\\LocalHostAuth={"true" if auth else "false"}
WebUI\\MaxAuthenticationFailCount={max_auth_fails}
WebUI\\BanDuration=3600
WebUI\\SessionTimeout={session_timeout}
WebUI\\CSRFProtection=true
WebUI\\HostHeaderValidation={"true" if host_header_validation else "false"}
WebUI\\ServerDomains=*
"""


def executable() -> str:
    """qbittorrent-nox's path; skips without it (fails in CI, where .ci/run installs it)."""
    exe = shutil.which("qbittorrent-nox")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("qbittorrent-nox is not on PATH; .ci/run installs Debian's package")
        pytest.skip("qbittorrent-nox is not on PATH (apt-get install qbittorrent-nox)")
    return exe


@attrs.define
class QBittorrentServer:
    """One qbittorrent-nox process with its own profile under ``root``."""

    root: Path
    auth: bool = True
    max_auth_fails: int = 5
    host_header_validation: bool = True
    webui_port: int = attrs.field(factory=free_port)
    torrent_port: int = attrs.field(factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.webui_port}"

    @property
    def save_path(self) -> Path:
        return self.root / "downloads"

    @property
    def config_path(self) -> Path:
        return self.root / "profile" / "qBittorrent" / "config" / "qBittorrent.conf"

    def start(self) -> None:
        exe = executable()
        self.save_path.mkdir(parents=True, exist_ok=True)
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            config_text(
                webui_port=self.webui_port,
                torrent_port=self.torrent_port,
                save_path=self.save_path,
                auth=self.auth,
                max_auth_fails=self.max_auth_fails,
                host_header_validation=self.host_header_validation,
            )
        )
        log = (self.root / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [exe, f"--profile={self.root / 'profile'}", f"--webui-port={self.webui_port}"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(self.root), "QT_QPA_PLATFORM": "offscreen"},
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.webui_port)) == 0:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = (self.root / "stdout.log").read_text(errors="replace")[-2000:]
                self.stop()
                pytest.fail(f"qbittorrent-nox did not start on {self.webui_port}: {output}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM by pid, then SIGKILL after 15 s."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def restart(self) -> None:
        """Stop and start again on the same ports and profile: every session is gone."""
        self.stop()
        self.start()

    def __enter__(self) -> QBittorrentServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
