"""examples/webhook_receiver.py served by a real ASGI server (uvicorn) on loopback."""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn

import medianest_sdk as mn

from .recorded import DATA
from .test_webhooks import KUMA_BODY, OVERSEERR_BODY, PLEX_PAYLOAD, plex_multipart

EXAMPLE = Path(__file__).parent.parent / "examples" / "webhook_receiver.py"
SECRETS = {
    "github": "gh-secret",
    "standard": "whsec_c3RhbmRhcmQtd2ViaG9va3MtdGVzdC1rZXk=",
    "overseerr": "Bearer overseerr-secret",
    "uptime-kuma": "kuma-secret",
    "plex": "plex-token",
}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["webhook_receiver"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[tuple[str, object]]]]:
    module = _load()
    events: list[tuple[str, object]] = []

    async def record(source: str, event: object) -> None:
        events.append((source, event))

    app = module.create_app(record, secrets=SECRETS, limit="12/15 minutes")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", events
    server.should_exit = True
    thread.join(timeout=10)


def post(url: str, body: bytes, headers: dict[str, str], **kw: Any) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers, timeout=5, **kw)


def test_every_source_verifies_and_parses(receiver: tuple[str, list[tuple[str, object]]]) -> None:
    base, events = receiver
    github = mn.WebhookVerifier.github(SECRETS["github"])
    body = (DATA / "webhooks" / "github" / "release.json").read_bytes()
    headers = {**github.sign(body, id="d-1"), "X-GitHub-Event": "release"}
    assert post(f"{base}/github", body, headers).status_code == 204
    # the same delivery again is a replay
    replay = post(f"{base}/github", body, headers)
    assert replay.status_code == 401
    assert replay.json() == {"error": "replayed"}

    standard = mn.WebhookVerifier.standard(SECRETS["standard"])
    body = b'{"type":"invoice.paid"}'
    assert post(f"{base}/standard", body, standard.sign(body, id="msg_1")).status_code == 204

    body = json.dumps(OVERSEERR_BODY).encode()
    auth = {"Authorization": SECRETS["overseerr"], "Content-Type": "application/json"}
    assert post(f"{base}/overseerr", body, auth).status_code == 204

    body = json.dumps(KUMA_BODY).encode()
    kuma = {"X-Webhook-Secret": SECRETS["uptime-kuma"], "Content-Type": "application/json"}
    assert post(f"{base}/uptime-kuma", body, kuma).status_code == 204

    body, content_type = plex_multipart(PLEX_PAYLOAD, b"\xff\xd8jpeg\xff\xd9")
    plex = post(
        f"{base}/plex", body, {"Content-Type": content_type}, params={"token": "plex-token"}
    )
    assert plex.status_code == 204

    sources = [s for s, _ in events]
    assert sources == ["github", "standard", "overseerr", "uptime-kuma", "plex"]
    assert isinstance(events[-1][1], mn.webhooks.PlexWebhook)


def test_refusals(receiver: tuple[str, list[tuple[str, object]]]) -> None:
    base, _ = receiver
    forged = post(f"{base}/github", b"{}", {"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert forged.json() == {"error": "bad_signature"}
    assert post(f"{base}/nope", b"{}", {}).status_code == 404
    assert post(f"{base}/plex", b"{}", {}, params={"token": "wrong"}).status_code == 401
    too_big = post(f"{base}/overseerr", b"x" * (1024 * 1024 + 1), {})
    assert too_big.status_code == 413
    # the per-IP limit (12 per 15 minutes in this test, shared by both tests) runs out
    statuses = [post(f"{base}/overseerr", b"{}", {}).status_code for _ in range(12)]
    assert 429 in statuses
    limited = post(f"{base}/overseerr", b"{}", {})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
