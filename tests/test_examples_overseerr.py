"""examples/overseerr_request_sync.py against a loopback Seerr replaying recorded responses:
it sees a change Seerr's timestamps do not show, and goes on across restarts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .recorded import recorded, recorded_json
from .servers import LoopbackServer, Reply, RequestSeen

EXAMPLE = Path(__file__).parent.parent / "examples" / "overseerr_request_sync.py"


def run(loopback: LoopbackServer, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OVERSEERR_URL": loopback.url, "OVERSEERR_API_KEY": "key"}
    return subprocess.run(
        [sys.executable, str(EXAMPLE), "--state", str(state), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sync_sees_every_change_and_survives_restarts(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    page = recorded_json("seerr-3.1", "request_list")
    page["pageInfo"]["results"] = len(page["results"])

    def requests(seen: RequestSeen) -> Reply:
        return Reply.json(page)

    loopback.routes["GET /api/v1/status"] = Reply(200, recorded("seerr-3.1", "status").content)
    loopback.routes["GET /api/v1/request/count"] = Reply(
        200, recorded("seerr-3.1", "request_count").content
    )
    loopback.routes["GET /api/v1/request"] = requests
    state = tmp_path / "cursor.json"
    first = run(loopback, state, "--rounds", "2", "--interval", "0")
    assert first.returncode == 0, first.stderr
    known = len(page["results"])
    assert f"round 1: {known} changed, {known} known" in first.stdout
    assert f"round 2: 0 changed, {known} known" in first.stdout
    assert "(seerr)" in first.stdout
    # approve a pending request the way Seerr does: the status moves, updatedAt does not
    pending = next(r for r in page["results"] if r["status"] == 1)
    pending["status"] = 2
    second = run(loopback, state)  # a new process: the cursor comes from the file
    assert second.returncode == 0, second.stderr
    assert f"request {pending['id']} " in second.stdout and "changed, APPROVED" in second.stdout
    assert f"round 1: 1 changed, {known} known" in second.stdout
    assert json.loads(state.read_text())["version"] == 1
    assert all(s.headers["X-Api-Key"] == "key" for s in loopback.seen)


def test_auth_failure_is_one_line(loopback: LoopbackServer, tmp_path: Path) -> None:
    response = recorded("overseerr", "request_list_noauth")
    loopback.routes["GET /api/v1/request/count"] = Reply(401, response.content)
    out = run(loopback, tmp_path / "state.json")
    assert out.returncode == 1
    assert out.stderr.strip().startswith("error: overseerr: GET")
    assert "401" in out.stderr
