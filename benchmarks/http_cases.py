"""The cases that need a server, a subprocess or Redis: pipeline vs raw httpx, cache hits,
Plex vs python-plexapi, webhook verification, concurrency, import time, Redis."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import httpx

import medianest_sdk as mn

from .harness import Result, Side, report, run_case
from .server import bench_server, free_port

Rows = list[dict[str, Any]]
LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=10)


def full_pipeline(timeouts: bool = False, concurrent: int = 10) -> mn.ResiliencePipeline:
    return mn.ResiliencePipeline(
        cache=mn.MemoryCache(max_entries=100_000),
        retry=mn.RetryPolicy(attempts=3),
        breaker=mn.CircuitBreaker("bench"),
        limiter=mn.RateLimiter("1000000/second"),
        bulkhead=mn.Bulkhead(concurrent),
        timeout=10.0 if timeouts else None,
        attempt_timeout=5.0 if timeouts else None,
    )


async def pipeline_vs_raw(url: str, rounds: int) -> Rows:
    print("\n# 1. full pipeline around a real loopback GET vs raw httpx get + json()")
    print("# 2. a cache hit through an adapter call vs the same raw GET")
    print("# 1b. the same pipeline with instrument() attached (Prometheus; OpenTelemetry SDK)")
    counter = iter(range(10**9))
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from prometheus_client import CollectorRegistry

    prom_hooks, otel_hooks = mn.EventHooks(), mn.EventHooks()
    prom = mn.instrument(prom_hooks, prometheus_registry=CollectorRegistry())
    otel = mn.instrument(
        otel_hooks,
        tracer_provider=TracerProvider(),
        meter_provider=MeterProvider([InMemoryMetricReader()]),
    )
    async with (
        httpx.AsyncClient(limits=LIMITS) as raw,
        mn.ServiceClient("bench", url, pipeline=full_pipeline()) as ours,
        mn.ServiceClient("bench-t", url, pipeline=full_pipeline(True)) as ours_t,
        mn.ServiceClient("bench-p", url, pipeline=full_pipeline(), hooks=prom_hooks) as ours_p,
        mn.ServiceClient("bench-o", url, pipeline=full_pipeline(), hooks=otel_hooks) as ours_o,
        mn.PlexAdapter(
            url, "fake-plex-token", pipeline=mn.ResiliencePipeline(cache=mn.MemoryCache())
        ) as plex,
    ):
        await plex.library_sections()  # warm the cache

        async def raw_get() -> Any:
            response = await raw.get(f"{url}/json")
            return response.json()

        async def ours_get() -> Any:
            return await ours.get_json("/json", params={"n": next(counter)}, cache=True)

        async def ours_get_t() -> Any:
            return await ours_t.get_json("/json", params={"n": next(counter)}, cache=True)

        async def ours_get_p() -> Any:
            return await ours_p.get_json("/json", params={"n": next(counter)}, cache=True)

        async def ours_get_o() -> Any:
            return await ours_o.get_json("/json", params={"n": next(counter)}, cache=True)

        sides = [
            Side("raw httpx get + json()", raw_get),
            Side("pipeline: cache miss, retry, breaker, limiter, bulkhead", ours_get),
            Side("  + total and attempt timeouts", ours_get_t),
            Side("  + instrument(prometheus_registry=...)", ours_get_p),
            Side("  + instrument(OpenTelemetry SDK: spans, metrics)", ours_get_o),
            Side("PlexAdapter.library_sections() cache hit", plex.library_sections),
        ]
        results = await run_case("http", sides, rounds=max(31, rounds), iterations=50)
    prom.detach()
    otel.detach()
    return report(results, "raw httpx get + json()")


async def pipeline_on(url: str, rounds: int, backend: str) -> Rows:
    """The full pipeline (cache miss) vs raw httpx on ``backend``, 1 and 100 requests at a
    time (a call of the 100 side is 100 concurrent GETs through the same 10-connection pool)."""
    print(f"\n# 1c. the full pipeline vs raw httpx on {backend}, 1 and 100 at a time")
    counter = iter(range(10**9))
    async with (
        httpx.AsyncClient(limits=LIMITS) as raw,
        mn.ServiceClient("bench", url, pipeline=full_pipeline(concurrent=100)) as ours,
    ):

        async def raw_get() -> Any:
            response = await raw.get(f"{url}/json")
            return response.json()

        async def ours_get() -> Any:
            return await ours.get_json("/json", params={"n": next(counter)}, cache=True)

        def hundred(get: Callable[[], Coroutine[Any, Any, Any]]) -> Callable[[], Any]:
            async def burst() -> None:
                async with anyio.create_task_group() as tg:
                    for _ in range(100):
                        tg.start_soon(get)

            return burst

        one = [
            Side(f"raw httpx get + json() ({backend}, 1 at a time)", raw_get),
            Side(f"pipeline ({backend}, 1 at a time)", ours_get),
        ]
        many = [
            Side(f"raw httpx get + json() ({backend}, 100 at a time)", hundred(raw_get)),
            Side(f"pipeline ({backend}, 100 at a time)", hundred(ours_get)),
        ]
        rows = report(
            await run_case("http", one, rounds=max(15, rounds), iterations=50), one[0].name
        )
        rows += report(
            await run_case("http", many, rounds=max(7, rounds), iterations=2), many[0].name
        )
    return rows


async def plex_vs_plexapi(url: str, rounds: int) -> Rows:
    print("\n# 3. Plex scenarios: python-plexapi (sync, XML) vs PlexAdapter (async, JSON) vs raw")
    print("#    httpx GET + json() of the same requests as ours (the floor), same fake server")
    if importlib.util.find_spec("plexapi") is None:
        print("  python-plexapi not installed (nox -s bench installs it): skipped")
        return []
    plexapi_server: Any = importlib.import_module("plexapi.server")  # a peer; bench-only
    token = "fake-plex-token"
    queries = [f"movie {n:03d}" for n in range(50)]
    json_headers = {"Accept": "application/json", "X-Plex-Token": token}

    session = importlib.import_module("requests").Session()

    def plexapi_sections(server: Any) -> None:  # server info and sections, as ours
        fresh = plexapi_server.PlexServer(url, token, session=session)
        assert len(fresh.library.sections()) == 2

    def plexapi_items(server: Any) -> None:
        assert len(server.library.sections()[0].all(container_size=100)) == 2000

    def plexapi_search(server: Any) -> None:
        for query in queries:
            server.search(query, limit=10)

    def plexapi_history(server: Any) -> None:
        assert len(server.history()) == 1000

    async def ours_sections(plex: mn.PlexAdapter) -> None:
        await plex.server_info()
        assert len(await plex.library_sections()) == 2

    async def ours_items(plex: mn.PlexAdapter) -> None:
        items = [m async for m in plex.iter_section_items(1, page_size=100)]
        assert len(items) == 2000

    async def ours_search(plex: mn.PlexAdapter) -> None:
        for query in queries:
            await plex.search(query, limit=10)

    async def ours_history(plex: mn.PlexAdapter) -> None:
        assert len([e async for e in plex.history()]) == 1000

    async def raw_sections(raw: httpx.AsyncClient) -> None:
        (await raw.get(f"{url}/")).json()
        (await raw.get(f"{url}/library/sections/all")).json()

    async def raw_items(raw: httpx.AsyncClient) -> None:
        for start in range(0, 2000, 100):
            page = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": "100"}
            (await raw.get(f"{url}/library/sections/1/all", headers=page)).json()

    async def raw_search(raw: httpx.AsyncClient) -> None:
        for query in queries:
            (await raw.get(f"{url}/hubs/search", params={"query": query, "limit": 10})).json()

    async def raw_history(raw: httpx.AsyncClient) -> None:
        for start in range(0, 1000, 200):
            params: dict[str, str | int] = {
                "sort": "viewedAt:desc",
                "X-Plex-Container-Start": start,
                "X-Plex-Container-Size": 200,
            }
            (await raw.get(f"{url}/status/sessions/history/all", params=params)).json()

    scenarios = [
        ("sections", plexapi_sections, ours_sections, raw_sections),
        ("2,000 items paged", plexapi_items, ours_items, raw_items),
        ("50 searches", plexapi_search, ours_search, raw_search),
        ("history of 1,000", plexapi_history, ours_history, raw_history),
    ]
    rows: Rows = []
    server = await anyio.to_thread.run_sync(
        lambda: plexapi_server.PlexServer(url, token, session=session)
    )
    async with (
        mn.PlexAdapter(url, token) as plex,
        httpx.AsyncClient(headers=json_headers, limits=LIMITS) as raw,
    ):
        for name, theirs, ours, floor in scenarios:
            times: dict[str, list[float]] = {"python-plexapi": [], "PlexAdapter": [], "raw": []}
            # a few milliseconds a round: more rounds, or the machine's noise decides
            for n in range(rounds * 5 if name == "sections" else rounds):
                order = ["python-plexapi", "PlexAdapter", "raw"]
                for side in order[n % 3 :] + order[: n % 3]:
                    start = time.perf_counter()
                    if side == "python-plexapi":
                        await anyio.to_thread.run_sync(theirs, server)
                    elif side == "PlexAdapter":
                        await ours(plex)
                    else:
                        await floor(raw)
                    times[side].append((time.perf_counter() - start) * 1e6)
            print(f"  {name}:")
            results = [Result(f"plex: {name}", k, v) for k, v in times.items()]
            rows += report(results, "python-plexapi")
            rows += report([results[1], results[2]], "raw")
    return rows


async def plex_cache_hit(url: str, rounds: int) -> Rows:
    print("\n# 2b. A 100-item page: PlexAdapter cache hit vs the raw loopback GET + json()")
    headers = {"Accept": "application/json", "X-Plex-Token": "fake-plex-token"}
    page = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "100"}
    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    async with (
        httpx.AsyncClient(headers=headers, limits=LIMITS) as raw,
        mn.PlexAdapter(url, "fake-plex-token", pipeline=pipeline) as plex,
    ):
        await plex.section_items(1, size=100)

        async def raw_get() -> Any:
            return (await raw.get(f"{url}/library/sections/1/all", headers=page)).json()

        async def hit() -> Any:
            return await plex.section_items(1, size=100)

        sides = [
            Side("raw httpx GET + json() of a 100-item page", raw_get),
            Side("PlexAdapter.section_items(size=100) cache hit", hit),
        ]
        results = await run_case("plex cache", sides, rounds=rounds, iterations=50)
    return report(results, sides[0].name)


async def webhook_verify(rounds: int) -> Rows:
    print("\n# 6. GitHub webhook verify of a 64 KiB body vs bare hmac.new + compare_digest")
    body = os.urandom(64 * 1024)
    secret = "bench-webhook-secret"
    verifier = mn.WebhookVerifier.github(secret)
    headers = verifier.sign(body, id="d-1")
    header = headers["X-Hub-Signature-256"]
    key = secret.encode()

    def bare() -> bool:
        digest = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(digest.encode(), header.encode())

    async def ours() -> Any:
        return await verifier.verify(headers, body)

    sides = [Side("hmac.new + compare_digest", bare, False), Side("WebhookVerifier.verify", ours)]
    rows = report(await run_case("webhook", sides, rounds=rounds, iterations=500), sides[0].name)

    print("\n# 6b. 1 KiB deliveries, each new (replay protection has work to do)")
    # Both sides are what an async receiver runs for one delivery: its handler coroutine gets
    # the headers GitHub sends (a dict) and the body; the floor reads the signature header and
    # compares a fresh HMAC, ours awaits verify().
    pool = [os.urandom(1024) for _ in range(20_000)]
    plain = mn.WebhookVerifier.github(secret)
    replay = mn.WebhookVerifier.github(secret, cache=mn.MemoryCache(max_entries=100_000))
    deliveries = []
    for n, b in enumerate(pool):
        sent = plain.sign(b, id=f"0b6e1f00-8a1c-11ef-9a4c-{n:012d}")
        sent |= {
            "Accept": "*/*",
            "Content-Type": "application/json",
            "Content-Length": str(len(b)),
            "User-Agent": "GitHub-Hookshot/8a1c2f0",
            "X-GitHub-Event": "push",
            "X-GitHub-Hook-ID": "512345678",
            "X-GitHub-Hook-Installation-Target-ID": "812345678",
            "X-GitHub-Hook-Installation-Target-Type": "repository",
        }
        deliveries.append((sent, b))
    counters = {"bare": 0, "plain": 0, "replay": 0}

    def take(side: str) -> tuple[dict[str, str], bytes]:
        counters[side] += 1
        return deliveries[counters[side] % len(deliveries)]

    async def bare_small() -> bool:
        sent, b = take("bare")
        digest = "sha256=" + hmac.new(key, b, hashlib.sha256).hexdigest()
        return hmac.compare_digest(digest.encode(), sent["X-Hub-Signature-256"].encode())

    async def plain_small() -> Any:
        sent, b = take("plain")
        return await plain.verify(sent, b)

    async def replay_small() -> Any:
        sent, b = take("replay")
        return await replay.verify(sent, b)

    sides = [
        Side("hmac.new + compare_digest (1 KiB)", bare_small),
        Side("verify, no replay cache", plain_small),
        Side("verify with replay protection (MemoryCache)", replay_small),
    ]
    rows += report(
        await run_case("webhook-1k", sides, rounds=rounds, iterations=500), sides[0].name
    )
    return rows


async def concurrency(url: str, rounds: int) -> Rows:
    print("\n# 7. 1,000 concurrent GETs through a 10-connection pool (throughput; peak memory)")

    async def burst(get: Callable[[], Coroutine[Any, Any, None]]) -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(1000):
                tg.start_soon(get)

    times: dict[str, list[float]] = {"raw httpx": [], "ServiceClient": []}
    memory: dict[str, float] = {}
    slow_ok = httpx.Timeout(120.0)  # tracemalloc slows both sides; neither should time out
    async with (
        httpx.AsyncClient(limits=LIMITS, timeout=slow_ok) as raw,
        mn.ServiceClient("bench", url, timeout=slow_ok) as ours,
    ):

        async def raw_get() -> None:
            (await raw.get(f"{url}/json")).json()

        async def ours_get() -> None:
            await ours.get_json("/json")

        for _ in range(rounds):
            for name, get in (("raw httpx", raw_get), ("ServiceClient", ours_get)):
                start = time.perf_counter()
                await burst(get)
                times[name].append((time.perf_counter() - start) * 1e6 / 1000)
        for name, get in (("raw httpx", raw_get), ("ServiceClient", ours_get)):
            tracemalloc.start()
            await burst(get)
            memory[name] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
    rows = report([Result("concurrency", k, v) for k, v in times.items()], "raw httpx")
    for row in rows:
        row["peak_mb"] = memory[row["side"]]
        row["throughput_ratio"] = 1 / row["ratio"]
        print(
            f"  {row['side']:<46} peak memory {row['peak_mb']:.1f} MB (tracemalloc)   "
            f"throughput vs raw {row['throughput_ratio']:.2f}"
        )
    return rows


def import_time(rounds: int) -> Rows:
    print("\n# 9. import in a fresh interpreter (wall time minus `python -c pass`)")
    programs = {
        "python -c pass": "pass",
        "import httpx": "import httpx",
        "import medianest_sdk": "import medianest_sdk",
        "usable import: ServiceClient, ResiliencePipeline, RateLimiter, CircuitBreaker": (
            "import medianest_sdk as mn; mn.ServiceClient; mn.ResiliencePipeline; "
            "mn.RateLimiter; mn.CircuitBreaker"
        ),
        "import medianest_sdk + PlexAdapter, ResiliencePipeline": (
            "import medianest_sdk as mn; mn.PlexAdapter; mn.ResiliencePipeline"
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(max(rounds, 5)):
        for name, code in programs.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times[name].append((time.perf_counter() - start) * 1e6)
    base = statistics.median(times.pop("python -c pass"))
    net = [Result("import", k, [max(1.0, t - base) for t in v]) for k, v in times.items()]
    return report(net, "import httpx")


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A throwaway redis-server on a free loopback port, or ``None`` when there is none."""
    exe = shutil.which("redis-server")
    if exe is None or importlib.util.find_spec("redis") is None:
        yield None
        return
    import redis

    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def blocking_overhead(url: str, rounds: int) -> Rows:
    print("\n# 11. the blocking API: a twin's call vs the same async call awaited")
    from medianest_sdk import sync

    pipeline = mn.ResiliencePipeline(cache=mn.MemoryCache())
    ours = mn.ServiceClient("bench", url, pipeline=pipeline)
    twin = sync.ServiceClient("bench", url, pipeline=mn.ResiliencePipeline(cache=mn.MemoryCache()))
    await ours.get_json("/json", cache=True)
    twin.get_json("/json", cache=True)

    async def async_hit() -> Any:
        return await ours.get_json("/json", cache=True)

    def blocking_hit() -> Any:
        return twin.get_json("/json", cache=True)

    async def async_get() -> Any:
        return await ours.get_json("/json")

    def blocking_get() -> Any:
        return twin.get_json("/json")

    rows = report(
        await run_case(
            "sync-cache-hit",
            [
                Side("async get_json, cache hit", async_hit),
                Side("blocking twin", blocking_hit, False),
            ],
            rounds=rounds,
            iterations=300,
        ),
        "async get_json, cache hit",
    )
    rows += report(
        await run_case(
            "sync-loopback-get",
            [
                Side("async get_json, loopback GET", async_get),
                Side("blocking twin", blocking_get, False),
            ],
            rounds=rounds,
            iterations=100,
        ),
        "async get_json, loopback GET",
    )
    await ours.aclose()
    twin.aclose()
    return rows


async def redis_cases(rounds: int, url: str | None) -> Rows:
    print("\n# 10. Redis-backed cache and limiter vs the async Redis clients, same commands")
    print("#     (redis.asyncio and limits.aio: the baselines; the sync clients for reference)")
    if url is None:
        print("  redis-server or the redis package is missing: skipped")
        return []
    import redis
    import redis.asyncio
    from limits import parse
    from limits.aio.storage import RedisStorage as AsyncRedisStorage
    from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindow
    from limits.storage import RedisStorage
    from limits.strategies import MovingWindowRateLimiter

    client = redis.Redis.from_url(url)
    aclient = redis.asyncio.Redis.from_url(url)
    cache = mn.RedisCache(url)
    limiter = mn.RateLimiter("1000000/second", storage=url)
    raw_limiter = MovingWindowRateLimiter(RedisStorage(url))
    async_limiter = AsyncMovingWindow(AsyncRedisStorage("async+" + url, implementation="redispy"))
    item = parse("1000000/second")

    def sync_cache() -> None:
        client.set("medianest:cache:k", b'{"v":1}', px=60_000)
        client.get("medianest:cache:k")

    async def async_cache() -> None:
        await aclient.set("medianest:cache:k", b'{"v":1}', px=60_000)
        await aclient.get("medianest:cache:k")

    async def ours_cache() -> None:
        await cache.set("k", 1, ttl=60)
        await cache.get("k")

    async def async_hit() -> None:
        await async_limiter.hit(item, "k")

    sides = [
        Side("redis.asyncio SET + GET", async_cache),
        Side("RedisCache.set + get (worker thread)", ours_cache),
        Side("redis-py SET + GET (sync, blocks the loop)", sync_cache, False),
        Side("limits.aio moving-window hit", async_hit),
        Side("RateLimiter.try_acquire on Redis (worker thread)", lambda: limiter.try_acquire("k")),
        Side(
            "limits moving-window hit (sync, blocks the loop)",
            lambda: raw_limiter.hit(item, "k"),
            False,
        ),
    ]
    try:
        results = await run_case("redis", sides, rounds=rounds, iterations=300)
    finally:
        await aclient.aclose()
    return report(results[:3], sides[0].name) + report(results[3:], sides[3].name)


async def run(rounds: int, redis_url: str | None) -> Rows:
    rows: Rows = []
    with bench_server(2000) as url:
        rows += await pipeline_vs_raw(url, rounds)
        rows += await plex_cache_hit(url, rounds)
        rows += await plex_vs_plexapi(url, max(3, rounds // 2))
        rows += await concurrency(url, max(3, rounds // 2))
        rows += await blocking_overhead(url, rounds)
    rows += await webhook_verify(rounds)
    rows += await redis_cases(rounds, redis_url)
    return rows


async def backend_cases(rounds: int) -> Rows:
    with bench_server(2000) as url:
        return await pipeline_on(url, rounds, "trio" if _on_trio() else "asyncio")


def _on_trio() -> bool:
    import sniffio

    return sniffio.current_async_library() == "trio"


def main(rounds: int = 7) -> Rows:
    with redis_server() as url:
        rows: Rows = anyio.run(run, rounds, url)
    rows += anyio.run(backend_cases, rounds)
    rows += anyio.run(backend_cases, rounds, backend="trio")
    return rows + import_time(rounds)
