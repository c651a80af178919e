"""Search speed: model load, embedding throughput, index build and query latency at three sizes,
and exact (flat) against approximate (IVF, HNSW) FAISS indexes to justify the threshold.

Sizes: the document (~136 units), 10,000 units (document + synthetic initiatives, embedded
with the real model: the build time is the 2-minute target), 100,000 units (the extra
90,000 synthetic passages get hashed bag-of-words vectors, see bench/synthetic.py, because
embedding them with the model would take most of an hour on 2 cores; queries still go
through the real model, so latency is end to end). Latency = `Searcher.search(q, k=10)`
with the model warm: query embedding, BM25, FAISS, fusion and graph context.
"""

from __future__ import annotations

import os
import time

import numpy as np

from bench.fixtures import build_document, load_embedder, temp_home
from bench.report import median, percentile, write
from bench.search_quality import load_devset
from bench.synthetic import HashingPassages, add_initiatives, clauses, structured_vectors, texts

ROUNDS = 2
# REGIONGRAF_BENCH_QUICK=1 shrinks every size (a smoke test of the benchmark itself).
QUICK = os.environ.get("REGIONGRAF_BENCH_QUICK") == "1"
MEDIUM, LARGE = (1_000, 5_000) if QUICK else (10_000, 100_000)
ANN_SIZES = (1_000, 5_000) if QUICK else (10_000, 30_000, 50_000, 100_000)


def latencies(searcher, queries, rounds=ROUNDS) -> list[float]:
    for q in queries[:5]:
        searcher.search(q, k=10)  # warm caches
    out = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            searcher.search(q, k=10)
            out.append((time.perf_counter() - t) * 1000)
    return out


def stage_times(searcher, queries) -> dict:
    """Median ms per stage: query embedding, ranking (BM25 + FAISS + fusion), context."""
    index = searcher.refresh()
    emb, rank, ctx = [], [], []
    for q in queries:
        t0 = time.perf_counter()
        searcher.embedder.embed_queries([q])
        t1 = time.perf_counter()
        top = searcher.rank(index, q, None, {})[:10]
        t2 = time.perf_counter()
        searcher.contexts._cache.clear()
        searcher._hits(index, top, {}, [])
        t3 = time.perf_counter()
        emb.append((t1 - t0) * 1000)
        rank.append((t2 - t1) * 1000 - emb[-1])  # rank() embeds the query again
        ctx.append((t3 - t2) * 1000)
    return {"embed_ms": round(median(emb), 2), "retrieve_fuse_ms": round(median(rank), 2),
            "context_ms": round(median(ctx), 2)}


def query_threads(embedder, queries) -> dict:
    """Query-embedding latency with 1 and 2 torch threads (one short text: threads mostly wait)."""
    import torch

    before = torch.get_num_threads()
    out = {}
    for n in (1, 2):
        torch.set_num_threads(n)
        times = []
        for q in queries:
            t = time.perf_counter()
            embedder.embed_queries([q])
            times.append((time.perf_counter() - t) * 1000)
        out[str(n)] = {"p50": round(median(times), 1), "p99": round(percentile(times, 99), 1)}
    torch.set_num_threads(before)
    return out


def size_row(label, searcher, queries, build=None) -> dict:
    lat = latencies(searcher, queries)
    index = searcher.refresh()
    row = {"units": len(index.units), "case": label, "index": index.dense.kind,
           "build_s": round(build.seconds, 1) if build else None,
           "embedded": build.embedded if build else None,
           "p50_ms": round(median(lat), 1), "p99_ms": round(percentile(lat, 99), 1)}
    row.update(stage_times(searcher, queries[:20]))
    print(row, flush=True)
    return row


def ann_comparison(base: np.ndarray, queries: np.ndarray, sizes=ANN_SIZES) -> list[dict]:
    """FAISS alone: build time, single-query latency and recall@10 against exact search."""
    import faiss

    from search.index.dense import DenseIndex

    rows = []
    for n in sizes:
        vecs = structured_vectors(base, n, seed=n)
        vids = np.arange(n, dtype=np.int64)
        exact = None
        configs = [("flat", {}), ("ivf", {"nprobe": 8}), ("ivf", {"nprobe": 16}), ("ivf", {"nprobe": 32}),
                   ("ivf", {"nprobe": 64}), ("hnsw", {"ef": 64}), ("hnsw", {"ef": 128})]
        built: dict[str, tuple[object, float]] = {}
        for kind, params in configs:
            if kind not in built:
                t = time.perf_counter()
                if kind == "hnsw":
                    index = faiss.IndexHNSWFlat(base.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
                    index.add(vecs)
                else:
                    index = DenseIndex.create(vecs, vids, base.shape[1], kind=kind)
                built[kind] = (index, time.perf_counter() - t)
            index, build_s = built[kind]
            got, lat = [], []
            for q in queries:
                t = time.perf_counter()
                if kind == "hnsw":
                    index.hnsw.efSearch = params["ef"]
                    _, ids = index.search(q[None, :], 10)
                else:
                    _, ids = index.search(q, 10, nprobe=params.get("nprobe"))
                lat.append((time.perf_counter() - t) * 1000)
                got.append(ids[0])
            if kind == "flat":
                exact = got
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, exact, strict=True)]))
            row = {"vectors": n, "index": kind + "".join(f" {k}={v}" for k, v in params.items()),
                   "build_s": round(build_s, 2), "p50_ms": round(median(lat), 3),
                   "p99_ms": round(percentile(lat, 99), 3), "recall@10": round(recall, 3)}
            print(row, flush=True)
            rows.append(row)
    return rows


def main() -> None:
    from search.index.update import update_index
    from search.searcher import Searcher

    queries = [q["query"] for q in load_devset()]
    rows: list[dict] = []
    # The machine is shared: the load average says how much of it this run had.
    extra: dict = {"load_average_start": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    with temp_home() as settings:
        build_document(settings)
        t = time.perf_counter()
        embedder = load_embedder(settings)
        extra["model_load_s"] = round(time.perf_counter() - t, 2)
        from graph.store import open_store

        sample = texts(512, clauses(open_store(settings)), seed=1)
        embedder.embed_passages(sample[:32])
        t = time.perf_counter()
        embedder.embed_passages(sample, batch_size=32)
        extra["embed_passages_per_s"] = round(len(sample) / (time.perf_counter() - t), 1)
        extra["passage_words_mean"] = round(float(np.mean([len(s.split()) for s in sample])), 1)
        q_times = []
        for q in queries:
            t = time.perf_counter()
            embedder.embed_queries([q])
            q_times.append((time.perf_counter() - t) * 1000)
        extra["embed_query_ms_p50"] = round(median(q_times), 1)
        extra["embed_query_ms_p50_by_torch_threads"] = query_threads(embedder, queries)
        print({k: v for k, v in extra.items()}, flush=True)

        build = update_index(settings, progress=None, embedder=embedder, full=True)
        searcher = Searcher.load(settings, embedder=embedder)
        rows.append(size_row("dokumentet", searcher, queries, build))
        doc_units = build.units

        add_initiatives(settings, MEDIUM - doc_units, seed=1)
        build = update_index(settings, progress=None, embedder=embedder, full=True)
        extra["build_medium"] = {"units": build.units, "seconds": round(build.seconds, 1),
                                 "embed_seconds": round(build.embed_seconds, 1),
                                 "target_s": 120, "met": build.seconds < 120}
        searcher.refresh()
        rows.append(size_row(f"{MEDIUM} (ekte vektorer)", searcher, queries, build))
        base = searcher.refresh().vectors.copy()

        # An incremental update after an import of 50 new nodes: only those are embedded.
        add_initiatives(settings, 50, seed=7)
        t = time.perf_counter()
        upd = update_index(settings, progress=None, embedder=embedder)
        extra["update_50_new"] = {"seconds": round(time.perf_counter() - t, 1), "embedded": upd.embedded,
                                         "reused": upd.reused}

        add_initiatives(settings, LARGE - upd.units, seed=2)
        hashing = HashingPassages(embedder)
        build = update_index(settings, progress=None, embedder=hashing)
        searcher = Searcher.load(settings, embedder=hashing)
        rows.append(size_row(f"{LARGE} ({LARGE - upd.units} hash-vektorer)", searcher, queries, build))
        # The same 100k with exact search, for comparison.
        index = searcher.refresh()
        from search.index.dense import DenseIndex

        index.dense = DenseIndex.create(index.vectors, index.vids, index.vectors.shape[1], kind="flat")
        rows.append(size_row(f"{LARGE}, tvunget eksakt (flat)", searcher, queries))

        qv = embedder.embed_queries(queries)
        rng = np.random.default_rng(3)
        near = structured_vectors(base, 138, noise=0.03, seed=99)
        probe = np.vstack([qv, near])[rng.permutation(len(qv) + len(near))]
        extra["exact_vs_approximate"] = ann_comparison(base, probe)
    from search.index.dense import APPROX_THRESHOLD, NPROBE

    extra["threshold"] = {"approx_threshold": APPROX_THRESHOLD, "nprobe": NPROBE}
    extra["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    write("search_speed", "Søkefart (Searcher.search, k=10, modellen varm)", rows, extra)
    from bench.report import table

    print(table("Eksakt mot omtrentlig FAISS-søk (bare FAISS, ett søk om gangen)", extra["exact_vs_approximate"]))


if __name__ == "__main__":
    main()
