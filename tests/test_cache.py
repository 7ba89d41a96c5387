from __future__ import annotations

from collections import OrderedDict

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import medianest_sdk as mn
from medianest_sdk.testing import ManualClock, capture_events


async def test_ttl_and_stale_window() -> None:
    clock = ManualClock()
    cache = mn.MemoryCache(clock=clock)
    await cache.set("plex:k", {"a": 1}, ttl=10, max_stale=5)
    entry = await cache.get("plex:k")
    assert entry is not None
    assert entry.is_fresh(clock.now())
    clock.advance(12)
    entry = await cache.get("plex:k")
    assert entry is not None
    assert not entry.is_fresh(clock.now())  # stale but kept
    assert entry.age(clock.now()) == 12
    clock.advance(4)
    assert await cache.get("plex:k") is None  # past max_stale: gone


async def test_lru_eviction_keeps_recently_used() -> None:
    cache = mn.MemoryCache(max_entries=2)
    await cache.set("a", 1)
    await cache.set("b", 2)
    await cache.get("a")
    await cache.set("c", 3)
    assert await cache.get("b") is None
    assert await cache.get("a") is not None
    assert len(cache) == 2


async def test_invalidate_by_prefix() -> None:
    cache = mn.MemoryCache()
    for key in ("plex:1:sections", "plex:1:section/2", "plex:2:sections", "kuma:x"):
        await cache.set(key, key)
    assert await cache.invalidate("plex:1:") == 2
    assert await cache.get("plex:2:sections") is not None
    assert await cache.delete("kuma:x")
    assert not await cache.delete("kuma:x")


async def test_validation() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        mn.MemoryCache(0)
    with pytest.raises(ValueError, match="ttl"):
        await mn.MemoryCache().set("k", 1, ttl=0)
    with pytest.raises(ValueError, match="max_stale"):
        await mn.MemoryCache().set("k", 1, max_stale=-1)


@pytest.mark.redis
async def test_redis_cache_round_trip_and_invalidate(redis_url: str) -> None:
    clock = ManualClock(start=1.7e9)
    cache = mn.RedisCache(redis_url, clock=clock)
    other = mn.RedisCache(redis_url, clock=clock)  # another process
    await cache.set("plex:1:a*b", {"items": [1, 2]}, ttl=30, max_stale=10)
    await cache.set("plex:1:c", [1])
    await cache.set("plex:10:c", [1])
    entry = await other.get("plex:1:a*b")
    assert entry is not None
    assert entry.value == {"items": [1, 2]}
    assert entry.fresh_until == clock.now() + 30
    assert await other.invalidate("plex:1:") == 2  # glob characters in keys are literal
    assert await cache.get("plex:1:c") is None
    assert await cache.get("plex:10:c") is not None
    with pytest.raises(TypeError):
        await cache.set("bad", object())


@pytest.mark.redis
async def test_redis_cache_never_unpickles(redis_url: str) -> None:
    import pickle

    import redis

    cache = mn.RedisCache(redis_url)
    redis.Redis.from_url(redis_url).set("medianest:cache:evil", pickle.dumps({"x": 1}))
    assert await cache.get("evil") is None


# -- stateful: TTL and LRU bound against a model ------------------------------------------------

MAX = 4


class CacheModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.cache = mn.MemoryCache(MAX, clock=self.clock)
        self.model: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key -> (value, drop_at)

    def _expire(self, key: str) -> None:
        if key in self.model and self.clock.now() >= self.model[key][1]:
            del self.model[key]

    @rule(key=st.sampled_from("abcdef"), value=st.integers(), ttl=st.integers(1, 30))
    def set(self, key: str, value: int, ttl: int) -> None:
        anyio.run(lambda: self.cache.set(key, value, ttl=ttl))
        self.model[key] = (value, self.clock.now() + ttl)
        self.model.move_to_end(key)
        while len(self.model) > MAX:
            self.model.popitem(last=False)

    @rule(key=st.sampled_from("abcdef"))
    def get(self, key: str) -> None:
        entry = anyio.run(lambda: self.cache.get(key))
        self._expire(key)
        if key in self.model:
            self.model.move_to_end(key)
            assert entry is not None
            assert entry.value == self.model[key][0]
        else:
            assert entry is None

    @rule(seconds=st.integers(0, 20))
    def wait(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @invariant()
    def bounded(self) -> None:
        assert len(self.cache) <= MAX


TestCacheModel = CacheModel.TestCase
TestCacheModel.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)


async def test_add_is_set_if_absent() -> None:
    clock = ManualClock()
    cache = mn.MemoryCache(clock=clock)
    assert await cache.add("id-1", 1, ttl=10)
    assert not await cache.add("id-1", 2, ttl=10)
    clock.advance(11)
    assert await cache.add("id-1", 3, ttl=10)


@pytest.mark.redis
async def test_redis_add_is_atomic_across_clients(redis_url: str) -> None:
    a, b = mn.RedisCache(redis_url), mn.RedisCache(redis_url)
    results: list[bool] = []

    async def add(cache: mn.RedisCache) -> None:
        results.append(await cache.add("delivery-7", 1, ttl=60))

    async with anyio.create_task_group() as tg:
        for cache in (a, b) * 5:
            tg.start_soon(add, cache)
    assert sorted(results) == [False] * 9 + [True]


@pytest.mark.redis
async def test_redis_cut_mid_call_loses_no_answer_and_leaves_nothing_stuck(
    redis_url: str,
) -> None:
    from .tcp_proxy import TcpProxy

    with TcpProxy.for_redis(redis_url) as proxy:
        pipeline = mn.ResiliencePipeline(cache=mn.RedisCache(proxy.url()))
        calls = 0

        async def upstream() -> dict[str, int]:
            nonlocal calls
            calls += 1
            if calls == 1:
                proxy.cut()  # Redis drops after the lookup, before the answer is stored
            return {"n": calls}

        with capture_events(mn.StoreUnavailable) as events:
            assert await pipeline.execute(upstream, cache_key="k") == {"n": 1}  # not lost
            assert await pipeline.execute(upstream, cache_key="k") == {"n": 2}  # a miss, served
        assert {e.operation for e in events} == {"set", "get"}
        assert all(e.policy == "fail_open" for e in events)
        proxy.restore()
        assert await pipeline.execute(upstream, cache_key="k") == {"n": 3}
        assert await pipeline.execute(upstream, cache_key="k") == {"n": 3}  # cached again
        strict = mn.RedisCache(proxy.url(), on_store_error="fail_closed")
        proxy.cut()
        with pytest.raises(mn.StoreUnavailableError):
            await strict.get("k")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["set", "delete", "invalidate", "get"]),
            st.text(alphabet="ab/:", max_size=6),
        ),
        max_size=60,
    ),
    st.integers(1, 20),
)
def test_memory_cache_invalidate_drops_exactly_the_prefixed_keys(
    ops: list[tuple[str, str]], max_entries: int
) -> None:
    """Against a plain model: an LRU dict whose invalidate scans every key."""
    anyio.run(_against_model, ops, max_entries)


async def _against_model(ops: list[tuple[str, str]], max_entries: int) -> None:
    cache = mn.MemoryCache(max_entries=max_entries)
    model: dict[str, int] = {}
    for n, (op, key) in enumerate(ops):
        if op == "set":
            await cache.set(key, n)
            model.pop(key, None)
            model[key] = n
            while len(model) > max_entries:
                model.pop(next(iter(model)))
        elif op == "delete":
            assert await cache.delete(key) == (model.pop(key, None) is not None)
        elif op == "invalidate":
            doomed = [k for k in model if k.startswith(key)]
            assert await cache.invalidate(key) == len(doomed)
            for k in doomed:
                del model[k]
        else:
            entry = await cache.get(key)
            assert (entry is None) == (key not in model)
            if key in model:
                assert entry is not None and entry.value == model[key]
                model[key] = model.pop(key)  # recently used moves last
    assert len(cache) == len(model)


async def test_a_large_invalidate_yields_and_keeps_what_is_stored_meanwhile() -> None:
    cache = mn.MemoryCache(max_entries=10_000)
    for n in range(3_500):
        await cache.set(f"plex:1:/item/{n}", n)
    await cache.set("plex:2:/other", "kept")

    async def store_meanwhile() -> None:
        await cache.set("plex:1:/item/3499", "new")  # stored while the drop runs

    async with anyio.create_task_group() as tg:
        tg.start_soon(store_meanwhile)  # runs at the invalidate's first checkpoint
        dropped = await cache.invalidate("plex:1:")
    assert dropped == 3_499
    entry = await cache.get("plex:1:/item/3499")
    assert entry is not None and entry.value == "new"
    assert await cache.get("plex:1:/item/0") is None
    assert len(cache) == 2


# -- the key index is built by the first invalidate(), while stores go on -----------------------

_KEY = st.text(alphabet="ab/", min_size=1, max_size=4)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=120, deadline=None)
@given(
    initial=st.lists(_KEY, max_size=25),
    during=st.lists(st.tuples(st.sampled_from(["set", "delete", "get"]), _KEY), max_size=25),
    prefix=st.text(alphabet="ab/", max_size=2),
    indexed_before=st.booleans(),
)
def test_first_invalidate_builds_the_index_while_the_cache_is_used(
    backend: str,
    initial: list[str],
    during: list[tuple[str, str]],
    prefix: str,
    indexed_before: bool,
) -> None:
    """Two keys per chunk, so the build and the drop span many checkpoints, with sets, deletes
    and reads between them: what was stored before the call under the prefix is gone, what was
    stored meanwhile is kept, and every key left is still reachable by a later invalidate()."""
    import medianest_sdk.resilience.cache as cache_module

    async def scenario() -> None:
        cache = mn.MemoryCache(max_entries=1000)
        if indexed_before:  # the index exists already: stores keep it
            await cache.invalidate("zzz")
        stored_meanwhile: set[str] = set()
        present: set[str] = set()
        for n, key in enumerate(initial):
            await cache.set(key, n)
            present.add(key)
        started = anyio.Event()
        dropped: list[int] = []

        async def run_invalidate() -> None:
            call = cache.invalidate(prefix)
            started.set()  # the call's first step (it notes what is "before") runs next
            dropped.append(await call)

        async def use() -> None:
            await started.wait()
            for n, (op, key) in enumerate(during):
                if op == "set":
                    await cache.set(key, -n)
                    stored_meanwhile.add(key)
                    present.add(key)
                elif op == "delete":
                    assert await cache.delete(key) == (key in present) or key.startswith(prefix)
                    present.discard(key)
                    stored_meanwhile.discard(key)
                else:
                    await cache.get(key)
                await anyio.lowlevel.checkpoint()

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_invalidate)
            tg.start_soon(use)
        expected = {k for k in present if k in stored_meanwhile or not k.startswith(prefix)}
        left = {k for k in expected | set(initial) if await cache.get(k) is not None}
        assert left == expected
        assert dropped[0] <= len({k for k in initial if k.startswith(prefix)})
        # the index holds each key left exactly once: a full invalidate empties the cache
        assert await cache.invalidate("") == len(expected)
        assert len(cache) == 0

    original = cache_module.INVALIDATE_CHUNK
    cache_module.INVALIDATE_CHUNK = 2
    try:
        anyio.run(scenario, backend=backend)
    finally:
        cache_module.INVALIDATE_CHUNK = original


async def test_eviction_during_the_index_build_leaves_no_stale_key() -> None:
    cache = mn.MemoryCache(max_entries=3_000)
    for n in range(3_000):
        await cache.set(f"plex:1:/item/{n}", n)

    async def churn() -> None:  # each store evicts the oldest entry
        for n in range(1_500):
            await cache.set(f"plex:2:/new/{n}", n)
            if n % 100 == 0:
                await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as tg:
        tg.start_soon(churn)
        assert await cache.invalidate("plex:3:") == 0  # builds the index meanwhile
    assert len(cache) == 3_000
    assert await cache.invalidate("plex:2:") == 1_500
    assert await cache.invalidate("plex:1:") == 1_500
    assert len(cache) == 0


def test_a_cache_never_invalidated_reuses_its_key_slots() -> None:
    """Before the first invalidate() a key costs one list slot, freed slots are reused: a
    replay cache with a million deliveries through it stays at max_entries slots."""
    cache = mn.MemoryCache(max_entries=100)
    for n in range(10_000):
        assert cache.add_now(f"webhook:github:{n}", 1, ttl=60)
    assert len(cache) == 100
    # bounded by max_entries (+1: a store comes before its eviction), not by deliveries seen
    assert len(cache._slots) <= 101
