"""Micro-batching and the query cache in front of the real model (search/embedding/batcher.py,
cache.py), and the server's 503 when too many searches wait."""

import threading
import time

import numpy as np
import pytest

from search.embedding.batcher import EmbedderBusy, QueryBatcher
from search.embedding.cache import QueryCache, model_key

QUERIES = [
    "sykkel", "Hva gjør vi for å få flere til å sykle?", "nuclear power", "kompetanse og rekruttering",
    "ren Oslofjord", "sirkulærøkonomi i bygg", "grønn næringstransport", "kollektivtransport i Akershus",
    "kraftunderskudd og fornybar energi", "water quality in the Oslofjord", "faggruppe ATP", "Oslofjorden",
    "hydrogen til tungtransport", "boligbygging langs jernbanen", "innovasjon i offentlig sektor",
    "internasjonal profilering av regionen",
]


class Counting:
    """The real embedder, counting calls and texts; optionally held at a gate before embedding."""

    def __init__(self, real, gate: threading.Event | None = None):
        self.real, self.name, self.dim, self.gate = real, real.name, real.dim, gate
        self.calls, self.texts = 0, 0
        self.entered = threading.Event()

    def embed_queries(self, texts):
        self.calls += 1
        self.texts += len(texts)
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(30), "gate never opened"
        return self.real.embed_queries(texts)

    def embed_passages(self, texts, batch_size=32, show_progress=False):
        return self.real.embed_passages(texts, batch_size=batch_size, show_progress=show_progress)


def cos(a, b):
    return (np.asarray(a) * np.asarray(b)).sum(axis=-1)


@pytest.fixture(scope="module")
def alone(embedder):
    """Each query embedded on its own, without the batcher."""
    return {q: embedder.embed_queries([q])[0] for q in QUERIES}


def concurrently(fn, args):
    """fn(arg) for every arg in its own thread, released together; results (or exceptions) in order."""
    barrier = threading.Barrier(len(args))
    out = [None] * len(args)

    def run(i, arg):
        barrier.wait()
        try:
            out[i] = fn(arg)
        except Exception as err:  # collected, asserted by the test
            out[i] = err

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


# -- batcher ---------------------------------------------------------------------------------
def test_batched_results_identical_to_unbatched(embedder):
    batcher = QueryBatcher(embedder, max_wait=0.001)
    try:
        texts = QUERIES[:8]
        assert np.allclose(batcher.embed_queries(texts), embedder.embed_queries(texts), atol=1e-6)
        one = batcher.embed_queries(["sykkel"])
        assert one.shape == (1, embedder.dim) and one.dtype == np.float32
        assert np.allclose(one, embedder.embed_queries(["sykkel"]), atol=1e-6)
        assert batcher.embed_queries([]).shape == (0, embedder.dim)
        assert batcher.name == embedder.name and batcher.dim == embedder.dim and batcher.is_e5 == embedder.is_e5
    finally:
        batcher.close()


def test_concurrent_callers_get_their_own_vectors(embedder, alone):
    counting = Counting(embedder)
    batcher = QueryBatcher(counting, max_wait=0.05, max_batch=32)
    try:
        results = concurrently(lambda q: batcher.embed_queries([q]), QUERIES)
    finally:
        batcher.close()
    for q, got in zip(QUERIES, results, strict=True):
        assert not isinstance(got, Exception), got
        assert got.shape == (1, embedder.dim)
        assert cos(got[0], alone[q]) > 0.99999, q  # its own vector, not a neighbour's
    assert counting.texts == len(QUERIES)
    assert counting.calls < len(QUERIES) / 2, "the callers were not batched"
    assert batcher.batches == counting.calls


def test_duplicate_queries_in_a_batch_are_embedded_once(embedder, alone):
    counting = Counting(embedder)
    batcher = QueryBatcher(counting, max_wait=0.05)
    try:
        results = concurrently(lambda q: batcher.embed_queries([q]), ["sykkel"] * 6 + ["nuclear power"] * 2)
    finally:
        batcher.close()
    assert counting.texts <= 2 * counting.calls
    for got, q in zip(results, ["sykkel"] * 6 + ["nuclear power"] * 2, strict=True):
        assert cos(got[0], alone[q]) > 0.99999


def test_full_queue_refuses_at_once(embedder):
    gate = threading.Event()
    counting = Counting(embedder, gate)
    batcher = QueryBatcher(counting, max_wait=0.0, max_batch=1, max_queue=2)
    results = {}

    def call(q):
        results[q] = batcher.embed_queries([q])

    first = threading.Thread(target=call, args=("sykkel",))
    first.start()
    assert counting.entered.wait(10)  # the worker holds "sykkel" at the gate
    waiting = [threading.Thread(target=call, args=(q,)) for q in ("nuclear power", "ren Oslofjord")]
    for t in waiting:
        t.start()
    deadline = time.monotonic() + 10
    while batcher.pending() < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert batcher.pending() == 2
    t = time.perf_counter()
    with pytest.raises(EmbedderBusy) as err:
        batcher.embed_queries(["kompetanse og rekruttering"])
    assert time.perf_counter() - t < 0.5  # refused, not queued
    assert err.value.retry_after >= 1 and "Prøv igjen" in str(err.value)
    gate.set()
    for th in (first, *waiting):
        th.join(30)
    batcher.close()
    assert set(results) == {"sykkel", "nuclear power", "ren Oslofjord"}  # the waiting ones were served


def test_wait_for_company_is_bounded(embedder):
    single = min(_timed(lambda: embedder.embed_queries(["sykkel"])) for _ in range(3))
    batcher = QueryBatcher(embedder, max_wait=0.2, max_batch=2)
    try:
        batcher.embed_queries(["warm up"])
        elapsed = _timed(lambda: batcher.embed_queries(["sykkel"]))  # alone: waits max_wait, not longer
        assert 0.19 <= elapsed < 0.2 + 10 * single + 0.5
        # A full batch goes at once, long before max_wait.
        t = time.perf_counter()
        concurrently(lambda q: batcher.embed_queries([q]), ["sykkel", "nuclear power"])
        assert time.perf_counter() - t < 0.19 + 10 * single
    finally:
        batcher.close()


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def test_errors_reach_every_caller_and_the_worker_survives(embedder):
    class Failing(Counting):
        def embed_queries(self, texts):
            if "boom" in texts:
                raise RuntimeError("model failed")
            return super().embed_queries(texts)

    batcher = QueryBatcher(Failing(embedder), max_wait=0.05)
    try:
        results = concurrently(lambda q: batcher.embed_queries([q]), ["boom", "sykkel"])
        assert all(isinstance(r, RuntimeError) for r in results)
        assert batcher.embed_queries(["sykkel"]).shape == (1, embedder.dim)
    finally:
        batcher.close()


def test_large_batches_bypass_the_queue(embedder):
    counting = Counting(embedder)
    batcher = QueryBatcher(counting, max_batch=4, max_queue=4)
    many = QUERIES[:10]
    assert np.allclose(batcher.embed_queries(many), embedder.embed_queries(many), atol=1e-6)
    assert batcher.batches == 0 and counting.calls == 1


# -- cache -----------------------------------------------------------------------------------
def test_cache_hit_returns_the_same_vector_without_the_model(embedder, alone):
    counting = Counting(embedder)
    cache = QueryCache(counting, size=8)
    first = cache.embed_queries(["sykkel", "nuclear power"])
    again = cache.embed_queries(["nuclear power", "sykkel", "sykkel"])
    assert counting.texts == 2 and cache.hits == 3 and cache.misses == 2
    assert np.array_equal(again[1], first[0]) and np.array_equal(again[0], first[1])
    assert cos(first[0], alone["sykkel"]) > 0.99999
    again[0] += 1  # callers get their own arrays: the cache is not changed through them
    assert np.array_equal(cache.embed_queries(["nuclear power"])[0], first[1])


def test_cache_is_bounded_and_evicts_the_least_recently_used(embedder):
    counting = Counting(embedder)
    cache = QueryCache(counting, size=3)
    for q in QUERIES[:3]:
        cache.embed_queries([q])
    cache.embed_queries([QUERIES[0]])  # now the most recently used
    cache.embed_queries(QUERIES[3:6])
    assert len(cache) == 3
    before = counting.texts
    cache.embed_queries(QUERIES[3:6])
    assert counting.texts == before  # the newest three are kept
    cache.embed_queries([QUERIES[1]])
    assert counting.texts == before + 1  # an evicted one is embedded again


def test_cache_is_thread_safe_and_keyed_by_model(embedder, alone):
    cache = QueryCache(QueryBatcher(embedder, max_wait=0.01), size=4)
    results = concurrently(lambda q: cache.embed_queries([q])[0], QUERIES * 2)
    for q, got in zip(QUERIES * 2, results, strict=True):
        assert cos(got, alone[q]) > 0.99999
    assert len(cache) == 4

    class Other:
        name, dim, backend, source = embedder.name, embedder.dim, "onnx-int8", "/elsewhere"

    assert model_key(Other) != model_key(embedder)  # same name, other backend: other vectors


# -- the server ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def busy_app(indexed_home, embedder):
    from api.app import create_app
    from search.searcher import Searcher

    settings = indexed_home.model_copy(update={"search_queue": 1})
    app = create_app(settings)
    app.state.searcher = Searcher.load(settings, embedder=embedder)
    return app


def test_full_search_queue_is_503_with_retry_after(busy_app):
    from fastapi.testclient import TestClient

    from api.deps import search_slots

    assert search_slots(busy_app.state.settings) == 1
    with TestClient(busy_app) as client:
        assert client.get("/api/search", params={"q": "sykkel"}).status_code == 200
        limiter = busy_app.state.search_limiter
        holder = object()
        client.portal.call(lambda: _acquire(limiter, holder))  # every slot taken
        try:
            r = client.get("/api/search", params={"q": "sykkel"})
            assert r.status_code == 503 and r.headers["retry-after"] == "1"
            assert "Prøv igjen" in r.json()["error"]
            page = client.get("/", params={"q": "sykkel"}, headers={"Accept": "text/html"})
            assert page.status_code == 503 and page.headers["retry-after"] == "1"
            assert "Prøv igjen" in page.text
        finally:
            client.portal.call(lambda: _release(limiter, holder))
        assert client.get("/api/search", params={"q": "sykkel"}).status_code == 200


def test_busy_model_is_503_with_retry_after(indexed_home, embedder):
    from fastapi.testclient import TestClient

    from api.app import create_app

    class Busy(Counting):
        def embed_queries(self, texts):
            raise EmbedderBusy(3)

    app = create_app(indexed_home, embedder=Busy(embedder))
    with TestClient(app) as client:
        r = client.get("/api/search", params={"q": "sykkel"})
    assert r.status_code == 503 and r.headers["retry-after"] == "3"
    assert r.json() == {"error": "Søketjenesten er opptatt med mange søk akkurat nå. Prøv igjen om litt."}


async def _acquire(limiter, holder):
    limiter.acquire_on_behalf_of_nowait(holder)


async def _release(limiter, holder):
    limiter.release_on_behalf_of(holder)
