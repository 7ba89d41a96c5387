"""Overseerr and Seerr as they really behave: sync that sees every change, issues, users,
notifications, media management, Seerr's blocklist; checked against both specs and the
responses recorded from real servers (tests/data/recorded/seerr-3.1 and overseerr)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

import medianest_sdk as mn
from medianest_sdk.overseerr import OverseerrAdapter
from medianest_sdk.overseerr.models import (
    BlocklistPage,
    Issue,
    IssueCounts,
    IssuePage,
    IssueStatus,
    IssueType,
    MediaPage,
    RequestPage,
    RequestStatus,
    User,
    UserPage,
)
from medianest_sdk.overseerr.sync import RequestCursor

from .openapi_contract import load_spec, validate
from .recorded import SPECS, fixture_names, recorded, recorded_json
from .twins import either
from .twins import fixture as twins_fixture

api = twins_fixture()

BASE = "http://seerr.test:5055"
API = f"{BASE}/api/v1"
KEY = "seerr-key"
SEERR, OVERSEERR = "seerr-3.1", "overseerr"


def adapter(**kw: Any) -> OverseerrAdapter:
    return either(OverseerrAdapter, BASE, KEY, **kw)


def flavour(respx_mock: respx.MockRouter, source: str) -> None:
    respx_mock.get(f"{API}/status").mock(return_value=recorded(source, "status"))


# -- every recorded Seerr response structures ----------------------------------------------

MODELS: dict[str, type[Any]] = {
    "issue_": Issue,
    "request_list": RequestPage,
    "media_list": MediaPage,
    "user_list": UserPage,
    "auth_me": User,
}


def test_every_recorded_seerr_response_structures() -> None:
    checked = 0
    for name in fixture_names(SEERR):
        response = recorded(SEERR, name)
        if response.status_code >= 400 or not response.content:
            continue
        data = response.json()
        model = next((m for prefix, m in MODELS.items() if name.startswith(prefix)), None)
        if data is None or model is None or not isinstance(data, dict):
            continue
        if model is Issue and "issueType" not in data:
            model = IssuePage if "pageInfo" in data else IssueCounts
        mn.decoding.decode(data, model, service="seerr", endpoint=name)
        checked += 1
    assert checked >= 30


def test_fields_the_servers_send_are_kept() -> None:
    page = mn.decoding.decode(
        recorded_json(SEERR, "request_list"), RequestPage, service="s", endpoint="e"
    )
    first = page.results[0]
    assert first.can_remove is not None and first.season_count is not None
    media = mn.decoding.decode(
        recorded_json(SEERR, "media_list"), MediaPage, service="s", endpoint="e"
    )
    assert any(m.service_id is not None or m.download_status == [] for m in media.results)
    users = mn.decoding.decode(
        recorded_json(SEERR, "user_list"), UserPage, service="s", endpoint="e"
    )
    assert all(hasattr(u, "jellyfin_username") for u in users.results)


# -- a stateful fake for the sync --------------------------------------------------------


class FakeServer:
    """Requests as a server keeps them; Seerr's quirk: status changes leave updatedAt."""

    def __init__(self, version: str, moves_updated_at: bool) -> None:
        self.version = version
        self.moves = moves_updated_at
        self.items: dict[int, dict[str, Any]] = {}
        stamp = "2026-11-21T10:00:00.000Z"
        for n in range(1, 8):
            self.items[n] = {
                "id": n,
                "status": 1,
                "type": "movie",
                "media": {"id": n, "status": 2, "status4k": 1},
                "createdAt": stamp,
                "updatedAt": stamp,
            }

    def change(self, n: int, status: int, when: str) -> None:
        self.items[n]["status"] = status
        if self.moves:
            self.items[n]["updatedAt"] = when

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json={"version": self.version})
        rows = sorted(self.items.values(), key=lambda r: (r["updatedAt"], r["id"]), reverse=True)
        take, skip = int(request.url.params["take"]), int(request.url.params["skip"])
        info = {"page": 1, "pages": 1, "pageSize": take, "results": len(rows)}
        return httpx.Response(200, json={"pageInfo": info, "results": rows[skip : skip + take]})


async def _sync(server: FakeServer, cursor: RequestCursor | None) -> Any:
    client = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
    async with adapter(http_client=client) as seerr:
        return await seerr.sync_requests(cursor, page_size=3)


async def test_sync_sees_status_changes_on_seerr_whose_timestamps_do_not_move() -> None:
    server = FakeServer("3.1.0", moves_updated_at=False)
    first = await _sync(server, None)
    assert [c.kind for c in first.changes] == ["new"] * 7
    server.change(2, 2, "never written")  # approve: Seerr leaves updatedAt as it was
    del server.items[5]
    cursor = RequestCursor.from_json(first.cursor.to_json())  # survives a restart
    second = await _sync(server, cursor)
    kinds = {(c.kind, c.request_id) for c in second.changes}
    assert kinds == {("changed", 2), ("removed", 5)}
    assert (await _sync(server, second.cursor)).changes == []


async def test_sync_sees_a_change_in_the_same_second_on_overseerr() -> None:
    server = FakeServer("develop-local", moves_updated_at=True)
    first = await _sync(server, None)
    synced = first.cursor.synced_at
    assert synced is not None
    # a change stamped in the very second of the last sync (whole-second timestamps)
    same_second = synced.replace(microsecond=0).isoformat().replace("+00:00", ".000Z")
    server.change(3, 3, same_second)
    second = await _sync(server, first.cursor)
    assert [(c.kind, c.request_id) for c in second.changes] == [("changed", 3)]
    assert second.changes[0].request is not None
    assert second.changes[0].request.status is RequestStatus.DECLINED


def test_cursor_json_is_checked() -> None:
    with pytest.raises(ValueError, match="not a request cursor"):
        RequestCursor.from_json('{"seen": 3}')
    with pytest.raises(ValueError, match="not a request cursor"):
        RequestCursor.from_json("[" * 100_000)


# -- validation and what each server honours -----------------------------------------------


@pytest.mark.parametrize("call", ["media", "users", "requests", "issues"])
async def test_page_arguments_are_validated(call: str) -> None:
    async with adapter() as s:
        for bad in ({"take": 0}, {"take": -1}, {"take": 101}, {"skip": -1}):
            with pytest.raises(ValueError, match=r"take|skip"):
                await getattr(s, call)(**bad)


async def test_media_filter_no_server_honours_is_refused() -> None:
    async with adapter() as s:
        with pytest.raises(ValueError, match="deleted"):
            await s.media(filter="deleted")  # type: ignore[arg-type]


async def test_request_filters_seerr_has_and_overseerr_refuses(
    respx_mock: respx.MockRouter,
) -> None:
    flavour(respx_mock, OVERSEERR)
    async with adapter() as s:
        with pytest.raises(mn.UnsupportedByServerError, match="Seerr"):
            await s.requests(filter="completed")
    respx_mock.get(f"{API}/status").mock(return_value=recorded(SEERR, "status"))
    respx_mock.get(f"{API}/request").mock(
        return_value=recorded(SEERR, "request_list_filter_completed")
    )
    async with adapter() as s:
        page = await s.requests(filter="completed")
    assert {r.id for r in page.results} == {1, 25}


async def test_approve_returns_the_request_as_it_is_after(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(f"{API}/request/2/approve").mock(
        return_value=recorded(SEERR, "request_approve_2")
    )
    respx_mock.get(f"{API}/request/2").mock(return_value=recorded(SEERR, "request_2_after_approve"))
    async with adapter() as s:
        approved = await s.approve_request(2)
    assert approved.status is RequestStatus.APPROVED
    assert approved.media is not None and int(approved.media.status) == 3  # processing


async def test_retry_refuses_anything_but_a_failed_request(respx_mock: respx.MockRouter) -> None:
    declined = {**recorded_json(SEERR, "request_14_after_decline")}
    respx_mock.get(f"{API}/request/14").respond(json=declined)
    retry = respx_mock.post(f"{API}/request/14/retry").respond(json=declined)
    async with adapter() as s:
        with pytest.raises(ValueError, match="declined, not failed"):
            await s.retry_request(14)
    assert retry.call_count == 0


async def test_tmdb_outage_is_typed_and_never_retried(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{API}/movie/603").mock(return_value=recorded(SEERR, "movie_details"))
    create = respx_mock.post(f"{API}/request").mock(
        return_value=recorded(SEERR, "request_create_movie")
    )
    pipeline = mn.ResiliencePipeline(retry=mn.RetryPolicy(attempts=3, wait_initial=0))
    async with adapter(pipeline=pipeline) as s:
        with pytest.raises(mn.UpstreamUnavailableError, match="TMDB"):
            await s.movie(603)
        with pytest.raises(mn.UpstreamUnavailableError, match="TMDB"):
            await s.create_request("movie", 603)
    assert route.call_count == 1 and create.call_count == 1


# -- issues, users, media, notifications, blocklist ----------------------------------------


async def test_issue_lifecycle_fits_both_specs(respx_mock: respx.MockRouter) -> None:
    routes = [
        respx_mock.get(f"{API}/issue").mock(return_value=recorded(SEERR, "issue_list")),
        respx_mock.get(f"{API}/issue/count").mock(return_value=recorded(SEERR, "issue_count")),
        respx_mock.get(f"{API}/issue/1").mock(return_value=recorded(SEERR, "issue_1")),
        respx_mock.get(f"{API}/issue/404").mock(return_value=recorded(SEERR, "issue_404")),
        respx_mock.post(f"{API}/issue").mock(return_value=recorded(SEERR, "issue_create_1")),
        respx_mock.post(f"{API}/issue/1/comment").mock(
            return_value=recorded(SEERR, "issue_comment_1")
        ),
        respx_mock.post(f"{API}/issue/1/resolved").mock(
            return_value=recorded(SEERR, "issue_resolved_1")
        ),
        respx_mock.post(f"{API}/issue/1/open").mock(return_value=recorded(SEERR, "issue_open_1")),
        respx_mock.delete(f"{API}/issue/2").mock(return_value=recorded(SEERR, "issue_delete_2")),
    ]
    async with adapter() as s:
        page = await s.issues(filter="all", take=10)
        assert page.results and page.results[0].comments
        assert (await s.issue_counts()).open == 2
        issue = await s.issue(1)
        assert issue.issue_type is IssueType.VIDEO and issue.comments[0].message.startswith("Video")
        with pytest.raises(mn.NotFoundError):
            await s.issue(404)  # the servers answer 500 "Issue not found."
        created = await s.create_issue(1, IssueType.VIDEO, "Video stutters at 00:42:10")
        assert created.id == 1
        assert len((await s.comment_issue(1, "Also at 01:10:00")).comments) == 2
        assert (await s.resolve_issue(1)).status is IssueStatus.RESOLVED
        assert (await s.reopen_issue(1)).status is IssueStatus.OPEN
        await s.delete_issue(2)
        with pytest.raises(ValueError, match="message"):
            await s.create_issue(1, IssueType.AUDIO, "  ")
    for spec_file in ("overseerr-api.yml", "seerr-api.yml"):
        spec = load_spec(SPECS / spec_file)
        for route in routes:
            for call in route.calls:
                validate(spec, call.request)


async def test_iter_users_reads_every_page(respx_mock: respx.MockRouter) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params["skip"])
        return (
            recorded(SEERR, f"user_list_take2_skip{skip}")
            if skip < 4
            else httpx.Response(
                200,
                json={
                    "pageInfo": {"page": 3, "pages": 2, "pageSize": 2, "results": 3},
                    "results": [],
                },
            )
        )

    route = respx_mock.get(f"{API}/user").mock(side_effect=page)
    async with adapter() as s:
        users = [u.id async for u in s.iter_users(page_size=2)]
    assert users == [1, 2, 3]
    assert [c.request.url.params["take"] for c in route.calls] == ["2", "2"]


async def test_media_status_and_delete(respx_mock: respx.MockRouter) -> None:
    status = respx_mock.post(f"{API}/media/2/available").mock(
        return_value=recorded(SEERR, "media_status_available_2")
    )
    delete = respx_mock.delete(f"{API}/media/5").mock(
        return_value=recorded(SEERR, "media_delete_5")
    )
    async with adapter() as s:
        media = await s.set_media_status(2, "available")
        assert int(media.status) == 5
        await s.delete_media(5)
    assert json.loads(status.calls.last.request.content) == {}  # a body: without one, 415
    assert delete.call_count == 1
    for spec_file in ("overseerr-api.yml", "seerr-api.yml"):
        validate(load_spec(SPECS / spec_file), status.calls.last.request)


async def test_webhook_settings_read_in_every_stored_form(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{API}/settings/notifications/webhook")
    for name in ("settings_notifications_webhook", "settings_notifications_webhook_after_post"):
        route.mock(return_value=recorded(SEERR, name))
        async with adapter() as s:
            settings = await s.webhook_settings()
        assert json.loads(settings.json_payload)["notification_type"] == "{{notification_type}}"
    post = respx_mock.post(f"{API}/settings/notifications/webhook").mock(
        return_value=recorded(SEERR, "settings_notifications_webhook_post")
    )
    async with adapter() as s:
        await s.set_webhook_settings(
            enabled=True, url="http://127.0.0.1:9/x", authorization=mn.Secret("Bearer s3cr3t")
        )
        with pytest.raises(ValueError, match="JSON"):
            await s.set_webhook_settings(enabled=True, url="http://x", json_payload="{nope")
    sent = json.loads(post.calls.last.request.content)
    assert sent["enabled"] is True and sent["options"]["webhookUrl"] == "http://127.0.0.1:9/x"
    assert sent["options"]["authHeader"] == "Bearer s3cr3t"
    json.loads(sent["options"]["jsonPayload"])  # JSON text, not base64 (that gives 500)


async def test_blocklist_where_the_server_has_one(respx_mock: respx.MockRouter) -> None:
    flavour(respx_mock, OVERSEERR)
    async with adapter() as s:
        with pytest.raises(mn.UnsupportedByServerError, match="blocklist"):
            await s.blocklist()
        with pytest.raises(mn.UnsupportedByServerError, match="watchlist"):
            await s.watchlist()
    respx_mock.get(f"{API}/status").mock(return_value=recorded(SEERR, "status"))
    respx_mock.get(f"{API}/blocklist").mock(return_value=recorded(SEERR, "blocklist_list"))
    add = respx_mock.post(f"{API}/blocklist").mock(
        side_effect=[recorded(SEERR, "blocklist_add"), recorded(SEERR, "blocklist_add_duplicate")]
    )
    respx_mock.delete(f"{API}/blocklist/299537").mock(
        return_value=recorded(SEERR, "blocklist_delete_299537")
    )
    respx_mock.delete(f"{API}/blocklist/1").mock(
        return_value=recorded(SEERR, "blocklist_delete_404")
    )
    async with adapter() as s:
        page = await s.blocklist()
        assert isinstance(page, BlocklistPage) and page.results[0].tmdb_id == 299537
        await s.add_to_blocklist(299537, "movie", title="Captain Marvel")
        await s.add_to_blocklist(299537, "movie")  # already there: not an error
        await s.remove_from_blocklist(299537)
        with pytest.raises(mn.NotFoundError):
            await s.remove_from_blocklist(1)
    validate(load_spec(SPECS / "seerr-api.yml"), add.calls.last.request)
