"""Cache keys hold everything that can change an answer; secrets never reach any text."""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medianest_sdk as mn

BASE = "http://svc.test:8080/api"


def sections(title: str) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"MediaContainer": {"Directory": [{"key": "1", "title": title, "type": "movie"}]}}
        return httpx.Response(200, json=body)

    return handler


async def test_same_token_on_two_servers_never_shares_an_answer() -> None:
    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    answers = []
    for host, title in (("http://plex-a.test:32400", "A"), ("http://plex-b.test:32400", "B")):
        client = httpx.AsyncClient(transport=httpx.MockTransport(sections(title)))
        async with mn.PlexAdapter(host, "same-token", pipeline=pipeline, http_client=client) as p:
            answers.append([s.title for s in await p.library_sections()])
        await client.aclose()
    assert answers == [["A"], ["B"]]


async def test_act_as_user_is_part_of_the_scope() -> None:
    def me(request: httpx.Request) -> httpx.Response:
        user = int(request.headers.get("X-API-User", "1"))
        return httpx.Response(
            200, json={"id": user, "email": f"u{user}@x.test", "permissions": 0, "userType": 2}
        )

    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    seen = []
    for user in (2, 3):
        client = httpx.AsyncClient(transport=httpx.MockTransport(me))
        async with mn.OverseerrAdapter(
            BASE, "key", act_as_user=user, pipeline=pipeline, http_client=client
        ) as seerr:
            seen.append((await seerr.me()).id)
        await client.aclose()
    assert seen == [2, 3]


def test_query_values_are_encoded_unambiguously() -> None:
    c = mn.ServiceClient("svc", BASE)
    assert c.cache_key("/s", {"q": "foo&sectionId=1"}) != c.cache_key(
        "/s", {"q": "foo", "sectionId": 1}
    )
    assert c.cache_key("/s", {"b": 2, "a": 1}) == c.cache_key("/s", {"a": 1, "b": 2})


def _wire(
    client: mn.ServiceClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> Any:
    """What identifies a request on the wire: path, query items (sorted by name, stable) and
    per-call headers."""
    url = httpx.URL(client.url(path), params=params)
    items = sorted(url.params.multi_items(), key=lambda kv: kv[0])
    return (url.raw_path.split(b"?")[0], items, sorted((k.lower(), v) for k, v in headers.items()))


paths = st.text(alphabet=string.ascii_letters + "/%?&=#;+ é", min_size=1, max_size=12)
query = st.dictionaries(
    st.text(alphabet=string.printable + "é", min_size=1, max_size=6),
    st.text(alphabet=string.printable + "é", max_size=8),
    max_size=3,
)
heads = st.dictionaries(
    st.sampled_from(["X-Plex-Container-Start", "X-Plex-Container-Size", "Accept"]),
    st.text(alphabet=string.digits + "abc", max_size=4),
    max_size=2,
)


@settings(max_examples=300, deadline=None)
@given(paths, query, heads, paths, query, heads)
def test_distinct_requests_never_share_a_key(
    p1: str, q1: dict[str, str], h1: dict[str, str], p2: str, q2: dict[str, str], h2: dict[str, str]
) -> None:
    c = mn.ServiceClient("svc", BASE, headers={"X-Plex-Token": mn.Secret("t0ken")})
    try:
        k1 = c.cache_key(p1, q1, headers=h1)
        k2 = c.cache_key(p2, q2, headers=h2)
    except mn.InvalidRequestError:
        return
    assert (k1 == k2) == (_wire(c, p1, q1, h1) == _wire(c, p2, q2, h2))
    assert "t0ken" not in k1


def test_scope_covers_url_headers_params_auth_and_secrets() -> None:
    def key(**kw: Any) -> str:
        base = kw.pop("base", BASE)
        return mn.ServiceClient("svc", base, **kw).cache_key("/x")

    variants = [
        key(),
        key(base="http://svc.test:8081/api"),
        key(base="http://svc.test:8080/api/v2"),
        key(headers={"X-API-User": "2"}),
        key(headers={"X-API-User": "3"}),
        key(params={"apikey": mn.Secret("a")}),
        key(auth=("user", "pw1")),
        key(auth=("user", "pw2")),
        key(secrets=[mn.Secret("s")]),
    ]
    assert len(set(variants)) == len(variants)
    assert all("pw1" not in k and "pw2" not in k for k in variants)


# -- redaction through every adapter ---------------------------------------------------------

hostile_tokens = st.builds(
    lambda body: f"tok-{body}",
    st.text(
        alphabet=st.sampled_from([*list("/?#&=+%@:;, \"\\'<>"), "é", "ß", "☃", "\t", "\x7f"])
        | st.sampled_from(string.ascii_letters),
        min_size=2,
        max_size=16,
    ),
)


def reflect(request: httpx.Request) -> httpx.Response:
    """A server that echoes everything it got: URL, headers, path, in the body, the reason
    phrase and the request id."""
    echo = {"url": str(request.url), "path": request.url.raw_path.decode(), **request.headers}
    header_values = " ".join(request.headers.values())
    reason = f"{request.url.raw_path.decode()} {header_values}".encode("ascii", "replace")
    return httpx.Response(
        403,
        json={"message": json.dumps(echo)},
        headers={"X-Request-Id": request.url.raw_path.decode() + header_values[:100]},
        extensions={"reason_phrase": reason[:500]},
    )


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logs() -> Iterator[Capture]:
    handler = Capture()
    loggers = [logging.getLogger("httpx"), logging.getLogger("medianest_sdk")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    yield handler
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


async def _through_adapters(token: str) -> list[str]:
    """Every text a user could see when ``token`` is a credential of each adapter."""
    texts: list[str] = []
    hooks = mn.EventHooks()
    hooks.register(lambda e: texts.append(repr(e)))

    def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(reflect))

    calls: list[tuple[Callable[[], Any], Callable[[Any], Awaitable[object]]]] = [
        (
            lambda: mn.PlexAdapter(BASE, token, http_client=client(), hooks=hooks),
            lambda a: a.library_sections(),
        ),
        (
            lambda: mn.OverseerrAdapter(BASE, token, http_client=client(), hooks=hooks),
            lambda a: a.me(),
        ),
        (
            lambda: mn.UptimeKumaAdapter(BASE, api_key=token, http_client=client(), hooks=hooks),
            lambda a: a.metrics(),
        ),
    ]
    for make, call in calls:
        try:
            adapter = make()
        except mn.InvalidRequestError as exc:  # a token that cannot go in a header
            texts += [str(exc), repr(exc)]
            continue
        texts.append(repr(adapter))
        async with adapter:
            with pytest.raises(mn.MediaNestError) as info:
                await call(adapter)
            texts += _error_texts(info.value)
            texts.append(repr(await adapter.health()))
    async with mn.UptimeKumaAdapter(BASE, http_client=client(), hooks=hooks) as kuma:
        with pytest.raises(mn.MediaNestError) as info:
            await kuma.push(token)
        texts += _error_texts(info.value)
    return texts


def forms(token: str) -> set[str]:
    """The token as text may carry it: raw, percent-encoded the ways URLs do, JSON-escaped
    (written out here, independently of the library's own list)."""
    out = {token, quote(token, safe=""), quote(token), quote_plus(token)}
    out.add(quote(token, safe="!$&'()*+,;=:@/"))
    out.add(quote(token, safe="!$&'()*+,;=:@/?"))
    out.add(json.dumps(token)[1:-1])
    out.add(json.dumps(token, ensure_ascii=False)[1:-1])
    return out


def _error_texts(exc: mn.MediaNestError) -> list[str]:
    return [str(exc), repr(exc), *(str(v) for v in vars(exc).values())]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=hostile_tokens)
def test_hostile_tokens_never_reach_a_message_log_or_event(
    logs: Capture, backend: str, token: str
) -> None:
    logs.lines.clear()
    texts = anyio.run(_through_adapters, token, backend=backend)
    texts += logs.lines
    assert logs.lines  # httpx's own request lines were produced and checked
    for form in forms(token):
        for text in texts:
            assert form not in text, (form, text)
