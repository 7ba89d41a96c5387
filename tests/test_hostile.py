"""ServiceClient against servers that misbehave: every failure typed, nothing hangs or leaks."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medianest_sdk as mn
from medianest_sdk import errors
from medianest_sdk.http import MAX_RETRY_AFTER

from .hostile_server import BEHAVIOURS, HostileServer
from .servers import LoopbackServer, Reply

EXPECTED: dict[str, type[Exception] | None] = {
    "ok": None,
    "drip": None,
    "bad_gzip": mn.DecodeError,
    "deep_json_200": mn.DecodeError,
    "deep_json_500": mn.ServerError,
    "not_json": mn.DecodeError,
    "garbage_status": mn.TransportError,
    "not_http": mn.TransportError,
    "empty": mn.TransportError,
    "truncated": mn.TransportError,
    "reset": mn.TransportError,
    "stall_head": mn.RequestTimeout,
    "stall_body": mn.RequestTimeout,
    "huge_header": mn.TransportError,
    "huge_body": mn.ResponseTooLargeError,
    "gzip_bomb": mn.ResponseTooLargeError,
    "retry_after_huge": mn.ServerError,
    "retry_after_junk": mn.RateLimitedError,
    "bad_charset": mn.ServerError,
    "redirect_elsewhere": mn.RedirectError,
    "redirect_loop": mn.RedirectError,
    "redirect_bad": mn.TransportError,  # httpx refuses the Location itself
}


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def test_every_behaviour_has_an_expectation() -> None:
    assert set(EXPECTED) == set(BEHAVIOURS)


async def _outcomes(url: str, behaviours: list[str]) -> dict[str, int]:
    counts = {"succeeded": 0, "typed": 0, "untyped": 0, "hung": 0, "wrong": 0}
    async with mn.ServiceClient(
        "hostile", url, timeout=0.5, max_response_bytes=64 * 1024
    ) as client:
        for name in behaviours:
            with anyio.move_on_after(5) as scope:
                try:
                    await client.get_json(f"/{name}")
                except mn.MediaNestError as exc:
                    counts["typed"] += 1
                    expected = EXPECTED[name]
                    if expected is None or type(exc) is not expected:
                        counts["wrong"] += 1
                    pickle.loads(pickle.dumps(exc))  # crosses a process boundary
                except Exception:
                    counts["untyped"] += 1
                else:
                    counts["succeeded"] += 1
                    if EXPECTED[name] is not None:
                        counts["wrong"] += 1
                report = await client.probe(f"/{name}")
                assert isinstance(report, mn.HealthReport)
            if scope.cancelled_caught:
                counts["hung"] += 1
    return counts


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(behaviours=st.lists(st.sampled_from(sorted(BEHAVIOURS)), min_size=1, max_size=6))
def test_hostile_servers_give_typed_failures_only(
    hostile: HostileServer, backend: str, behaviours: list[str]
) -> None:
    counts = anyio.run(_outcomes, hostile.url, behaviours, backend=backend)
    assert counts["untyped"] == 0
    assert counts["hung"] == 0
    assert counts["wrong"] == 0
    assert counts["succeeded"] + counts["typed"] == len(behaviours)


async def test_each_hostile_behaviour_maps_to_its_error(hostile: HostileServer) -> None:
    counts = await _outcomes(hostile.url, sorted(BEHAVIOURS))
    assert counts == {
        "succeeded": 2,
        "typed": len(BEHAVIOURS) - 2,
        "untyped": 0,
        "hung": 0,
        "wrong": 0,
    }


async def test_absurd_retry_after_is_capped_on_the_error(hostile: HostileServer) -> None:
    async with mn.ServiceClient("hostile", hostile.url, timeout=2) as client:
        with pytest.raises(mn.ServerError) as info:
            await client.get_json("/retry_after_huge")
        assert info.value.retry_after == MAX_RETRY_AFTER
        with pytest.raises(mn.RateLimitedError) as limited:
            await client.get_json("/retry_after_junk")
        assert limited.value.retry_after is None


# -- redirects -----------------------------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.mark.parametrize("borrowed", [False, True])
async def test_credentials_never_follow_a_redirect_to_another_origin(
    loopback: LoopbackServer, elsewhere: LoopbackServer, borrowed: bool
) -> None:
    elsewhere.routes["GET /steal"] = Reply.json({"stolen": True})
    loopback.routes["GET /moved"] = Reply(
        302, b"", {"Location": f"{elsewhere.url}/steal?token=abc"}
    )
    host_client = httpx.AsyncClient(follow_redirects=True) if borrowed else None
    try:
        async with mn.ServiceClient(
            "svc",
            loopback.url,
            headers={"X-Api-Key": mn.Secret("k3y-never-elsewhere")},
            http_client=host_client,
        ) as client:
            with pytest.raises(mn.RedirectError) as info:
                await client.get_json("/moved")
    finally:
        if host_client is not None:
            await host_client.aclose()
    assert elsewhere.seen == []  # the other origin never saw a request, let alone the key
    assert info.value.status == 302
    assert info.value.location == f"{elsewhere.url}/steal?token=***"
    assert "another origin" in str(info.value)
    assert not info.value.transient


async def test_same_origin_redirects_are_followed_with_credentials(
    loopback: LoopbackServer,
) -> None:
    loopback.routes["GET /old"] = Reply(301, b"", {"Location": "/new"})
    loopback.routes["POST /form"] = Reply(303, b"", {"Location": "/new"})
    loopback.routes["GET /new"] = Reply.json({"here": True})
    loopback.routes["PUT /keep"] = Reply(307, b"", {"Location": "/kept"})
    loopback.routes["PUT /kept"] = Reply.json({"kept": True})
    async with mn.ServiceClient(
        "svc", loopback.url, headers={"X-Api-Key": mn.Secret("k3y")}
    ) as client:
        assert await client.get_json("/old") == {"here": True}
        response = await client.request("POST", "/form", json={"a": 1})
        assert response.json() == {"here": True}
        assert (await client.request("PUT", "/keep", json={"b": 2})).json() == {"kept": True}
    by_path = {(s.method, s.path): s for s in loopback.seen}
    assert by_path[("GET", "/new")].headers["X-Api-Key"] == "k3y"
    assert by_path[("PUT", "/kept")].body == b'{"b":2}'  # 307 keeps method and body


async def test_an_owned_client_does_not_mistake_a_redirect_for_json(
    loopback: LoopbackServer,
) -> None:
    loopback.routes["GET /loop"] = Reply(302, b"", {"Location": "/loop"})
    async with mn.ServiceClient("svc", loopback.url, max_redirects=3) as client:
        with pytest.raises(mn.RedirectError, match="more than 3 redirects"):
            await client.get_json("/loop")
    assert len(loopback.seen) == 4


# -- what the request itself carries -----------------------------------------------------


@pytest.mark.parametrize("value", ["tok\r\nX-Evil: 1", "tök-\u00e9", "tok\0en"])
def test_a_header_value_that_cannot_be_sent_is_refused_without_showing_it(value: str) -> None:
    with pytest.raises(mn.InvalidRequestError) as info:
        mn.ServiceClient("svc", "http://127.0.0.1:9", headers={"X-Api-Key": mn.Secret(value)})
    assert value not in str(info.value) and value not in repr(info.value)
    assert isinstance(info.value, ValueError)


async def test_per_call_header_that_cannot_be_sent_is_typed() -> None:
    async with mn.ServiceClient("svc", "http://127.0.0.1:9") as client:
        with pytest.raises(mn.InvalidRequestError) as info:
            await client.request("GET", "/x", headers={"X-Token": "s3cr\u00e9t-value"})
    assert "s3cr" not in repr(info.value)


async def test_body_cap_with_a_declared_length(loopback: LoopbackServer) -> None:
    loopback.routes["GET /big"] = Reply.json(["x" * 1000] * 100)
    async with mn.ServiceClient("svc", loopback.url, max_response_bytes=10_000) as client:
        with pytest.raises(mn.ResponseTooLargeError) as info:
            await client.get_json("/big")
    assert info.value.limit == 10_000


# -- timeouts name their phase ---------------------------------------------------------


async def test_attempt_and_total_timeouts_are_told_apart(loopback: LoopbackServer) -> None:
    loopback.routes["GET /slow"] = Reply.json({}, delay=1.0)
    attempt = mn.ResiliencePipeline(attempt_timeout=0.1)
    total = mn.ResiliencePipeline(timeout=0.1)
    async with mn.ServiceClient("svc", loopback.url, pipeline=attempt) as client:
        with pytest.raises(mn.RequestTimeout) as a:
            await client.get_json("/slow")
    async with mn.ServiceClient("svc", loopback.url, pipeline=total) as client:
        with pytest.raises(mn.RequestTimeout) as t:
            await client.get_json("/slow")
    assert (a.value.phase, t.value.phase) == ("attempt", "total")
    assert "attempt timeout" in str(a.value) and "total timeout" in str(t.value)


async def test_pipeline_timeout_alone_is_a_typed_timeout_error() -> None:
    pipeline = mn.ResiliencePipeline(timeout=0.05)
    with pytest.raises(mn.PipelineTimeout) as info:
        await pipeline.execute(lambda: anyio.sleep(5))
    assert isinstance(info.value, TimeoutError)
    assert (info.value.phase, info.value.seconds) == ("total", 0.05)


# -- every exception pickles -------------------------------------------------------------


def _all_error_classes() -> list[type[errors.MediaNestError]]:
    found: list[type[errors.MediaNestError]] = []
    stack: list[type[errors.MediaNestError]] = [errors.MediaNestError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def _example(cls: type[errors.MediaNestError]) -> errors.MediaNestError:
    common = {"service": "svc", "method": "GET", "url": "http://h/x"}
    if issubclass(cls, errors.RedirectError):
        return cls("m", **common, status=302, location="http://e/")
    if issubclass(cls, errors.TorrentNotFoundError):
        return cls("m", **common, status=404, info_hash="ab" * 20)
    if issubclass(cls, errors.TorrentDownloadError):
        return cls("m", info_hash="ab" * 20, state="missingFiles")
    if issubclass(cls, errors.InvalidTorrentError):
        return cls("m", source="magnet")
    if issubclass(cls, errors.WaitTimeout):
        return cls("m", service="svc", waited=1.5, what="torrent ab completed")
    if issubclass(cls, errors.HTTPStatusError):
        return cls("m", **common, status=503, request_id="r", body_excerpt="b", retry_after=2.0)
    if issubclass(cls, errors.WebSocketClosed):
        return cls("m", service="svc", url="http://h/ws", code=1001)
    if issubclass(cls, errors.RequestTimeout):
        return cls("m", **common, phase="read")
    if issubclass(cls, errors.TransportError | errors.InvalidRequestError):
        return cls("m", **common)
    if issubclass(cls, errors.ResponseTooLargeError):
        return cls("m", **common, limit=10)
    if issubclass(cls, errors.PipelineTimeout):
        return cls("attempt", 1.5, service="svc")
    if issubclass(cls, errors.CircuitOpenError):
        return cls("m", breaker="b", retry_after=3.0)
    if issubclass(cls, errors.RateLimitExceeded):
        return cls("m", limit="1/second", key="k", retry_after=1.0)
    if issubclass(cls, errors.BulkheadFullError):
        return cls("m", max_concurrent=1, max_waiting=0)
    if issubclass(cls, errors.DecodeError):
        return cls("m", service="svc", endpoint="GET /x", field="$.a")
    if issubclass(cls, errors.WebhookVerificationError):
        return cls("m", reason=errors.WebhookFailure.REPLAYED)
    if issubclass(cls, errors.TokenVaultError | errors.SignInError):
        return cls("m", reason="expired")
    if issubclass(cls, errors.DownloadError):
        return cls("m", url="http://h/v")
    if issubclass(cls, errors.StoreUnavailableError):
        return cls("m", store="redis://h", operation="hit")
    if issubclass(cls, errors.ConfigError):
        return cls("m", key="PLEX_TOKEN")
    if issubclass(cls, errors.UnsupportedByServerError):
        return cls("m", feature="blocklist", service="overseerr")
    if issubclass(cls, errors.CallRejectedError):
        return cls("m", call="login", reason="authIncorrectCreds", service="uptime-kuma")
    if issubclass(cls, errors.StreamOverflowError):
        return cls("m", dropped=7, service="uptime-kuma")
    return cls("m", service="svc")


@pytest.mark.parametrize("cls", _all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_pickles(cls: type[errors.MediaNestError]) -> None:
    exc = _example(cls)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls
    assert str(back) == str(exc)
    assert vars(back) == vars(exc)
    assert (back.transient, back.retry_safe) == (exc.transient, exc.retry_safe)


def test_http_errors_cover_the_tree() -> None:
    names = {c.__name__ for c in _all_error_classes()}
    assert {"RedirectError", "ResponseTooLargeError", "InvalidRequestError"} <= names


def test_no_raw_exceptions_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert all(r.exc_info is None for r in caplog.records)


async def test_a_non_json_body_is_redacted_before_it_is_cut() -> None:
    token = "per-call-t0ken-" + "x" * 40

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<" * 100 + request.headers["X-Token"] + ">" * 10)

    async with mn.ServiceClient("svc", "http://svc.test", transport=httpx.MockTransport(echo)) as c:
        secret = mn.Secret(token)
        response = await c.request("GET", "/x", headers={"X-Token": token}, secrets=[secret])
        with pytest.raises(mn.DecodeError) as info:
            c.json_of(response, secrets=[secret])
    assert "per-call-t0" not in str(info.value)
    assert "***" in str(info.value)
